/**
 * The storage port: approval requests, conversation references and the audit log live
 * behind this interface. "Exactly one execution per request" is enforced by
 * compare-and-set on it, so every adapter must make a conditional write atomic.
 *
 * The shape follows Azure Blob Storage so that a blob adapter can implement it directly:
 * eTags with If-Match / If-None-Match: *, listing by name prefix, and an append-only
 * audit log (append blobs).
 *
 * Semantics every adapter shares (test/store/contract.ts checks them):
 * - Values are JSON: they are serialised on write and parsed on read, so callers never
 *   share objects with the store (Dates come back as ISO strings, `undefined` fields are
 *   dropped). A value JSON cannot represent is rejected with a TypeError.
 * - An eTag is opaque and changes on every successful write, even when the value is the
 *   same, so a stale eTag can never win a compare-and-set (no ABA).
 * - Keys are validated by `validateKey` (src/store/keys.ts); a bad key is an
 *   InvalidKeyError, a programming error rather than an outage.
 */

export interface StoredRecord<T> {
  key: string;
  value: T;
  etag: string;
}

/** A conditional write or delete lost: the record changed (or appeared, or vanished) since it was read. */
export class ETagConflictError extends Error {
  constructor(readonly key: string) {
    super(`The record "${key}" was changed by someone else (eTag conflict).`);
    this.name = 'ETagConflictError';
  }
}

/**
 * The store could not be read or written (EACCES, ENOSPC, EIO, a corrupt record, a closed
 * store...). Callers should tell the user "state store unavailable, try again"; `code` is
 * the underlying error code and is also in the message.
 */
export class StoreUnavailableError extends Error {
  readonly code: string | undefined;

  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StoreUnavailableError';
    this.code = options.code;
  }
}

/** A key the store refuses (empty, a '.' or '..' segment, too long...). */
export class InvalidKeyError extends Error {
  constructor(readonly key: string, reason: string) {
    super(`Invalid store key ${JSON.stringify(key)}: ${reason}.`);
    this.name = 'InvalidKeyError';
  }
}

export interface AuditEntry {
  /**
   * Optional identity: readers return one copy of the entries sharing an id, so an entry
   * whose append may or may not have happened before a crash can simply be appended again.
   */
  id?: string;
  /** ISO time. */
  at: string;
  action: string;
  [field: string]: unknown;
}

export type PutCondition = { ifMatch: string } | { ifNoneMatch: '*' };

export interface StateStore {
  get<T>(key: string): Promise<StoredRecord<T> | undefined>;
  /**
   * ifNoneMatch '*' = create only (ETagConflictError if it exists); ifMatch = replace only if
   * the current etag equals it (ETagConflictError otherwise, also when missing); neither =
   * unconditional upsert. Returns the new etag.
   */
  put<T>(key: string, value: T, condition?: PutCondition): Promise<string>;
  /**
   * Removes the record. false when it is absent (also with ifMatch, as a blob delete
   * answers 404 rather than 412); ETagConflictError when it exists with another etag.
   */
  delete(key: string, condition?: { ifMatch: string }): Promise<boolean>;
  /** Every record whose key starts with prefix, sorted by key (JavaScript string order). */
  list<T>(prefix: string): Promise<StoredRecord<T>[]>;
  /** Appends durably; entries are never rewritten or reordered. Resolves once the entry is durable. */
  appendAudit(entry: AuditEntry): Promise<void>;
  /**
   * The latest `limit` entries, newest first, one per entry id; optionally only those whose
   * requestId field equals the given one.
   */
  readAudit(options: { limit: number; requestId?: string }): Promise<AuditEntry[]>;
  /** Waits for pending writes; afterwards every call rejects with StoreUnavailableError. Idempotent. */
  close(): Promise<void>;
}

/** Who polls: with several instances only the holder of the lease does. */
export interface LeaderLease {
  isLeader(): boolean;
  /** Releases leadership (and the lease); resolves when stopped. Idempotent. */
  stop(): Promise<void>;
}
