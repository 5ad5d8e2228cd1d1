import assert from 'node:assert/strict';
import { DEMO_IDS } from '../../src/simulator';
import { BotCluster } from '../support/botCluster';
import { ALEX, cardReply, cardText, MEGAN, type Conversation } from '../support/botHarness';

/**
 * Three bot processes behind one endpoint, sharing Azure Storage (Azurite) and one tenant
 * (the simulator): approvals, executions and alerts happen exactly once.
 */

const restoreCalls = (cluster: BotCluster, since = 0) => cluster.simulator.requests.slice(since).filter((r) => r.method === 'POST' && r.path.endsWith('/restore'));

async function eventually(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('several instances sharing Azure Storage', function () {
  this.timeout(180_000);
  let cluster: BotCluster;
  let first: Conversation;

  before(async () => {
    cluster = await BotCluster.start(3);
  });
  after(async () => cluster?.stop());
  beforeEach(() => {
    first = cluster.instances[0].conversation('channel', ALEX);
  });

  it('a request made on instance 1 is approved on instance 2', async () => {
    const asked = cardReply(await first.say(`restore nl ${DEMO_IDS.deletedIpLocation}`));
    const requestId = /Restore request (R-\w+)/.exec(cardText(asked.card))![1];
    const since = cluster.simulator.requests.length;
    const approved = await first.as(MEGAN).via(cluster.instances[1]).invoke('request.approve', { requestId }, asked.id);
    assert.match(cardText(approved.response.value), /Approved by Megan Bowen/);
    await eventually(() => cluster.connector.updatesOf(asked.id).some((card) => /Restored\./.test(cardText(card))), 20_000, 'the restore');
    assert.equal(restoreCalls(cluster, since).length, 1);
  });

  it('50 concurrent Approve clicks spread over three instances restore exactly once', async () => {
    const asked = cardReply(await first.say(`restore xtap ${DEMO_IDS.serviceProviderPartner}`));
    const requestId = /Restore request (R-\w+)/.exec(cardText(asked.card))![1];
    const since = cluster.simulator.requests.length;
    const clicks = await Promise.all(
      Array.from({ length: 50 }, (_, n) => first.as(MEGAN).via(cluster.instances[n % 3]).invoke('request.approve', { requestId }, asked.id)),
    );
    assert.ok(clicks.every((click) => click.status === 200), 'every click answered');
    await eventually(() => cluster.connector.updatesOf(asked.id).some((card) => /Restored\./.test(cardText(card))), 20_000, 'the restore');
    await cluster.pollCycles(2); // time for a second execution to show, counted in the bots' own cycles
    assert.equal(restoreCalls(cluster, since).length, 1);
  });

  it('one deletion, one alert per subscribed conversation, whichever instance polls; a killed leader is replaced', async () => {
    const channel = cluster.instances[2].conversation('channel', ALEX);
    await channel.say('alerts on');
    const leader = await cluster.pollLeader();
    await cluster.baselineRecorded();
    const alertsIn = () => cluster.connector.postsTo(channel.id).filter((a) => /Detected /.test(JSON.stringify(a.body)));

    const firstPolicy = cluster.simulator.tenant.addLive('ca', { displayName: 'CA201 - first', state: 'enabled', conditions: {}, grantControls: null });
    const sendingCycles = leader.alertSendingCycles();
    cluster.simulator.tenant.deleteLive('ca', String(firstPolicy.id));
    await eventually(() => alertsIn().length === 1, 15_000, 'the first alert');
    // The leader logs the cycle once it has recorded the send. (Killed in the milliseconds
    // between Teams accepting a card and that write, a successor would send the card again: at
    // least once, never lost.)
    await eventually(() => leader.alertSendingCycles() > sendingCycles, 15_000, 'the send recorded');

    await leader.kill('SIGKILL');
    const secondPolicy = cluster.simulator.tenant.addLive('ca', { displayName: 'CA202 - second', state: 'enabled', conditions: {}, grantControls: null });
    cluster.simulator.tenant.deleteLive('ca', String(secondPolicy.id));
    try {
      const successor = await cluster.pollLeader(60_000);
      assert.notEqual(successor.index, leader.index);
      await eventually(() => alertsIn().length === 2, 30_000, 'the alert after the takeover');
      await cluster.pollCycles(3); // a card sent twice would be sent again within these
      const texts = alertsIn().map((a) => JSON.stringify(a.body));
      assert.equal(texts.length, 2, 'nothing sent twice');
      assert.ok(texts[0].includes('CA201') && texts[1].includes('CA202'));
    } finally {
      await leader.start();
    }
  });

  it('says the state store is unavailable while Azure Storage is down, and recovers when it returns', async () => {
    await cluster.azurite.pause();
    try {
      const replies = await first.say('pending');
      assert.match(replies[0].text ?? '', /state store is unavailable right now/);
    } finally {
      await cluster.azurite.resume();
    }
    const after = await first.say('pending');
    assert.match(cardText(after[0].card), /Open restore requests/);
  });
});
