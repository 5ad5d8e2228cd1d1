import { FakeAuthority } from './authority';
import {
  DEFAULT_GRANTED_ROLES,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  DEMO_TENANT_DOMAIN,
  DEMO_TENANT_ID,
} from './constants';
import { defaultFaults, type FaultSettings } from './faults';
import { GraphService, type RecordedRequest } from './graph-service';
import { takeSigningKey } from './jwt';
import { seedDemoTenant } from './seed';
import { SimulatorServer } from './server';
import { SimTenant } from './tenant';
import { tlsMaterial } from './tls';

/**
 * In-process Microsoft Graph simulator (HTTPS) with a fake Entra token authority, for
 * demo mode and tests. One origin serves both: /v1.0 and /beta are Graph, /{tenant}/…
 * is the authority.
 */

export {
  DEMO_ACTORS,
  DEMO_APP_DISPLAY_NAME,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  DEMO_TENANT_DOMAIN,
  DEMO_TENANT_ID,
  DEFAULT_GRANTED_ROLES,
} from './constants';
export type { GraphVersion } from './constants';
export { DEMO_IDS, DEMO_USERS } from './seed';
export { SimTenant, KIND_IDS } from './tenant';
export type { ChangeContext } from './tenant';
export { MAX_CHECK_MEMBER_GROUPS } from './directory';
export type { SimGroupInput, SimUserInput } from './directory';
export type { FaultSettings } from './faults';
export type { RecordedRequest } from './graph-service';
export type { AuditActor, AuditApp, AuditUser } from './audit';

export interface SimulatorOptions {
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** `roles` claim of issued tokens; default: DEFAULT_GRANTED_ROLES. */
  grantedRoles?: string[];
  /** 'demo' (default) seeds the Contoso tenant; 'empty' starts with nothing. */
  seed?: 'demo' | 'empty';
  /** Tenant clock (default real time): deletedDateTime, retention, audit times and lag use it. */
  now?: () => Date;
  /**
   * Clock of the Conditional Access rate limit, in milliseconds (default performance.now: clients
   * back off in real time). Tests freeze it so that what one window admits does not depend on
   * how loaded the machine is.
   */
  rateLimitClock?: () => number;
  /** Default 0 (a free port). Listens on 127.0.0.1. */
  port?: number;
  /** One structured entry per request (method, path, status, ms, request-id). */
  log?: (entry: Record<string, unknown>) => void;
}

export interface GraphSimulator {
  /** Graph base, e.g. https://localhost:43211; serves /v1.0/... and /beta/... */
  url: string;
  /** Base of the fake authority (the same server). */
  authorityHost: string;
  /** PEM of the CA that signed the server certificate; trust it explicitly. */
  caCertPem: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  tenant: SimTenant;
  /** Mutable at runtime; counters decrement as faults fire. */
  faults: FaultSettings;
  /** Every Graph request served (authority calls are only logged). */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startGraphSimulator(options: SimulatorOptions = {}): Promise<GraphSimulator> {
  const tenantId = options.tenantId ?? DEMO_TENANT_ID;
  const clientId = options.clientId ?? DEMO_CLIENT_ID;
  const clientSecret = options.clientSecret ?? DEMO_CLIENT_SECRET;
  const faults = defaultFaults();
  const requests: RecordedRequest[] = [];
  const [tls, signingKey] = await Promise.all([tlsMaterial(), takeSigningKey()]);

  let origin = '';
  const tenant = new SimTenant({
    tenantId,
    domain: DEMO_TENANT_DOMAIN,
    now: options.now,
    auditLagMs: () => faults.auditLagMs,
  });
  if ((options.seed ?? 'demo') === 'demo') seedDemoTenant(tenant);

  const authority = new FakeAuthority({
    tenantId,
    tenantDomain: DEMO_TENANT_DOMAIN,
    clientId,
    clientSecret,
    grantedRoles: options.grantedRoles ?? DEFAULT_GRANTED_ROLES,
    signingKey,
    origin: () => origin,
  });
  const graph = new GraphService({
    tenant,
    authority,
    faults,
    origin: () => origin,
    record: (entry) => requests.push(entry),
    rateLimitClock: options.rateLimitClock,
  });
  const server = new SimulatorServer({ tls, authority, graph, faults, requests, log: options.log });
  origin = await server.listen(options.port ?? 0);

  return {
    url: origin,
    authorityHost: origin,
    caCertPem: tls.caCertPem,
    tenantId,
    clientId,
    clientSecret,
    tenant,
    faults,
    requests,
    close: () => server.close(),
  };
}
