import assert from 'node:assert/strict';
import { DEMO_IDS, DEMO_TENANT_ID } from '../../src/simulator';
import { ALEX, BotHarness, cardReply, cardText, listActions, MEGAN, PATTI, requestIdOf, type Card, type Conversation } from '../support/botHarness';
import type { AlertCard, PollerState } from '../../src/core/alertPoller';

/**
 * Deletion alerts: subscribe a conversation, delete things in the simulated tenant,
 * run poll cycles, and read what Teams received.
 */

const ADMIN = { user: { id: '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b', userPrincipalName: 'grady.archie@contoso.onmicrosoft.com', displayName: 'Grady Archie' } };

function alertCards(bot: BotHarness, chat: Conversation): Card[] {
  return bot.connector
    .postsTo(chat.id)
    .map((a) => a.body.attachments?.[0]?.content)
    .filter((card): card is Card => Boolean(card) && /deleted/i.test(cardText(card)) && /Detected /.test(cardText(card)));
}

/** A live CA policy nobody depends on, created for the test. */
function livePolicy(bot: BotHarness, name: string): string {
  const created = bot.simulator.tenant.addLive('ca', {
    displayName: name,
    state: 'enabled',
    conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] }, clientAppTypes: ['all'] },
    grantControls: { operator: 'OR', builtInControls: ['mfa'] },
  });
  return String(created.id);
}

describe('deletion alerts', () => {
  let bot: BotHarness;
  let channel: Conversation;
  const cycle = () => bot.product.poller.runCycle();

  beforeEach(async () => {
    bot = await BotHarness.start();
    channel = bot.conversation('channel', ALEX);
  });
  afterEach(async () => bot.stop());

  it('a deletion the bot made for an approved partner removal names that request, not the bot\'s app', async () => {
    await channel.say('alerts on xtap sync');
    await cycle();
    const partner = DEMO_IDS.livePartnerWithSync;
    const asked = cardReply(await channel.say(`partner remove ${partner} because contract ended`));
    const requestId = requestIdOf(asked.card);
    await channel.as(MEGAN).invoke('request.approve', { requestId }, asked.id);
    await bot.idle();
    await cycle();
    await cycle();
    const texts = alertCards(bot, channel).map(cardText).join('\n');
    assert.match(texts, new RegExp(`by this bot, for approved request ${requestId} \\(asked by Alex Wilber, approved by Megan Bowen\\)`));
    assert.doesNotMatch(texts, /\(app\)/, 'the bot\'s app is not named as the deleter');
  });

  it('demo delete deletes a live item in the demo tenant, by id or name, so the next check alerts, naming who typed it', async () => {
    await channel.say('alerts on');
    await cycle();
    const byId = await channel.say(`demo delete ${DEMO_IDS.liveMfaPolicy}`);
    assert.match(byId[0].text ?? '', /Deleted the Conditional Access policy "CA002[^"]*" \(5a7c9e1b-[0-9a-f-]+\) in the demo tenant/);
    assert.equal(bot.simulator.tenant.findLive('ca', DEMO_IDS.liveMfaPolicy), undefined);
    const id = livePolicy(bot, 'CA098 - Demo policy');
    assert.match((await channel.say('demo delete ca098 - demo policy'))[0].text ?? '', /Deleted the Conditional Access policy "CA098 - Demo policy"/);
    assert.equal(bot.simulator.tenant.findLive('ca', id), undefined);
    await cycle();
    const text = alertCards(bot, channel).map(cardText).join('\n');
    assert.match(text, /CA002/);
    assert.match(text, /by alex/i);

    assert.match((await channel.say(`demo delete ${DEMO_IDS.liveSanctionedCountries}`))[0].text ?? '', /refused to delete the named location "Sanctioned countries"/);
    assert.match((await channel.say('demo delete no such thing'))[0].text ?? '', /Nothing live in the demo tenant has the id or name "no such thing"/);
    assert.match((await bot.conversation('channel', PATTI).say(`demo delete ${DEMO_IDS.livePartnerWithSync}`))[0].text ?? '', /not allowed|operator/i);
    assert.ok(bot.simulator.tenant.findLive('partners', DEMO_IDS.livePartnerWithSync), 'refused for a user without the operator role');
  });

  it('demo delete is refused in tenant mode, and deletes nothing', async () => {
    const tenantBot = await BotHarness.start({ configure: (config) => ({ ...config, mode: 'tenant', allowedTenantId: DEMO_TENANT_ID }) });
    try {
      const reply = await tenantBot.conversation('channel', ALEX).say(`demo delete ${DEMO_IDS.liveMfaPolicy}`);
      assert.match(reply[0].text ?? '', /`demo delete` works only in demo mode\. This bot is connected to a real tenant, so nothing was deleted\./);
      assert.ok(tenantBot.simulator.tenant.findLive('ca', DEMO_IDS.liveMfaPolicy));
    } finally {
      await tenantBot.stop();
    }
  });

  it('records a baseline first: what is already deleted is not alerted', async () => {
    const reply = await channel.say('alerts on');
    assert.match(reply[0].text ?? '', /Alerts are on for Conditional Access policies, named locations, cross-tenant access partners, cross-tenant identity-sync policies\. The first check records what is already in the recycle bin as a baseline/);
    const report = await cycle();
    assert.equal(report.baseline, true);
    assert.equal(alertCards(bot, channel).length, 0);
    assert.match((await channel.say('alerts'))[0].text ?? '', /This conversation gets alerts[\s\S]*Baseline recorded/);
  });

  it('one deletion: exactly one card per subscribed conversation, naming who deleted it, with Details and Restore', async () => {
    const group = bot.conversation('groupChat', ALEX);
    const unsubscribed = bot.conversation('channel', ALEX);
    const locationsOnly = bot.conversation('groupChat', ALEX);
    await channel.say('alerts on');
    await group.say('alerts on ca');
    await locationsOnly.say('alerts on nl');
    await unsubscribed.say('help');
    await cycle();

    const id = livePolicy(bot, 'CA099 - Require MFA for contractors');
    bot.simulator.tenant.deleteLive('ca', id, ADMIN);
    const report = await cycle();
    assert.equal(report.sent, 2);
    for (const chat of [channel, group]) {
      const cards = alertCards(bot, chat);
      assert.equal(cards.length, 1);
      const text = cardText(cards[0]);
      assert.match(text, /Deleted: CA099 - Require MFA for contractors/);
      assert.match(text, /by grady\.archie@contoso\.onmicrosoft\.com/);
      assert.match(text, /30 days left to restore it|29 days left/);
      const buttons = listActions(cards[0]);
      assert.deepEqual(buttons.map((b) => b.title), ['Details', 'Restore', 'Restore selected']);
      assert.deepEqual(buttons[1].data, { kind: 'ca', id });
    }
    assert.equal(alertCards(bot, locationsOnly).length, 0, 'not subscribed to CA policies');
    assert.equal(alertCards(bot, unsubscribed).length, 0);
    await cycle();
    assert.equal(alertCards(bot, channel).length, 1, 'nothing sent twice');
  });

  it('a burst of 30 deletions by one actor becomes one mass-deletion card, and "Restore all of these" is one request', async () => {
    await channel.say('alerts on');
    await cycle();
    const ids = Array.from({ length: 30 }, (_, n) => livePolicy(bot, `Temp policy ${n}`));
    for (const id of ids) bot.simulator.tenant.deleteLive('ca', id, ADMIN);
    await cycle();
    const cards = alertCards(bot, channel);
    assert.equal(cards.length, 1);
    assert.match(cardText(cards[0]), /Mass deletion: 30 items deleted by grady\.archie@contoso\.onmicrosoft\.com[\s\S]*and 20 more/);
    const restoreAll = listActions(cards[0]).find((a) => a.title === 'Restore all of these');
    assert.ok(restoreAll, 'the one-click action');
    assert.deepEqual(Object.keys(restoreAll.data ?? {}), ['alertId'], 'only the alert id travels: the items come from the stored alert');

    const posted = bot.connector.activities.length;
    await channel.invoke('alert.restoreAll', restoreAll.data ?? {});
    const request = bot.connector.activities.slice(posted).map((a) => a.body.attachments?.[0]?.content).find((card) => card && /Restore request R-/.test(cardText(card)));
    assert.ok(request, 'one request card');
    const text = cardText(request);
    assert.match(text, /Restore 30 deleted items: 30 Conditional Access policies/);
    assert.match(text, /Why: mass deletion by grady\.archie@contoso\.onmicrosoft\.com/);
    assert.match(text, /Items page 1 of 2/);
  });

  it('says "not yet known" until the audit event arrives, then updates the card with the actor', async () => {
    await channel.say('alerts on');
    await cycle();
    bot.simulator.faults.auditLagMs = 3 * 60_000;
    bot.simulator.tenant.deleteLive('partners', firstDeletablePartner(bot), ADMIN);
    await cycle();
    const [sent] = bot.connector.postsTo(channel.id).filter((a) => a.body.attachments);
    assert.match(cardText(sent.body.attachments![0].content), /someone not yet known/);
    bot.simulator.tenant.advanceClock(4 * 60_000);
    const report = await cycle();
    assert.equal(report.updated, 1);
    assert.match(cardText(bot.connector.updatesOf(sent.id).at(-1)), /by grady\.archie@contoso\.onmicrosoft\.com/);
  });

  it('updates the card when the item is restored or purged', async () => {
    await channel.say('alerts on');
    await cycle();
    const restoredId = livePolicy(bot, 'CA101 - to be restored');
    const purgedId = livePolicy(bot, 'CA102 - to be purged');
    bot.simulator.tenant.deleteLive('ca', restoredId, ADMIN);
    bot.simulator.tenant.deleteLive('ca', purgedId, ADMIN);
    await cycle();
    const [sent] = bot.connector.postsTo(channel.id).filter((a) => a.body.attachments);
    bot.simulator.tenant.restore('ca', restoredId);
    bot.simulator.tenant.purgeDeleted('ca', purgedId);
    await cycle();
    const text = cardText(bot.connector.updatesOf(sent.id).at(-1));
    assert.match(text, /Restored since: it is back in the tenant/);
    assert.match(text, /Permanently deleted since: it can no longer be restored/);
  });

  it('a conversation the bot was removed from (403) is disabled; the others are still served', async () => {
    const gone = bot.conversation('channel', ALEX);
    await gone.say('alerts on');
    await channel.say('alerts on');
    await cycle();
    bot.connector.failures = [{ conversationId: gone.id, status: 403, code: 'BotNotInConversationRoster' }];
    bot.simulator.tenant.deleteLive('ca', livePolicy(bot, 'CA103'), ADMIN);
    await cycle();
    assert.equal(alertCards(bot, channel).length, 1);
    const attempts = bot.connector.refused.length;
    assert.ok(attempts >= 1);
    bot.simulator.tenant.deleteLive('ca', livePolicy(bot, 'CA104'), ADMIN);
    await cycle();
    assert.equal(bot.connector.refused.length, attempts, 'no more attempts on the disabled target');
    assert.equal(alertCards(bot, channel).length, 2);
    bot.connector.failures = [];
    assert.match((await gone.say('alerts'))[0].text ?? '', /disabled: 403 BotNotInConversationRoster/);
  });

  it('Graph failing during a cycle: the next cycle alerts once, nothing lost or doubled', async () => {
    await channel.say('alerts on');
    await cycle();
    bot.simulator.tenant.deleteLive('ca', livePolicy(bot, 'CA105'), ADMIN);
    bot.simulator.faults.fail503Next = 1000;
    await assert.rejects(cycle());
    bot.simulator.faults.fail503Next = 0;
    assert.equal(alertCards(bot, channel).length, 0);
    await cycle();
    await cycle();
    assert.equal(alertCards(bot, channel).length, 1);
  });

  it('a restart between detection and sending sends the alert exactly once', async () => {
    await channel.say('alerts on');
    await cycle();
    bot.simulator.tenant.deleteLive('ca', livePolicy(bot, 'CA106'), ADMIN);
    bot.connector.failures = [{ conversationId: '*', status: 412, code: 'PreconditionFailed' }];
    await cycle(); // detected and stored; Teams refused the send
    bot.connector.failures = [];
    await bot.restart();
    await bot.product.poller.runCycle();
    await bot.product.poller.runCycle();
    assert.equal(alertCards(bot, channel).length, 1);
  });

  describe('a crash around the send', () => {
    /** Detects one deletion while Teams refuses sends, leaving the alert in the outbox. */
    async function alertWaitingInOutbox(): Promise<AlertCard> {
      await channel.say('alerts on');
      await cycle();
      bot.simulator.tenant.deleteLive('ca', livePolicy(bot, 'CA107'), ADMIN);
      bot.connector.failures = [{ conversationId: '*', status: 412, code: 'PreconditionFailed' }];
      await cycle();
      bot.connector.failures = [];
      const [alert] = (await bot.product.store.get<PollerState>('alerts/state'))!.value.outbox;
      assert.ok(alert, 'the alert waits in the outbox');
      return alert;
    }

    it('after Teams accepted and the bot recorded it, the alert is not sent again', async () => {
      const alert = await alertWaitingInOutbox();
      await cycle();
      assert.equal(alertCards(bot, channel).length, 1);
      // The crash came before the alert left the outbox.
      const state = (await bot.product.store.get<PollerState>('alerts/state'))!;
      await bot.product.store.put('alerts/state', { ...state.value, outbox: [alert] }, { ifMatch: state.etag });
      await bot.restart();
      await bot.product.poller.runCycle();
      assert.equal(alertCards(bot, channel).length, 1);
    });

    it('during the call to Teams, the alert is sent again and says it may be a repeat', async () => {
      const alert = await alertWaitingInOutbox();
      // The crash came while Teams was being called: the send was started, its outcome never recorded.
      await bot.product.store.put(`alerts/cards/${alert.id}`, { ...alert, sendStartedAt: new Date().toISOString() });
      await bot.restart();
      await bot.product.poller.runCycle();
      const cards = alertCards(bot, channel);
      assert.equal(cards.length, 1);
      assert.match(cardText(cards[0]), /CA107/);
      assert.match(cardText(cards[0]), /Sent again: the bot restarted while sending this alert, so it may already be in this conversation\./);
    });

    it('an ordinary send is not labelled as a repeat, even after Teams refused it once', async () => {
      await alertWaitingInOutbox();
      await cycle();
      const [card] = alertCards(bot, channel);
      assert.doesNotMatch(cardText(card), /Sent again/);
    });
  });

  it('only operators may subscribe', async () => {
    const reply = await bot.conversation('channel', PATTI).say('alerts on');
    assert.match(reply[0].text ?? '', /You are not allowed to run `alerts`/);
  });

  it('uninstalling the bot removes the subscription', async () => {
    await channel.say('alerts on');
    await channel.installationUpdate('remove');
    assert.equal(await bot.product.poller.subscription(channel.id), undefined);
  });
});

describe('deletion alerts without AuditLog.Read.All', () => {
  it('still alert, say the actor is unknown, and status explains why', async () => {
    const bot = await BotHarness.start({ simulator: { grantedRoles: ['Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess', 'Policy.ReadWrite.CrossTenantAccess', 'GroupMember.Read.All'] } });
    try {
      const channel = bot.conversation('channel', ALEX);
      await channel.say('alerts on');
      await bot.product.poller.runCycle();
      bot.simulator.tenant.deleteLive('ca', livePolicy(bot, 'CA107'), ADMIN);
      await bot.product.poller.runCycle();
      const [sent] = bot.connector.postsTo(channel.id).filter((a) => a.body.attachments);
      assert.match(cardText(sent.body.attachments![0].content), /unknown \(the bot cannot read the audit log\)/);
      const status = (await channel.say('status'))[0].card;
      assert.match(cardText(status), /Who deleted it: Unavailable: AuditLog\.Read\.All is missing/);
    } finally {
      await bot.stop();
    }
  });
});

function firstDeletablePartner(bot: BotHarness): string {
  const partner = bot.simulator.tenant.live('partners').find((p) => !bot.simulator.tenant.live('sync').some((s) => s.tenantId === p.tenantId));
  assert.ok(partner, 'a live partner without a sync policy');
  return String(partner.tenantId);
}
