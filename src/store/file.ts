/**
 * The embedded StateStore: plain files under STATE_DIR (default ./data).
 *
 *   <directory>/records/k<encoded key>.json   one record per file: {"key","etag","value"}
 *   <directory>/audit/000000000001.jsonl      audit log segments (see fileAudit.ts)
 *
 * Writes are atomic and crash-safe: the record goes to a temp file next to the target, is
 * fsynced, renamed over the target, and the directory is fsynced. After a crash a record is
 * either the old or the new version, never torn; leftover `*.tmp` files are never read and
 * are removed when the store opens. The eTag is a random id stored inside the record, so it
 * changes on every write and survives restarts.
 *
 * Concurrency, what holds:
 * - Within this process, compare-and-set is atomic: every write and delete of a key runs
 *   under a per-key async mutex that covers reading the current eTag and replacing the file.
 *   Opening the same directory twice in one process shares one set of locks and one audit
 *   writer (refcounted), so two handles cannot race each other either.
 * - Readers never need the lock: rename replaces a record in one step, so get and list
 *   always see a whole record.
 * - Audit appends are serialised through one queue and acknowledged only after fsync.
 *
 * What does not hold: two processes (or hosts sharing a volume) on the same directory. Their
 * mutexes do not see each other, so both could pass the same If-Match and the last rename
 * wins; their audit writers would append to the same segment and disagree about its size,
 * and one would delete the other's temp files at start-up. Run one process per STATE_DIR. The
 * interface does not stand in the way of more: the eTag is in the record file, so a
 * cross-process variant can keep this format and take an exclusive lock file per key
 * (open 'wx') around the same read-compare-rename, and the blob adapter gets the same
 * guarantees from the service's If-Match / If-None-Match and append blobs.
 *
 * A failed write has an unknown outcome, as with any remote store: if the rename happened but
 * the directory fsync failed, the caller sees StoreUnavailableError although the new record
 * is visible. Callers re-read (get) before retrying a conditional write.
 */
import { mkdir, open, readFile, readdir, realpath, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { AuditEntry, ETagConflictError, PutCondition, StateStore, StoredRecord } from './port';
import {
  OperationGate,
  checkPutCondition,
  compareKeys,
  newETag,
  serialiseAuditEntry,
  serialiseValue,
  validateAuditQuery,
  validateCondition,
  validateDeleteCondition,
  validateKey,
  validatePrefix,
} from './shared';
import { KeyedMutex } from './mutex';
import { DEFAULT_SEGMENT_BYTES, FileAuditLog } from './fileAudit';
import { TEMP_SUFFIX, mayMatchPrefix, parseRecordFileName, recordFileName } from './fileNames';
import { corrupt, fsyncDirectory, isMissing, mapLimited, toStoreError, writeAll } from './io';

export interface FileStateStoreOptions {
  /** Size at which the audit log starts a new segment file; default 8 MiB. */
  auditSegmentBytes?: number;
}

interface Envelope {
  key: string;
  etag: string;
  value: unknown;
}

const LIST_PARALLELISM = 16;

/** The shared state of one directory in this process. */
class FileEngine {
  readonly locks = new KeyedMutex();

  private constructor(
    readonly recordsDir: string,
    readonly audit: FileAuditLog,
  ) {}

  static async open(root: string, segmentBytes: number): Promise<FileEngine> {
    const recordsDir = join(root, 'records');
    const auditDir = join(root, 'audit');
    await mkdir(recordsDir, { recursive: true, mode: 0o700 });
    await mkdir(auditDir, { recursive: true, mode: 0o700 });
    await fsyncDirectory(root);
    for (const name of await readdir(recordsDir)) {
      if (!name.endsWith(TEMP_SUFFIX)) continue;
      await unlink(join(recordsDir, name)).catch((error: unknown) => {
        if (!isMissing(error)) throw error;
      });
    }
    const audit = await FileAuditLog.open(auditDir, segmentBytes);
    return new FileEngine(recordsDir, audit);
  }

  async close(): Promise<void> {
    await this.audit.close();
  }

  /** The record file's content; undefined when there is no such file. */
  private async readEnvelope(file: string, doing: string): Promise<Envelope | undefined> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw corrupt(doing, file, 'is not valid JSON');
    }
    const envelope = parsed as Envelope;
    if (!envelope || typeof envelope !== 'object' || typeof envelope.key !== 'string' || typeof envelope.etag !== 'string' || !('value' in envelope)) {
      throw corrupt(doing, file, 'is not a record');
    }
    return envelope;
  }

  async read(key: string, doing: string): Promise<Envelope | undefined> {
    const file = join(this.recordsDir, recordFileName(key));
    const envelope = await this.readEnvelope(file, doing);
    if (envelope && envelope.key !== key) throw corrupt(doing, file, `holds the key ${JSON.stringify(envelope.key)}`);
    return envelope;
  }

  async write(key: string, json: string, etag: string): Promise<void> {
    const target = join(this.recordsDir, recordFileName(key));
    const temp = `${target}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
    const content = Buffer.from(`{"key":${JSON.stringify(key)},"etag":${JSON.stringify(etag)},"value":${json}}\n`, 'utf8');
    try {
      const handle = await open(temp, 'wx', 0o600);
      try {
        await writeAll(handle, content);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await fsyncDirectory(this.recordsDir);
  }

  async remove(key: string): Promise<boolean> {
    try {
      await unlink(join(this.recordsDir, recordFileName(key)));
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
    await fsyncDirectory(this.recordsDir);
    return true;
  }

  async list(prefix: string, doing: string): Promise<Envelope[]> {
    const names = (await readdir(this.recordsDir)).filter((name) => {
      const parsed = parseRecordFileName(name);
      return parsed !== undefined && mayMatchPrefix(parsed, prefix);
    });
    const envelopes = await mapLimited(names, LIST_PARALLELISM, async (name) => {
      const file = join(this.recordsDir, name);
      const envelope = await this.readEnvelope(file, doing);
      if (!envelope) return undefined; // deleted since readdir
      if (recordFileName(envelope.key) !== name) throw corrupt(doing, file, `holds the key ${JSON.stringify(envelope.key)}`);
      return envelope.key.startsWith(prefix) ? envelope : undefined;
    });
    return envelopes.filter((e): e is Envelope => e !== undefined).sort((a, b) => compareKeys(a.key, b.key));
  }
}

interface Slot {
  engine: Promise<FileEngine>;
  refs: number;
}

/** Open directories of this process, by real path, and those whose last handle is closing. */
const slots = new Map<string, Slot>();
const closing = new Map<string, Promise<void>>();

function release(root: string, slot: Slot): Promise<void> {
  slot.refs -= 1;
  if (slot.refs > 0 || slots.get(root) !== slot) return Promise.resolve();
  slots.delete(root);
  const done = slot.engine
    .then((engine) => engine.close())
    .finally(() => {
      if (closing.get(root) === done) closing.delete(root);
    });
  closing.set(root, done);
  return done;
}


class FileStateStore implements StateStore {
  private readonly gate = new OperationGate(toStoreError);

  constructor(
    private readonly engine: FileEngine,
    private readonly onClose: () => Promise<void>,
  ) {}

  private run<T>(doing: () => string, operation: () => Promise<T>): Promise<T> {
    return this.gate.run(doing, operation);
  }


  get<T>(key: string): Promise<StoredRecord<T> | undefined> {
    return this.run(
      () => `read ${JSON.stringify(key)}`,
      async () => {
        validateKey(key);
        const envelope = await this.engine.read(key, `read ${JSON.stringify(key)}`);
        return envelope && { key: envelope.key, value: envelope.value as T, etag: envelope.etag };
      },
    );
  }

  put<T>(key: string, value: T, condition?: PutCondition): Promise<string> {
    return this.run(
      () => `write ${JSON.stringify(key)}`,
      async () => {
        validateKey(key);
        const json = serialiseValue(value);
        validateCondition(condition);
        return this.engine.locks.run(key, async () => {
          if (condition) checkPutCondition(key, (await this.engine.read(key, `write ${JSON.stringify(key)}`))?.etag, condition);
          const etag = newETag();
          await this.engine.write(key, json, etag);
          return etag;
        });
      },
    );
  }

  delete(key: string, condition?: { ifMatch: string }): Promise<boolean> {
    return this.run(
      () => `delete ${JSON.stringify(key)}`,
      async () => {
        validateKey(key);
        validateDeleteCondition(condition);
        return this.engine.locks.run(key, async () => {
          // An unconditional delete does not read the record, so it also clears a corrupt one.
          if (condition) {
            const current = await this.engine.read(key, `delete ${JSON.stringify(key)}`);
            if (!current) return false;
            if (current.etag !== condition.ifMatch) throw new ETagConflictError(key);
          }
          return this.engine.remove(key);
        });
      },
    );
  }

  list<T>(prefix: string): Promise<StoredRecord<T>[]> {
    return this.run(
      () => `list ${JSON.stringify(prefix)}`,
      async () => {
        validatePrefix(prefix);
        const envelopes = await this.engine.list(prefix, `list ${JSON.stringify(prefix)}`);
        return envelopes.map((e) => ({ key: e.key, value: e.value as T, etag: e.etag }));
      },
    );
  }

  appendAudit(entry: AuditEntry): Promise<void> {
    return this.run(
      () => 'append to the audit log',
      async () => this.engine.audit.append(serialiseAuditEntry(entry)),
    );
  }

  readAudit(options: { limit: number; requestId?: string }): Promise<AuditEntry[]> {
    return this.run(
      () => 'read the audit log',
      async () => this.engine.audit.read(validateAuditQuery(options)),
    );
  }

  close(): Promise<void> {
    return this.gate.close(async () => {
      try {
        await this.onClose();
      } catch (error) {
        throw toStoreError(error, 'close the state store');
      }
    });
  }
}

/**
 * Opens (creating if needed) the store in `directory`. I/O failures, including an unwritable
 * directory, reject with StoreUnavailableError.
 */
export async function createFileStateStore(directory: string, options: FileStateStoreOptions = {}): Promise<StateStore> {
  if (typeof directory !== 'string' || directory.trim() === '') throw new TypeError('createFileStateStore: directory must be a non-empty path');
  const segmentBytes = options.auditSegmentBytes ?? DEFAULT_SEGMENT_BYTES;
  if (!Number.isInteger(segmentBytes) || segmentBytes <= 0) throw new RangeError('createFileStateStore: auditSegmentBytes must be a positive integer');
  let root: string;
  try {
    await mkdir(resolve(directory), { recursive: true, mode: 0o700 });
    root = await realpath(resolve(directory));
  } catch (error) {
    throw toStoreError(error, `open the state directory ${JSON.stringify(directory)}`);
  }
  for (let pending = closing.get(root); pending; pending = closing.get(root)) {
    await pending.catch(() => undefined);
  }
  let slot = slots.get(root);
  if (!slot) {
    const created: Slot = { engine: FileEngine.open(root, segmentBytes), refs: 0 };
    created.engine.catch(() => {
      if (slots.get(root) === created) slots.delete(root);
    });
    slots.set(root, created);
    slot = created;
  }
  slot.refs += 1;
  const opened = slot;
  let engine: FileEngine;
  try {
    engine = await opened.engine;
  } catch (error) {
    opened.refs -= 1;
    throw toStoreError(error, `open the state store in ${JSON.stringify(root)}`);
  }
  return new FileStateStore(engine, () => release(root, opened));
}
