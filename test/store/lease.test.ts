import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { BlobLeaderLease, startBlobLease, startLocalLease } from '../../src/store';
import { Azurite, startAzurite } from '../support/azurite';

const DURATION = 15; // the shortest lease Azure allows
const PERIOD_MS = (DURATION * 1000) / 3;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `condition` holds; returns the time it took. */
async function eventually(condition: () => boolean, withinMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > withinMs) assert.fail(`${what}: not within ${withinMs} ms`);
    await sleep(50);
  }
  return Date.now() - started;
}

describe('blob lease (Azurite)', function () {
  this.timeout(45_000);
  let azurite: Azurite;
  let service: BlobServiceClient;
  let container: ContainerClient;
  const leases: BlobLeaderLease[] = [];

  const start = async (blobName: string, changes?: boolean[], events?: string[]): Promise<BlobLeaderLease> => {
    const lease = await startBlobLease({
      connectionString: azurite.connectionString,
      container: container.containerName,
      blobName,
      durationSeconds: DURATION,
      onChange: (leader) => changes?.push(leader),
      log: (event) => events?.push(event),
    });
    leases.push(lease);
    return lease;
  };

  before(async () => {
    azurite = await startAzurite();
    service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  });

  beforeEach(() => {
    // A container nobody has created yet: the lease creates it and its blob.
    container = service.getContainerClient(`lease-${randomBytes(6).toString('hex')}`);
  });

  afterEach(async () => {
    await Promise.all(leases.splice(0).map((lease) => lease.stop()));
    await container.deleteIfExists();
  });

  after(async () => {
    await azurite?.stop();
  });

  it('two instances on one blob: exactly one leads, and keeps leading across renewals', async () => {
    const changesA: boolean[] = [];
    const events: string[] = [];
    const a = await start('leases/poller', changesA, events);
    const b = await start('leases/poller');
    assert.equal(await container.getBlobClient('leases/poller').exists(), true, 'the lease blob was created');
    assert.equal(a.isLeader(), true);
    assert.equal(b.isLeader(), false);
    assert.deepEqual(changesA, [true]);
    assert.ok(events.includes('lease.blob.created'));
    assert.notEqual(a.leaseId, b.leaseId);
    const properties = await container.getBlobClient('leases/poller').getProperties();
    assert.equal(properties.leaseState, 'leased');

    // Past the first lease period: renewals kept it with a, b never got it.
    const until = Date.now() + DURATION * 1000 + 1_000;
    while (Date.now() < until) {
      assert.equal([a, b].filter((l) => l.isLeader()).length, 1);
      assert.equal(a.isLeader(), true);
      await sleep(250);
    }
    assert.deepEqual(changesA, [true]);
  });

  it('stop() of the leader releases the lease: the other takes over on its next attempt', async () => {
    const changesA: boolean[] = [];
    const changesB: boolean[] = [];
    const a = await start('leases/poller', changesA);
    const b = await start('leases/poller', changesB);
    assert.ok(a.isLeader() && !b.isLeader());
    await a.stop();
    assert.equal(a.isLeader(), false);
    assert.deepEqual(changesA, [true, false]);
    assert.equal((await container.getBlobClient('leases/poller').getProperties()).leaseState, 'available');
    await eventually(() => b.isLeader(), PERIOD_MS + 2_000, 'b becomes leader');
    assert.deepEqual(changesB, [true]);
    await a.stop(); // idempotent
  });

  it('a holder that dies (stops renewing, never releases) is replaced within two lease periods', async () => {
    const changesB: boolean[] = [];
    const a = await start('leases/poller');
    const b = await start('leases/poller', changesB);
    assert.ok(a.isLeader() && !b.isLeader());
    const died = Date.now();
    a.abandon();
    assert.equal(a.isLeader(), false);
    // The lease is still held in the service until it expires.
    assert.equal((await container.getBlobClient('leases/poller').getProperties()).leaseState, 'leased');
    await sleep(PERIOD_MS + 500);
    assert.equal(b.isLeader(), false, 'b must not lead while a\'s lease is still valid');
    await eventually(() => b.isLeader(), 2 * DURATION * 1000 - (Date.now() - died), 'b takes over');
    const took = Date.now() - died;
    assert.ok(took >= DURATION * 1000 - PERIOD_MS, `took over after ${took} ms, before a's lease could have expired`);
    assert.deepEqual(changesB, [true]);
  });

  it('drops leadership at once when a renewal fails (the lease was broken)', async () => {
    const changes: boolean[] = [];
    const events: string[] = [];
    const a = await start('leases/poller', changes, events);
    assert.equal(a.isLeader(), true);
    await container.getBlobClient('leases/poller').getBlobLeaseClient().breakLease(0);
    await container.getBlobClient('leases/poller').getBlobLeaseClient().acquireLease(DURATION); // someone else now
    await eventually(() => !a.isLeader(), PERIOD_MS + 2_000, 'a notices it lost the lease');
    assert.deepEqual(changes, [true, false]);
    assert.ok(events.includes('lease.lost'));
  });

  it('an unreachable account: startBlobLease resolves as a follower, and stop() still resolves', async () => {
    const own = await startAzurite();
    await own.stop();
    const events: string[] = [];
    const lease = await startBlobLease({
      connectionString: own.connectionString,
      container: 'leases',
      blobName: 'leases/poller',
      durationSeconds: DURATION,
      log: (event) => events.push(event),
    });
    leases.push(lease);
    assert.equal(lease.isLeader(), false);
    assert.ok(events.includes('lease.acquire.failed'), events.join());
    await lease.stop();
  });

  it('rejects a duration Azure would refuse and a missing blob name', async () => {
    for (const durationSeconds of [14, 61, 20.5, -1]) {
      await assert.rejects(startBlobLease({ containerClient: container, blobName: 'leases/x', durationSeconds }), RangeError);
    }
    await assert.rejects(startBlobLease({ containerClient: container, blobName: '', durationSeconds: 15 }), TypeError);
  });

  it('the local lease always leads until stopped', async () => {
    const lease = startLocalLease();
    assert.equal(lease.isLeader(), true);
    await sleep(10);
    assert.equal(lease.isLeader(), true);
    await lease.stop();
    assert.equal(lease.isLeader(), false);
  });
});
