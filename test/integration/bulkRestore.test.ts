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
    assert.match(text, /1 of the 4 items did not restore/);
    assert.equal(bot.simulator.tenant.findDeleted('sps', DEMO_IDS.deletedServicePrincipal), undefined, 'the service principal came back after its app');
  });
});
