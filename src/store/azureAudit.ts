/**
 * The audit log of the Azure adapter. Entries are lines `<id>\t<entry JSON>` in append blobs
 * `audit/000000000001.jsonl`, …; one appendBlock carries whole lines only (appends waiting in
 * this process go out together, up to 1 MiB), and the service commits a block atomically, so
 * lines from several processes never interleave. The random id lets readers drop the copy a
 * transport-level retry of an append may have committed twice. Only the newest segment is
 * appended to. Whoever sees it reach the segment limit (2 000 blocks or 1 MiB by default, far
 * below Azure's 50 000 blocks) seals it and then creates the next one; an append that finds its
 * segment sealed moves on to the next. Sealing before creating means every entry in a segment
 * was committed before every entry of the next, so reading segments newest first gives the
 * true commit order, also across processes.
 */
import { randomBytes } from 'node:crypto';
import type { AppendBlobClient, ContainerClient } from '@azure/storage-blob';
import { AuditEntry, StoreUnavailableError } from './port';
import { AuditQuery, firstCopyPerId, parseAuditLine } from './shared';
import { codeOf, isBlobNotFound, statusOf } from './azureErrors';
import { readBody, type Signal } from './azureDeadline';

const AUDIT_PREFIX = 'audit/';
const SEGMENT = /^audit\/(\d{12})\.jsonl$/;
const MAX_BATCH_BYTES = 1024 * 1024;
/** appendBlock accepts at most 4 MiB on older service versions. */
const MAX_ENTRY_BYTES = 4 * 1024 * 1024 - 64;
export const DEFAULT_SEGMENT_BLOCKS = 2_000;
export const DEFAULT_SEGMENT_BYTES = 1024 * 1024;
/** Azure refuses appends beyond 50 000 blocks; the segment limit must stay well below. */
export const MAX_SEGMENT_BLOCKS = 45_000;
const APPEND_ATTEMPTS = 8;

function segmentBlobName(seq: number): string {
  return AUDIT_PREFIX + String(seq).padStart(12, '0') + '.jsonl';
}

interface PendingAppend {
  line: Buffer;
  resolve(): void;
  reject(error: unknown): void;
}

export class BlobAuditLog {
  /** The segment this process appends to; undefined until discovered. */
  private active: number | undefined;
  private queue: PendingAppend[] = [];
  private draining = false;

  constructor(
    private readonly container: ContainerClient,
    private readonly request: <T>(call: (signal: Signal) => Promise<T>) => Promise<T>,
    private readonly segmentBlocks: number,
    private readonly segmentBytes: number,
  ) {}

  append(json: string): Promise<void> {
    const line = Buffer.from(`${randomBytes(12).toString('hex')}\t${json}\n`, 'utf8');
    if (line.length > MAX_ENTRY_BYTES) return Promise.reject(new RangeError('appendAudit: the entry is too large (over 4 MiB)'));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ line, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        void this.drain();
      }
    });
  }

  /** One appendBlock at a time; whatever queued meanwhile goes out as the next block. */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch: PendingAppend[] = [];
      let bytes = 0;
      while (this.queue.length > 0 && (batch.length === 0 || bytes + this.queue[0].line.length <= MAX_BATCH_BYTES)) {
        const next = this.queue.shift() as PendingAppend;
        batch.push(next);
        bytes += next.line.length;
      }
      try {
        await this.appendBlock(Buffer.concat(batch.map((p) => p.line), bytes));
        for (const p of batch) p.resolve();
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
    this.draining = false;
  }

  private async listSegments(): Promise<Array<{ seq: number; name: string }>> {
    return this.request(async (signal) => {
      const segments: Array<{ seq: number; name: string }> = [];
      for await (const blob of this.container.listBlobsFlat({ prefix: AUDIT_PREFIX, abortSignal: signal })) {
        const match = SEGMENT.exec(blob.name);
        if (match) segments.push({ seq: Number(match[1]), name: blob.name });
      }
      return segments.sort((a, b) => a.seq - b.seq);
    });
  }

  private segment(seq: number): AppendBlobClient {
    return this.container.getAppendBlobClient(segmentBlobName(seq));
  }

  private async createSegment(seq: number): Promise<void> {
    await this.request((signal) =>
      this.segment(seq).createIfNotExists({ abortSignal: signal, blobHTTPHeaders: { blobContentType: 'application/x-ndjson; charset=utf-8' } }),
    );
  }

  /** The newest segment (created when the log is empty). */
  private async discover(atLeast = 1): Promise<number> {
    const segments = await this.listSegments();
    const seq = Math.max(atLeast, segments.length > 0 ? segments[segments.length - 1].seq : 1);
    if (!segments.some((s) => s.seq === seq)) await this.createSegment(seq);
    this.active = Math.max(this.active ?? 0, seq);
    return this.active;
  }

  /**
   * Seals `seq`, then moves on to the newest segment, creating `seq + 1` if there is none
   * yet: no entry can land in `seq` after one in a later segment.
   */
  private async roll(seq: number): Promise<void> {
    try {
      await this.request((signal) => this.segment(seq).seal({ abortSignal: signal }));
    } catch (error) {
      if (!(statusOf(error) === 409 && codeOf(error) === 'BlobIsSealed')) throw error;
    }
    await this.discover(seq + 1);
  }

  private async appendBlock(data: Buffer): Promise<void> {
    for (let attempt = 0; attempt < APPEND_ATTEMPTS; attempt++) {
      const seq = this.active ?? (await this.discover());
      let response;
      try {
        response = await this.request((signal) => this.segment(seq).appendBlock(data, data.length, { abortSignal: signal }));
      } catch (error) {
        const code = codeOf(error);
        if (statusOf(error) === 409 && (code === 'BlobIsSealed' || code === 'BlockCountExceedsLimit')) {
          await this.roll(seq);
          continue;
        }
        if (isBlobNotFound(error)) {
          // The cached segment is gone (the log was cleared): carry on at the newest one.
          this.active = undefined;
          await this.discover(seq);
          continue;
        }
        throw error;
      }
      const blocks = response.blobCommittedBlockCount ?? 0;
      const size = Number(response.blobAppendOffset ?? 0) + data.length;
      if (blocks >= this.segmentBlocks || size >= this.segmentBytes) {
        // The entry is durable; a failed roll is retried by the next append (or on BlobIsSealed).
        await this.roll(seq).catch(() => undefined);
      }
      return;
    }
    throw new StoreUnavailableError('State store unavailable (EAUDITSEGMENT): could not find a writable audit log segment.', { code: 'EAUDITSEGMENT' });
  }

  async read(query: AuditQuery): Promise<AuditEntry[]> {
    if (query.limit === 0) return [];
    const segments = await this.listSegments();
    const out: AuditEntry[] = [];
    const seen = new Set<string>();
    const isFirstCopy = firstCopyPerId();
    for (let i = segments.length - 1; i >= 0; i--) {
      let text: string;
      try {
        text = await this.request(async (signal) => {
          const response = await this.container.getBlobClient(segments[i].name).download(0, undefined, { abortSignal: signal });
          return (await readBody(response.readableStreamBody, signal)).toString('utf8');
        });
      } catch (error) {
        if (isBlobNotFound(error)) continue; // removed by retention since the listing
        throw error;
      }
      const lines = text.split('\n');
      for (let j = lines.length - 1; j >= 0; j--) {
        const line = lines[j];
        const tab = line.indexOf('\t');
        if (tab <= 0) continue;
        const id = line.slice(0, tab);
        const entry = parseAuditLine(line.slice(tab + 1));
        if (!entry || seen.has(id)) continue;
        seen.add(id);
        if (query.requestId !== undefined && entry.requestId !== query.requestId) continue;
        if (!isFirstCopy(entry)) continue;
        out.push(entry);
        if (out.length >= query.limit) return out;
      }
    }
    return out;
  }

  /** Resolves once nothing is queued or in flight. */
  async idle(): Promise<void> {
    while (this.draining) await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
