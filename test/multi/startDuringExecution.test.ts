import assert from 'node:assert/strict';
import type { ChangeRequest } from '../../src/core/approvals';
import { DEMO_IDS } from '../../src/simulator';
import { createAzureStateStore } from '../../src/store';
import { BotCluster } from '../support/botCluster';
import { ALEX, cardReply, cardText, MEGAN } from '../support/botHarness';

/**
 * Instance B starts (and sweeps every second) while instance A executes a slow dependency +
 * report-only restore, longer than a claim lasts without renewal. B leaves the request to A,
 * which holds its claim throughout: the request ends `succeeded` once, its audit complete.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe('an instance that starts while another executes a request', function () {
  this.timeout(180_000);
  let cluster: BotCluster;

  before(async () => {
    cluster = await BotCluster.start(2, { REQUEST_CLAIM_SECONDS: '3', REQUEST_SWEEP_SECONDS: '1', GRAPH_CA_MIN_INTERVAL_MS: '1000', GRAPH_TIMEOUT_MS: '10000', GRAPH_RETRY_BUDGET_MS: '12000' });
    await cluster.instances[1].kill('SIGTERM');
  });
  after(async () => cluster?.stop());

  it('leaves it to the executing instance: succeeded once, audit complete, the policy report-only', async () => {
    const [a, b] = cluster.instances;
    const channel = a.conversation('channel', ALEX);
    const asked = cardReply(await channel.say(`restore ${DEMO_IDS.caPolicyWithDeletedLocation} report-only`));
    const requestId = /Restore request (R-\w+)/.exec(cardText(asked.card))![1];
    const since = cluster.simulator.requests.length;
    const writes = () => cluster.simulator.requests.slice(since).filter((r) => r.method !== 'GET' && !r.path.endsWith('/checkMemberGroups'));
    // Every Graph answer now takes 2 s: the execution outlasts several claim periods.
    cluster.simulator.faults.latencyMs = 2000;
    const store = await createAzureStateStore({ connectionString: cluster.env.AZURE_STORAGE_CONNECTION_STRING, container: cluster.env.STATE_CONTAINER });
    try {
      await channel.as(MEGAN).invoke('request.approve', { requestId }, asked.id);
      await eventually(() => writes().length > 0, 20_000, 'the first restore');
      await b.start();
      const state = async () => (await store.get<ChangeRequest>(`requests/${requestId}`))?.value.state;
      assert.equal(await state(), 'executing', 'B started, and swept, while A was still executing');
      await eventually(async () => (await state()) !== 'executing', 60_000, 'the outcome');
      cluster.simulator.faults.latencyMs = 0;

      const request = (await store.get<ChangeRequest>(`requests/${requestId}`))!.value;
      assert.equal(request.state, 'succeeded', request.execution?.failure);
      assert.deepEqual(request.execution?.steps.map((s) => `${s.step} ${s.outcome}`), ['restore done', 'restore done', 'set report-only done']);
      assert.deepEqual(writes().map((r) => `${r.method} ${r.path.split('/').slice(-2).join('/')}`), [
        `POST ${DEMO_IDS.deletedLocationReferenced}/restore`,
        `POST ${DEMO_IDS.caPolicyWithDeletedLocation}/restore`,
        `PATCH policies/${DEMO_IDS.caPolicyWithDeletedLocation}`,
      ]);
      assert.equal(cluster.simulator.tenant.live('ca').find((p) => p.id === DEMO_IDS.caPolicyWithDeletedLocation)?.state, 'enabledForReportingButNotEnforced');
      // A few more sweeps by both instances change nothing. Sweeps log nothing when they find
      // nothing to do, so wait in the bots' own time: three poll cycles of a second each, on
      // instances that sweep every second.
      await cluster.pollCycles(3);
      const story = (await store.readAudit({ limit: 50, requestId })).map((entry) => entry.action).reverse();
      assert.deepEqual(story, ['request.created', 'request.approved', 'request.executing', 'request.succeeded']);
      assert.equal((await store.get<ChangeRequest>(`requests/${requestId}`))!.value.state, 'succeeded');
      assert.match(cardText(cluster.connector.updatesOf(asked.id).at(-1)), /Restored\./);
    } finally {
      cluster.simulator.faults.latencyMs = 0;
      await store.close();
    }
  });
});
