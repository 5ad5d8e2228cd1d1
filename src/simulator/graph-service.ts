import { performance } from 'node:perf_hooks';
import type { GraphVersion } from './constants';
import { GRAPH_APP_ID } from './constants';
import type { FakeAuthority } from './authority';
import { badRequest, GraphError } from './errors';
import type { FaultSettings } from './faults';
import { RateLimiter, takeForcedThrottle, takeRefusal } from './faults';
import { dispatchGraphCall, isConditionalAccessPath, type GraphCall } from './graph-routes';
import { json, type HttpResult } from './http';
import { isRecord, type JwtClaims } from './jwt';
import { errorResult, newRequestIds, type RequestIds } from './odata';
import type { SimTenant } from './tenant';

/**
 * Graph semantics above routing: bearer-token authentication, Conditional Access
 * throttling, JSON batching, and request recording. Transport concerns (TLS, faults
 * that kill connections, latency) stay in the server.
 */

export interface RecordedRequest {
  method: string;
  /** Path below the version root, e.g. /identity/conditionalAccess/deletedItems/policies */
  path: string;
  version: GraphVersion;
  query: Record<string, string>;
  /** 0 while unanswered, and for dropped or hung requests. */
  status: number;
  at: Date;
  /** performance.now() when the simulator had the request, and when it had written the answer (unset while unanswered). */
  receivedMs: number;
  answeredMs?: number;
  /** A valid token with the roles the operation needs. */
  authorized: boolean;
  requestId: string;
  /** Set for the sub-requests of a $batch (the batch itself is recorded too). */
  batch?: boolean;
  /** The JSON body the client sent, when there was one. */
  body?: unknown;
}

export interface GraphRequest {
  method: string;
  version: GraphVersion;
  path: string;
  query: URLSearchParams;
  authorization?: string;
  rawBody: string;
  ids: RequestIds;
}

export interface GraphOutcome {
  result: HttpResult;
  authorized: boolean;
}

export interface GraphServiceDeps {
  tenant: SimTenant;
  authority: FakeAuthority;
  faults: FaultSettings;
  origin: () => string;
  record: (entry: RecordedRequest) => void;
  /** See SimulatorOptions.rateLimitClock. */
  rateLimitClock?: () => number;
}

const MAX_BATCH_REQUESTS = 20;

/** Graph's 401 challenge header. */
const WWW_AUTHENTICATE = `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="${GRAPH_APP_ID}"`;

export class GraphService {
  private readonly caLimiter: RateLimiter;

  constructor(private readonly deps: GraphServiceDeps) {
    this.caLimiter = new RateLimiter(() => deps.faults.caRateLimitPerSecond, deps.rateLimitClock);
  }

  handle(request: GraphRequest): GraphOutcome {
    const { ids } = request;
    const token = /^Bearer\s+(.+)$/i.exec(request.authorization ?? '')?.[1]?.trim() ?? '';
    const check = this.deps.authority.validateAccessToken(token);
    if (!check.ok) {
      const error = new GraphError(401, 'InvalidAuthenticationToken', check.message);
      return { result: errorResult(error, ids, { 'www-authenticate': WWW_AUTHENTICATE }), authorized: false };
    }
    let body: unknown;
    try {
      body = request.rawBody.trim() ? JSON.parse(request.rawBody) : undefined;
    } catch {
      return { result: errorResult(badRequest('Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.'), ids), authorized: true };
    }
    if (request.path.toLowerCase() === '/$batch') {
      try {
        if (request.method !== 'POST') {
          throw new GraphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
        }
        return { result: this.batch(request.version, body, check.claims), authorized: true };
      } catch (error) {
        return this.failure(error, ids);
      }
    }
    return this.call({ method: request.method, version: request.version, path: request.path, query: request.query, body, claims: check.claims, ids });
  }

  /** One call (top-level or inside a batch): throttling, then routing and the handler. */
  private call(call: GraphCall): GraphOutcome {
    try {
      if (isConditionalAccessPath(call.path) && (takeForcedThrottle(this.deps.faults) || !this.caLimiter.tryAcquire())) {
        // Real CA endpoints send no Retry-After (API.md §4): clients must back off on their own.
        throw new GraphError(429, 'TooManyRequests', 'Too many requests. Please retry later.');
      }
      const refusal = takeRefusal(this.deps.faults, call.method, call.path);
      if (refusal?.status === 401) throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
      if (refusal) throw new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
      const target = { origin: this.deps.origin(), version: call.version };
      return { result: dispatchGraphCall(call, this.deps.tenant, target), authorized: true };
    } catch (error) {
      return this.failure(error, call.ids);
    }
  }

  private failure(error: unknown, ids: RequestIds): GraphOutcome {
    if (error instanceof GraphError) {
      return { result: errorResult(error, ids), authorized: error.status !== 401 && error.status !== 403 };
    }
    const message = error instanceof Error ? error.message : String(error);
    return { result: errorResult(new GraphError(500, 'InternalServerError', message), ids), authorized: true };
  }

  /**
   * JSON batching: up to 20 requests run in order through the same routing, role
   * checks and throttling, with the outer token. dependsOn on a failed request → 424.
   */
  private batch(version: GraphVersion, body: unknown, claims: JwtClaims): HttpResult {
    const requests = isRecord(body) && Array.isArray(body.requests) ? body.requests : undefined;
    if (!requests || requests.length === 0) throw badRequest('Invalid batch payload format.');
    if (requests.length > MAX_BATCH_REQUESTS) {
      throw badRequest(`The number of requests in the batch exceeds the limit of ${MAX_BATCH_REQUESTS}.`);
    }
    const parsed = requests.map(parseBatchItem);
    const seen = new Set<string>();
    for (const item of parsed) {
      if (seen.has(item.id)) throw badRequest(`Batch request ids must be unique; '${item.id}' is repeated.`);
      for (const dependency of item.dependsOn) {
        if (!seen.has(dependency)) throw badRequest(`Request '${item.id}' depends on unknown request '${dependency}'.`);
      }
      seen.add(item.id);
    }

    const statusById = new Map<string, number>();
    const responses = parsed.map((item) => {
      const ids = newRequestIds(item.clientRequestId);
      let outcome: GraphOutcome;
      const failedDependency = item.dependsOn.find((dependency) => (statusById.get(dependency) ?? 0) >= 400);
      if (failedDependency) {
        const error = new GraphError(424, 'FailedDependency', `The request depends on request '${failedDependency}', which failed.`);
        outcome = { result: errorResult(error, ids), authorized: true };
      } else {
        outcome = this.call({ method: item.method, version, path: item.path, query: item.query, body: item.body, claims, ids });
        this.deps.record({
          method: item.method,
          path: item.path,
          version,
          query: Object.fromEntries(item.query),
          status: outcome.result.status,
          at: new Date(),
          receivedMs: performance.now(),
          authorized: outcome.authorized,
          requestId: ids.requestId,
          batch: true,
          body: item.body,
        });
      }
      statusById.set(item.id, outcome.result.status);
      const response: Record<string, unknown> = {
        id: item.id,
        status: outcome.result.status,
        // Each inner response carries its own request-id, as the outer response does (lower-case, as Graph spells it).
        headers: { ...titleCaseHeaders(outcome.result.headers), 'request-id': ids.requestId, 'client-request-id': ids.clientRequestId },
      };
      if (outcome.result.body !== undefined) response.body = outcome.result.body;
      return response;
    });
    return json(200, { responses });
  }
}

interface BatchItem {
  id: string;
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  dependsOn: string[];
  clientRequestId?: string;
}

function parseBatchItem(raw: unknown): BatchItem {
  if (!isRecord(raw)) throw badRequest('Invalid batch payload format.');
  const id = typeof raw.id === 'number' ? String(raw.id) : raw.id;
  if (typeof id !== 'string' || !id) throw badRequest("Every batch request needs an 'id'.");
  if (typeof raw.method !== 'string' || typeof raw.url !== 'string') {
    throw badRequest(`Batch request '${id}' needs 'method' and 'url'.`);
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(raw.url)) {
    throw badRequest(`Batch request '${id}': the url must be relative to the version root.`);
  }
  // Relative to the version root; a leading slash is optional.
  const url = new URL(raw.url.startsWith('/') ? raw.url : `/${raw.url}`, 'https://batch.invalid');
  const headers = isRecord(raw.headers) ? raw.headers : {};
  const headerValue = Object.entries(headers).find(([name]) => name.toLowerCase() === 'client-request-id')?.[1];
  const dependsOn = Array.isArray(raw.dependsOn) ? raw.dependsOn.map(String) : [];
  return {
    id,
    method: raw.method.toUpperCase(),
    path: url.pathname,
    query: url.searchParams,
    body: raw.body,
    dependsOn,
    clientRequestId: typeof headerValue === 'string' ? headerValue : undefined,
  };
}

/** Batch sub-responses spell header names the way Graph does ("Content-Type"). */
function titleCaseHeaders(headers: Record<string, string>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const title = name === 'odata-version' ? 'OData-Version' : name.replace(/(^|-)([a-z])/g, (_m, dash: string, letter: string) => dash + letter.toUpperCase());
    result[title] = value;
  }
  return result;
}
