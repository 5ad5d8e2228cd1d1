import assert from 'node:assert/strict';
import { BotHarness, cardReply } from '../support/botHarness';

/**
 * Finding 6: malformed envelopes are refused with 400 and a short reason before the
 * adapter sees them; never a 500, never exception text.
 */
describe('malformed activities over HTTP', () => {
  let harness: BotHarness;

  before(async () => {
    harness = await BotHarness.start();
  });

  after(() => harness.stop());

  const cases: [string, (valid: Record<string, any>) => Record<string, unknown>, string][] = [
    ['a numeric from.aadObjectId', (a) => ({ ...a, from: { ...a.from, aadObjectId: 12345 } }), 'from.aadObjectId is not a string'],
    ['no conversation', (a) => ({ ...a, conversation: undefined }), 'conversation.id missing'],
    ['an empty conversation', (a) => ({ ...a, conversation: {} }), 'conversation.id missing'],
    ['a bad serviceUrl', (a) => ({ ...a, serviceUrl: 'not a url' }), 'serviceUrl is not a URL'],
    ['no type', (a) => ({ ...a, type: undefined }), 'type missing'],
    ['a card action with no value', (a) => ({ ...a, type: 'invoke', name: 'adaptiveCard/action', text: undefined }), 'value.action.verb missing'],
  ];
  for (const [what, corrupt, reason] of cases) {
    it(`answers ${what} with 400 and the reason`, async () => {
      const conversation = harness.conversation();
      const logsBefore = harness.logs.entries.length;
      const result = await conversation.post(corrupt(conversation.message('help')));
      assert.equal(result.status, 400);
      assert.deepEqual(result.response, { error: `bad activity: ${reason}` });
      assert.deepEqual(result.replies, []);
      const logged = harness.logs.entries.slice(logsBefore);
      assert.ok(logged.some((e) => e.event === 'http.activity.rejected' && e.level === 'warn' && e.reason === reason), JSON.stringify(logged));
      assert.ok(!logged.some((e) => e.level === 'error'), 'nothing was logged as an error');
    });
  }

  it('answers a body that is not JSON with 400 and a short JSON error', async () => {
    const result = await harness.conversation().post('{"type": "message", ');
    assert.equal(result.status, 400);
    assert.deepEqual(result.response, { error: 'bad activity: body is not valid JSON' });
  });

  it('answers a JSON array with 400', async () => {
    const result = await harness.conversation().post('[]');
    assert.equal(result.status, 400);
    assert.deepEqual(result.response, { error: 'bad activity: body is not a JSON object' });
  });

  it('answers a body over 1 MB with 413 and a short JSON error, and keeps serving', async () => {
    const conversation = harness.conversation();
    const result = await conversation.post({ ...conversation.message('help'), padding: 'x'.repeat(1024 * 1024 + 10) });
    assert.equal(result.status, 413);
    assert.deepEqual(result.response, { error: 'bad activity: body larger than 1 MB' });
    assert.ok(harness.logs.entries.some((e) => e.event === 'http.activity.rejected' && e.status === 413));
    cardReply(await conversation.say('help'));
  });

  it('still serves a well-formed activity', async () => {
    const { card } = cardReply(await harness.conversation().say('help'));
    assert.ok(card);
  });
});
