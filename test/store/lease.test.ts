import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { BlobLeaderLease, startBlobLease, startLocalLease } from '../../src/store';
import { Azurite, startAzurite } from '../support/azurite';

const DURATION = 15; // the shortest lease Azure allows
const PERIOD_MS = (DURATION * 1000) / 3;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls until `condition` holds; returns the time it took. There is no bound but mocha's
 * timeout: how soon something happens is counted in lease attempts, which a loaded machine
 * only spaces further apart, never in milliseconds.
 */
async function eventually(condition: () => boolean, check?: () => void): Promise<void> {
  while (!condition()) {
    check?.();
    await sleep(50);
  }
}

/** Counts the lease's completed attempts (renewals while it leads, acquisitions otherwise), from now on. */
function countAttempts(lease: BlobLeaderLease): () => number {
  const spied = lease as unknown as { runTick(): Promise<void> };
  const original = spied.runTick.bind(spied);
  let attempts = 0;
  spied.runTick = () =>
    original().finally(() => {
      attempts++;
    });
  return () => attempts;
}

describe('blob lease (Azurite)', function () {
  this.timeout(90_000);
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

    // Past the first lease period: renewals kept it with a, b never got it. Four renewals,
    // a period (a third of the lease) apart at least, outlast the lease they started from.
    const renewals = countAttempts(a);
    let seen = 0;
    await eventually(
      () => renewals() >= 4,
      () => {
        assert.equal(b.isLeader(), false, 'b never leads while a renews');
        if (renewals() > seen) {
          seen = renewals();
          assert.equal(a.isLeader(), true, `a leads after renewal ${seen}`);
        }
      },
    );
    assert.equal(a.isLeader(), true);
    assert.deepEqual(changesA, [true]);
  });

  it('stop() of the leader releases the lease: the other takes over on its next attempt', async () => {
    const changesA: boolean[] = [];
    const changesB: boolean[] = [];
    const a = await start('leases/poller', changesA);
    const b = await start('leases/poller', changesB);
    assert.ok(a.isLeader() && !b.isLeader());
    const attemptsB = countAttempts(b);
    await a.stop();
    assert.equal(a.isLeader(), false);
    assert.deepEqual(changesA, [true, false]);
    assert.equal((await container.getBlobClient('leases/poller').getProperties()).leaseState, 'available');
    await eventually(() => b.isLeader());
    assert.equal(attemptsB(), 1, 'b took over on its first attempt after the release');
    assert.deepEqual(changesB, [true]);
    await a.stop(); // idempotent
  });

  it('a holder that dies (stops renewing, never releases) is replaced once its lease expires', async () => {
    const changesB: boolean[] = [];
    const a = await start('leases/poller');
    const b = await start('leases/poller', changesB);
    assert.ok(a.isLeader() && !b.isLeader());
    const attemptsB = countAttempts(b);
    const died = Date.now();
    a.abandon();
    assert.equal(a.isLeader(), false);
    // The lease is still held in the service until it expires.
    assert.equal((await container.getBlobClient('leases/poller').getProperties()).leaseState, 'leased');
    await eventually(() => b.isLeader());
    const took = Date.now() - died;
    // Not before a's last renewal (at most a period before it died) could have expired...
    assert.ok(took >= DURATION * 1000 - PERIOD_MS, `took over after ${took} ms, before a's lease could have expired`);
    // ...and by the attempt after the lease's span: attempts are a period apart (or more, on a loaded machine),
    // three periods make a lease, one more for a renewal a was still sending when it died.
    assert.ok(attemptsB() <= 5, `b needed ${attemptsB()} attempts`);
    assert.deepEqual(changesB, [true]);
  });

  it('drops leadership at once when a renewal fails (the lease was broken)', async () => {
    const changes: boolean[] = [];
    const events: string[] = [];
    const a = await start('leases/poller', changes, events);
    assert.equal(a.isLeader(), true);
    await container.getBlobClient('leases/poller').getBlobLeaseClient().breakLease(0);
    const attempts = countAttempts(a);
    await container.getBlobClient('leases/poller').getBlobLeaseClient().acquireLease(DURATION); // someone else now
    await eventually(() => !a.isLeader());
    assert.ok(attempts() <= 1, `a noticed at its next renewal, not ${attempts()} later`);
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
