import { randomUUID } from 'node:crypto';
import type { Actor, Where } from './access';
import type { ChangeRequest, Claim, TargetItem } from './approvals';
import { isBinKind } from './trackedKinds';
import type { Outcome } from './outcome';
import type { ItemRef } from './model';
import { expiryToShow, isInterrupted, type ChangeRequests } from './requests';

/**
 * Runs change requests: a decision, then (once approved) the execution under a claim, its
 * outcome and the notices. Start-up recovery and the periodic sweep are one code path: an
 * executing request whose claim has lapsed is taken over and completed from what Graph shows,
 * and audit entries whose append failed earlier are appended.
 */

/** Port: telling people about a request (src/bot implements it for Teams). Errors are the notifier's to handle. */
export interface RequestNotifier {
  /** The request changed in a way its card shows. */
  cardChanged(request: ChangeRequest): Promise<void>;
  /** The request ended (ran, failed or was rejected): its requester is told how. */
  requestFinished(request: ChangeRequest): Promise<void>;
}

/** Port: where reads learn at once that items were restored (the alert poller's mirror). */
export interface RestoredItems {
  noteRestored(items: ItemRef[]): Promise<void>;
}

/** How long a claim holds without renewal, and how often the executing instance renews it. */
export interface ClaimTiming {
  leaseMs: number;
  renewEveryMs: number;
}

export class RequestRunner {
  /** This process, as named in claims and the audit. */
  readonly instanceId: string;
  private readonly running = new Map<string, Promise<ChangeRequest | undefined>>();
  private sweeping: Promise<ChangeRequest[]> | undefined;

  constructor(
    private readonly deps: {
      requests: ChangeRequests;
      notifier: RequestNotifier;
      restored?: RestoredItems;
      instanceId?: string;
      claim: ClaimTiming;
      now?: () => Date;
      log?: (event: string, fields: Record<string, unknown>) => void;
    },
  ) {
    this.instanceId = deps.instanceId ?? `instance-${randomUUID()}`;
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private newClaim(): Claim {
    return { owner: this.instanceId, token: randomUUID(), expiresAt: new Date(this.now().getTime() + this.deps.claim.leaseMs).toISOString() };
  }

  /**
   * An approval; the one that completes it starts the execution here, after the card shows
   * the approval. `cardActivityId` is the message the approval card is, when Teams says so.
   */
  async approve(id: string, actor: Actor, tenantId: string, where: Where | undefined, cardActivityId?: string): Promise<Outcome<ChangeRequest>> {
    const claim = this.newClaim();
    const result = await this.deps.requests.approve(id, actor, tenantId, where, claim);
    if (!result.ok) return result;
    const request = (cardActivityId && !result.value.card?.activityId && (await this.deps.requests.rememberCard(id, cardActivityId))) || result.value;
    const shown = this.deps.notifier.cardChanged(request);
    if (result.execute) this.start(request, claim, { resuming: false, after: shown });
    await shown;
    return { ok: true, value: request };
  }

  async reject(id: string, actor: Actor, tenantId: string, reason: string, where: Where | undefined): Promise<Outcome<ChangeRequest>> {
    const result = await this.deps.requests.reject(id, actor, tenantId, reason, where);
    if (!result.ok) return result;
    await this.deps.notifier.cardChanged(result.value);
    await this.deps.notifier.requestFinished(result.value);
    return result;
  }

  async cancel(id: string, actor: Actor, tenantId: string, where: Where | undefined): Promise<Outcome<ChangeRequest>> {
    const result = await this.deps.requests.cancel(id, actor, tenantId, where);
    if (result.ok) await this.deps.notifier.cardChanged(result.value);
    return result;
  }

  /**
   * Appends audit entries left in request records, and takes over every executing request
   * whose claim has lapsed (its executor crashed, or lost the store while finishing) and
   * completes it; an expired request's cards are updated to say so. Runs at start-up and
   * periodically on every instance; the claim lets only one instance take a request over.
   * Resolves with the executing requests it closed.
   */
  sweep(): Promise<ChangeRequest[]> {
    this.sweeping ??= this.sweepOnce().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepOnce(): Promise<ChangeRequest[]> {
    const closed: ChangeRequest[] = [];
    for (const record of await this.deps.requests.records()) {
      await this.deps.requests.flushAudit(record);
      const request = record.value;
      if (expiryToShow(request, this.now())) {
        await this.showExpiry(request.id);
        continue;
      }
      if (!isInterrupted(request, this.now()) || this.running.has(request.id)) continue;
      const claim = this.newClaim();
      const taken = await this.deps.requests.takeOver(request.id, claim);
      if (!taken.ok) continue;
      this.deps.log?.('request.resumed', { requestId: request.id, previousOwner: request.claim?.owner });
      const finished = await this.start(taken.value, claim, { resuming: true });
      if (finished) closed.push(finished);
    }
    return closed;
  }

  /** Expires a request past its deadline (if no read did yet) and updates every copy of its card. */
  private async showExpiry(id: string): Promise<void> {
    const expired = await this.deps.requests.get(id);
    if (expired?.state !== 'expired' || expired.expiryShown) return;
    await this.deps.notifier.cardChanged(expired);
    await this.deps.requests.markExpiryShown(id);
  }

  /** The requests this instance is executing now. */
  executing(): string[] {
    return [...this.running.keys()];
  }

  /** Resolves when no execution or sweep is running (tests, graceful shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.sweeping) await Promise.allSettled([...this.running.values(), this.sweeping]);
  }

  private start(request: ChangeRequest, claim: Claim, options: { resuming: boolean; after?: Promise<void> }): Promise<ChangeRequest | undefined> {
    const run = this.run(request, claim, options).finally(() => this.running.delete(request.id));
    this.running.set(request.id, run);
    return run;
  }

  /** A failure here only delays the list until the next cycle: it is logged, not raised. */
  private async noteRestored(request: ChangeRequest): Promise<void> {
    const restored = (request.execution?.steps ?? []).filter((step) => step.step === 'restore' && step.outcome !== 'failed').map((step) => step.item).filter((item): item is TargetItem => isBinKind(item.kind));
    await this.deps.restored?.noteRestored(restored).catch((error: Error) => this.deps.log?.('mirror.note_failed', { requestId: request.id, error: error.message }));
  }

  /** Executes under the claim, renewed meanwhile; the outcome is written only while the claim holds. */
  private async run(request: ChangeRequest, claim: Claim, options: { resuming: boolean; after?: Promise<void> }): Promise<ChangeRequest | undefined> {
    const hold = this.hold(request.id, claim);
    try {
      await options.after;
      const result = await this.deps.requests.execute(request, { resuming: options.resuming, stillHeld: hold.held });
      if (!result) {
        this.deps.log?.('request.claim_lost', { requestId: request.id });
        return undefined;
      }
      const finished = await this.deps.requests.finish(request.id, claim, result);
      if (!finished.ok) {
        this.deps.log?.('request.finish_refused', { requestId: request.id, refusal: finished.message });
        return undefined;
      }
      await this.noteRestored(finished.value);
      await this.deps.notifier.cardChanged(finished.value);
      await this.deps.notifier.requestFinished(finished.value);
      return finished.value;
    } catch (error) {
      // The claim lapses on its own, and the sweep finishes the request from what Graph shows.
      this.deps.log?.('request.execute_error', { requestId: request.id, error: (error as Error).message });
      return undefined;
    } finally {
      hold.release();
    }
  }

  /**
   * Renews the claim while the work runs. The claim counts as held only up to the last expiry
   * the store confirmed, so an instance cut off from the store stops before its next step.
   */
  private hold(id: string, claim: Claim): { held: () => boolean; release: () => void } {
    let heldUntil = Date.parse(claim.expiresAt);
    let lost = false;
    let renewing = false;
    const timer = setInterval(async () => {
      if (renewing || lost) return;
      renewing = true;
      const expiresAt = new Date(this.now().getTime() + this.deps.claim.leaseMs);
      try {
        const renewal = await this.deps.requests.renewClaim(id, claim, expiresAt.toISOString());
        if (renewal === 'renewed') heldUntil = expiresAt.getTime();
        lost = renewal === 'lost';
      } catch (error) {
        this.deps.log?.('request.claim_renewal_failed', { requestId: id, error: (error as Error).message });
      } finally {
        renewing = false;
      }
    }, this.deps.claim.renewEveryMs);
    timer.unref();
    return { held: () => !lost && this.now().getTime() < heldUntil, release: () => clearInterval(timer) };
  }
}
