import assert from 'node:assert/strict';
import { DEMO_IDS } from '../../src/simulator';
import { ALEX, BotHarness, cardReply, cardText, Conversation, MEGAN, requestIdOf } from '../support/botHarness';

/**
 * Stopping an instance (App Service sends SIGTERM on restart, scale-in and deployment): the
 * turns and approved changes under way finish, nothing new is taken, and what cannot finish
 * within the grace is handed over through its claim.
 */

describe('graceful stop', function () {
  let bot: BotHarness;
  let channel: Conversation;

  beforeEach(async () => {
    // Graph answers slowly in these tests; the client must wait for it rather than time out.
    bot = await BotHarness.start({ env: { GRAPH_TIMEOUT_MS: '10000', GRAPH_RETRY_BUDGET_MS: '20000' } });
    channel = bot.conversation('channel', ALEX);
  });
  afterEach(async () => {
    // The handover case leaves its execution running in this process, where a real stop would have ended it.
    await bot.idle();
    await bot.stop();
  });

  /** Alex asks for a restore and Megan approves it; Graph then answers slowly, so the restore is still running. */
  async function approvedSlowRestore(latencyMs: number): Promise<{ requestId: string; cardId: string }> {
    const asked = cardReply(await channel.say(`restore ${DEMO_IDS.caPolicyWithDeletedLocation} report-only`));
    const requestId = requestIdOf(asked.card);
    bot.simulator.faults.latencyMs = latencyMs;
    const approved = await channel.as(MEGAN).invoke('request.approve', { requestId }, asked.id);
    assert.match(cardText(approved.response.value), /Restoring…/);
    return { requestId, cardId: asked.id };
  }

  it('finishes an approved restore that is running, and takes no new turn meanwhile', async () => {
    const { requestId, cardId } = await approvedSlowRestore(300);
    const graphBefore = bot.simulator.requests.length;

    const stopping = bot.product.stop(120_000);
    const during = await fetch(`${bot.botUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then(
      (response) => response.status,
      () => 'refused',
    );
    await stopping;

    assert.notEqual(during, 200, 'a new activity is not served while stopping');
    const restores = bot.simulator.requests.slice(graphBefore).filter((r) => r.method === 'POST' && r.path.endsWith('/restore'));
    assert.equal(restores.length, 2, 'the location and the policy were restored before the process let go');
    assert.match(cardText(bot.connector.updatesOf(cardId).at(-1)), /Restored\. Approved by Megan Bowen/);
    assert.ok(!bot.logs.entries.some((e) => e.event === 'shutdown.handover'), 'nothing was left to hand over');
    assert.ok(!bot.logs.entries.some((e) => e.event === 'request.claim_lost'), requestId);
  });

  it('hands over a restore that outlasts the grace, naming it, instead of waiting past the host\'s kill', async () => {
    const { requestId } = await approvedSlowRestore(2_000);

    await bot.product.stop(1);

    const handover = bot.logs.entries.find((e) => e.event === 'shutdown.handover');
    assert.ok(handover, 'the handover is logged');
    assert.deepEqual(handover.requests, [requestId]);
    assert.equal(handover.claimSeconds, 30);
  });

  it('answers the health probe with 503 once stopping, so the load balancer stops sending turns', async () => {
    await approvedSlowRestore(300);
    const url = bot.botUrl;
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    const stopping = bot.product.stop(120_000);
    const probe = await fetch(`${url}/healthz`).then(
      (response) => response.status,
      () => 'refused',
    );
    await stopping;
    assert.notEqual(probe, 200, 'the probe no longer says the instance is fine');
  });
});
