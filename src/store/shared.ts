/**
 * Rules shared by every adapter, so that the memory adapter used by domain tests behaves
 * like the file adapter (and the later blob adapter) in production.
 */
import { randomUUID } from 'node:crypto';
import { AuditEntry, ETagConflictError, InvalidKeyError, PutCondition, StoreUnavailableError } from './port';

/** Azure Blob Storage caps blob names at 1 024 characters; the same cap keeps keys portable. */
export const MAX_KEY_LENGTH = 1024;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const CONTROL = /[\u0000-\u001F\u007F]/;

/**
 * Keys are '/'-separated names such as `requests/3f2a…` or `conversations/19:abc@thread.tacv2`.
 * Any character is allowed except control characters and unpaired surrogates; segments may not
 * be empty, '.' or '..' (blob clients and URL handling would normalise them away).
 */
export function validateKey(key: unknown): string {
  if (typeof key !== 'string') throw new InvalidKeyError(String(key), 'a key must be a string');
  if (key.length === 0) throw new InvalidKeyError(key, 'a key must not be empty');
  if (key.length > MAX_KEY_LENGTH) throw new InvalidKeyError(key, `a key must be at most ${MAX_KEY_LENGTH} characters`);
  if (LONE_SURROGATE.test(key)) throw new InvalidKeyError(key, 'a key must be well-formed Unicode');
  if (CONTROL.test(key)) throw new InvalidKeyError(key, 'a key must not contain control characters');
  for (const segment of key.split('/')) {
    if (segment === '') throw new InvalidKeyError(key, "a key must not start or end with '/' or contain '//'");
    if (segment === '.' || segment === '..') throw new InvalidKeyError(key, `a key must not contain a '${segment}' segment`);
  }
  return key;
}

export function validatePrefix(prefix: unknown): string {
  if (typeof prefix !== 'string') throw new TypeError('list: the prefix must be a string');
  return prefix;
}

/** Plain JavaScript string order (UTF-16 code units); adapters sort with it after listing. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The JSON text of a value; a TypeError when JSON cannot represent it. */
export function serialiseValue(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('The store only holds JSON values; got ' + typeof value + '.');
  return text;
}

export function validateCondition(condition: PutCondition | undefined): PutCondition | undefined {
  if (condition === undefined) return undefined;
  if ('ifMatch' in condition) {
    if (typeof condition.ifMatch !== 'string' || condition.ifMatch === '') throw new TypeError('put: ifMatch must be a non-empty etag');
    return condition;
  }
  if ('ifNoneMatch' in condition && condition.ifNoneMatch === '*') return condition;
  throw new TypeError("put: the condition must be { ifMatch: etag } or { ifNoneMatch: '*' }");
}

/** For adapters that check conditions themselves: throws unless a put under `condition` may replace the record whose eTag is `currentEtag` (undefined: absent). */
export function checkPutCondition(key: string, currentEtag: string | undefined, condition: PutCondition | undefined): void {
  if (!condition) return;
  if ('ifNoneMatch' in condition ? currentEtag !== undefined : currentEtag !== condition.ifMatch) throw new ETagConflictError(key);
}

export function validateDeleteCondition(condition: { ifMatch: string } | undefined): { ifMatch: string } | undefined {
  if (condition === undefined) return undefined;
  if (typeof condition.ifMatch !== 'string' || condition.ifMatch === '') throw new TypeError('delete: ifMatch must be a non-empty etag');
  return condition;
}

/** A fresh opaque eTag; random, so it changes on every write and never repeats after a delete. */
export function newETag(): string {
  return randomUUID();
}

/** One audit entry as a single JSON line (no trailing newline). */
export function serialiseAuditEntry(entry: AuditEntry): string {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new TypeError('appendAudit: the entry must be an object');
  if (typeof entry.at !== 'string' || Number.isNaN(Date.parse(entry.at))) throw new TypeError('appendAudit: `at` must be an ISO time string');
  if (typeof entry.action !== 'string' || entry.action === '') throw new TypeError('appendAudit: `action` must be a non-empty string');
  return serialiseValue(entry);
}

/** Parses one stored audit line; undefined for anything that is not a whole entry (a torn line). */
export function parseAuditLine(line: string): AuditEntry | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const entry = parsed as AuditEntry;
  return typeof entry.at === 'string' && typeof entry.action === 'string' ? entry : undefined;
}

/** Keeps the first copy of each entry id a newest-first reader meets (entries without an id are all kept). */
export function firstCopyPerId(): (entry: AuditEntry) => boolean {
  const seen = new Set<string>();
  return (entry) => {
    if (typeof entry.id !== 'string') return true;
    if (seen.has(entry.id)) return false;
    seen.add(entry.id);
    return true;
  };
}

export interface AuditQuery {
  limit: number;
  requestId: string | undefined;
}

export function validateAuditQuery(options: { limit: number; requestId?: string }): AuditQuery {
  if (!options || typeof options.limit !== 'number' || !(options.limit >= 0)) {
    throw new RangeError('readAudit: limit must be a number >= 0');
  }
  if (options.requestId !== undefined && typeof options.requestId !== 'string') {
    throw new TypeError('readAudit: requestId must be a string');
  }
  return { limit: Math.floor(options.limit), requestId: options.requestId };
}

/**
 * What every adapter does around its operations: refuse them once closed, map errors to
 * store errors, and let close() wait for the ones still running.
 */
export class OperationGate {
  private closing: Promise<void> | undefined;
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(private readonly toStoreError: (error: unknown, doing: string) => unknown) {}

  run<T>(doing: () => string, operation: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new StoreUnavailableError('The state store is closed (ECLOSED).', { code: 'ECLOSED' }));
    const promise = (async () => {
      try {
        return await operation();
      } catch (error) {
        throw this.toStoreError(error, doing());
      }
    })();
    this.inflight.add(promise);
    const forget = () => this.inflight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** Refuses new operations, waits for running ones, then runs `finish` once. */
  close(finish: () => Promise<void>): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.inflight]);
      await finish();
    })();
    return this.closing;
  }
}
