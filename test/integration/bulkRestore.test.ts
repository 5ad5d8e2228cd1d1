import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DEMO_IDS } from '../../src/simulator';
import { ALEX, BotHarness, cardReply, cardText, Conversation, MEGAN, requestIdOf } from '../support/botHarness';

/** Many items under one approval, through the real entry point: one request, one decision, $batch calls of at most 20. */
describe('bulk restore', function () {
  let bot: BotHarness;
  let channel: Conversation;

  beforeEach(async () => {
    bot = await BotHarness.start();
    channel = bot.conversation('channel', ALEX);
  });
  afterEach(async () => bot.stop());

  it('restores 45 users in exactly ⌈45/20⌉ = 3 $batch calls and reports every item', async () => {
    const ids = Array.from({ length: 45 }, (_, n) => {
      const id = randomUUID();
      bot.simulator.tenant.addDeleted('users', { id, displayName: `Temp User ${n}`, userPrincipalName: `temp${n}@contoso.onmicrosoft.com` });
      return id;
    });
    const asked = cardReply(await channel.say(`restore users ${ids.join(' ')} script went wrong`));
    const requestId = requestIdOf(asked.card);
    assert.match(cardText(asked.card), /Restore 45 deleted items: 45 users/);
    assert.match(cardText(asked.card), /Items page 1 of 2/);
    const since = bot.simulator.requests.length;
    await channel.as(MEGAN).invoke('request.approve', { requestId }, asked.id);
    await bot.idle();
    const calls = bot.simulator.requests.slice(since);
    assert.equal(calls.filter((r) => r.path === '/$batch' && !r.batch).length, 3, 'three $batch calls');
    assert.equal(calls.filter((r) => r.batch && r.path.endsWith('/restore')).length, 45);
    assert.equal(calls.filter((r) => !r.batch && r.path.endsWith('/restore')).length, 0, 'no restore outside a batch');
    for (const id of ids) assert.equal(bot.simulator.tenant.findDeleted('users', id), undefined);
    const final = bot.connector.updatesOf(asked.id).at(-1);
    assert.match(cardText(final), /Restored\. Approved by Megan Bowen/);
    assert.equal(cardText(final).match(/: restored/g)?.length, 25, 'page 1 lists 25 items with their result');
    const page2 = await channel.invoke('request.items', { requestId, page: 1 }, asked.id);
    assert.equal(cardText(page2.response.value).match(/: restored/g)?.length, 20, 'page 2 the other 20');

    // Each item shows the request-id of its own restore inside the batch, not the batch's.
    const graphIdOf = new Map(calls.filter((r) => r.batch && r.path.endsWith('/restore')).map((r) => [r.path.split('/')[3], r.requestId]));
    const batchIds = new Set(calls.filter((r) => r.path === '/$batch' && !r.batch).map((r) => r.requestId));
    const shown = new Map<number, string>();
    for (const text of [cardText(final), cardText(page2.response.value)]) {
      for (const [, n, id] of text.matchAll(/Temp User (\d+) \([^)]*\): restored · request-id ([0-9a-f-]{36})/g)) shown.set(Number(n), id);
    }
    assert.equal(shown.size, 45, 'every item shows a request-id');
    ids.forEach((id, n) => assert.equal(shown.get(n), graphIdOf.get(id), `Temp User ${n}: the request-id Graph gave its restore`));
    assert.equal(new Set(shown.values()).size, 45, 'one per item');
    for (const id of shown.values()) assert.ok(!batchIds.has(id), 'not the outer $batch request-id');
  });

  it('an app and its service principal run in order; a UPN conflict fails alone; an id not in the bin is left out', async () => {
    const missing = randomUUID();
    const asked = cardReply(await channel.say(`restore ${DEMO_IDS.deletedServicePrincipal} ${DEMO_IDS.deletedApp} ${DEMO_IDS.deletedUserUpnConflict} ${DEMO_IDS.deletedUser} ${missing}`));
    assert.match(cardText(asked.card), new RegExp(`Left out: ${missing}: not in the recycle bin`));
    await channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id);
    await bot.idle();
    const text = cardText(bot.connector.updatesOf(asked.id).at(-1));
    assert.match(text, /Restored in part: some items failed/);
    assert.match(text, /Lee Gu[^\n]*\n?failed: Request_BadRequest: Another object with the same value for property userPrincipalName/);
    const conflictRestore = bot.simulator.requests.find((r) => r.batch && r.path === `/directory/deletedItems/${DEMO_IDS.deletedUserUpnConflict}/restore`);
    assert.ok(conflictRestore);
    assert.match(text, new RegExp(`Lee Gu[^\\n]*\\n?failed: [^\\n]*· request-id ${conflictRestore.requestId}`), 'the failed item names the request-id of its own restore');
    assert.match(text, /1 of the 4 items did not restore/);
    assert.equal(bot.simulator.tenant.findDeleted('sps', DEMO_IDS.deletedServicePrincipal), undefined, 'the service principal came back after its app');
  });
});
