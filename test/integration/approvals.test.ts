import assert from 'node:assert/strict';
import { createFileStateStore, StoreUnavailableError } from '../../src/store';
import { DEMO_IDS } from '../../src/simulator';
import { ADELE, ALEX, BotHarness, cardReply, graphWrites, requestIdOf, cardText, Conversation, ISAIAH, listActions, MEGAN, PATTI, type Card } from '../support/botHarness';

/**
 * Four-eyes restores, as a channel would live them: one admin asks, another approves,
 * the bot restores with app-only Graph calls and updates the card in place.
 */



const writes = (bot: BotHarness, since: number) => graphWrites(bot.simulator, since);
const restoreCalls = (bot: BotHarness, since = 0) => writes(bot, since).filter((r) => r.method === 'POST' && r.path.endsWith('/restore'));

describe('restoring under four-eyes approval', function () {
  let bot: BotHarness;
  let channel: Conversation;

  beforeEach(async () => {
    bot = await BotHarness.start();
    channel = bot.conversation('channel', ALEX);
  });
  afterEach(async () => bot.stop());

  /** Alex asks, Megan approves; returns the final card as everyone sees it. */
  async function askAndApprove(command: string): Promise<{ finalCard: Card; requestId: string; since: number }> {
    const since = bot.simulator.requests.length;
    const asked = cardReply(await channel.say(command));
    const requestId = requestIdOf(asked.card);
    const approved = await channel.as(MEGAN).invoke('request.approve', { requestId }, asked.id);
    assert.equal(approved.response.type, 'application/vnd.microsoft.card.adaptive');
    assert.match(cardText(approved.response.value), /Approved by Megan Bowen\. Restoring…/);
    await bot.idle();
    const updates = bot.connector.updatesOf(asked.id);
    assert.ok(updates.length > 0, 'the approval card was updated in place');
    return { finalCard: updates[updates.length - 1], requestId, since };
  }

  it('restores a CA policy into report-only, its deleted named location first', async () => {
    const asked = cardReply(await channel.say(`restore ${DEMO_IDS.caPolicyWithDeletedLocation} report-only deleted by the clean-up script`));
    const text = cardText(asked.card);
    assert.match(text, /Waiting for approval \(0 of 1\)/);
    assert.match(text, /Restored first: Named location/);
    assert.match(text, /Restore into: Report-only/);
    assert.match(text, /Why: deleted by the clean-up script/);
    assert.match(text, /Requested by: Alex Wilber/);
    for (const action of listActions(asked.card)) assert.deepEqual(Object.keys(action.data ?? {}), ['requestId'], 'only the request id travels in card data');

    const requestId = requestIdOf(asked.card);
    const since = bot.simulator.requests.length;
    await channel.as(MEGAN).invoke('request.approve', { requestId }, asked.id);
    await bot.idle();

    const restores = restoreCalls(bot, since).map((r) => r.path);
    assert.deepEqual(restores, [
      `/identity/conditionalAccess/deletedItems/namedLocations/${DEMO_IDS.deletedLocationReferenced}/restore`,
      `/identity/conditionalAccess/deletedItems/policies/${DEMO_IDS.caPolicyWithDeletedLocation}/restore`,
    ]);
    const patch = writes(bot, since).find((r) => r.method === 'PATCH');
    assert.equal(patch?.path, `/identity/conditionalAccess/policies/${DEMO_IDS.caPolicyWithDeletedLocation}`);
    const live = bot.simulator.tenant.live('ca').find((p) => p.id === DEMO_IDS.caPolicyWithDeletedLocation);
    assert.equal(live?.state, 'enabledForReportingButNotEnforced');

    const final = cardText(bot.connector.updatesOf(asked.id).at(-1));
    assert.match(final, /Restored\. Approved by Megan Bowen/);
    assert.match(final, /request-id [0-9a-f-]{36}/);
    const notice = bot.connector.activities.find((a) => a.method === 'POST' && String(a.body.text).includes(`${requestId} restored`));
    assert.ok(notice, 'the requester is told');
    assert.match(String(notice.body.text), /<at>Alex Wilber<\/at> your restore request R-\w+ restored/);
    assert.ok(notice.path.includes(`;messageid=${asked.id}`), 'as a reply in the card thread');
  });

  it('a request asked inside a channel thread is answered in that thread', async () => {
    const thread = new Conversation(bot, 'channel', ALEX, `${channel.id};messageid=1700000000001`);
    const asked = cardReply(await thread.say(`restore nl ${DEMO_IDS.deletedIpLocation}`));
    await thread.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id);
    await bot.idle();
    const notice = bot.connector.postsTo(thread.id).find((a) => String(a.body.text).includes('<at>Alex Wilber</at>'));
    assert.ok(notice, 'the requester is told in the thread the request came from');
    assert.match(String(notice.body.text), /your restore request R-\w+ restored Legacy VPN egress/);
  });

  it('restores a named location, a partner, and a sync policy (partner first when it is deleted too)', async () => {
    for (const [command, live] of [
      [`restore nl ${DEMO_IDS.deletedIpLocation}`, () => bot.simulator.tenant.live('locations').some((l) => l.id === DEMO_IDS.deletedIpLocation)],
      [`restore xtap ${DEMO_IDS.serviceProviderPartner}`, () => bot.simulator.tenant.live('partners').some((p) => p.tenantId === DEMO_IDS.serviceProviderPartner)],
      [`restore sync ${DEMO_IDS.partnerWithDeletedSync}`, () => bot.simulator.tenant.live('sync').some((p) => p.tenantId === DEMO_IDS.partnerWithDeletedSync)],
    ] as const) {
      const { finalCard, since } = await askAndApprove(command);
      assert.match(cardText(finalCard), /Restored\./, command);
      assert.ok(live(), `${command}: live again in the tenant`);
      if (command.startsWith('restore sync')) {
        assert.deepEqual(restoreCalls(bot, since).map((r) => r.path.split('/')[3]), ['crossTenantPartners', 'crossTenantSyncPolicyPartners']);
      }
    }
  });

  it('the Restore button opens a form whose answer becomes the approval card', async () => {
    const list = cardReply(await channel.say('deleted nl'));
    const opened = await channel.click(list.card, 'Restore');
    const form = cardReply(opened.replies);
    const created = await channel.click(form.card, 'Ask for approval', { reason: 'needed for the VPN policy' }, form.id);
    assert.match(cardText(created.response.value), /Waiting for approval[\s\S]*Why: needed for the VPN policy/);
  });

  it('refuses a request from someone who is not an operator, and audits it', async () => {
    const replies = await bot.conversation('channel', PATTI).say(`restore ${DEMO_IDS.deletedIpLocation}`);
    assert.match(replies[0].text ?? '', /You are not allowed to run `restore`/);
    const audit = cardText(cardReply(await channel.say('audit 5')).card);
    assert.match(audit, /access\.denied/);
    assert.match(audit, /by Patti Fernandez/);
  });

  it('refuses approval by an operator who is not an approver, and by the requester', async () => {
    const asked = cardReply(await channel.as(ISAIAH).say(`restore ${DEMO_IDS.deletedIpLocation}`));
    const requestId = requestIdOf(asked.card);
    const byOperator = await channel.as(ISAIAH).invoke('request.approve', { requestId });
    assert.match(String(byOperator.response.value), /You are not allowed to approve requests: it needs the approver role/);
    const own = cardReply(await channel.say(`restore ${DEMO_IDS.compliantDevicePolicy}`));
    const selfApproval = await channel.invoke('request.approve', { requestId: requestIdOf(own.card) });
    assert.match(cardText(selfApproval.response.value), /someone else must approve it \(four-eyes rule\)/);
    assert.equal(restoreCalls(bot).length, 0);
    const audit = cardText(cardReply(await channel.as(MEGAN).say('audit 5')).card);
    assert.match(audit, /request\.refused · R-\w+\n.*by Alex Wilber.*tried to approve/, 'the self-approval attempt is audited');
    assert.match(audit, /access\.denied[\s\S]*by Isaiah Langer[\s\S]*tried to approve requests/);
  });

  it('shows Approve and Reject only to approvers who did not ask', async () => {
    const asked = cardReply(await channel.say(`restore ${DEMO_IDS.deletedIpLocation}`));
    const requestId = requestIdOf(asked.card);
    const view = async (who: typeof ALEX) =>
      listActions((await channel.as(who).invoke('request.refresh', { requestId })).response.value)
        .filter((a) => a.verb !== 'request.refresh')
        .map((a) => a.title);
    assert.deepEqual(await view(MEGAN), ['Approve', 'Reject', 'Reject restore']);
    assert.deepEqual(await view(ALEX), ['Cancel request']);
    assert.deepEqual(await view(PATTI), []);
    assert.ok(asked.card.refresh, 'the card asks Teams for per-user views');
  });

  it('a rejection closes the request, tells the requester, and later approvals do nothing', async () => {
    const asked = cardReply(await channel.say(`restore ${DEMO_IDS.deletedIpLocation}`));
    const requestId = requestIdOf(asked.card);
    const rejected = await channel.as(MEGAN).invoke('request.reject', { requestId, rejectReason: 'it was deleted on purpose' });
    assert.match(cardText(rejected.response.value), /Rejected by Megan Bowen: "it was deleted on purpose"/);
    assert.ok(bot.connector.activities.some((a) => /<at>Alex Wilber<\/at> your restore request R-\w+ was rejected by Megan Bowen/.test(String(a.body.text))));
    const late = await channel.as(MEGAN).invoke('request.approve', { requestId });
    assert.match(cardText(late.response.value), /already rejected/);
    assert.equal(restoreCalls(bot).length, 0);
  });

  it('the requester can cancel; a cancelled request cannot be approved', async () => {
    const asked = cardReply(await channel.say(`restore ${DEMO_IDS.deletedIpLocation}`));
    const requestId = requestIdOf(asked.card);
    assert.match((await bot.conversation('channel', MEGAN).say(`cancel ${requestId}`))[0].text ?? '', /Only Alex Wilber, who asked for it, can cancel/);
    assert.match((await channel.say(`cancel ${requestId}`))[0].text ?? '', /is cancelled/);
    assert.match(cardText(bot.connector.updatesOf(asked.id).at(-1)), /Cancelled by Alex Wilber/);
    const late = await channel.as(MEGAN).invoke('request.approve', { requestId });
    assert.match(cardText(late.response.value), /already cancelled/);
  });

  it('a restore that cannot succeed (purged dependency) is refused when asked for, with the reason, and no request exists', async () => {
    const replies = await channel.say(`restore ${DEMO_IDS.caPolicyWithPurgedLocation}`);
    assert.equal(replies.length, 1);
    assert.equal(replies[0].card, undefined, 'no approval card');
    assert.match(replies[0].text ?? '', /No request was made: this restore cannot succeed\. The named location .* no longer exists \(purged\)/);
    assert.match(cardText(cardReply(await channel.say('pending')).card), /Nothing is waiting for approval/);
    assert.equal(restoreCalls(bot).length, 0);

    // The Restore button shows the blocker on the form, which then offers no way to ask.
    const form = await channel.invoke('item.restore', { kind: 'ca', id: DEMO_IDS.caPolicyWithPurgedLocation });
    const formCard = cardReply(form.replies).card;
    assert.match(cardText(formCard), /⛔ The named location .* no longer exists \(purged\)/);
    assert.equal(listActions(formCard).find((a) => a.title === 'Ask for approval'), undefined);
    const forced = await channel.invoke('request.create', { kind: 'ca', id: DEMO_IDS.caPolicyWithPurgedLocation, reason: 'x', reportOnly: 'true' });
    assert.match(JSON.stringify(forced.response), /cannot succeed/);
  });

  it('the result card names each step\'s item in full, wrapping instead of cutting it', async () => {
    const { finalCard } = await askAndApprove(`restore ${DEMO_IDS.caPolicyWithDeletedLocation}`);
    const text = cardText(finalCard);
    assert.match(text, /\nRestore CA004 - Block access from untrusted countries\nDone · request-id/);
    assert.doesNotMatch(text, /…/);
  });

  it('a typed restore of a CA policy is report-only by default, like the form; as-deleted brings back the state it was deleted in, named on the card', async () => {
    const byDefault = cardReply(await channel.say(`restore ${DEMO_IDS.compliantDevicePolicy} needed`));
    assert.match(cardText(byDefault.card), /Restore into: Report-only/);
    assert.match(cardText(byDefault.card), /Why: needed/);
    const asDeleted = cardReply(await channel.say(`restore ${DEMO_IDS.expiringPolicy} as-deleted needed now`));
    assert.match(cardText(asDeleted.card), /Restore into: On \(enforced\), as it was when deleted/);
    assert.match(cardText(asDeleted.card), /Why: needed now/);

    const form = cardReply((await channel.invoke('item.restore', { kind: 'ca', id: DEMO_IDS.compliantDevicePolicy })).replies).card;
    assert.match(cardText(form), /Without report-only: On \(enforced\), as it was when deleted/);
    assert.equal(JSON.stringify(form).includes('"id":"reportOnly"'), true);

    const since = bot.simulator.requests.length;
    await channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(byDefault.card) }, byDefault.id);
    await bot.idle();
    assert.equal(bot.simulator.tenant.findLive('ca', DEMO_IDS.compliantDevicePolicy)?.state, 'enabledForReportingButNotEnforced');
    assert.ok(writes(bot, since).some((r) => r.method === 'PATCH'), 'switched to report-only');
  });

  it('an item restored by someone else meanwhile ends as restored, not stuck', async () => {
    const asked = cardReply(await channel.say(`restore nl ${DEMO_IDS.deletedIpLocation}`));
    bot.simulator.tenant.restore('locations', DEMO_IDS.deletedIpLocation);
    await channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id);
    await bot.idle();
    assert.match(cardText(bot.connector.updatesOf(asked.id).at(-1)), /Restored\.[\s\S]*someone else restored it already/);
  });

  it('a Graph outage during the restore ends in a clear failure with the code and request id', async () => {
    // Roles listed by id need no Graph call, so the outage hits the restore, not the approvers' re-check.
    await bot.stop();
    bot = await BotHarness.start({ configure: (config) => ({ ...config, access: { operatorIds: [ALEX.aadObjectId], approverIds: [MEGAN.aadObjectId] } }) });
    channel = bot.conversation('channel', ALEX);
    const asked = cardReply(await channel.say(`restore xtap ${DEMO_IDS.serviceProviderPartner}`));
    bot.simulator.faults.fail503Next = 1000;
    await channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id);
    await bot.idle();
    bot.simulator.faults.fail503Next = 0;
    const final = cardText(bot.connector.updatesOf(asked.id).at(-1));
    assert.match(final, /The restore failed/);
    assert.match(final, /ServiceUnavailable/);
    assert.match(final, /request-id [0-9a-f-]{36}/);
    assert.match(final, /What to do next:/);
  });

  it('50 simultaneous Approve clicks restore exactly once', async () => {
    const asked = cardReply(await channel.say(`restore nl ${DEMO_IDS.deletedIpLocation}`));
    const requestId = requestIdOf(asked.card);
    const since = bot.simulator.requests.length;
    const clicks = await Promise.all(Array.from({ length: 50 }, (_, i) => channel.as(i % 2 ? MEGAN : ISAIAH).invoke('request.approve', { requestId }, asked.id)));
    await bot.idle();
    assert.ok(clicks.every((c) => c.status === 200));
    assert.equal(restoreCalls(bot, since).length, 1);
  });

  it('forged card data cannot change what gets restored', async () => {
    const asked = cardReply(await channel.say(`restore nl ${DEMO_IDS.deletedIpLocation}`));
    const requestId = requestIdOf(asked.card);
    const since = bot.simulator.requests.length;
    await channel.as(MEGAN).invoke('request.approve', { requestId, kind: 'ca', id: DEMO_IDS.compliantDevicePolicy, target: DEMO_IDS.compliantDevicePolicy }, asked.id);
    await bot.idle();
    assert.deepEqual(restoreCalls(bot, since).map((r) => r.path), [`/identity/conditionalAccess/deletedItems/namedLocations/${DEMO_IDS.deletedIpLocation}/restore`]);
  });

  it('answers unknown request ids, missing data and other tenants with a friendly line', async () => {
    for (const data of [{}, { requestId: 'R-ZZZZZZZ' }, { requestId: 42 }]) {
      const answer = await channel.as(MEGAN).invoke('request.approve', data);
      assert.equal(answer.status, 200);
      assert.match(answer.response.value, /no longer exists or the button is out of date/);
    }
    const asked = cardReply(await channel.say(`restore nl ${DEMO_IDS.deletedIpLocation}`));
    const foreign = channel.as(MEGAN);
    foreign.tenantId = '99999999-8888-4777-8666-555555555555';
    assert.match((await foreign.invoke('request.approve', { requestId: requestIdOf(asked.card) })).response.value, /another tenant/);
    assert.equal(restoreCalls(bot).length, 0);
  });

  it('a pending request survives a restart and can be approved after it', async () => {
    const asked = cardReply(await channel.say(`restore nl ${DEMO_IDS.deletedIpLocation}`));
    await bot.restart();
    const pending = cardText(cardReply(await channel.say('pending')).card);
    assert.ok(pending.includes(requestIdOf(asked.card)));
    await channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id);
    await bot.idle();
    assert.match(cardText(bot.connector.updatesOf(asked.id).at(-1)), /Restored\./);
  });

  /** Stores the request as the process would leave it had it died just after the approval, before calling Graph. */
  async function crashedAfterApproval(requestId: string): Promise<void> {
    await bot.product.stop();
    const store = await createFileStateStore(bot.stateDir);
    const record = await store.get<Record<string, unknown>>(`requests/${requestId}`);
    const approvals = [{ by: { aadObjectId: MEGAN.aadObjectId, name: MEGAN.name, teamsId: MEGAN.id }, at: new Date().toISOString() }];
    const claim = { owner: 'instance-that-died', token: 'lost', expiresAt: new Date(Date.now() - 1000).toISOString() };
    await store.put(`requests/${requestId}`, { ...record!.value, state: 'executing', approvals, claim, execution: { startedAt: new Date().toISOString(), steps: [] } }, { ifMatch: record!.etag });
    await store.close();
  }

  it('a restore interrupted by a crash is completed at start-up, once', async () => {
    const asked = cardReply(await channel.say(`restore nl ${DEMO_IDS.deletedIpLocation}`));
    const requestId = requestIdOf(asked.card);
    await crashedAfterApproval(requestId);
    const since = bot.simulator.requests.length;
    await bot.restart();
    assert.equal(restoreCalls(bot, since).length, 1, 'the missing step ran once');
    assert.match(cardText(bot.connector.updatesOf(asked.id).at(-1)), /Restored\./);
    const story = (await bot.product.store.readAudit({ limit: 20, requestId })).map((e) => e.action);
    assert.deepEqual(story.slice(0, 2), ['request.succeeded', 'request.resumed']);
    await bot.restart();
    assert.equal(restoreCalls(bot, since).length, 1, 'a second restart runs nothing');
  });

  it('a restore Graph shows as done when its executor died is closed as restored without calling Graph again', async () => {
    const asked = cardReply(await channel.say(`restore nl ${DEMO_IDS.deletedIpLocation}`));
    const requestId = requestIdOf(asked.card);
    await crashedAfterApproval(requestId);
    bot.simulator.tenant.restore('locations', DEMO_IDS.deletedIpLocation);
    const since = bot.simulator.requests.length;
    await bot.restart();
    assert.equal(restoreCalls(bot, since).length, 0, 'not re-run');
    assert.match(cardText(bot.connector.updatesOf(asked.id).at(-1)), /Restored\.[\s\S]*found done when resumed/);
  });

  it('audit entries the log refused while a restore ran are written at the next start, once each', async () => {
    const asked = cardReply(await channel.say(`restore nl ${DEMO_IDS.deletedIpLocation}`));
    const requestId = requestIdOf(asked.card);
    const store = bot.product.store;
    const append = store.appendAudit.bind(store);
    store.appendAudit = async () => {
      throw new StoreUnavailableError('State store unavailable (EIO): audit log refused', { code: 'EIO' });
    };
    await channel.as(MEGAN).invoke('request.approve', { requestId }, asked.id);
    await bot.idle();
    store.appendAudit = append;
    assert.match(cardText(bot.connector.updatesOf(asked.id).at(-1)), /Restored\./, 'the restore itself was not held up');
    assert.ok(bot.logs.entries.some((e) => e.event === 'audit.deferred'), 'the refused append is logged');

    await bot.restart();
    const story = (await bot.product.store.readAudit({ limit: 20, requestId })).map((e) => e.action).reverse();
    assert.deepEqual(story, ['request.created', 'request.approved', 'request.executing', 'request.succeeded']);
    await bot.restart();
    assert.equal((await bot.product.store.readAudit({ limit: 20, requestId })).length, 4, 'a second restart adds nothing');
  });
});

describe('approval policy settings', () => {
  it('an expired request cannot be approved', async () => {
    let now = Date.now();
    const bot = await BotHarness.start({ now: () => new Date(now) });
    try {
      const channel = bot.conversation('channel', ALEX);
      const asked = cardReply(await channel.say(`restore nl ${DEMO_IDS.deletedIpLocation}`));
      now += 25 * 3_600_000;
      const late = await channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) });
      assert.match(cardText(late.response.value), /already expired|expired at/);
      assert.equal(restoreCalls(bot).length, 0);
    } finally {
      await bot.stop();
    }
  });

  it('ALLOW_SELF_APPROVAL lets the requester approve and says so on the card; REQUIRED_APPROVALS counts distinct approvers', async () => {
    const bot = await BotHarness.start({ env: { ALLOW_SELF_APPROVAL: 'true', REQUIRED_APPROVALS: '2' } });
    try {
      const channel = bot.conversation('channel', ALEX);
      const asked = cardReply(await channel.say(`restore nl ${DEMO_IDS.deletedIpLocation}`));
      assert.match(cardText(asked.card), /Self-approval is allowed/);
      const requestId = requestIdOf(asked.card);
      assert.match(cardText((await channel.invoke('request.approve', { requestId })).response.value), /Waiting for approval \(1 of 2\)/);
      assert.match(cardText((await channel.invoke('request.approve', { requestId })).response.value), /already approved/);
      assert.equal(restoreCalls(bot).length, 0);
      await channel.as(MEGAN).invoke('request.approve', { requestId }, asked.id);
      await bot.idle();
      assert.equal(restoreCalls(bot).length, 1);
    } finally {
      await bot.stop();
    }
  });

  describe('rules and roles as they are at the decision, not as they were at the request', () => {
    const restart = (bot: BotHarness, approvals: { requiredApprovals?: number; allowSelfApproval?: boolean }) =>
      bot.restart((config) => ({ ...config, approvals: { ...config.approvals, ...approvals } }));

    it('REQUIRED_APPROVALS raised after the request: one approval no longer executes it', async () => {
      const bot = await BotHarness.start();
      try {
        const channel = bot.conversation('channel', ALEX);
        const asked = cardReply(await channel.say(`restore nl ${DEMO_IDS.deletedIpLocation}`));
        assert.match(cardText(asked.card), /Waiting for approval \(0 of 1\)/);
        await restart(bot, { requiredApprovals: 2 });
        const approved = await channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id);
        assert.match(cardText(approved.response.value), /Waiting for approval \(1 of 2\)/);
        await bot.idle();
        assert.equal(restoreCalls(bot).length, 0);
      } finally {
        await bot.stop();
      }
    });

    it('ALLOW_SELF_APPROVAL turned off after the request: the requester can no longer approve it', async () => {
      const bot = await BotHarness.start({ env: { ALLOW_SELF_APPROVAL: 'true' } });
      try {
        const channel = bot.conversation('channel', ALEX);
        const asked = cardReply(await channel.say(`restore nl ${DEMO_IDS.deletedIpLocation}`));
        assert.match(cardText(asked.card), /Self-approval is allowed/);
        await restart(bot, { allowSelfApproval: false });
        const own = cardText((await channel.invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id)).response.value);
        assert.match(own, /someone else must approve it \(four-eyes rule\)/);
        assert.doesNotMatch(own, /Self-approval is allowed/);
        await bot.idle();
        assert.equal(restoreCalls(bot).length, 0);
      } finally {
        await bot.stop();
      }
    });

    describe('an approver removed from the approvers group after approving', () => {
      let clock: Date;
      let bot: BotHarness;
      let channel: Conversation;
      beforeEach(async () => {
        clock = new Date();
        bot = await BotHarness.start({ env: { REQUIRED_APPROVALS: '2' }, now: () => clock });
        channel = bot.conversation('channel', ALEX);
      });
      afterEach(async () => bot.stop());

      /** Alex asks, Megan approves (1 of 2), then leaves the approvers group. */
      async function approvedByMeganThenRemoved() {
        const asked = cardReply(await channel.say(`restore nl ${DEMO_IDS.deletedIpLocation}`));
        const requestId = requestIdOf(asked.card);
        assert.match(cardText((await channel.as(MEGAN).invoke('request.approve', { requestId }, asked.id)).response.value), /Waiting for approval \(1 of 2\)/);
        bot.simulator.tenant.removeGroupMember(DEMO_IDS.approversGroup, MEGAN.aadObjectId);
        return { asked, requestId };
      }

      it('is not counted by the final approval once the membership is re-read: the request stays pending', async () => {
        const { asked, requestId } = await approvedByMeganThenRemoved();
        clock = new Date(clock.getTime() + 6 * 60_000); // past the five-minute membership cache
        const final = cardText((await channel.as(ADELE).invoke('request.approve', { requestId }, asked.id)).response.value);
        assert.match(final, /Waiting for approval \(1 of 2\)/);
        assert.match(final, /No longer counted: Megan Bowen \(no longer an approver\)/);
        assert.match(final, /Approved by: Adele Vance/);
        await bot.idle();
        assert.equal(restoreCalls(bot).length, 0);
      });

      it('is re-checked at execution past the membership cache: the request fails and nothing is restored', async () => {
        const { asked, requestId } = await approvedByMeganThenRemoved();
        await channel.as(ADELE).invoke('request.approve', { requestId }, asked.id);
        await bot.idle();
        assert.equal(restoreCalls(bot).length, 0);
        const final = cardText(bot.connector.updatesOf(asked.id).at(-1));
        assert.match(final, /Not run, nothing was changed: Megan Bowen's approval no longer counts \(no longer an approver\); 1 of 2 required approvals remain/);
      });
    });
  });
});
