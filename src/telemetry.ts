import type { IncomingMessage, RequestOptions } from 'node:http';
import { SpanKind, SpanStatusCode, metrics, trace, type Attributes, type Counter, type Span } from '@opentelemetry/api';

/**
 * Optional Application Insights through OpenTelemetry.
 *
 * With APPLICATIONINSIGHTS_CONNECTION_STRING set, `startTelemetry` loads
 * @azure/monitor-opentelemetry (only then: a bot without it never loads the SDK) and registers
 * it before the rest of the product is loaded, so that the HTTP instrumentation sees every
 * incoming request and every outgoing call made with node:http. Graph calls go through undici,
 * which that instrumentation does not see, so the transport records them itself (`graphCall`);
 * the poll cycle and request outcomes are recorded by the product's wiring (`inSpan`,
 * `countFinishedRequest`). Without a connection string these are @opentelemetry/api's no-ops.
 *
 * Logs are not exported: they stay JSON lines on stdout, which App Service keeps.
 */

const SCOPE = 'entra-recycle-bin-bot';

export interface Telemetry {
  /** Sends what is still buffered, then stops. */
  shutdown(): Promise<void>;
}

export interface TelemetrySettings {
  connectionString: string;
}

type AzureMonitor = typeof import('@azure/monitor-opentelemetry');

/** Starts exporting to Application Insights when configured; does nothing (and loads nothing) otherwise. */
export function startTelemetry(settings: TelemetrySettings | undefined): Telemetry | undefined {
  if (!settings) return undefined;
  const monitor = require('@azure/monitor-opentelemetry') as AzureMonitor;
  const http = {
    enabled: true,
    // App Service probes every instance once a minute; those requests say nothing.
    ignoreIncomingRequestHook: (request: IncomingMessage) => request.url === '/healthz',
    // The poll leader renews its blob lease every few seconds: thousands of records a day, no news.
    ignoreOutgoingRequestHook: (request: RequestOptions) => isLeaseRenewal(request),
  };
  const off = { enabled: false };
  monitor.useAzureMonitor({
    azureMonitorExporterOptions: { connectionString: settings.connectionString },
    // Keep every trace (the SDK's default keeps 5 a second): the bot's traffic is small, and a
    // Graph request-id from a card must be findable. OTEL_TRACES_SAMPLER still overrides this.
    samplingRatio: 1,
    tracesPerSecond: 0,
    // Live Metrics keeps a connection busy every few seconds even when nobody watches.
    enableLiveMetrics: false,
    instrumentationOptions: {
      http,
      // Azure SDK calls (Storage, the credential) already show as HTTP dependencies.
      azureSdk: off,
      mongoDb: off,
      mySql: off,
      postgreSql: off,
      redis: off,
      redis4: off,
      bunyan: off,
      winston: off,
    },
  });
  return {
    async shutdown() {
      await monitor.shutdownAzureMonitor();
    },
  };
}

/** `PUT …?comp=lease` with a renew action: the poll lease's heartbeat. */
export function isLeaseRenewal(request: RequestOptions): boolean {
  const path = request.path ?? '';
  if (!/[?&]comp=lease(&|$)/.test(path)) return false;
  const headers = (request.headers ?? {}) as Record<string, unknown>;
  const action = Object.entries(headers).find(([name]) => name.toLowerCase() === 'x-ms-lease-action')?.[1];
  return String(action).toLowerCase() === 'renew';
}

/** One Graph HTTP exchange as a dependency: the span ends when it is answered or fails. */
export interface GraphCallRecord {
  answered(status: number, headers: { get(name: string): string | null }): void;
  failed(error: Error): void;
}

/**
 * Starts a client span for one Graph request (one attempt: retries are their own spans), as a
 * child of whatever is active (an incoming request, the poll cycle). Graph's `request-id` and
 * `client-request-id` become attributes, so a failure in chat can be found in Application
 * Insights by the request-id the card shows.
 */
export function graphCall(method: string, url: string, clientRequestId: string | undefined): GraphCallRecord {
  const target = new URL(url);
  const span = trace.getTracer(SCOPE).startSpan(`${method} ${target.pathname}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'http.request.method': method,
      'url.full': url,
      'server.address': target.hostname,
      'server.port': Number(target.port || 443),
      'graph.client_request_id': clientRequestId,
    },
  });
  return {
    answered(status, headers) {
      const attributes: Attributes = { 'http.response.status_code': status };
      const requestId = headers.get('request-id');
      const echoedClientId = headers.get('client-request-id');
      if (requestId) attributes['graph.request_id'] = requestId;
      if (echoedClientId) attributes['graph.client_request_id'] = echoedClientId;
      span.setAttributes(attributes);
      if (status >= 400) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` });
      span.end();
    },
    failed(error) {
      span.setAttribute('error.type', error.name);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      span.end();
    },
  };
}

/** Runs `work` inside an active span (its Graph calls become children); a throw marks it failed. */
export async function inSpan<T>(name: string, work: (span: Span) => Promise<T>): Promise<T> {
  return trace.getTracer(SCOPE).startActiveSpan(name, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

let finishedRequests: Counter | undefined;

/**
 * Counts a change request that ended (succeeded, failed, rejected), by action and outcome, and
 * notes it on the active span. The counter is made on first use: a meter taken before
 * `startTelemetry` registered the SDK would stay a no-op.
 */
export function countFinishedRequest(action: string, outcome: string): void {
  finishedRequests ??= metrics.getMeter(SCOPE).createCounter('change_requests.finished', {
    description: 'Change requests that ended, by action (restore, partner.add, …) and outcome (succeeded, failed, rejected)',
  });
  const attributes = { 'request.action': action, 'request.outcome': outcome };
  finishedRequests.add(1, attributes);
  trace.getActiveSpan()?.addEvent('change_request.finished', attributes);
}
