/**
 * The audit log of the file adapter: JSON Lines in numbered segment files under
 * `<directory>/audit/` (`000000000001.jsonl`, `000000000002.jsonl`...). Only the highest
 * segment is ever appended to; a new one starts once it reaches the size limit, so reading
 * the newest entries touches the end of one or two files however long the log grows.
 *
 * Writes go through one queue: whatever is waiting is written with a single append and made
 * durable with one fsync (group commit) before any of those appendAudit calls resolves,
 * so every acknowledged entry is on disk and lines never interleave.
 *
 * Crash safety: a crash mid-append can leave a torn last line. The reader skips any line
 * that is not a whole JSON entry, and on opening (or after a failed append) the writer
 * terminates a torn tail with a newline first, so the next entry starts on a line of its own.
 * Readers only look at the bytes of the active segment that have been acknowledged.
 */
import { FileHandle, open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AuditEntry } from './port';
import { AuditQuery, firstCopyPerId, parseAuditLine } from './shared';
import { fsyncDirectory, isMissing, toStoreError, writeAll } from './io';

export const DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024;
const SEGMENT = /^(\d{12})\.jsonl$/;
const NEWLINE = 0x0a;
const READ_CHUNK = 64 * 1024;
const MAX_BATCH_BYTES = 1024 * 1024;

function segmentName(seq: number): string {
  return String(seq).padStart(12, '0') + '.jsonl';
}

async function listSegments(directory: string): Promise<number[]> {
  const names = await readdir(directory);
  const seqs: number[] = [];
  for (const name of names) {
    const match = SEGMENT.exec(name);
    if (match) seqs.push(Number(match[1]));
  }
  return seqs.sort((a, b) => a - b);
}

interface Pending {
  data: Buffer;
  resolve(): void;
  reject(error: unknown): void;
}

export class FileAuditLog {
  private handle: FileHandle | undefined;
  /** Active segment number; 0 before the first segment exists. */
  private seq = 0;
  /** Bytes of the active segment that hold durable, acknowledged data. */
  private committed = 0;
  private needsRecovery = false;
  private queue: Pending[] = [];
  private draining = false;
  private idleWaiters: Array<() => void> = [];

  private constructor(
    private readonly directory: string,
    private readonly segmentBytes: number,
  ) {}

  static async open(directory: string, segmentBytes: number): Promise<FileAuditLog> {
    const log = new FileAuditLog(directory, segmentBytes);
    const seqs = await listSegments(directory);
    if (seqs.length > 0) {
      log.seq = seqs[seqs.length - 1];
      await log.recover();
    }
    return log;
  }

  append(line: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ data: Buffer.from(line + '\n', 'utf8'), resolve, reject });
      if (!this.draining) {
        this.draining = true;
        void this.drain();
      }
    });
  }

  /** Resolves once every queued append has been written (or has failed). */
  whenIdle(): Promise<void> {
    if (!this.draining) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    await this.whenIdle();
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      let size = 0;
      let count = 0;
      while (count < this.queue.length && (count === 0 || size + this.queue[count].data.length <= MAX_BATCH_BYTES)) {
        size += this.queue[count].data.length;
        count++;
      }
      await this.writeBatch(this.queue.splice(0, count));
    }
    // Same synchronous step as the empty-queue check: an append cannot slip in between.
    this.draining = false;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    try {
      if (this.needsRecovery) await this.recover();
      if (!this.handle || this.committed >= this.segmentBytes) await this.rotate();
      const handle = this.handle as FileHandle;
      const data = batch.length === 1 ? batch[0].data : Buffer.concat(batch.map((p) => p.data));
      await writeAll(handle, data);
      await handle.sync();
      this.committed += data.length;
      for (const pending of batch) pending.resolve();
    } catch (error) {
      // The file may now end in a partial line: repair before the next append.
      this.needsRecovery = true;
      const failure = toStoreError(error, 'append to the audit log');
      for (const pending of batch) pending.reject(failure);
    }
  }

  /** Starts the next segment. */
  private async rotate(): Promise<void> {
    const previous = this.handle;
    this.handle = undefined;
    await previous?.close();
    const next = this.seq + 1;
    const handle = await open(join(this.directory, segmentName(next)), 'ax', 0o600);
    this.seq = next;
    this.committed = 0;
    this.handle = handle;
    await fsyncDirectory(this.directory);
  }

  /** (Re)opens the active segment and makes sure it ends with a newline. */
  private async recover(): Promise<void> {
    const previous = this.handle;
    this.handle = undefined;
    await previous?.close().catch(() => undefined);
    if (this.seq === 0) {
      // No segment was ever created: the next append starts the first one.
      this.needsRecovery = false;
      return;
    }
    const handle = await open(join(this.directory, segmentName(this.seq)), 'a+', 0o600);
    try {
      let size = (await handle.stat()).size;
      if (size > 0) {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        if (last[0] !== NEWLINE) {
          await writeAll(handle, Buffer.from('\n'));
          await handle.sync();
          size += 1;
        }
      }
      await fsyncDirectory(this.directory);
      this.committed = size;
      this.handle = handle;
      this.needsRecovery = false;
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  /** The newest entries first, at most `query.limit`, read backwards segment by segment. */
  async read(query: AuditQuery): Promise<AuditEntry[]> {
    const result: AuditEntry[] = [];
    if (query.limit === 0 || this.seq === 0) return result;
    // Snapshot first: the active segment is read only as far as it is acknowledged now.
    const activeSeq = this.seq;
    const activeSize = this.committed;
    const seqs = (await listSegments(this.directory)).filter((seq) => seq <= activeSeq).reverse();
    const isFirstCopy = firstCopyPerId();
    const needle = query.requestId === undefined ? undefined : Buffer.from(JSON.stringify(query.requestId), 'utf8');
    for (const seq of seqs) {
      const file = join(this.directory, segmentName(seq));
      let size: number;
      try {
        size = seq === activeSeq ? activeSize : (await stat(file)).size;
      } catch (error) {
        if (isMissing(error)) continue;
        throw error;
      }
      for await (const line of linesBackwards(file, size)) {
        if (needle && !line.includes(needle)) continue;
        const entry = parseAuditLine(line.toString('utf8'));
        if (!entry) continue;
        if (query.requestId !== undefined && entry.requestId !== query.requestId) continue;
        if (!isFirstCopy(entry)) continue;
        result.push(entry);
        if (result.length >= query.limit) return result;
      }
    }
    return result;
  }
}

/** The lines of the first `size` bytes of a file, last line first (a final line without '\n' included). */
async function* linesBackwards(file: string, size: number): AsyncGenerator<Buffer> {
  if (size === 0) return;
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  try {
    let position = size;
    let carry = Buffer.alloc(0);
    while (position > 0) {
      const length = Math.min(READ_CHUNK, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      let read = 0;
      while (read < length) {
        const { bytesRead } = await handle.read(chunk, read, length - read, position + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      // A file shorter than expected (changed under us) yields garbage lines the parser skips.
      const data = carry.length > 0 ? Buffer.concat([chunk.subarray(0, read), carry]) : chunk.subarray(0, read);
      let end = data.length;
      for (let i = data.length - 1; i >= 0; i--) {
        if (data[i] === NEWLINE) {
          if (i + 1 < end) yield data.subarray(i + 1, end);
          end = i;
        }
      }
      carry = Buffer.from(data.subarray(0, end));
    }
    if (carry.length > 0) yield carry;
  } finally {
    await handle.close();
  }
}
