import { ETagConflictError, type StateStore, type StoredRecord } from '../store/port';

/**
 * Read-modify-write of one record with compare-and-set, re-reading on conflict. `change`
 * gets the current value (undefined when the record does not exist) and returns the next
 * one, or undefined to leave the record as it is.
 */

export type CasResult<T> =
  | { status: 'written'; record: StoredRecord<T> }
  | { status: 'declined'; current: StoredRecord<T> | undefined }
  /** Someone else changed the record on every attempt. */
  | { status: 'contended' };

const ATTEMPTS = 8;

export async function compareAndSet<T>(
  store: StateStore,
  key: string,
  change: (current: T | undefined) => T | undefined,
  /** A record just read or written, which saves the first read. */
  known?: StoredRecord<T>,
): Promise<CasResult<T>> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const record = attempt === 0 && known ? known : await store.get<T>(key);
    const next = change(record?.value);
    if (next === undefined) return { status: 'declined', current: record };
    try {
      const etag = await store.put(key, next, record ? { ifMatch: record.etag } : { ifNoneMatch: '*' });
      return { status: 'written', record: { key, value: next, etag } };
    } catch (error) {
      if (!(error instanceof ETagConflictError)) throw error;
    }
  }
  return { status: 'contended' };
}

/** The value stored once the change was applied or declined; undefined when it stayed contended. */
export function valueAfter<T>(result: CasResult<T>): T | undefined {
  if (result.status === 'written') return result.record.value;
  return result.status === 'declined' ? result.current?.value : undefined;
}
