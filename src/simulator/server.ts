import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { FakeAuthority } from './authority';
import { GRAPH_VERSIONS, type GraphVersion } from './constants';
import { GraphError } from './errors';
import { requestDelayMs, takeConnectionFault, type FaultSettings } from './faults';
import type { GraphService, RecordedRequest } from './graph-service';
import { header, readBody, type HttpResult } from './http';
import { errorResult, newRequestIds, type RequestIds } from './odata';
import type { TlsMaterial } from './tls';

/**
 * The HTTPS transport: serves the authority and Graph on one origin, applies the
 * connection-level faults (drop, hang, 503, latency), records Graph requests, logs one
 * entry per request, and shuts down cleanly even with hung requests outstanding.
 */

export interface SimulatorServerDeps {
  tls: TlsMaterial;
  authority: FakeAuthority;
  graph: GraphService;
  faults: FaultSettings;
  requests: RecordedRequest[];
  log?: (entry: Record<string, unknown>) => void;
}

/** Headers Graph puts on every response. */
const GRAPH_HEADERS: Record<string, string> = {
  'cache-control': 'no-cache',
  'strict-transport-security': 'max-age=31536000',
  'x-ms-ags-diagnostic': JSON.stringify({
    ServerInfo: { DataCenter: 'West Europe', Slice: 'E', Ring: '5', ScaleUnit: '000', RoleInstance: 'SIMULATOR' },
  }),
};

interface PendingDelay {
  timer: NodeJS.Timeout;
  resolve: () => void;
}

export class SimulatorServer {
  private readonly server: Server;
  private readonly delays = new Set<PendingDelay>();
  private closing = false;
  private origin = 'https://localhost';

  constructor(private readonly deps: SimulatorServerDeps) {
    this.server = createServer({ key: deps.tls.keyPem, cert: deps.tls.certPem }, (request, response) => {
      this.onRequest(request, response).catch((error: unknown) => this.onUnexpectedError(response, error));
    });
    // TLS handshake failures from untrusting clients are expected in tests; keep them quiet.
    this.server.on('tlsClientError', () => undefined);
    this.server.on('clientError', (_error, socket) => socket.destroy());
  }

  async listen(port: number): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.origin = `https://localhost:${(this.server.address() as AddressInfo).port}`;
    return this.origin;
  }

  /** Stops listening and tears down every connection, hung or delayed ones included. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const delay of this.delays) {
      clearTimeout(delay.timer);
      delay.resolve();
    }
    this.delays.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async onRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(request.url ?? '/', this.origin);
    const ids = newRequestIds(header(request, 'client-request-id'));
    const version = graphVersionOf(url.pathname);
    if (!version) {
      await this.serveAuthority(request, response, url, ids, started);
      return;
    }

    const record: RecordedRequest = {
      method: request.method ?? 'GET',
      path: url.pathname.slice(version.length + 1) || '/',
      version,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      at: new Date(),
      receivedMs: started,
      authorized: false,
      requestId: ids.requestId,
    };
    this.deps.requests.push(record);

    const fault = takeConnectionFault(this.deps.faults);
    if (fault === 'drop') {
      request.socket.destroy();
      this.log({ service: 'graph', method: record.method, path: url.pathname, status: 0, ms: 0, 'request-id': ids.requestId, fault });
      return;
    }
    if (fault === 'hang') {
      // Never answered; close() destroys the socket.
      this.log({ service: 'graph', method: record.method, path: url.pathname, status: 0, ms: 0, 'request-id': ids.requestId, fault });
      return;
    }
    const delayMs = requestDelayMs(this.deps.faults);
    if (delayMs > 0) await this.delay(delayMs);
    if (this.closing) {
      request.socket.destroy();
      return;
    }

    let result: HttpResult;
    if (fault === 'fail503') {
      result = errorResult(new GraphError(503, 'ServiceUnavailable', 'The service is temporarily unavailable. Please retry later.'), ids);
    } else {
      const rawBody = await readBody(request);
      if (rawBody.trim()) record.body = parseJsonOrText(rawBody);
      const outcome = this.deps.graph.handle({
        method: record.method,
        version,
        path: record.path,
        query: url.searchParams,
        authorization: header(request, 'authorization'),
        rawBody,
        ids,
      });
      result = outcome.result;
      record.authorized = outcome.authorized;
    }
    record.status = result.status;
    this.send(response, result, ids, GRAPH_HEADERS);
    record.answeredMs = performance.now();
    this.log({
      service: 'graph',
      method: record.method,
      path: url.pathname,
      status: result.status,
      ms: Math.round(performance.now() - started),
      'request-id': ids.requestId,
      'client-request-id': ids.clientRequestId,
      ...(fault ? { fault } : {}),
    });
  }

  private async serveAuthority(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    ids: RequestIds,
    started: number,
  ): Promise<void> {
    const method = request.method ?? 'GET';
    const form = new URLSearchParams(await readBody(request));
    const result = this.deps.authority.handle(method, url, form) ?? {
      status: 404,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: { error: 'not_found', error_description: `No endpoint at ${url.pathname}.` },
    };
    this.send(response, result, ids, { 'x-ms-request-id': ids.requestId });
    this.log({ service: 'authority', method, path: url.pathname, status: result.status, ms: Math.round(performance.now() - started), 'request-id': ids.requestId });
  }

  private send(response: ServerResponse, result: HttpResult, ids: RequestIds, extraHeaders: Record<string, string>): void {
    if (response.headersSent || response.destroyed) return;
    const headers: Record<string, string> = {
      ...extraHeaders,
      ...result.headers,
      'request-id': ids.requestId,
      'client-request-id': ids.clientRequestId,
    };
    const payload = result.body === undefined ? undefined : JSON.stringify(result.body);
    if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
    // No writeHead(...).end() chaining: restify (loaded by the bot in the same process)
    // patches ServerResponse.prototype.writeHead to return undefined.
    response.statusCode = result.status;
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    response.end(payload);
  }

  private onUnexpectedError(response: ServerResponse, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.log({ service: 'simulator', status: 500, error: message });
    if (!response.headersSent && !response.destroyed) {
      const ids = newRequestIds();
      this.send(response, errorResult(new GraphError(500, 'InternalServerError', message), ids), ids, {});
    }
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const pending: PendingDelay = {
        timer: setTimeout(() => {
          this.delays.delete(pending);
          resolve();
        }, ms),
        resolve,
      };
      this.delays.add(pending);
    });
  }

  private log(entry: Record<string, unknown>): void {
    if (!this.deps.log) return;
    try {
      this.deps.log({ time: new Date().toISOString(), ...entry });
    } catch {
      // A broken logger must not break the simulator.
    }
  }
}

function graphVersionOf(pathname: string): GraphVersion | undefined {
  const first = pathname.split('/')[1];
  return GRAPH_VERSIONS.find((version) => version === first);
}

/** Request bodies are kept for tests as parsed JSON (or the raw text when it is not JSON). */
function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
