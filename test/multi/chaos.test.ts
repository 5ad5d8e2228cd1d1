import assert from 'node:assert/strict';
import type { ChangeRequest } from '../../src/core/approvals';
import { createAzureStateStore } from '../../src/store';
import { BotCluster } from '../support/botCluster';
import { ALEX, cardText, MEGAN } from '../support/botHarness';

/**
 * 20 SIGKILLs of one instance at random moments while admins request and approve restores
 * (named locations, and Conditional Access policies into report-only) and policies get
 * deleted. Afterwards work was done, nothing is lost, nothing ran twice, every interrupted
 * change was completed, no report-only policy is left enforcing, the audit log tells every
 * request's story, and every deletion was alerted once (a second copy only when a kill
 * interrupted the call to Teams, and then labelled as such).
 */

const ROUNDS = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SIGKILL at random moments', function () {
  this.timeout(300_000);
  let cluster: BotCluster;

  before(async () => {
    // A short claim and sweep, so that a change the kill interrupted is taken over within seconds.
    cluster = await BotCluster.start(1, { REQUEST_CLAIM_SECONDS: '3', REQUEST_SWEEP_SECONDS: '1' });
  });
  after(async () => cluster?.stop());

  it('loses no request, executes none twice, audits all, and alerts every deletion', async () => {
    const bot = cluster.instances[0];
    const channel = bot.conversation('channel', ALEX);
    await channel.say('alerts on');
    await cluster.baselineRecorded();
    const tenant = cluster.simulator.tenant;
    const requestIds = new Set<string>();
    const reportOnlyPolicies = new Map<string, string>();
    const restoreTargets: string[] = [];
    const deletedNames: string[] = [];
    const workloadErrors: string[] = [];
    let approvalsAnswered = 0;

    for (let round = 0; round < ROUNDS; round++) {
      if (!bot.isRunning()) await bot.start();
      const target = String(tenant.addLive('locations', { '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: `Chaos target ${round}`, isTrusted: false, ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: `10.${round}.0.0/16` }] }).id);
      tenant.deleteLive('locations', target);
      restoreTargets.push(target);
      const policy = String(tenant.addLive('ca', { displayName: `Chaos policy ${round}`, state: 'enabled', conditions: {}, grantControls: null }).id);
      tenant.deleteLive('ca', policy);
      restoreTargets.push(policy);
      const deleted = tenant.addLive('ca', { displayName: `Chaos deletion ${round}`, state: 'disabled', conditions: {}, grantControls: null });
      tenant.deleteLive('ca', String(deleted.id));
      deletedNames.push(`Chaos deletion ${round}`);

      const askAndApprove = async (command: string) => {
        const replies = await channel.say(command);
        const asked = replies.filter((reply) => /Restore request R-/.test(cardText(reply.card)));
        const requestId = /Restore request (R-\w+)/.exec(cardText(asked[0]?.card))?.[1];
        if (!requestId) throw new Error(`no request card for "${command}": ${replies.map((r) => r.text ?? cardText(r.card).slice(0, 80)).join(' | ')}`);
        requestIds.add(requestId);
        if (command.includes('report-only')) reportOnlyPolicies.set(requestId, policy);
        const approved = await channel.as(MEGAN).invoke('request.approve', { requestId }, asked[0].id);
        if (approved.status === 200) approvalsAnswered++;
      };
      // A call the kill cut off is expected; any other failure is not.
      let killed = false;
      const cutOffOnly = (error: Error) => (killed ? undefined : workloadErrors.push(`round ${round}: ${error.message}`));
      // One after the other: a reply is matched to the message sent by the conversation it lands in.
      const workload = (async () => {
        await askAndApprove(`restore nl ${target} chaos round ${round}`);
        await askAndApprove(`restore ca ${policy} report-only chaos round ${round}`);
      })().catch(cutOffOnly);
      await sleep(Math.random() * 2500);
      killed = true;
      await bot.kill('SIGKILL');
      await workload;
    }
    await bot.start();
    assert.deepEqual(workloadErrors, [], 'the workload failed only where a kill cut it off');

    let alertedNow = new Set<string>();
    const store = await createAzureStateStore({ connectionString: cluster.env.AZURE_STORAGE_CONNECTION_STRING, container: cluster.env.STATE_CONTAINER });
    try {
      // Interrupted changes are taken over once their claim lapsed (3 s) by the next sweep (every 1 s).
      const stillExecuting = async () => {
        const states = await Promise.all([...requestIds].map(async (id) => (await store.get<ChangeRequest>(`requests/${id}`))?.value.state));
        return states.filter((state) => state === 'executing').length;
      };
      const settleBy = Date.now() + 30_000;
      while ((await stillExecuting()) > 0 && Date.now() < settleBy) await sleep(500);
      const succeeded: string[] = [];
      for (const id of requestIds) {
        const record = await store.get<ChangeRequest>(`requests/${id}`);
        assert.ok(record, `request ${id} was not lost`);
        assert.notEqual(record.value.state, 'executing', `${id} was closed after the crash`);
        const story = (await store.readAudit({ limit: 50, requestId: id })).map((entry) => entry.action);
        assert.ok(story.includes('request.created'), `${id} creation audited`);
        if (record.value.state !== 'pending') {
          assert.ok(story.some((a) => ['request.succeeded', 'request.failed'].includes(a)), `${id} outcome audited: ${story.join(', ')}`);
        }
        if (record.value.state === 'succeeded') succeeded.push(id);
        const policy = reportOnlyPolicies.get(id);
        const live = policy ? tenant.live('ca').find((p) => p.id === policy) : undefined;
        if (record.value.state === 'succeeded' && policy) assert.equal(live?.state, 'enabledForReportingButNotEnforced', `${id}: ${policy} ended report-only`);
        if (live) assert.notEqual(live.state, 'enabled', `${id}: the report-only policy ${policy} is not left enforcing`);
      }
      for (const target of restoreTargets) {
        const restores = cluster.simulator.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/${target}/restore`));
        assert.ok(restores.length <= 1, `${target} restored ${restores.length} times`);
      }
      // Work actually happened: approvals were answered, and restores ran and were recorded as done.
      assert.ok(approvalsAnswered > 0, 'some approvals were answered before a kill');
      assert.ok(succeeded.length > 0, 'some requests succeeded');
      const restoredTargets = restoreTargets.filter((target) => cluster.simulator.requests.some((r) => r.method === 'POST' && r.path.endsWith(`/${target}/restore`) && r.status === 200));
      assert.ok(restoredTargets.length >= succeeded.length, `${restoredTargets.length} restores for ${succeeded.length} succeeded requests`);
      // The killed instance's poll lease must expire (20 s) before the restarted one may poll.
      // A burst is one card listing every item (it shows ten), so read the sent cards' records.
      const alerted = async () => {
        const cards = await store.list<{ activityId?: string; items: { name: string }[] }>('alerts/cards/');
        return new Set(cards.filter((c) => c.value.activityId).flatMap((c) => c.value.items.map((item) => item.name)));
      };
      const deadline = Date.now() + 60_000;
      while (!deletedNames.every((name) => alertedNow.has(name)) && Date.now() < deadline) {
        await sleep(1000);
        alertedNow = await alerted();
      }
      for (const name of deletedNames) assert.ok(alertedNow.has(name), `${name} was alerted`);
      // Each stored alert reached the channel once, plus a copy labelled as a possible repeat
      // only when a kill landed during the call to Teams itself.
      const sentRecords = (await store.list<{ sentAt?: string }>('alerts/cards/')).filter((c) => c.value.sentAt).length;
      const posted = bot.connector.postsTo(channel.id).map((a) => cardText(a.body.attachments?.[0]?.content)).filter((text) => /Detected /.test(text));
      const unlabelled = posted.filter((text) => !/Sent again/.test(text));
      assert.ok(unlabelled.length <= sentRecords, `${unlabelled.length} unlabelled alert cards for ${sentRecords} alerts: one was silently duplicated`);
      assert.ok(posted.length >= sentRecords, `${posted.length} alert cards for ${sentRecords} alerts`);
    } finally {
      await store.close();
    }
    assert.ok(requestIds.size > 0, 'the workload made requests');
  });
});
