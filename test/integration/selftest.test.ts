import assert from 'node:assert/strict';
import type { GraphObject } from '../../src/core/model';
import { ALEX, BotHarness, cardReply, cardText, Conversation, ISAIAH, listActions, MEGAN, PATTI, requestIdOf, type Card } from '../support/botHarness';

/**
 * `selftest` as an admin lives it: an approver asks, another approves, and the bot runs the
 * whole recycle-bin loop on two harmless objects in the tenant, reporting each step with
 * Graph's request-id; whatever happens, nothing it created is left behind.
 */

const PREFIX = 'Recycle bin self-test';
const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

describe('selftest: proving the recycle-bin loop in the tenant', function () {
  let bot: BotHarness;
  let channel: Conversation;

  beforeEach(async () => {
    bot = await BotHarness.start();
    channel = bot.conversation('channel', ALEX);
  });
  afterEach(async () => bot.stop());

  /** Tenant calls (not the role checks and name reads that every turn makes), as "METHOD version path". */
  const tenantCalls = (since: number) =>
    bot.simulator.requests
      .slice(since)
      .filter((r) => r.path.startsWith('/identity/') || r.path.startsWith('/auditLogs/'))
      .map((r) => `${r.method} ${r.version} ${r.path}`);

  /** Every object of the two kinds, live or in the recycle bin, whose name says it is the self-test's. */
  const leftovers = () => {
    const { tenant } = bot.simulator;
    const named = (items: GraphObject[]) => items.filter((item) => String(item.displayName ?? '').startsWith(PREFIX));
    return [...named(tenant.live('ca')), ...named(tenant.live('locations')), ...named(tenant.deleted('ca')), ...named(tenant.deleted('locations'))];
  };

  /** Alex asks for a self-test in the channel, Megan approves; the final card and what Graph saw. */
  async function askAndApprove(): Promise<{ asked: Card; final: Card; requestId: string; since: number }> {
    const asked = cardReply(await channel.say('selftest after granting the permissions'));
    const requestId = requestIdOf(asked.card);
    const since = bot.simulator.requests.length;
    const approved = await channel.as(MEGAN).invoke('request.approve', { requestId }, asked.id);
    assert.match(cardText(approved.response.value), /Approved by Megan Bowen\. Running the self-test…/);
    await bot.idle();
    const final = bot.connector.updatesOf(asked.id).at(-1);
    assert.ok(final, 'the approval card was updated in place');
    return { asked: asked.card, final, requestId, since };
  }

  it('an approver asks, another approves: every step passes with its request-id, and nothing is left in the tenant', async () => {
    const { asked, final, requestId, since } = await askAndApprove();

    // What the approver approved: exactly what it creates, deletes, restores and purges.
    const plan = cardText(asked);
    assert.match(plan, new RegExp(`Self-test request ${requestId}`));
    assert.match(plan, /Waiting for approval \(0 of 1\)/);
    assert.match(plan, /What it will do in the tenant/);
    assert.match(plan, /1\. Create the named location "Recycle bin self-test \{UTC time it starts\} \{request id\}": IP range 192\.0\.2\.0\/24/);
    assert.match(plan, /2\. Create a Conditional Access policy with the same name: report-only, targeting no users and no apps/);
    assert.match(plan, /3\. Delete the policy, then the location/);
    assert.match(plan, /5\. Restore the location, then the policy/);
    assert.match(plan, /6\. Delete both again and purge them from the recycle bins for good/);
    assert.match(plan, /7\. If any step fails, whatever was created is deleted and purged/);
    assert.match(plan, /Why: after granting the permissions/);
    for (const action of listActions(asked)) assert.deepEqual(Object.keys(action.data ?? {}), ['requestId'], 'only the request id travels in card data');

    const text = cardText(final);
    assert.match(text, /Passed: every step worked\. Approved by Megan Bowen\./);
    const steps = text.split('\n').filter((line) => /^[✓✗⚠] /.test(line));
    assert.deepEqual(steps, [
      '✓ Create the named location',
      '✓ Create the report-only Conditional Access policy',
      '✓ Delete the Conditional Access policy',
      '✓ Delete the named location',
      '✓ Find the Conditional Access policy in the recycle bin',
      '✓ Find the named location in the recycle bin',
      "✓ Read the audit record of the Conditional Access policy's deletion",
      "✓ Read the audit record of the named location's deletion",
      '✓ Restore the named location',
      '✓ Restore the Conditional Access policy',
      '✓ Confirm the named location is live',
      '✓ Confirm the Conditional Access policy is live',
      '✓ Delete the Conditional Access policy',
      '✓ Delete the named location',
      '✓ Purge the Conditional Access policy from the recycle bin',
      '✓ Purge the named location from the recycle bin',
    ]);
    const details = text.split('\n').filter((_line, index, lines) => /^[✓✗⚠] /.test(lines[index - 1] ?? ''));
    assert.equal(details.length, 16);
    for (const line of details) assert.match(line, new RegExp(`· request-id ${GUID} · \\d+(\\.\\d)? m?s$`), line);
    assert.match(text, /"Delete conditional access policy" by .* \(app\)/, 'the audit record names the bot\'s app');

    // The request-ids on the card are the ones Graph sent.
    const shown = new Set([...text.matchAll(new RegExp(`request-id (${GUID})`, 'g'))].map((m) => m[1]));
    const sent = bot.simulator.requests.slice(since).map((r) => r.requestId);
    for (const id of shown) assert.ok(sent.includes(id), `request-id ${id} came from Graph`);

    const location = bot.simulator.tenant.auditEvents().find((e) => e.activityDisplayName === 'Delete named location' && String((e.targetResources as GraphObject[])[0].displayName).startsWith(PREFIX));
    const policy = bot.simulator.tenant.auditEvents().find((e) => e.activityDisplayName === 'Delete conditional access policy' && String((e.targetResources as GraphObject[])[0].displayName).startsWith(PREFIX));
    assert.ok(location && policy, 'the simulator logged both deletions');
    const locationId = String((location.targetResources as GraphObject[])[0].id);
    const policyId = String((policy.targetResources as GraphObject[])[0].id);
    assert.match(String((policy.targetResources as GraphObject[])[0].displayName), new RegExp(`^Recycle bin self-test \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} UTC ${requestId}$`));

    assert.deepEqual(tenantCalls(since), [
      'POST v1.0 /identity/conditionalAccess/namedLocations',
      'POST v1.0 /identity/conditionalAccess/policies',
      `DELETE v1.0 /identity/conditionalAccess/policies/${policyId}`,
      `DELETE v1.0 /identity/conditionalAccess/namedLocations/${locationId}`,
      `GET beta /identity/conditionalAccess/deletedItems/policies/${policyId}`,
      `GET beta /identity/conditionalAccess/deletedItems/namedLocations/${locationId}`,
      'GET v1.0 /auditLogs/directoryAudits',
      'GET v1.0 /auditLogs/directoryAudits',
      `POST beta /identity/conditionalAccess/deletedItems/namedLocations/${locationId}/restore`,
      `POST beta /identity/conditionalAccess/deletedItems/policies/${policyId}/restore`,
      `GET beta /identity/conditionalAccess/namedLocations/${locationId}`,
      `GET beta /identity/conditionalAccess/policies/${policyId}`,
      `DELETE v1.0 /identity/conditionalAccess/policies/${policyId}`,
      `DELETE v1.0 /identity/conditionalAccess/namedLocations/${locationId}`,
      `DELETE beta /identity/conditionalAccess/deletedItems/policies/${policyId}`,
      `DELETE beta /identity/conditionalAccess/deletedItems/namedLocations/${locationId}`,
    ]);
    const created = bot.simulator.requests.slice(since).filter((r) => r.method === 'POST' && !r.path.endsWith('/restore') && r.path.startsWith('/identity/'));
    assert.deepEqual((created[1].body as GraphObject).state, 'enabledForReportingButNotEnforced', 'the policy is report-only');
    assert.deepEqual((created[1].body as { conditions: { users: unknown } }).conditions.users, { includeUsers: ['None'] }, 'and targets no one');
    assert.deepEqual(leftovers(), [], 'nothing named "Recycle bin self-test" is live or in the recycle bin');

    const notice = bot.connector.activities.find((a) => a.method === 'POST' && String(a.body.text).includes(`self-test request ${requestId} passed`));
    assert.ok(notice, 'the requester is told');

    const status = cardText(cardReply(await channel.say('status')).card);
    assert.match(status, new RegExp(`Last self-test: Passed, .* \\(request ${requestId}, asked by Alex Wilber, approved by Megan Bowen\\): every step worked\\.`));
  });

  it('Graph refuses the restore with 403: the card names the missing permission, the clean-up purges both, and status shows the failure', async () => {
    bot.simulator.faults.refuse.push({ method: 'POST', path: /^\/identity\/conditionalAccess\/deletedItems\/namedLocations\/[^/]+\/restore$/ });
    const { final, requestId, since } = await askAndApprove();
    const text = cardText(final);
    assert.match(text, /The self-test failed\./);
    assert.match(text, /✗ Restore the named location\nGraph refused it \(Authorization_RequestDenied, HTTP 403\): it needs Policy\.ReadWrite\.ConditionalAccess \(with Policy\.Read\.All\)\. · request-id [0-9a-f-]{36}/);
    assert.match(text, /Failed at "Restore the named location": .* Cleaned up: nothing the self-test created is left in the tenant\./);
    assert.match(text, /What to do next: Add the application permission Policy\.ReadWrite\.ConditionalAccess \(with Policy\.Read\.All\) to the bot's app registration, grant admin consent, and restart the bot\. If the app already holds it, this tenant refuses the recycle-bin API to apps, as Microsoft's docs say/);
    const steps = text.split('\n').filter((line) => /^[✓✗⚠] /.test(line));
    assert.deepEqual(steps.slice(-3), ['✗ Restore the named location', '✓ Purge the Conditional Access policy from the recycle bin', '✓ Purge the named location from the recycle bin']);
    assert.ok(!tenantCalls(since).some((call) => call.includes('/deletedItems/policies/') && call.endsWith('/restore')), 'the policy restore is not attempted after its location failed');
    assert.deepEqual(leftovers(), [], 'the clean-up still ran');

    const status = cardText(cardReply(await channel.say('status')).card);
    assert.match(status, new RegExp(`Last self-test: Failed at "Restore the named location", .* \\(request ${requestId}, asked by Alex Wilber, approved by Megan Bowen\\): Graph refused it \\(Authorization_RequestDenied, HTTP 403\\): it needs Policy\\.ReadWrite\\.ConditionalAccess`));
  });

  it('its objects in change history are labelled as the bot\'s own: no change alert names anyone else', async () => {
    await channel.say('alerts on changes');
    await bot.product.poller.runCycle();
    const changeAlerts = () => bot.connector.postsTo(channel.id).filter((a) => /Detected /.test(cardText(a.body.attachments?.[0]?.content)));
    // Graph refuses every delete of a live policy or location: what the self-test created stays live for a cycle to see.
    bot.simulator.faults.refuse.push({ method: 'DELETE', path: /^\/identity\/conditionalAccess\/(policies|namedLocations)\/[^/]+$/ });
    const { requestId } = await askAndApprove();
    assert.equal(leftovers().length, 2, 'both objects are left live');
    const report = await bot.product.poller.runCycle();
    assert.equal(report.versions, 2, 'history stores both');
    assert.deepEqual(changeAlerts(), [], 'no change alert for the self-test\'s own objects');
    for (const object of leftovers()) {
      const kind = object.conditions ? 'ca' : 'locations';
      const index = await bot.product.history.index(kind, String(object.id));
      assert.match(index?.versions.at(-1)?.actor ?? '', new RegExp(`^this bot, for approved request ${requestId} \\(asked by Alex Wilber, approved by Megan Bowen\\)$`));
    }
  });

  it('the audit log lags: the audit step is reported as not there yet, and the test still passes', async () => {
    bot.simulator.faults.auditLagMs = 10 * 60_000;
    const { final } = await askAndApprove();
    const text = cardText(final);
    assert.match(text, /Passed: every step worked/);
    assert.match(text, /⚠ Read the audit record of the Conditional Access policy's deletion\nnot yet in the audit log/);
    assert.deepEqual(leftovers(), []);
  });

  it('is for approvers only: an operator and someone without a role are refused, and nothing is created', async () => {
    const since = bot.simulator.requests.length;
    const byOperator = await channel.as(ISAIAH).say('selftest');
    assert.match(byOperator[0].text ?? '', /You are not allowed to request a self-test: it needs the approver role/);
    const byNobody = await channel.as(PATTI).say('selftest');
    assert.match(byNobody[0].text ?? '', /You are not allowed to run `selftest`/);
    assert.deepEqual(tenantCalls(since), []);
    assert.match(cardText(cardReply(await channel.say('pending')).card), /Nothing is waiting for approval/);
    const audit = cardText(cardReply(await channel.say('audit 5')).card);
    assert.match(audit, /access\.denied[\s\S]*by Isaiah Langer[\s\S]*tried to request a self-test/);
  });

  it('the gateway calls it makes read every page, answer 404 as absent, and carry Graph\'s request-ids', async () => {
    const { gateway } = bot.product;
    const { simulator } = bot;
    const at = new Date(Date.now() - 60_000).toISOString();
    for (let n = 0; n < 230; n++) {
      simulator.tenant.addAuditEvent({ id: `busy-${n}`, activityDisplayName: 'Update conditional access policy', activityDateTime: at, loggedByService: 'Conditional Access', targetResources: [] });
    }
    const since = simulator.requests.length;
    const audit = await gateway.readAudit('Conditional Access', new Date(Date.now() - 120_000));
    assert.equal(audit.value.filter((record) => String(record.id).startsWith('busy-')).length, 230, 'every page was read');
    const pages = simulator.requests.slice(since);
    assert.equal(pages.length, 3, '230 records: three pages of 100');
    assert.equal(audit.requestId, pages[0].requestId, 'the request-id of the first page');

    const missing = await gateway.readLive({ kind: 'locations', id: '00000000-0000-4000-8000-000000000000' });
    assert.equal(missing.value, undefined);
    assert.equal(missing.requestId, simulator.requests.at(-1)?.requestId, 'a 404 still names its request');
    const created = await gateway.create('locations', { '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: `${PREFIX} probe`, ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '192.0.2.0/24' }] });
    const named = await gateway.liveNamed('locations', `${PREFIX} probe`);
    assert.deepEqual(named.value.map((item) => item.id), [created.value.id]);
    await assert.rejects(gateway.purge({ kind: 'locations', id: String(created.value.id) }), (error: { status?: number; requestId?: string }) => error.status === 404 && Boolean(error.requestId));
  });

  it('status before any self-test says how to run one; help lists the command', async () => {
    assert.match(cardText(cardReply(await channel.say('status')).card), /Last self-test: Never run\. An approver types `selftest`/);
    assert.match(cardText(cardReply(await channel.say('help')).card), /selftest \[reason\]/);
  });
});
