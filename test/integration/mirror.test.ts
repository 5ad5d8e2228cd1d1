import assert from 'node:assert/strict';
import { DEMO_IDS } from '../../src/simulator';
import { ALEX, BotHarness, cardReply, cardText, listActions, MEGAN, PATTI, requestIdOf, type Card, type Conversation } from '../support/botHarness';

/**
 * Reads served from the poller's mirror of the recycle bins: no Conditional Access request
 * while it is current, "as of" on the card, Refresh and a stale mirror read Graph, and every
 * row and details card says who deleted the item.
 */

const POLL_SECONDS = 60;
const DAY_MS = 86_400_000;

function onlyCard(replies: { card?: Card; text?: string }[]): Card {
  assert.equal(replies.length, 1, `expected one reply, got ${JSON.stringify(replies.map((r) => r.text ?? 'card'))}`);
  assert.ok(replies[0].card, `expected a card, got text: ${replies[0].text}`);
  return replies[0].card;
}

describe('reads from the mirror of the recycle bins', () => {
  let bot: BotHarness;
  let chat: Conversation;
  let clockMs: number;
  let unauditedId: string;

  /** Conditional Access requests (the 1 request/s budget) since `since`. */
  const caRequests = (since: number) => bot.simulator.requests.slice(since).filter((r) => r.path.startsWith('/identity/conditionalAccess'));

  beforeEach(async () => {
    clockMs = Date.now();
    bot = await BotHarness.start({ mirrorPollSeconds: POLL_SECONDS, now: () => new Date(clockMs) });
    chat = bot.conversation('personal');
    // Deleted without leaving an audit record, as after an audit-log retention gap.
    unauditedId = String(bot.simulator.tenant.addDeleted('ca', { displayName: 'CA077 - Unaudited policy', state: 'enabled', conditions: {} }, new Date(Date.now() - 2 * DAY_MS)).id);
    await bot.product.poller.runCycle();
  });
  afterEach(async () => bot.stop());

  it('deleted, Next and show make no Conditional Access call after a cycle and say how old the data is', async () => {
    clockMs += 12_000;
    const since = bot.simulator.requests.length;
    const list = onlyCard(await chat.say('deleted'));
    assert.match(cardText(list), /As of 12 s ago/);
    assert.ok(listActions(list).some((a) => a.title === 'Refresh'));
    const next = (await chat.click(list, 'Next ▶')).response.value as Card;
    assert.match(cardText(next), /As of 12 s ago/);
    const details = onlyCard(await chat.say(`show ${DEMO_IDS.caPolicyWithDeletedLocation}`));
    assert.match(cardText(details), /As of 12 s ago/);
    assert.match(cardText(details), /Deleted too \(\d+ days? left\): it must be restored first/);
    const clicked = await chat.click(list, 'Details');
    assert.match(cardText(onlyCard(clicked.replies)), /As of 12 s ago/);
    // The one Conditional Access read left: the named-location list that names a policy's locations, cached 10 minutes.
    assert.deepEqual(caRequests(since).map((r) => r.path), ['/identity/conditionalAccess/namedLocations']);
    assert.deepEqual(bot.simulator.requests.slice(since).filter((r) => r.path.includes('deletedItems')), [], 'no recycle-bin read of any kind');
  });

  it('search reads the mirror too', async () => {
    const since = bot.simulator.requests.length;
    const text = cardText(onlyCard(await chat.say('deleted ca CA077')));
    assert.match(text, /CA077 - Unaudited policy/);
    assert.deepEqual(caRequests(since), []);
  });

  it('Refresh reads Graph live, on the list and on the details card', async () => {
    const list = onlyCard(await chat.say('deleted ca'));
    let since = bot.simulator.requests.length;
    const refreshed = (await chat.click(list, 'Refresh')).response.value as Card;
    assert.ok(caRequests(since).length > 0, 'the list was read from Graph');
    assert.doesNotMatch(cardText(refreshed), /As of/);
    const details = onlyCard(await chat.say(`show ${DEMO_IDS.compliantDevicePolicy}`));
    since = bot.simulator.requests.length;
    const live = (await chat.click(details, 'Refresh')).response.value as Card;
    assert.ok(caRequests(since).length > 0, 'the details were read from Graph');
    assert.match(cardText(live), /Conditional Access policy · deleted/);
    assert.doesNotMatch(cardText(live), /As of/);
  });

  it('a stale mirror (no cycle for two poll intervals) reads Graph live', async () => {
    clockMs += 2 * POLL_SECONDS * 1000 + 1000;
    const since = bot.simulator.requests.length;
    const list = onlyCard(await chat.say('deleted'));
    assert.doesNotMatch(cardText(list), /As of/);
    assert.ok(caRequests(since).length > 0);
    await bot.product.poller.runCycle();
    const afterCycle = bot.simulator.requests.length;
    assert.match(cardText(onlyCard(await chat.say('deleted'))), /As of 0 s ago/);
    assert.deepEqual(caRequests(afterCycle), []);
  });

  it('an item deleted since the last cycle is still found, from Graph', async () => {
    const id = String(bot.simulator.tenant.addDeleted('ca', { displayName: 'CA078 - Just deleted', state: 'enabled', conditions: {} }).id);
    const since = bot.simulator.requests.length;
    assert.match(cardText(onlyCard(await chat.say(`show ${id}`))), /CA078 - Just deleted/);
    assert.ok(caRequests(since).length > 0);
  });

  it('who deleted it: on list rows and details for items deleted before the baseline, or "not in the audit log"', async () => {
    const list = cardText(onlyCard(await chat.say('deleted ca')));
    assert.match(list, /by [\w.]+@contoso\.onmicrosoft\.com/);
    assert.match(list, /CA077 - Unaudited policy[\s\S]*?who deleted it: not in the audit log/);
    const details = cardText(onlyCard(await chat.say(`show ${DEMO_IDS.caPolicyWithDeletedLocation}`)));
    assert.match(details, /Deleted by: [\w.]+@contoso\.onmicrosoft\.com/);
    assert.match(cardText(onlyCard(await chat.say(`show ${unauditedId}`))), /Deleted by: not in the audit log/);
    const partner = cardText(onlyCard(await chat.say(`show partners ${DEMO_IDS.serviceProviderPartner}`)));
    assert.match(partner, /Deleted by: \S+/);
  });

  it('a new deletion gets its deleter on the next cycle', async () => {
    const created = bot.simulator.tenant.addLive('ca', { displayName: 'CA079 - Deleted by an admin', state: 'enabled', conditions: {} });
    bot.simulator.tenant.deleteLive('ca', String(created.id), { user: { id: PATTI.aadObjectId, userPrincipalName: 'patti@contoso.onmicrosoft.com', displayName: 'Patti' } });
    await bot.product.poller.runCycle();
    assert.match(cardText(onlyCard(await chat.say(`show ${String(created.id)}`))), /Deleted by: patti@contoso\.onmicrosoft\.com/);
  });

  it('an item the bot restored leaves the list at once, before the next cycle', async () => {
    const channel = bot.conversation('channel', ALEX);
    const asked = cardReply(await channel.say(`restore ${DEMO_IDS.deletedIpLocation}`));
    await channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id);
    await bot.idle();
    const list = cardText(onlyCard(await chat.say('deleted nl')));
    assert.match(list, /As of/, 'still served from the mirror');
    assert.doesNotMatch(list, /Legacy VPN egress/);
    const details = await chat.say(`show ${DEMO_IDS.deletedIpLocation}`);
    assert.doesNotMatch(cardText(details[0]?.card), /As of/, 'an id the mirror no longer offers is looked up in Graph');
  });

  it('the Restore form previews from the mirror; asking for approval reads the item from Graph', async () => {
    const list = onlyCard(await chat.say(`deleted ca ${'CA004'}`));
    let since = bot.simulator.requests.length;
    const opened = await chat.click(list, 'Restore');
    const form = onlyCard(opened.replies);
    assert.match(cardText(form), /Request a restore/);
    assert.match(cardText(form), /Restored first: Named location/, 'the deleted location it needs, from the mirror');
    assert.deepEqual(caRequests(since), [], 'the form cost no Conditional Access request');
    since = bot.simulator.requests.length;
    const asked = await chat.click(form, 'Ask for approval', { reason: 'preview test' });
    assert.match(cardText(asked.response.value), /Waiting for approval/);
    assert.ok(caRequests(since).some((r) => r.path.includes('/deletedItems/policies/')), 'the request read the item live');
  });
});

describe('reads without polling', () => {
  it('with ALERT_POLL_SECONDS=0 every read goes to Graph, even after a cycle', async () => {
    const bot = await BotHarness.start();
    try {
      await bot.product.poller.runCycle();
      const since = bot.simulator.requests.length;
      assert.doesNotMatch(cardText(onlyCard(await bot.conversation('personal').say('deleted ca'))), /As of/);
      assert.ok(bot.simulator.requests.length > since);
    } finally {
      await bot.stop();
    }
  });
});

describe('who deleted it without AuditLog.Read.All', () => {
  it('says the bot lacks the permission', async () => {
    const bot = await BotHarness.start({
      mirrorPollSeconds: POLL_SECONDS,
      simulator: { grantedRoles: ['Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess', 'Policy.ReadWrite.CrossTenantAccess', 'GroupMember.Read.All'] },
    });
    try {
      await bot.product.poller.runCycle();
      const text = cardText(onlyCard(await bot.conversation('personal').say(`show ${DEMO_IDS.compliantDevicePolicy}`)));
      assert.match(text, /Deleted by: unknown: the bot lacks AuditLog\.Read\.All/);
    } finally {
      await bot.stop();
    }
  });
});
