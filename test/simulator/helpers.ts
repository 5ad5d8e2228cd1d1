import { Agent, fetch } from 'undici';
import { startGraphSimulator, type GraphSimulator, type SimulatorOptions } from '../../src/simulator';

/** Test-side HTTPS client for the simulator: trusts its CA explicitly, caches a token. */
export interface SimClient {
  sim: GraphSimulator;
  dispatcher: Agent;
  token(): Promise<string>;
  /** Calls Graph. `path` is below the version root unless it is an absolute URL. */
  graph(path: string, init?: GraphInit): Promise<GraphReply>;
  close(): Promise<void>;
}

export interface GraphInit {
  method?: string;
  body?: unknown;
  version?: 'v1.0' | 'beta';
  headers?: Record<string, string>;
  /** null sends no Authorization header; a string sends that token. */
  token?: string | null;
  signal?: AbortSignal;
}

export interface GraphReply {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export async function startSimClient(options: SimulatorOptions = {}): Promise<SimClient> {
  const sim = await startGraphSimulator(options);
  const dispatcher = new Agent({ connect: { ca: sim.caCertPem } });
  let cached: string | undefined;

  const token = async (): Promise<string> => {
    cached ??= await requestToken(sim, dispatcher);
    return cached;
  };

  const graph = async (path: string, init: GraphInit = {}): Promise<GraphReply> => {
    const url = /^https:/.test(path) ? path : `${sim.url}/${init.version ?? 'beta'}${path}`;
    const headers: Record<string, string> = { ...init.headers };
    const bearer = init.token === undefined ? await token() : init.token;
    if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(url, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      dispatcher,
      signal: init.signal,
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers as unknown as Headers, body: text ? JSON.parse(text) : undefined };
  };

  return {
    sim,
    dispatcher,
    token,
    graph,
    close: async () => {
      await sim.close();
      await dispatcher.destroy();
    },
  };
}

export async function requestToken(
  sim: GraphSimulator,
  dispatcher: Agent,
  form: Record<string, string> = {},
): Promise<string> {
  const response = await postToken(sim, dispatcher, form);
  if (response.status !== 200) throw new Error(`token request failed: ${response.status} ${JSON.stringify(response.body)}`);
  return String(response.body.access_token);
}

export async function postToken(
  sim: GraphSimulator,
  dispatcher: Agent,
  form: Record<string, string> = {},
  tenant: string = sim.tenantId,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${sim.authorityHost}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
      ...form,
    }),
    dispatcher,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Payload of a compact JWT, unverified. */
export function jwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Follows @odata.nextLink to the end, returning every item and the number of pages. */
export async function listAll(client: SimClient, path: string, init: GraphInit = {}): Promise<{ items: Record<string, unknown>[]; pages: number }> {
  const items: Record<string, unknown>[] = [];
  let next: string | undefined = path;
  let pages = 0;
  while (next) {
    const reply: GraphReply = await client.graph(next, init);
    if (reply.status !== 200) throw new Error(`list failed: ${reply.status} ${JSON.stringify(reply.body)}`);
    items.push(...(reply.body.value as Record<string, unknown>[]));
    next = reply.body['@odata.nextLink'] as string | undefined;
    pages++;
  }
  return { items, pages };
}

export const DAY_MS = 24 * 60 * 60 * 1000;
