import assert from 'node:assert/strict';
import { createCredential } from '../../src/graph/credential';
import { GraphGateway } from '../../src/graph/gateway';
import { loadConfig } from '../../src/config';
import { memoryLogger } from '../../src/log';
import { ALEX, BotHarness, cardText, type Card, type Conversation } from '../support/botHarness';

/** When Graph or the input misbehaves, the user gets a clear answer and the bot keeps serving. */

function theCard(replies: { card?: Card; text?: string }[]): Card {
  assert.equal(replies.length, 1, `one reply expected, got ${replies.length}`);
  assert.ok(replies[0].card, `expected a card, got: ${replies[0].text}`);
  return replies[0].card;
}

/**
 * No wall-clock bounds here: the machine may be loaded. What is checked is what the user and
 * Graph see (the answer, how many calls were made); how fast the answer comes is measured by
 * `npm run bench` (bench/suiteTargets.ts).
 */

describe('when Graph fails', function () {
  /** The harness's tight settings (2 s per request, a 3 s budget): failures that last end quickly. */
  let bot: BotHarness;
  let chat: Conversation;
  /**
   * A budget no loaded machine runs out of before the first retry is due (2 s after the first
   * answer), for the failures a retry rides out.
   */
  let patient: BotHarness;
  let patientChat: Conversation;

  before(async () => {
    bot = await BotHarness.start();
    chat = bot.conversation('channel');
    patient = await BotHarness.start({ env: { GRAPH_TIMEOUT_MS: '10000', GRAPH_RETRY_BUDGET_MS: '30000' } });
    patientChat = patient.conversation('channel');
  });
  after(async () => Promise.all([bot.stop(), patient.stop()]));
  afterEach(() => {
    for (const harness of [bot, patient]) Object.assign(harness.simulator.faults, { fail503Next: 0, dropNext: 0, hangNext: 0, throttleNext: 0 });
  });

  it('a 429 storm without Retry-After ends within the retry budget with a clear message', async () => {
    bot.simulator.faults.throttleNext = 1000;
    const since = bot.simulator.requests.length;
    const text = cardText(theCard(await chat.say('deleted ca')));
    assert.match(text, /Could not list deleted Conditional Access policies/);
    assert.match(text, /Graph error: TooManyRequests/);
    assert.match(text, /HTTP status: 429/);
    assert.match(text, /Request id: [0-9a-f-]{36}/);
    assert.match(text, /1 request per second per tenant/);
    // The budget (3 s here) ended it, not the storm and not the retry count (6 retries): its
    // first retry waits 2 s, the next one 4 s, so the budget allows at most two attempts.
    const throttled = bot.simulator.requests.slice(since).filter((r) => r.status === 429).length;
    assert.ok(throttled >= 1 && throttled <= 2, `${throttled} throttled attempts`);
    assert.ok(bot.simulator.faults.throttleNext > 0, 'it gave up while Graph was still throttling');
    bot.simulator.faults.throttleNext = 0;
    assert.match(cardText(theCard(await chat.say('deleted ca'))), /Deleted Conditional Access policies/);
  });

  it('rides out a 429 by retrying after the back-off', async () => {
    patient.simulator.faults.throttleNext = 1;
    const since = patient.simulator.requests.length;
    assert.match(cardText(theCard(await patientChat.say('deleted ca'))), /Deleted Conditional Access policies/);
    const calls = patient.simulator.requests.slice(since).filter((r) => r.path.startsWith('/identity/conditionalAccess/deletedItems'));
    assert.deepEqual(calls.slice(0, 2).map((r) => r.status), [429, 200], 'throttled once, then answered');
  });

  it('rides out a 503 by retrying', async () => {
    patient.simulator.faults.fail503Next = 1;
    const text = cardText(theCard(await patientChat.say('deleted xtap')));
    assert.match(text, /Deleted cross-tenant access partners/);
  });

  it('reports a lasting 503 with the code and request id, then serves the next command', async () => {
    bot.simulator.faults.fail503Next = 1000;
    const text = cardText(theCard(await chat.say('deleted sync')));
    assert.match(text, /Graph error: ServiceUnavailable/);
    assert.match(text, /temporarily unavailable/);
    assert.match(text, /Request id: [0-9a-f-]{36}/);
    bot.simulator.faults.fail503Next = 0;
    assert.match(cardText(theCard(await chat.say('deleted sync'))), /Deleted cross-tenant identity-sync policies/);
  });

  it('times out a request that never answers and says so', async () => {
    bot.simulator.faults.hangNext = 1;
    const since = bot.simulator.requests.length;
    const text = cardText(theCard(await chat.say('deleted partners')));
    assert.match(text, /Graph error: Timeout/);
    assert.match(text, /did not answer within 2 s/);
    // One call, which hung: the bot gave up on it instead of waiting or retrying into the budget.
    assert.deepEqual(bot.simulator.requests.slice(since).filter((r) => r.path.includes('crossTenantPartners')).map((r) => r.status), [0]);
    assert.match(cardText(theCard(await chat.say('deleted partners'))), /Deleted cross-tenant access partners/);
  });

  it('retries a read whose connection dropped', async () => {
    patient.simulator.faults.dropNext = 1;
    assert.match(cardText(theCard(await patientChat.say('deleted partners'))), /Deleted cross-tenant access partners/);
  });

  it('keeps listing the kinds that work when one kind fails, and says which failed', async () => {
    bot.simulator.faults.hangNext = 1;
    const text = cardText(theCard(await chat.say('deleted')));
    assert.match(text, /Deleted policies and partners/);
    assert.match(text, /⚠️ Could not list deleted .*: Timeout/);
  });
});

describe('when the bot lacks permissions', () => {
  let bot: BotHarness;
  before(async () => {
    // Roles by object id, so that checking them needs no Graph permission.
    bot = await BotHarness.start({ simulator: { grantedRoles: ['AuditLog.Read.All'] }, env: { APPROVER_IDS: ALEX.aadObjectId } });
  });
  after(async () => bot.stop());

  it('fails closed when group roles cannot be checked, naming the permission', async () => {
    const groups = await BotHarness.start({ simulator: { grantedRoles: ['Policy.Read.All'] } });
    try {
      const before = groups.simulator.requests.length;
      const replies = await groups.conversation().say('deleted');
      assert.match(replies[0].text ?? '', /I could not check your role, so I did nothing\..*GroupMember\.Read\.All/);
      const calls = groups.simulator.requests.slice(before).map((r) => r.path);
      assert.ok(calls.every((path) => path.startsWith('/users/')), `only the role check reached Graph: ${calls.join(', ')}`);
    } finally {
      await groups.stop();
    }
  });

  it('a 403 names the missing permission and the request id', async () => {
    const text = cardText(theCard(await bot.conversation().say('deleted ca')));
    assert.match(text, /Graph error: Authorization_RequestDenied/);
    assert.match(text, /HTTP status: 403/);
    assert.match(text, /missing the application permission Policy\.Read\.All/);
    assert.match(text, /Request id: [0-9a-f-]{36}/);
  });

  it('status marks each missing permission', async () => {
    const text = cardText(theCard(await bot.conversation().say('status')));
    assert.match(text, /Graph answers: Yes/);
    assert.match(text, /Missing: needed to list and show deleted policies/);
    assert.match(text, /Present: say who deleted an item/);
  });
});

describe('refusing and tolerating bad input', () => {
  let bot: BotHarness;
  before(async () => {
    bot = await BotHarness.start({ configure: (config) => ({ ...config, allowedTenantId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee' }) });
  });
  after(async () => bot.stop());

  it('politely refuses activities from another tenant and logs it', async () => {
    const chat = bot.conversation();
    const before = bot.simulator.requests.length;
    const replies = await chat.say('deleted');
    assert.match(replies[0].text ?? '', /only serves the administrators of the tenant it is configured for/);
    assert.equal(bot.simulator.requests.length, before, 'no Graph call for a foreign tenant');
    assert.ok(bot.logs.entries.some((e) => e.event === 'activity.refused' && e.reason === 'foreign-tenant'));
  });

  it('answers stale or forged button data without crashing', async () => {
    const chat = bot.conversation();
    chat.tenantId = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
    const forged = await chat.invoke('item.show', { kind: 'users', id: '../../me' });
    assert.equal(forged.status, 200);
    assert.match(forged.response.value, /out of date/);
    const badPage = await chat.invoke('list.page', { kind: 'all', page: 'NaN', search: 42 });
    assert.equal(badPage.response.type, 'application/vnd.microsoft.card.adaptive');
    const unknownVerb = await chat.invoke('format.disk', {});
    assert.match(unknownVerb.response.value, /out of date/);
    const garbage = await fetch(`${bot.product.bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":' });
    assert.ok(garbage.status >= 400 && garbage.status < 500, `malformed JSON answered ${garbage.status}`);
    assert.match(cardText(theCard(await chat.say('help'))), /What I can do/);
  });
});

describe('the production credential path', () => {
  it('ClientSecretCredential against the authority: a wrong secret is reported with its AADSTS code', async () => {
    const bot = await BotHarness.start();
    try {
      const sim = bot.simulator;
      const settings = { ...loadConfig({}).graph, baseUrl: sim.url, retryBudgetMs: 2000 };
      const credential = createCredential(
        { type: 'secret', tenantId: sim.tenantId, clientId: sim.clientId, clientSecret: 'not-the-secret' },
        { authorityHost: sim.authorityHost, trustedCaPem: sim.caCertPem },
      );
      const gateway = new GraphGateway({ settings, credential, logger: memoryLogger(), trustedCaPem: sim.caCertPem });
      const probe = await gateway.probe();
      await gateway.close();
      assert.equal(probe.reachable, false);
      assert.equal(probe.failure?.code, 'AADSTS7000215');
      assert.match(probe.failure?.hint ?? '', /check AZURE_TENANT_ID, AZURE_CLIENT_ID/);
    } finally {
      await bot.stop();
    }
  });
});

describe('Conditional Access pacing', function () {
  this.timeout(30_000);
  let bot: BotHarness;

  before(async () => {
    // Production pacing; the budget covers the wait in the pacing queue.
    bot = await BotHarness.start({ env: { GRAPH_CA_MIN_INTERVAL_MS: '1000', GRAPH_RETRY_BUDGET_MS: '15000' } });
  });
  after(async () => bot.stop());

  it("keeps to Graph's 1 request/s on CA paths even with network jitter: three lists at once meet no 429", async () => {
    // Requests sent 1 s apart can arrive closer together; spacing from the answers cannot.
    Object.assign(bot.simulator.faults, { caRateLimitPerSecond: 1, latencyJitterMs: 400 });
    const since = bot.simulator.requests.length;
    const replies = await Promise.all(['deleted ca', 'deleted nl', 'deleted'].map((command) => bot.conversation('channel').say(command)));
    const caCalls = bot.simulator.requests.slice(since).filter((r) => r.path.startsWith('/identity/conditionalAccess'));
    assert.equal(caCalls.length, 4, 'one CA list each, two for "deleted"');
    assert.deepEqual(caCalls.map((r) => r.status), [200, 200, 200, 200]);
    for (const reply of replies) assert.match(cardText(theCard(reply)), /Newest deletion first · showing 1–/);
  });
});
