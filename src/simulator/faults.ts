import { performance } from 'node:perf_hooks';

/** Fault injection knobs, all off by default and mutable while the simulator runs. */
export interface FaultSettings {
  /** Added to every Graph request before it is handled (and counted by the CA rate limit). */
  latencyMs: number;
  /** Up to this much more, drawn per request: network jitter, so requests sent 1 s apart may arrive closer. */
  latencyJitterMs: number;
  /** 0 = off. Above N requests per second on /identity/conditionalAccess/ → 429 without Retry-After. */
  caRateLimitPerSecond: number;
  /** The next N requests on /identity/conditionalAccess/ answer 429 without Retry-After (another app used the tenant's budget). */
  throttleNext: number;
  /** The next N Graph requests answer 503 ServiceUnavailable. */
  fail503Next: number;
  /** The next N Graph requests lose their connection without a response. */
  dropNext: number;
  /** The next N Graph requests never answer (the client's timeout must fire). */
  hangNext: number;
  /** Audit records show up in /auditLogs only this long after they happen. */
  auditLagMs: number;
  /**
   * Calls Graph refuses as it refuses an app without the permission (or a tenant that turns
   * an API down for apps): matched by method and path, answered 403 Authorization_RequestDenied
   * (or 401) with Graph's error body and request-id, after the token and throttling checks.
   */
  refuse: RefusalRule[];
}

export interface RefusalRule {
  method: string;
  /** Matched against the path below the version root, e.g. /identity/conditionalAccess/deletedItems/namedLocations/{id}/restore. */
  path: RegExp;
  /** Default 403. */
  status?: 401 | 403;
  /** How many matching calls are refused; unlimited when absent. Decremented as it fires. */
  times?: number;
}

export function defaultFaults(): FaultSettings {
  return { latencyMs: 0, latencyJitterMs: 0, caRateLimitPerSecond: 0, throttleNext: 0, fail503Next: 0, dropNext: 0, hangNext: 0, auditLagMs: 0, refuse: [] };
}

/** The refusal rule a call matches, used up by one (its counter decremented); undefined when none applies. */
export function takeRefusal(faults: FaultSettings, method: string, path: string): RefusalRule | undefined {
  const rule = faults.refuse.find((candidate) => candidate.method.toUpperCase() === method.toUpperCase() && candidate.path.test(path) && (candidate.times === undefined || candidate.times > 0));
  if (rule?.times !== undefined) rule.times--;
  return rule;
}

export function requestDelayMs(faults: FaultSettings): number {
  return faults.latencyMs + (faults.latencyJitterMs > 0 ? Math.random() * faults.latencyJitterMs : 0);
}

export type ConnectionFault = 'drop' | 'hang' | 'fail503';

/** Takes one forced throttling of a Conditional Access request, decrementing its counter. */
export function takeForcedThrottle(faults: FaultSettings): boolean {
  if (faults.throttleNext <= 0) return false;
  faults.throttleNext--;
  return true;
}

/** Takes the next one-shot fault for a Graph request, decrementing its counter. */
export function takeConnectionFault(faults: FaultSettings): ConnectionFault | undefined {
  if (faults.dropNext > 0) {
    faults.dropNext--;
    return 'drop';
  }
  if (faults.hangNext > 0) {
    faults.hangNext--;
    return 'hang';
  }
  if (faults.fail503Next > 0) {
    faults.fail503Next--;
    return 'fail503';
  }
  return undefined;
}

const WINDOW_MS = 1000;

/**
 * Sliding one-second window over admitted requests, in real time by default (clients back
 * off in real time even when the tenant clock is simulated). Throttled requests do not count.
 */
export class RateLimiter {
  private admitted: number[] = [];

  constructor(
    private readonly limit: () => number,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  tryAcquire(nowMs = this.clock()): boolean {
    const limit = this.limit();
    if (limit <= 0) return true;
    this.admitted = this.admitted.filter((time) => time > nowMs - WINDOW_MS);
    if (this.admitted.length >= limit) return false;
    this.admitted.push(nowMs);
    return true;
  }
}
