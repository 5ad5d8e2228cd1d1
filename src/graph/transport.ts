import { randomUUID } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { Agent, fetch as undiciFetch } from 'undici';
import type { Logger } from '../log';

/**
 * The two ends of our Graph middleware chain. The library's AuthenticationHandler and
 * RetryHandler sit between them:
 *
 *   CallBudget → AuthenticationHandler → RetryHandler → HttpsTransport
 *
 * CallBudget gives every logical call an id and a deadline that RetryHandler consults,
 * so a 429 storm ends after a bounded time. HttpsTransport does the HTTP exchange with an
 * explicit trust store (a private CA for the simulator, never "accept anything"), a
 * per-request timeout and pacing of Conditional Access paths.
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
  private nextCaSlot = 0;

  constructor(private readonly options: TransportOptions) {
    const ca = options.trustedCaPem ? [...rootCertificates, options.trustedCaPem] : undefined;
    this.dispatcher = new Agent({ connect: ca ? { ca } : {}, keepAliveTimeout: 30_000 });
  }

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const options = context.options ?? {};
    const method = (options.method ?? 'GET').toUpperCase();
    for (let attempt = 0; ; attempt++) {
      await this.pace(url);
      const started = Date.now();
      const timeoutMs = Math.max(1, Math.min(this.options.timeoutMs, remainingBudget(options)));
      try {
        const response = await undiciFetch(url, {
          method,
          headers: options.headers as Record<string, string>,
          body: options.body as string | undefined,
          dispatcher: this.dispatcher,
          signal: AbortSignal.timeout(timeoutMs),
        });
        this.logCall(url, method, started, response.status, response.headers.get('request-id'), options);
        context.response = response as unknown as Response;
        return;
      } catch (error) {
        const failure = isTimeout(error) ? new GraphTimeoutError(url, timeoutMs) : new GraphConnectionError(url, error);
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

  private async pace(url: string): Promise<void> {
    if (this.options.caMinIntervalMs <= 0 || !isConditionalAccessUrl(url)) return;
    const now = Date.now();
    const slot = Math.max(now, this.nextCaSlot);
    this.nextCaSlot = slot + this.options.caMinIntervalMs;
    if (slot > now) await sleep(slot - now);
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
