import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { Agent, fetch as undiciFetch } from 'undici';
import type { Logger } from '../log';
import { graphCall } from '../telemetry';
import { trustedContext } from './trust';

/**
 * The two ends of our Graph middleware chain. The library's AuthenticationHandler and
 * RetryHandler sit between them:
 *
 *   CallBudget → AuthenticationHandler → RetryHandler → HttpsTransport
 *
 * CallBudget gives every logical call an id and a deadline that RetryHandler consults,
 * so a 429 storm ends after a bounded time. HttpsTransport does the HTTP exchange with an
 * explicit trust store (a private CA for the simulator, never "accept anything"), a
 * per-request timeout and pacing of Conditional Access paths (one at a time, 1 s apart).
 * Each exchange is also a dependency span when Application Insights is on (src/telemetry.ts).
 */

const deadlines = new WeakMap<object, number>();

/** Milliseconds left for the call these fetch options belong to. */
export function remainingBudget(options: object | undefined): number {
  const deadline = options ? deadlines.get(options) : undefined;
  return deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now();
}

export class CallBudget implements Middleware {
  private next?: Middleware;
  constructor(private readonly budgetMs: number) {}

  async execute(context: Context): Promise<void> {
    const options = (context.options ??= {});
    const headers = (options.headers ??= {}) as Record<string, string>;
    headers['client-request-id'] ??= randomUUID();
    deadlines.set(options, Date.now() + this.budgetMs);
    await this.next!.execute(context);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

export class GraphTimeoutError extends Error {
  constructor(readonly url: string, readonly timeoutMs: number) {
    super(`Graph did not answer within ${Math.round(timeoutMs / 1000)} s`);
    this.name = 'GraphTimeoutError';
  }
}

export class GraphConnectionError extends Error {
  constructor(readonly url: string, cause: unknown) {
    super(`could not reach Graph: ${cause instanceof Error ? (cause.cause as Error | undefined)?.message ?? cause.message : String(cause)}`);
    this.name = 'GraphConnectionError';
  }
}

export interface TransportOptions {
  timeoutMs: number;
  /** Spacing of requests to Conditional Access paths; Graph allows 1 request/s per tenant. */
  caMinIntervalMs: number;
  /** Extra CA certificates to trust (the simulator's); the system store stays trusted. */
  trustedCaPem?: string;
  logger: Logger;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
const CONNECTION_RETRIES = 2;

export class HttpsTransport implements Middleware {
  private readonly dispatcher: Agent;
  /** Settles when the Conditional Access request in flight has been answered. */
  private caTurn: Promise<void> = Promise.resolve();
  private lastCaAnswer = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: TransportOptions) {
    const connect = options.trustedCaPem ? { secureContext: trustedContext(options.trustedCaPem) } : {};
    this.dispatcher = new Agent({ connect, keepAliveTimeout: 30_000 });
  }

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const options = context.options ?? {};
    const method = (options.method ?? 'GET').toUpperCase();
    for (let attempt = 0; ; attempt++) {
      const answered = await this.pace(url);
      const started = Date.now();
      const timeoutMs = Math.max(1, Math.min(this.options.timeoutMs, remainingBudget(options)));
      const headers = options.headers as Record<string, string>;
      const dependency = graphCall(method, url, headers?.['client-request-id']);
      try {
        const response = await undiciFetch(url, {
          method,
          headers,
          body: options.body as string | undefined,
          dispatcher: this.dispatcher,
          signal: AbortSignal.timeout(timeoutMs),
        }).finally(answered);
        dependency.answered(response.status, response.headers);
        this.logCall(url, method, started, response.status, response.headers.get('request-id'), options);
        context.response = response as unknown as Response;
        return;
      } catch (error) {
        const failure = isTimeout(error) ? new GraphTimeoutError(url, timeoutMs) : new GraphConnectionError(url, error);
        dependency.failed(failure);
        this.logCall(url, method, started, 0, null, options, failure.message);
        const retryable = failure instanceof GraphConnectionError && IDEMPOTENT.has(method) && attempt < CONNECTION_RETRIES;
        if (!retryable || remainingBudget(options) < 500) throw failure;
        await sleep(200 * 2 ** attempt + Math.random() * 100);
      }
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  /**
   * Conditional Access requests go one at a time, each sent caMinIntervalMs after the
   * previous one was answered. Spacing the sends is not enough: two requests sent 1 s
   * apart can reach Graph 999 ms apart (one waited longer in a queue, a timer fired a
   * little early) and the second gets a 429. Graph counts a request before answering it,
   * so spacing from the answer keeps arrivals at least the interval apart.
   * Returns the function that marks this request as answered.
   */
  private async pace(url: string): Promise<() => void> {
    const interval = this.options.caMinIntervalMs;
    if (interval <= 0 || !isConditionalAccessUrl(url)) return () => undefined;
    const previous = this.caTurn;
    let answered!: () => void;
    this.caTurn = new Promise<void>((resolve) => {
      answered = () => {
        this.lastCaAnswer = performance.now();
        resolve();
      };
    });
    await previous;
    // A timer may fire slightly early against the clock: wait until the interval has really passed.
    const due = this.lastCaAnswer + interval;
    while (performance.now() < due) await sleep(due - performance.now());
    return answered;
  }

  private logCall(url: string, method: string, started: number, status: number, requestId: string | null, options: object, error?: string): void {
    const headers = (options as { headers?: Record<string, string> }).headers ?? {};
    const { pathname, search } = new URL(url);
    this.options.logger.info('graph.call', {
      method,
      path: pathname + search,
      status,
      ms: Date.now() - started,
      requestId: requestId ?? undefined,
      clientRequestId: headers['client-request-id'],
      error,
    });
  }
}

export function isConditionalAccessUrl(url: string): boolean {
  return /\/identity\/conditionalAccess\//i.test(url);
}

function isTimeout(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
