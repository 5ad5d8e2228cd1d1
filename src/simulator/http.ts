import type { IncomingMessage } from 'node:http';

/** A response not yet written: the server, the batch handler and the tests share it. */
export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  /** JSON-serialisable body; undefined means no body (204). */
  body?: unknown;
}

export const GRAPH_JSON =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { status, headers: { 'content-type': GRAPH_JSON, ...headers }, body };
}

export function noContent(): HttpResult {
  return { status: 204, headers: {} };
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Header value as one string (Node gives arrays for repeated headers). */
export function header(request: { headers: IncomingMessage['headers'] }, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
