import assert from 'node:assert/strict';
import type { Locator } from 'playwright-core';
import type { ChangeRequest } from '../../src/core/approvals';
import { DEMO_IDS } from '../../src/simulator';
import type { CardAddress, MockUser, PlaygroundPage } from './support/playgroundPage';
import { missingPrerequisites, runningInCi, SCREENSHOT_DIR, startStack, type Stack } from './support/stack';

/**
 * The product as a person meets it in a Teams client nobody on this project wrote: the
 * Microsoft 365 Agents Playground in headless Chromium. Every assertion reads what the
 * page shows. Screenshots of each step land in test/e2e/screenshots/.
 *
 * The playground's chat box always speaks as Alex Wilber (operator and approver). A
 * second person's click on a card goes through its custom-activity API, exactly as the
 * invoke Teams would send for them; its result then shows in the page.
 */

const GENERAL = 'My Team - General';
/** Litware: a live partner configuration with no identity-sync policy. */
const LITWARE = DEMO_IDS.partnerRecreatedLive;
/** The seeded deleted IP named location "Legacy VPN egress (Amsterdam)". */
const VPN_LOCATION = 'Legacy VPN egress (Amsterdam)';
/** CA004: excludes the break-glass users and group, includes a deleted named location and excludes a live one. */
const CA004 = DEMO_IDS.caPolicyWithDeletedLocation;
/** CA020: a deleted report-only policy no other scenario touches; the approvals-conversation scenario restores it. */
const CA020 = DEMO_IDS.reportOnlyPolicy;
/** The break-glass users and group CA004 excludes (src/simulator/seed.ts names them). */
const BREAK_GLASS_USERS = ['0f7c6f1e-3b1a-4d2e-9a8b-5c6d7e8f9a01', '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d'];
const BREAK_GLASS_GROUP = '5d0b9e3c-8a7f-4e6d-b2c1-9f8e7d6c5b4a';
/** Who deletes a policy behind the bot's back in the alerts scenario (the audit log names them). */
const GRADY = { user: { id: '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b', userPrincipalName: 'grady.archie@contoso.onmicrosoft.com', displayName: 'Grady Archie' } };
/** CA002: a live policy no other scenario touches; the change-alert scenario changes and reverts it. */
const CA002 = DEMO_IDS.liveMfaPolicy;
/** The seeded deleted user Diego Siciliani. */
const DIEGO = DEMO_IDS.deletedUser;
/** The Finance group (src/simulator/seed.ts), which the admin excludes from CA002. */
const FINANCE_GROUP = '8e2a4c6f-0b1d-4e3f-9a5c-7d9f1b3e5a06';

describe('In a Teams client: the Agents Playground in headless Chromium', function () {
  this.timeout(60_000);
  let stack: Stack;
  let ui: PlaygroundPage;
  let megan: MockUser;
  let patti: MockUser;

  before(async function () {
    const missing = missingPrerequisites();
    if (missing.length > 0) {
      const why = missing.map((m) => `  - ${m}`).join('\n');
      if (runningInCi()) throw new Error(`The end-to-end suite cannot run in CI:\n${why}\nnpm run test:e2e installs Chromium with apt-get first (scripts/install-chromium.sh); check its output.`);
      const bar = '!'.repeat(78);
      console.warn(`\n${bar}\n  END-TO-END TESTS SKIPPED: they need a browser and the Agents Playground.\n${why}\n  In CI (CI=true) this fails the run instead.\n${bar}\n`);
      this.skip();
    }
    stack = await startStack();
    ui = stack.page;
    megan = await ui.user('Megan Bowen');
    patti = await ui.user('Patti Fernandez');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && ui) {
      const file = await ui.screenshot(`FAILED-${this.currentTest.title.replace(/\W+/g, '-').slice(0, 60)}`).catch(() => undefined);
      if (file) console.error(`    screenshot of the failure: ${file}; bot and playground logs: ${SCREENSHOT_DIR}/*.log`);
    }
  });

  after(async () => {
    if (!stack) return;
    const blocked = stack.blockedRequests;
    await stack.stop();
    if (blocked.length) console.log(`    (${blocked.length} request(s) beyond localhost were aborted, e.g. ${blocked[0]})`);
  });

  /**
   * Where a request's approval card is: the conversation and message id Teams puts on every
   * click. The page does not show message ids, so read them where the bot keeps them.
   */
  async function approvalCardOf(requestId: string): Promise<CardAddress> {
    const stored = await stack.product.store.get<ChangeRequest>(`requests/${requestId}`);
    const reference = stored?.value.card?.conversation as { conversation?: Record<string, unknown> } | undefined;
    assert.ok(reference?.conversation, `the bot knows where the card of ${requestId} is`);
    return { conversation: reference.conversation, replyToId: stored!.value.card!.activityId };
  }

  /** Where the copy of a request's card posted in the approvals conversation is. */
  async function approvalsCopyOf(requestId: string): Promise<CardAddress> {
    const stored = await stack.product.store.get<ChangeRequest>(`requests/${requestId}`);
    const copy = stored?.value.copies?.[0];
    const reference = copy?.conversation as { conversation?: Record<string, unknown> } | undefined;
    assert.ok(reference?.conversation, `the bot knows where the approvals conversation's copy of ${requestId} is`);
    return { conversation: reference.conversation, replyToId: copy!.activityId };
  }

  /** The request id the approval card shows in its title. */
  async function requestIdOn(card: Locator): Promise<string> {
    const id = /request (R-[2-9A-Z]{7})/.exec(await ui.textOf(card))?.[1];
    assert.ok(id, 'the approval card names its request');
    return id;
  }

  it('personal chat: help, deleted, Next page, Details, status', async () => {
    await ui.openChat('Personal Chat');

    const help = await ui.ask('help', 'What I can do', 'say');
    const helpText = await ui.textOf(help);
    for (const command of ['deleted', 'show', 'restore', 'pending', 'alerts', 'partner', 'status']) assert.match(helpText, new RegExp(`\\b${command}\\b`));
    await ui.screenshot('personal-help', help);

    const page1 = await ui.ask('deleted', 'Deleted policies and partners', 'say');
    const firstPage = await ui.textOf(page1);
    assert.match(firstPage, /showing 1–10 of \d+/);
    assert.match(firstPage, /Page 1 of [2-9]/);
    assert.match(firstPage, /CA007 - Require MFA and terms of use for external users/);
    assert.deepEqual((await ui.buttonsOf(page1)).filter((b) => b === 'Details').length, 10, 'a Details button on each of the 10 rows');
    await ui.screenshot('personal-deleted-page-1', page1);

    await ui.clickButton(page1, 'Next');
    const page2 = await ui.waitForCard(/Page 2 of \d/);
    const secondPage = await ui.textOf(page2);
    assert.match(secondPage, /showing 11–\d+ of \d+/);
    assert.match(secondPage, /Woodgrove Bank/);
    assert.doesNotMatch(secondPage, /CA007/, 'the card now shows the second page');
    assert.ok((await ui.buttonsOf(page2)).includes('Previous'));
    await ui.screenshot('personal-deleted-page-2', page2);

    await ui.clickButton(ui.row(page2, 'Woodgrove Bank'), 'Details');
    const details = await ui.waitForCard(/Woodgrove Bank[\s\S]*Tenant id/);
    const detailsText = await ui.textOf(details);
    assert.match(detailsText, /Cross-tenant partner · deleted .* days? left/);
    assert.ok(detailsText.includes(DEMO_IDS.partnerWithExtraProperties), 'the details name the partner tenant id');
    assert.ok((await ui.buttonsOf(details)).includes('Restore'));
    await ui.screenshot('personal-details', details);

    const status = await ui.ask('status', 'Bot status', 'say');
    const statusText = await ui.textOf(status);
    assert.match(statusText, /demo/i);
    assert.match(statusText, /Policy\.Read\.All/);
    await ui.screenshot('personal-status', status);
  });

  it('channel "My Team - General": @mention with "deleted ca" answers with the card', async () => {
    await ui.openChat(GENERAL);
    const list = await ui.ask('deleted ca', 'Deleted Conditional Access policies', 'mention');
    const text = await ui.textOf(list);
    assert.match(text, /CA004 - Block access from untrusted countries/);
    assert.doesNotMatch(text, /Named location ·|Cross-tenant partner ·/, 'only Conditional Access policies');
    await ui.screenshot('channel-deleted-ca', list);
  });

  it('restore with approval: Alex asks, Megan approves, the card says restored and the item leaves the list', async () => {
    await ui.openChat(GENERAL);
    const list = await ui.ask('deleted nl', 'Deleted named locations', 'mention');
    assert.match(await ui.textOf(list), new RegExp(VPN_LOCATION.replace(/[()]/g, '\\$&')));

    await ui.clickButton(ui.row(list, VPN_LOCATION, 'Restore'), 'Restore');
    await ui.waitForText('Fill in the form below to ask for approval.');
    const form = await ui.waitForCard('Request a restore');
    await ui.fill(form, /deleted by mistake/, 'the VPN policy still needs it');
    await ui.screenshot('restore-form', form);

    await ui.clickButton(form, 'Ask for approval');
    const pending = await ui.waitForCard('Waiting for approval (0 of 1)');
    const requestId = await requestIdOn(pending);
    const pendingText = await ui.textOf(pending);
    assert.match(pendingText, /Requested by\nAlex Wilber/);
    assert.match(pendingText, /Why\nthe VPN policy still needs it/);
    await ui.screenshot('restore-waiting-for-approval', pending);

    // Megan clicks Approve on her view of the card (Teams shows approvers Approve and Reject).
    await ui.clickAs(megan, await approvalCardOf(requestId), 'request.approve', { requestId });
    const restored = await ui.waitForCard(new RegExp(`${requestId}[\\s\\S]*Restored\\. Approved by Megan Bowen`));
    const restoredText = await ui.textOf(restored);
    assert.match(restoredText, /Restored\. Approved by Megan Bowen\./);
    assert.match(restoredText, /Done · request-id [0-9a-f-]{36}/);
    await ui.screenshot('restore-approved-and-restored', restored);

    // Lists may come from the bot's mirror of the recycle bins; what the bot restored leaves it at once.
    const after = await ui.ask('deleted nl', 'Deleted named locations', 'mention');
    assert.ok(!(await ui.textOf(after)).includes(VPN_LOCATION), 'the restored location is no longer in the recycle bin');
    await ui.screenshot('restore-no-longer-listed', after);
  });

  it("a non-approver's Approve is refused, and the card stays waiting", async () => {
    await ui.openChat(GENERAL);
    await ui.mention(`restore ${DEMO_IDS.compliantDevicePolicy} needed for the audit`);
    const pending = await ui.waitForCard('Waiting for approval (0 of 1)');
    const requestId = await requestIdOn(pending);
    await ui.screenshot('refusal-request', pending);

    await ui.clickAs(patti, await approvalCardOf(requestId), 'request.approve', { requestId });
    // The refusal is Patti's answer alone; the playground shows invoke answers in its log panel.
    const refusal = await ui.openLatestLogResponse('invoke', 'You are not allowed to approve requests');
    await ui.screenshot('refusal-answer-to-patti', refusal);

    assert.match(await ui.textOf(ui.card(requestId)), /Waiting for approval \(0 of 1\)/, 'the card everyone sees is unchanged');
    const audit = await ui.ask('audit 3', /access\.denied/, 'mention');
    assert.match(await ui.textOf(audit), /access\.denied[\s\S]*Patti Fernandez/);
    await ui.screenshot('refusal-audited', audit);
  });

  it('alerts: a deletion in the tenant shows up in the channel with who did it, and Restore starts the approval', async () => {
    await ui.openChat(GENERAL);
    await ui.mention('alerts on ca');
    await ui.waitForText(/Alerts are on for Conditional Access policies/);
    await ui.screenshot('alerts-on');

    // Someone deletes a live policy in the tenant, outside the bot.
    const tenant = stack.simulator.tenant;
    const policy = tenant.addLive('ca', {
      displayName: 'CA099 - Require MFA for contractors',
      state: 'enabled',
      conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] }, clientAppTypes: ['all'] },
      grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    });
    const policyId = String(policy.id);
    tenant.deleteLive('ca', policyId, GRADY);

    const alert = await ui.waitForCard('Deleted: CA099 - Require MFA for contractors');
    const alertText = await ui.textOf(alert);
    assert.match(alertText, /by grady\.archie@contoso\.onmicrosoft\.com/);
    assert.match(alertText, /\d+ days left to restore it/);
    // Alert cards carry Select toggles and Restore selected since bulk restore.
    assert.deepEqual(await ui.buttonsOf(alert), ['Details', 'Restore', 'Restore selected']);
    await ui.screenshot('alert-in-channel', alert);

    await ui.clickButton(alert, 'Restore');
    const form = await ui.waitForCard('Request a restore');
    await ui.fill(form, /deleted by mistake/, 'deleted without a change ticket');
    await ui.clickButton(form, 'Ask for approval');
    const pending = await ui.waitForCard('Waiting for approval (0 of 1)');
    const requestId = await requestIdOn(pending);
    assert.match(await ui.textOf(pending), /CA099 - Require MFA for contractors/);
    await ui.screenshot('alert-restore-requested', pending);

    await ui.clickAs(megan, await approvalCardOf(requestId), 'request.approve', { requestId });
    await ui.waitForCard(new RegExp(`${requestId}[\\s\\S]*Restored\\. Approved by Megan Bowen`));
    assert.ok(tenant.live('ca').some((p) => p.id === policyId), 'the policy is live again');
    // The next poll notices the item left the recycle bin and updates the alert card.
    const updatedAlert = await ui.waitForCard(/Restored since: it is back in the tenant/);
    await ui.screenshot('alert-restored', updatedAlert);
  });

  it('partner: "partner set <tenant> mfa on" goes through approval and changes the partner configuration', async () => {
    // An admin had turned off trusting MFA from Litware.
    const tenant = stack.simulator.tenant;
    tenant.update('partners', LITWARE, { inboundTrust: { isMfaAccepted: false, isCompliantDeviceAccepted: false, isHybridAzureADJoinedDeviceAccepted: false } });
    const mfaAccepted = () => (tenant.live('partners').find((p) => p.tenantId === LITWARE)?.inboundTrust as { isMfaAccepted?: boolean } | undefined)?.isMfaAccepted;
    assert.equal(mfaAccepted(), false);

    await ui.openChat(GENERAL);
    await ui.mention(`partner set ${LITWARE} mfa on because new contract`);
    const pending = await ui.waitForCard('Partner change request');
    const requestId = await requestIdOn(pending);
    const pendingText = await ui.textOf(pending);
    assert.match(pendingText, /Waiting for approval \(0 of 1\)/);
    assert.match(pendingText, /Changes \(now → after\)\nInbound trust: MFA from the partner\noff → on/);
    await ui.screenshot('partner-change-requested', pending);

    await ui.clickAs(megan, await approvalCardOf(requestId), 'request.approve', { requestId });
    const done = await ui.waitForCard(new RegExp(`${requestId}[\\s\\S]*Done\\. Approved by Megan Bowen`));
    assert.match(await ui.textOf(done), /Update partner[^\n]*\n?Done · request-id [0-9a-f-]{36}/);
    await ui.screenshot('partner-change-done', done);
    assert.equal(mfaAccepted(), true, 'the simulated tenant now trusts MFA from the partner');

    const shown = await ui.ask(`partner show ${LITWARE}`, /Partner Litware/, 'mention');
    assert.match(await ui.textOf(shown), /MFA from partner tenant\s+Trusted/);
    await ui.screenshot('partner-show-after', shown);
  });
  it('details card with names: "show" names the excluded break-glass users and group and the named locations', async () => {
    await ui.openChat('Personal Chat');
    const details = await ui.ask(`show ${CA004}`, /CA004 - Block access from untrusted countries[\s\S]*Excluded users/, 'say');
    const text = await ui.textOf(details);
    assert.match(text, /Deleted by\nadele\.vance@contoso\.onmicrosoft\.com/);
    // An admin sees at a glance that restoring it keeps the break-glass exclusions.
    assert.match(text, /Excluded users\n2 users: Break Glass 1 \(bg1@contoso\.onmicrosoft\.com\), Break Glass 2 \(bg2@contoso\.onmicrosoft\.com\)/);
    assert.match(text, /Excluded groups\n1 group: Break-glass accounts/);
    assert.match(text, /Locations\n1 named location: Blocked countries - high risk \(deleted, restorable\)/);
    assert.match(text, /Excluded locations\n1 named location: Contoso corporate egress IPs/);
    assert.match(text, /Named location: Blocked countries - high risk\nDeleted too \(\d+ days? left\): it must be restored first/);
    assert.match(text, /Named location: Contoso corporate egress IPs\nNot in the recycle bin/, 'the live location it depends on is named too');
    for (const id of [...BREAK_GLASS_USERS, BREAK_GLASS_GROUP]) assert.ok(!text.includes(id), `no bare id ${id} where a name is known`);
    await ui.screenshot('details-with-names', details);
  });

  it('change alert: an admin turns a policy off in the tenant, the channel is told who and what, and Revert through approval puts it back', async () => {
    await ui.openChat(GENERAL);
    await ui.mention('alerts on changes');
    await ui.waitForText(/Changes too \(new, changed and switched-off objects\)/);
    await ui.screenshot('change-alerts-on');

    // Grady turns CA002 off and excludes the Finance group from it, as in the Entra admin
    // center: the simulator applies the PATCH and records "Update conditional access policy" by him.
    const tenant = stack.simulator.tenant;
    const before = structuredClone(tenant.findLive('ca', CA002)!);
    const conditions = structuredClone(before.conditions) as { users: { excludeGroups: string[] } };
    conditions.users.excludeGroups = [...conditions.users.excludeGroups, FINANCE_GROUP];
    tenant.update('ca', CA002, { state: 'disabled', conditions }, GRADY);

    // The next check (every 2 s here) posts the alert; its author may come with a later update of the card.
    const alert = await ui.waitForCard(/State changed \(On → Off\): CA002 - Require MFA for all users[\s\S]*by grady\.archie@contoso\.onmicrosoft\.com/);
    const alertText = await ui.textOf(alert);
    assert.ok(alertText.includes(CA002), 'the alert names the policy id');
    assert.match(alertText, /version 1 → 2/);
    assert.match(alertText, /State: On → Off/);
    assert.match(alertText, /Excluded groups: \+ Finance/, 'the group is named, not its id');
    assert.ok(!alertText.includes(FINANCE_GROUP), 'no bare group id');
    assert.deepEqual(await ui.buttonsOf(alert), ['Revert', 'Details', 'History']);
    await ui.screenshot('change-alert-in-channel', alert);

    await ui.clickButton(alert, 'Revert');
    const pending = await ui.waitForCard(/Revert request R-[2-9A-Z]{7}\s+Waiting for approval \(0 of 1\)/);
    const requestId = await requestIdOn(pending);
    const pendingText = await ui.textOf(pending);
    assert.match(pendingText, /Put Conditional Access policy "CA002 - Require MFA for all users" back as it was in version 1 \(now version 2\)/);
    assert.match(pendingText, /Requested by\nAlex Wilber/);
    assert.match(pendingText, /State\s*:?\s*Off → On/, 'the card shows the diff the PATCH applies');
    assert.match(pendingText, /Excluded groups\s*:?\s*− Finance/);
    await ui.screenshot('change-revert-requested', pending);

    const since = stack.simulator.requests.length;
    await ui.clickAs(megan, await approvalCardOf(requestId), 'request.approve', { requestId });
    const reverted = await ui.waitForCard(new RegExp(`request ${requestId}\\s+Reverted\\. Approved by Megan Bowen\\.`));
    assert.match(await ui.textOf(reverted), /Revert CA002 - Require MFA for all users\nDone · request-id [0-9a-f-]{36}/);
    await ui.screenshot('change-reverted', reverted);

    // Exactly one write reached the policy: a PATCH of the two properties that differed, back to their earlier values.
    const writes = stack.simulator.requests.slice(since).filter((r) => r.method !== 'GET' && r.path.includes(CA002));
    assert.deepEqual(writes.map((r) => `${r.method} ${r.path}`), [`PATCH /identity/conditionalAccess/policies/${CA002}`]);
    assert.deepEqual(writes[0].body, { state: before.state, conditions: before.conditions });
    const { modifiedDateTime: _then, ...earlier } = before;
    const { modifiedDateTime: _now, ...now } = tenant.findLive('ca', CA002)!;
    assert.deepEqual(now, earlier, 'the policy in the tenant is back to its earlier content');
  });

  it('directory recycle bin: "deleted users" lists the deleted users, and Details shows a user\'s UPN', async () => {
    await ui.openChat('Personal Chat');
    const list = await ui.ask('deleted users', 'Deleted users', 'say');
    const listText = await ui.textOf(list);
    assert.match(listText, /showing 1–2 of 2/);
    assert.match(listText, /Diego Siciliani/);
    assert.match(listText, /Lee Gu/);
    assert.doesNotMatch(listText, /Conditional Access policy ·|Named location ·/, 'only users');
    await ui.screenshot('directory-deleted-users', list);

    await ui.clickButton(ui.row(list, 'Diego Siciliani'), 'Details');
    const details = await ui.waitForCard(/Diego Siciliani[\s\S]*Sign-in name \(UPN\)/);
    const detailsText = await ui.textOf(details);
    assert.match(detailsText, /Sign-in name \(UPN\)\s*:?\s*diegos@contoso\.onmicrosoft\.com/);
    assert.ok(detailsText.includes(DIEGO), 'the details name the user\'s object id');
    assert.ok((await ui.buttonsOf(details)).includes('Restore'));
    await ui.screenshot('directory-user-details', details);
  });

  // Last: it sets the approvals conversation, and clears it again at the end.
  it('approvals conversation: a request from a personal chat is approved in the channel, and every copy says restored', async () => {
    await ui.openChat(GENERAL);
    await ui.mention('approvals here');
    await ui.waitForText(/This channel is now the approvals conversation/);
    await ui.screenshot('approvals-here');

    try {
      // Typed in the personal chat, where no other approver would see it.
      await ui.openChat('Personal Chat');
      await ui.say(`restore ${CA020} needed for the risk review`);
      const tracking = await ui.waitForCard(/request R-[2-9A-Z]{7}\s+Waiting for approval \(0 of 1\)[\s\S]*CA020 - Require MFA for medium and high sign-in risk/);
      const requestId = await requestIdOn(tracking);
      const trackingText = await ui.textOf(tracking);
      assert.match(trackingText, /Requested by\nAlex Wilber/);
      assert.match(trackingText, /Restore into\nReport-only/, 'a typed restore of a CA policy is report-only by default');
      assert.ok(!(await ui.page.getByText(/No approver can see this request yet/).count()), 'the requester is not told that no approver sees it');
      await ui.screenshot('approvals-tracking-copy-in-personal-chat', tracking);

      // The approval card is in the channel.
      await ui.openChat(GENERAL);
      const approval = await ui.waitForCard(new RegExp(`request ${requestId}\\s+Waiting for approval \\(0 of 1\\)`));
      const approvalText = await ui.textOf(approval);
      assert.match(approvalText, /CA020 - Require MFA for medium and high sign-in risk/);
      assert.match(approvalText, /Why\nneeded for the risk review/);
      await ui.screenshot('approvals-card-in-channel', approval);

      // Megan approves on the channel's card.
      await ui.clickAs(megan, await approvalsCopyOf(requestId), 'request.approve', { requestId });
      const restored = await ui.waitForCard(new RegExp(`request ${requestId}\\s+Restored\\. Approved by Megan Bowen\\.`));
      assert.match(await ui.textOf(restored), /Restore CA020 - Require MFA for medium and high sign-in risk\nDone · request-id [0-9a-f-]{36}/);
      await ui.screenshot('approvals-restored-in-channel', restored);
      assert.ok(stack.simulator.tenant.live('ca').some((p) => p.id === CA020 && p.state === 'enabledForReportingButNotEnforced'), 'the policy is live again, report-only');

      // The tracking copy says so too, and Alex is told where he asked.
      await ui.openChat('Personal Chat');
      const trackingDone = await ui.waitForCard(new RegExp(`request ${requestId}\\s+Restored\\. Approved by Megan Bowen\\.`));
      await ui.waitForText(new RegExp(`^Alex Wilber your restore request ${requestId} restored CA020 - Require MFA for medium and high sign-in risk \\(${CA020}\\)\\.$`));
      await ui.screenshot('approvals-restored-in-personal-chat', trackingDone);
    } finally {
      await ui.openChat(GENERAL);
      await ui.mention('approvals off');
      await ui.waitForText(/The approvals conversation is cleared/);
      await ui.screenshot('approvals-off');
    }
  });
});
