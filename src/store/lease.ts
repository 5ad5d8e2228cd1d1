/**
 * Leader election for "only one bot instance polls", on an Azure blob lease.
 *
 * Every instance proposes its own lease id and tries to acquire the lease on one blob every
 * durationSeconds / 3. The service grants it to one of them (the others get 409
 * LeaseAlreadyPresent); the holder renews it on the same period. Leadership is dropped at
 * once (onChange(false)) when a renewal fails, and also when no renewal succeeded in time:
 * `isLeader()` is only true until the lease would expire, counted from when the last
 * successful acquire or renew was *sent*, so a slow or hanging request never stretches it.
 * If the holder dies its lease simply expires, and the next attempt of another instance wins:
 * a takeover within durationSeconds + durationSeconds / 3 of the last renewal, i.e. within
 * two lease periods. `stop()` releases the lease so another instance can take over on its
 * next attempt.
 *
 * A lease only protects what is done while holding it; a leader that stalls for longer than
 * the lease (a long GC pause, a suspended VM) may briefly overlap with the next one. The
 * alert poller tolerates that (a duplicate poll), which is why a lease is enough here.
 */
import { randomUUID } from 'node:crypto';
import type { BlobLeaseClient, BlockBlobClient, ContainerClient } from '@azure/storage-blob';
import type { LeaderLease } from './port';
import { AzureBlobConnectionOptions, blobPipelineOptions, createBlobContainerClient } from './azureConnection';

export type LeaseLog = (event: string, fields: Record<string, unknown>) => void;

export type BlobLeaseOptions = (
  | { containerClient: ContainerClient }
  | (Partial<AzureBlobConnectionOptions> & { containerClient?: undefined; container: string })
) & {
  /** The blob whose lease is contended; created (empty) if missing, with its container. */
  blobName: string;
  /** Lease length, 15..60 seconds (Azure's limits for a finite lease). */
  durationSeconds: number;
  /** Called with true on gaining and false on losing leadership. */
  onChange?: (leader: boolean) => void;
  /** Diagnostics: lease.acquired, lease.lost, lease.released, lease.acquire.failed, lease.release.failed, lease.blob.created. */
  log?: LeaseLog;
};

export interface BlobLeaderLease extends LeaderLease {
  /** The lease id this instance proposes. */
  readonly leaseId: string;
  /**
   * Test hook that simulates a crash: stops every timer without releasing the lease, which
   * then expires on its own. Leadership ends locally at once.
   */
  abandon(): void;
}

/** Margin kept between the local end of leadership and the service's lease expiry. */
const SAFETY_MS = 1_000;
const LEASE_TRIES = 2;

function errorFields(error: unknown): Record<string, unknown> {
  const e = (error && typeof error === 'object' ? error : {}) as { name?: unknown; code?: unknown; statusCode?: unknown };
  return {
    code: typeof e.code === 'string' ? e.code : e.name === 'AbortError' ? 'ETIMEDOUT' : undefined,
    status: typeof e.statusCode === 'number' ? e.statusCode : undefined,
  };
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

class BlobLease implements BlobLeaderLease {
  readonly leaseId = randomUUID();
  private readonly leaseClient: BlobLeaseClient;
  private readonly periodMs: number;
  private leader = false;
  /** Local time until which the lease is surely ours (ms since epoch). */
  private validUntil = 0;
  /** An acquire or renew has been sent since the last confirmed release. */
  private mayHold = false;
  private stopped = false;
  private tickTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly container: ContainerClient,
    private readonly blob: BlockBlobClient,
    private readonly durationSeconds: number,
    private readonly onChange: ((leader: boolean) => void) | undefined,
    private readonly logger: LeaseLog | undefined,
  ) {
    this.leaseClient = blob.getBlobLeaseClient(this.leaseId);
    this.periodMs = Math.floor((durationSeconds * 1000) / 3);
  }

  isLeader(): boolean {
    return this.leader && Date.now() < this.validUntil;
  }

  private log(event: string, fields: Record<string, unknown> = {}): void {
    try {
      this.logger?.(event, { blob: this.blob.name, leaseId: this.leaseId, ...fields });
    } catch {
      // diagnostics must never break the lease
    }
  }

  private setLeader(leader: boolean, event: string, fields: Record<string, unknown> = {}): void {
    if (this.leader === leader) return;
    this.leader = leader;
    this.log(event, fields);
    try {
      this.onChange?.(leader);
    } catch (error) {
      this.log('lease.onChange.failed', { message: error instanceof Error ? error.message : String(error) });
    }
  }

  /** Leadership confirmed by a request sent at `sentAt`. */
  private confirmed(sentAt: number): void {
    this.validUntil = sentAt + this.durationSeconds * 1000 - SAFETY_MS;
    clearTimeout(this.expiryTimer);
    this.expiryTimer = setTimeout(() => {
      if (Date.now() >= this.validUntil) this.setLeader(false, 'lease.lost', { reason: 'not renewed in time' });
    }, Math.max(0, this.validUntil - Date.now()));
    this.expiryTimer.unref();
    this.setLeader(true, 'lease.acquired');
  }

  private signal(): AbortSignal {
    return AbortSignal.timeout(Math.max(1_000, this.periodMs));
  }

  /** Creates the lease blob (and its container) when missing; an existing one is left alone. */
  private async ensureBlob(error: unknown): Promise<void> {
    if (codeOf(error) === 'ContainerNotFound') await this.container.createIfNotExists({ abortSignal: this.signal() });
    try {
      await this.blob.upload('', 0, { conditions: { ifNoneMatch: '*' }, abortSignal: this.signal() });
      this.log('lease.blob.created');
    } catch (createError) {
      const status = statusOf(createError);
      if (status !== 409 && status !== 412) throw createError; // 409/412: it exists (possibly leased)
    }
  }

  private async acquire(createIfMissing = true): Promise<void> {
    const sentAt = Date.now();
    this.mayHold = true;
    try {
      await this.leaseClient.acquireLease(this.durationSeconds, { abortSignal: this.signal() });
    } catch (error) {
      if (statusOf(error) !== 404 || !createIfMissing || this.stopped) throw error;
      await this.ensureBlob(error);
      return this.acquire(false);
    }
    if (!this.stopped) this.confirmed(sentAt);
  }

  private async tick(): Promise<void> {
    if (this.leader) {
      const sentAt = Date.now();
      try {
        await this.leaseClient.renewLease({ abortSignal: this.signal() });
        if (!this.stopped) this.confirmed(sentAt);
      } catch (error) {
        // Renewal failed: stop acting as leader now; the next attempt may win it back.
        if (!this.stopped) this.setLeader(false, 'lease.lost', { reason: 'renew failed', ...errorFields(error) });
      }
      return;
    }
    try {
      await this.acquire();
    } catch (error) {
      if (statusOf(error) === 409 && codeOf(error) === 'LeaseAlreadyPresent') return; // someone else leads
      this.log('lease.acquire.failed', errorFields(error));
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.tickTimer = setTimeout(() => {
      this.tickTimer = undefined;
      void this.runTick();
    }, delayMs);
    this.tickTimer.unref();
  }

  runTick(): Promise<void> {
    const started = Date.now();
    this.running = this.tick().finally(() => {
      this.running = undefined;
      this.schedule(Math.max(0, this.periodMs - (Date.now() - started)));
    });
    return this.running;
  }

  private halt(): void {
    this.stopped = true;
    clearTimeout(this.tickTimer);
    clearTimeout(this.expiryTimer);
    this.tickTimer = undefined;
  }

  stop(): Promise<void> {
    if (!this.stopping) {
      this.halt();
      this.stopping = (async () => {
        await this.running?.catch(() => undefined);
        this.setLeader(false, 'lease.lost', { reason: 'stopped' });
        if (!this.mayHold) return;
        try {
          await this.leaseClient.releaseLease({ abortSignal: this.signal() });
          this.log('lease.released');
        } catch (error) {
          // 409: the lease is not ours (any more); anything else: it expires on its own.
          if (statusOf(error) !== 409) this.log('lease.release.failed', errorFields(error));
        }
        this.mayHold = false;
      })();
    }
    return this.stopping;
  }

  abandon(): void {
    if (this.stopping) return;
    this.halt();
    this.stopping = Promise.resolve();
    this.setLeader(false, 'lease.lost', { reason: 'abandoned' });
  }
}

/**
 * Starts contending for the lease on `blobName`; resolves after the first attempt, so
 * isLeader() already tells whether this instance won. Storage failures never reject: they
 * are logged and retried on the next period. Bad options are a TypeError or RangeError.
 */
export async function startBlobLease(options: BlobLeaseOptions): Promise<BlobLeaderLease> {
  if (!options || typeof options !== 'object') throw new TypeError('startBlobLease: options are required');
  const { blobName, durationSeconds } = options;
  if (typeof blobName !== 'string' || blobName === '' || blobName.length > 1024 || blobName.endsWith('/') || blobName.endsWith('.')) {
    throw new TypeError('startBlobLease: blobName must be a valid blob name');
  }
  if (!Number.isInteger(durationSeconds) || durationSeconds < 15 || durationSeconds > 60) {
    throw new RangeError('startBlobLease: durationSeconds must be an integer from 15 to 60');
  }
  const container =
    options.containerClient ??
    createBlobContainerClient(
      { connectionString: options.connectionString, accountUrl: options.accountUrl, credential: options.credential, container: options.container },
      blobPipelineOptions(LEASE_TRIES),
    );
  const lease = new BlobLease(container, container.getBlockBlobClient(blobName), durationSeconds, options.onChange, options.log);
  await lease.runTick();
  return lease;
}
