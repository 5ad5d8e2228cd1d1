import { randomUUID } from 'node:crypto';
import type { GraphVersion } from './constants';
import { badRequest, GraphError } from './errors';
import { parseFilter } from './filter';
import { json, type HttpResult } from './http';

/** OData response shapes: errors, entities, and paged collections. */

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 999;

export interface RequestIds {
  requestId: string;
  clientRequestId: string;
}

/** Graph's date format in innerError: seconds precision, no zone suffix. */
const innerErrorDate = (): string => new Date().toISOString().slice(0, 19);

export function errorResult(error: GraphError, ids: RequestIds, headers: Record<string, string> = {}): HttpResult {
  return json(
    error.status,
    {
      error: {
        code: error.code,
        message: error.message,
        innerError: { date: innerErrorDate(), 'request-id': ids.requestId, 'client-request-id': ids.clientRequestId },
      },
    },
    headers,
  );
}

export function newRequestIds(clientRequestId?: string): RequestIds {
  const requestId = randomUUID();
  return { requestId, clientRequestId: clientRequestId || requestId };
}

/** Graph timestamps carry 7 fractional digits ("…T10:11:12.3450000Z"). */
export function graphTimestamp(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

export interface ODataTarget {
  /** Origin of the simulator, e.g. https://localhost:1234 */
  origin: string;
  version: GraphVersion;
}

export const metadataUrl = (target: ODataTarget, fragment: string): string =>
  `${target.origin}/${target.version}/$metadata#${fragment}`;

export function entityResult(
  target: ODataTarget,
  contextFragment: string,
  entity: Record<string, unknown>,
  query: URLSearchParams,
  status = 200,
  headers: Record<string, string> = {},
): HttpResult {
  const selected = selectProperties(entity, query.get('$select'));
  return json(status, { '@odata.context': metadataUrl(target, contextFragment), ...selected }, headers);
}

export interface CollectionOptions {
  /** Used when $orderby is absent. */
  defaultOrder?: (a: Record<string, unknown>, b: Record<string, unknown>) => number;
  /** Properties that always survive $select (the key, @odata.type). */
  keyProperty?: string;
}

/**
 * Applies $filter, $orderby, $count, paging ($top / $skiptoken) and $select, and builds
 * the `{@odata.context, value, @odata.nextLink?}` envelope. The nextLink is absolute on
 * the simulator's origin and carries the original query plus an opaque $skiptoken.
 */
export function collectionResult(
  target: ODataTarget,
  path: string,
  contextFragment: string,
  items: Record<string, unknown>[],
  query: URLSearchParams,
  options: CollectionOptions = {},
): HttpResult {
  let rows = items;
  const filter = query.get('$filter');
  if (filter) {
    const predicate = parseFilter(filter);
    rows = rows.filter(predicate);
  }
  const orderBy = query.get('$orderby');
  if (orderBy) rows = [...rows].sort(orderComparer(orderBy));
  else if (options.defaultOrder) rows = [...rows].sort(options.defaultOrder);

  const pageSize = pageSizeFrom(query.get('$top'));
  const offset = offsetFrom(query.get('$skiptoken'));
  const page = rows.slice(offset, offset + pageSize);

  const body: Record<string, unknown> = { '@odata.context': metadataUrl(target, contextFragment) };
  if (query.get('$count') === 'true') body['@odata.count'] = rows.length;
  if (offset + pageSize < rows.length) {
    const next = new URLSearchParams(query);
    next.set('$skiptoken', encodeSkipToken(offset + pageSize));
    body['@odata.nextLink'] = `${target.origin}/${target.version}${path}?${formatQuery(next)}`;
  }
  const select = query.get('$select');
  body.value = page.map((row) => selectProperties(row, select, options.keyProperty));
  return json(200, body);
}

function pageSizeFrom(top: string | null): number {
  if (top === null) return DEFAULT_PAGE_SIZE;
  const size = Number(top);
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw badRequest(`Invalid page size specified: '${top}'. Must be between 1 and ${MAX_PAGE_SIZE} inclusive.`);
  }
  return size;
}

// The token is opaque to clients; inside it is the offset plus a marker to reject garbage.
function encodeSkipToken(offset: number): string {
  return Buffer.from(JSON.stringify({ sim: 1, o: offset })).toString('base64url');
}

function offsetFrom(token: string | null): number {
  if (token === null) return 0;
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { sim?: number; o?: number };
    if (decoded.sim === 1 && Number.isInteger(decoded.o) && (decoded.o as number) >= 0) return decoded.o as number;
  } catch {
    // fall through
  }
  throw badRequest(`Invalid skip token '${token}'.`);
}

/** Keeps `$` and `,` readable the way Graph's own nextLinks do. */
function formatQuery(params: URLSearchParams): string {
  return [...params]
    .map(([key, value]) => `${encodeURIComponent(key).replace(/%24/g, '$')}=${encodeURIComponent(value).replace(/%2C/g, ',')}`)
    .join('&');
}

function orderComparer(orderBy: string): (a: Record<string, unknown>, b: Record<string, unknown>) => number {
  const [property, direction = 'asc'] = orderBy.trim().split(/\s+/);
  if (!/^[A-Za-z][\w/]*$/.test(property) || !['asc', 'desc'].includes(direction.toLowerCase())) {
    throw badRequest(`Invalid $orderby expression '${orderBy}'.`);
  }
  const sign = direction.toLowerCase() === 'desc' ? -1 : 1;
  const read = (row: Record<string, unknown>): unknown =>
    property.split('/').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], row);
  return (a, b) => {
    const left = read(a), right = read(b);
    if (left === right) return 0;
    if (left === undefined || left === null) return 1;
    if (right === undefined || right === null) return -1;
    return (String(left) < String(right) ? -1 : 1) * sign;
  };
}

function selectProperties(
  entity: Record<string, unknown>,
  select: string | null,
  keyProperty?: string,
): Record<string, unknown> {
  if (!select) return entity;
  const wanted = new Set(select.split(',').map((name) => name.trim()));
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(entity)) {
    if (wanted.has(name) || name === keyProperty || name === '@odata.type') result[name] = value;
  }
  return result;
}
