/**
 * An in-memory StateStore for unit tests of the domain. Same semantics as the file adapter:
 * values are kept as JSON text (so callers never share objects with the store and get the
 * same JSON conversions), eTags change on every write, and each operation checks and
 * changes state in one synchronous step, which makes compare-and-set atomic.
 */
import { AuditEntry, ETagConflictError, PutCondition, StateStore, StoreUnavailableError, StoredRecord } from './port';
import {
  checkPutCondition,
  compareKeys,
  newETag,
  firstCopyPerId,
  parseAuditLine,
  serialiseAuditEntry,
  serialiseValue,
  validateAuditQuery,
  validateCondition,
  validateDeleteCondition,
  validateKey,
  validatePrefix,
} from './shared';

interface MemoryRecord {
  json: string;
  etag: string;
}

export function createMemoryStateStore(): StateStore {
  const records = new Map<string, MemoryRecord>();
  const audit: string[] = [];
  let closed = false;

  const ensureOpen = (): void => {
    if (closed) throw new StoreUnavailableError('The state store is closed (ECLOSED).', { code: 'ECLOSED' });
  };
  const toRecord = <T>(key: string, record: MemoryRecord): StoredRecord<T> => ({
    key,
    value: JSON.parse(record.json) as T,
    etag: record.etag,
  });

  return {
    async get<T>(key: string): Promise<StoredRecord<T> | undefined> {
      validateKey(key);
      ensureOpen();
      const record = records.get(key);
      return record && toRecord<T>(key, record);
    },

    async put<T>(key: string, value: T, condition?: PutCondition): Promise<string> {
      validateKey(key);
      const json = serialiseValue(value);
      validateCondition(condition);
      ensureOpen();
      checkPutCondition(key, records.get(key)?.etag, condition);
      const etag = newETag();
      records.set(key, { json, etag });
      return etag;
    },

    async delete(key: string, condition?: { ifMatch: string }): Promise<boolean> {
      validateKey(key);
      validateDeleteCondition(condition);
      ensureOpen();
      const current = records.get(key);
      if (!current) return false;
      if (condition && current.etag !== condition.ifMatch) throw new ETagConflictError(key);
      records.delete(key);
      return true;
    },

    async list<T>(prefix: string): Promise<StoredRecord<T>[]> {
      validatePrefix(prefix);
      ensureOpen();
      return [...records.keys()]
        .filter((key) => key.startsWith(prefix))
        .sort(compareKeys)
        .map((key) => toRecord<T>(key, records.get(key) as MemoryRecord));
    },

    async appendAudit(entry: AuditEntry): Promise<void> {
      const line = serialiseAuditEntry(entry);
      ensureOpen();
      audit.push(line);
    },

    async readAudit(options: { limit: number; requestId?: string }): Promise<AuditEntry[]> {
      const { limit, requestId } = validateAuditQuery(options);
      ensureOpen();
      const result: AuditEntry[] = [];
      const isFirstCopy = firstCopyPerId();
      for (let i = audit.length - 1; i >= 0 && result.length < limit; i--) {
        const entry = parseAuditLine(audit[i]);
        if (entry && (requestId === undefined || entry.requestId === requestId) && isFirstCopy(entry)) result.push(entry);
      }
      return result;
    },

    async close(): Promise<void> {
      closed = true;
    },
  };
}
