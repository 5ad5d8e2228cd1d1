/**
 * The StateStore on Azure Blob Storage, for running several bot instances against one
 * shared state (or the Azurite emulator in tests). Layout inside the container:
 *
 *   records/<encoded key>           one block blob per record: {"key":…,"value":…}
 *   audit/000000000001.jsonl        audit log segments (append blobs)
 *
 * Records. The blob name is the key encoded by `recordBlobName`: ASCII letters, digits, '_'
 * and '-' are kept, every other character becomes '~xx' per UTF-8 byte (so '/' is '~2f', '.'
 * is '~2e'). Names are therefore flat (no virtual directories, no 254-segment limit), never end
 * in a dot, need no URL escaping and decode back to the key. A key whose encoding is longer
 * than MAX_PLAIN characters is stored as `<encoded beginning>.<sha256 of the key>` ('.' never
 * occurs in an encoding); the full key is inside every record, so listing reads it there.
 * The eTag is the blob's ETag: the service changes it on every write, and compare-and-set is
 * the service's If-Match / If-None-Match: * on the upload, so it holds across processes and
 * hosts.
 *
 * Audit log. Entries are lines `<id>\t<entry JSON>` in append blobs; one appendBlock carries
 * whole lines only (appends waiting in this process go out together, up to 1 MiB), and the
 * service commits a block atomically, so lines from several processes never interleave. The
 * random id lets readers drop the copy a transport-level retry of an append may have
 * committed twice. Only the newest segment is appended to. Whoever sees it reach the segment
 * limit (2 000 blocks or 1 MiB by default, far below Azure's 50 000 blocks) seals it and then
 * creates the next one; an append that finds its segment sealed moves on to the next. Sealing
 * before creating means every entry in a segment was committed before every entry of the
 * next, so reading segments newest first gives the true commit order, also across processes.
 *
 * Failures. Every request has a deadline (10 s by default, SDK retries included: 3 tries with
 * short back-off), so an unreachable account surfaces as StoreUnavailableError instead of a
 * hang. Service and network errors become StoreUnavailableError with the service's error code
 * (ECONNREFUSED, ETIMEDOUT, AuthorizationFailure, ContainerNotFound, ServerBusy…) and a short
 * message; messages never carry the connection string, account key or SAS signature.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { TokenCredential } from '@azure/identity';
import {
  AppendBlobClient,
  BlobServiceClient,
  ContainerClient,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import { AuditEntry, ETagConflictError, InvalidKeyError, PutCondition, StateStore, StoreUnavailableError, StoredRecord } from './port';
import {
  AuditQuery,
  OperationGate,
  compareKeys,
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
import { mapLimited } from './io';

// ---------------------------------------------------------------------------------------------
// Connection

export interface AzureBlobConnectionOptions {
  /** A storage connection string (`UseDevelopmentStorage=true`, an account-key or SAS string). */
  connectionString?: string;
  /** `https://<account>.blob.core.windows.net`, used with `credential` (or a SAS in the URL). */
  accountUrl?: string;
  /** An @azure/identity credential for `accountUrl` (managed identity, workload identity…). */
  credential?: TokenCredential;
  /** Container name: 3-63 lower-case letters, digits and single hyphens. Created if missing. */
  container: string;
}

export interface AzureStateStoreOptions extends AzureBlobConnectionOptions {
  /** Deadline of every storage request, SDK retries included; default 10 000 ms. */
  requestTimeoutMs?: number;
  /** SDK tries per request (1 = no retry); default 3. */
  maxTries?: number;
  /** An audit segment is sealed and a new one started after this many blocks; default 2 000. */
  auditSegmentBlocks?: number;
  /** … or once it holds this many bytes; default 1 MiB. */
  auditSegmentBytes?: number;
}

const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_TRIES = 3;

/** The SDK's retry policy, kept short so that a dead account surfaces within the deadline. */
export function blobPipelineOptions(maxTries = DEFAULT_MAX_TRIES): StoragePipelineOptions {
  return {
    retryOptions: { maxTries, retryDelayInMs: 200, maxRetryDelayInMs: 1_000, tryTimeoutInMs: 5_000 },
  };
}

/**
 * A ContainerClient for the given connection (does not create the container). Shared with
 * the blob lease (src/store/lease.ts). A TypeError for missing or contradictory options; the
 * message never repeats the connection string.
 */
export function createBlobContainerClient(options: AzureBlobConnectionOptions, pipeline: StoragePipelineOptions = blobPipelineOptions()): ContainerClient {
  if (!options || typeof options !== 'object') throw new TypeError('Azure Blob storage: options are required');
  const { connectionString, accountUrl, credential, container } = options;
  if (typeof container !== 'string' || !CONTAINER_NAME.test(container)) {
    throw new TypeError(
      `Azure Blob storage: invalid container name ${JSON.stringify(container)} (3-63 lower-case letters, digits and single hyphens)`,
    );
  }
  const hasConnectionString = typeof connectionString === 'string' && connectionString.trim() !== '';
  const hasAccountUrl = typeof accountUrl === 'string' && accountUrl.trim() !== '';
  if (hasConnectionString === hasAccountUrl) {
    throw new TypeError('Azure Blob storage: give either a connection string or an account URL (with a credential)');
  }
  let service: BlobServiceClient;
  if (hasConnectionString) {
    try {
      service = BlobServiceClient.fromConnectionString(connectionString as string, pipeline);
    } catch {
      // The SDK's message may quote the string; ours does not.
      throw new TypeError('Azure Blob storage: the connection string is not valid (expected UseDevelopmentStorage=true, or AccountName/AccountKey/BlobEndpoint or a SAS)');
    }
  } else {
    let url: URL;
    try {
      url = new URL(accountUrl as string);
    } catch {
      throw new TypeError('Azure Blob storage: the account URL is not a valid URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('Azure Blob storage: the account URL must be http(s)');
    service = new BlobServiceClient(accountUrl as string, credential, pipeline);
  }
  return service.getContainerClient(container);
}

// ---------------------------------------------------------------------------------------------
// Blob names of records

const RECORDS_PREFIX = 'records/';
const AUDIT_PREFIX = 'audit/';
/** Encoded keys up to this length are the blob name as they are; longer ones are hashed. */
const MAX_PLAIN = 900;
/** How much of a long key's encoding a hashed name keeps (whole characters). */
const MAX_HASHED_PREFIX = 800;
/** The longest encoding of one code point: 4 UTF-8 bytes as '~xx'. */
const MAX_PIECE = 12;
/** Every hashed name keeps at least this much of the key's encoding. */
const MIN_HASHED_PREFIX = MAX_HASHED_PREFIX - MAX_PIECE + 1;
const KEPT = /^[A-Za-z0-9_-]$/;
const ESCAPE = '~';
const HASH_SEPARATOR = '.';
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function encodePiece(codePoint: string): string {
  if (KEPT.test(codePoint)) return codePoint;
  let out = '';
  for (const byte of Buffer.from(codePoint, 'utf8')) out += ESCAPE + byte.toString(16).padStart(2, '0');
  return out;
}

function encodeName(key: string): string {
  let out = '';
  for (const codePoint of key) out += encodePiece(codePoint);
  return out;
}

/** The inverse of encodeName; undefined unless `encoded` is exactly what encodeName produces. */
function decodeName(encoded: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    const char = encoded[i];
    if (char === ESCAPE) {
      const hex = encoded.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (KEPT.test(char)) {
      bytes.push(char.charCodeAt(0));
    } else {
      return undefined;
    }
  }
  let decoded: string;
  try {
    decoded = strictUtf8.decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
  return encodeName(decoded) === encoded ? decoded : undefined;
}

/** The blob that holds the record of a (valid) key. */
export function recordBlobName(key: string): string {
  const encoded = encodeName(key);
  if (encoded.length <= MAX_PLAIN) return RECORDS_PREFIX + encoded;
  let beginning = '';
  for (const codePoint of key) {
    const piece = encodePiece(codePoint);
    if (beginning.length + piece.length > MAX_HASHED_PREFIX) break;
    beginning += piece;
  }
  return RECORDS_PREFIX + beginning + HASH_SEPARATOR + createHash('sha256').update(key, 'utf8').digest('hex');
}

/** What a blob name says about its key: all of it, or only its beginning (hashed names). */
type ParsedName = { kind: 'plain'; key: string } | { kind: 'hashed'; keyPrefix: string };

function parseRecordBlobName(name: string): ParsedName | undefined {
  if (!name.startsWith(RECORDS_PREFIX)) return undefined;
  const stem = name.slice(RECORDS_PREFIX.length);
  const separator = stem.indexOf(HASH_SEPARATOR);
  if (separator === -1) {
    if (stem === '' || stem.length > MAX_PLAIN) return undefined;
    const key = decodeName(stem);
    return key === undefined ? undefined : { kind: 'plain', key };
  }
  if (!/^[0-9a-f]{64}$/.test(stem.slice(separator + 1))) return undefined;
  const keyPrefix = decodeName(stem.slice(0, separator));
  return keyPrefix === undefined ? undefined : { kind: 'hashed', keyPrefix };
}

/**
 * The blob-name prefix under which every record whose key starts with `prefix` lies. It is
 * cut before a lone surrogate (a prefix may end inside a surrogate pair) and short enough to
 * be contained in hashed names; callers filter the results by the real key.
 */
function listingPrefix(prefix: string): string {
  let encoded = '';
  for (const codePoint of prefix) {
    const unit = codePoint.charCodeAt(0);
    if (codePoint.length === 1 && unit >= 0xd800 && unit <= 0xdfff) break;
    encoded += encodePiece(codePoint);
    if (encoded.length >= MIN_HASHED_PREFIX) break;
  }
  return RECORDS_PREFIX + encoded.slice(0, MIN_HASHED_PREFIX);
}

function mayHoldPrefix(parsed: ParsedName, prefix: string): boolean {
  if (parsed.kind === 'plain') return parsed.key.startsWith(prefix);
  return parsed.keyPrefix.startsWith(prefix) || prefix.startsWith(parsed.keyPrefix);
}

// ---------------------------------------------------------------------------------------------
// Errors

interface AzureErrorShape {
  name?: unknown;
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
}

function shape(error: unknown): AzureErrorShape {
  return error && typeof error === 'object' ? (error as AzureErrorShape) : {};
}

function statusOf(error: unknown): number | undefined {
  const status = shape(error).statusCode;
  return typeof status === 'number' ? status : undefined;
}

function codeOf(error: unknown): string | undefined {
  const code = shape(error).code;
  return typeof code === 'string' && code !== '' ? code : undefined;
}

function isAbort(error: unknown): boolean {
  return shape(error).name === 'AbortError';
}

/** Removes anything that looks like a credential from a message. */
function redactSecrets(text: string): string {
  return text
    .replace(/(?<![A-Za-z])(AccountKey|SharedAccessSignature|SharedAccessKey|sig)=[^;&\s"']*/gi, '$1=***')
    .replace(/(Bearer|SharedKey)\s+[^\s"']+/g, '$1 ***');
}

/** The first line of an Azure error message plus its RequestId, redacted and bounded. */
function summarise(error: unknown): string {
  const message = String(shape(error).message ?? error);
  const lines = message.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const requestId = lines.find((line) => line.startsWith('RequestId:'));
  const first = lines[0] ?? 'no details';
  const text = requestId && requestId !== first ? `${first} (${requestId})` : first;
  return redactSecrets(text).slice(0, 300);
}

const PASS_THROUGH = [StoreUnavailableError, ETagConflictError, InvalidKeyError, TypeError, RangeError];

/**
 * Turns an SDK, network or timeout failure into a StoreUnavailableError carrying the service's
 * error code. Conflicts, key errors and programming errors pass unchanged. The SDK error is
 * not attached as `cause`: it holds the request, whose headers carry credentials.
 */
function toStoreError(error: unknown, doing: string): unknown {
  if (PASS_THROUGH.some((type) => error instanceof type)) return error;
  if (isAbort(error)) {
    return new StoreUnavailableError(`State store unavailable (ETIMEDOUT): could not ${doing}: Azure Storage did not answer in time.`, { code: 'ETIMEDOUT' });
  }
  const status = statusOf(error);
  const code = codeOf(error) ?? (status !== undefined ? `HTTP_${status}` : undefined);
  if (code === undefined) return error;
  const where = status !== undefined ? `HTTP ${status}: ` : '';
  return new StoreUnavailableError(`State store unavailable (${code}): could not ${doing}: ${where}${summarise(error)}`, { code });
}

function corrupt(doing: string, blob: string, reason: string): StoreUnavailableError {
  return new StoreUnavailableError(`State store unavailable (ECORRUPT): could not ${doing}: the blob ${JSON.stringify(blob)} ${reason}`, { code: 'ECORRUPT' });
}


const isBlobNotFound = (error: unknown): boolean => statusOf(error) === 404 && codeOf(error) !== 'ContainerNotFound';

// ---------------------------------------------------------------------------------------------
// Requests with a deadline

type Signal = AbortSignal;

/** Reads a download body, bounded by the request's deadline. */
function readBody(stream: NodeJS.ReadableStream | undefined, signal: Signal): Promise<Buffer> {
  if (!stream) return Promise.resolve(Buffer.alloc(0));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onAbort = (): void => {
      cleanup();
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      const error = new Error('The operation was aborted.');
      error.name = 'AbortError';
      reject(error);
    };
    const cleanup = (): void => {
      signal.removeEventListener('abort', onAbort);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort);
    stream.on('data', (chunk: Buffer | string) => chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    stream.on('error', (error) => {
      cleanup();
      reject(error);
    });
    stream.on('end', () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    });
  });
}

/**
 * Runs one storage call with a deadline: the signal aborts the SDK request (and its retries),
 * and the race guarantees the promise settles even if something ignores the signal.
 */
async function withDeadline<T>(timeoutMs: number, call: (signal: Signal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      const error = new Error('The operation was aborted.');
      error.name = 'AbortError';
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([call(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Audit log

const SEGMENT = /^audit\/(\d{12})\.jsonl$/;
const MAX_BATCH_BYTES = 1024 * 1024;
/** appendBlock accepts at most 4 MiB on older service versions. */
const MAX_ENTRY_BYTES = 4 * 1024 * 1024 - 64;
const DEFAULT_SEGMENT_BLOCKS = 2_000;
const DEFAULT_SEGMENT_BYTES = 1024 * 1024;
/** Azure refuses appends beyond 50 000 blocks; the segment limit must stay well below. */
const MAX_SEGMENT_BLOCKS = 45_000;
const APPEND_ATTEMPTS = 8;

function segmentBlobName(seq: number): string {
  return AUDIT_PREFIX + String(seq).padStart(12, '0') + '.jsonl';
}

interface PendingAppend {
  line: Buffer;
  resolve(): void;
  reject(error: unknown): void;
}

class BlobAuditLog {
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

// ---------------------------------------------------------------------------------------------
// The store

interface Envelope {
  key: string;
  value: unknown;
}

const LIST_PARALLELISM = 16;

class AzureStateStore implements StateStore {
  private readonly gate = new OperationGate(toStoreError);
  private readonly audit: BlobAuditLog;
  private readonly request: <T>(call: (signal: Signal) => Promise<T>) => Promise<T>;

  constructor(
    private readonly container: ContainerClient,
    timeoutMs: number,
    segmentBlocks: number,
    segmentBytes: number,
  ) {
    this.request = (call) => withDeadline(timeoutMs, call);
    this.audit = new BlobAuditLog(container, this.request, segmentBlocks, segmentBytes);
  }

  private run<T>(doing: () => string, operation: () => Promise<T>): Promise<T> {
    return this.gate.run(doing, operation);
  }


  /** The record in `blob` with its ETag; undefined when the blob does not exist. */
  private async download(blob: string, doing: string): Promise<{ envelope: Envelope; etag: string } | undefined> {
    try {
      return await this.request(async (signal) => {
        const response = await this.container.getBlobClient(blob).download(0, undefined, { abortSignal: signal });
        const body = await readBody(response.readableStreamBody, signal);
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          throw corrupt(doing, blob, 'is not valid JSON');
        }
        const envelope = parsed as Envelope;
        if (!envelope || typeof envelope !== 'object' || typeof envelope.key !== 'string' || !('value' in envelope)) {
          throw corrupt(doing, blob, 'is not a record');
        }
        if (!response.etag) throw corrupt(doing, blob, 'came without an ETag');
        return { envelope, etag: response.etag };
      });
    } catch (error) {
      if (isBlobNotFound(error)) return undefined;
      throw error;
    }
  }

  get<T>(key: string): Promise<StoredRecord<T> | undefined> {
    return this.run(
      () => `read ${JSON.stringify(key)}`,
      async () => {
        validateKey(key);
        const blob = recordBlobName(key);
        const found = await this.download(blob, `read ${JSON.stringify(key)}`);
        if (!found) return undefined;
        if (found.envelope.key !== key) throw corrupt(`read ${JSON.stringify(key)}`, blob, `holds the key ${JSON.stringify(found.envelope.key)}`);
        return { key, value: found.envelope.value as T, etag: found.etag };
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
        const body = Buffer.from(`{"key":${JSON.stringify(key)},"value":${json}}`, 'utf8');
        const conditions = condition === undefined ? undefined : 'ifMatch' in condition ? { ifMatch: condition.ifMatch } : { ifNoneMatch: '*' };
        try {
          const response = await this.request((signal) =>
            this.container.getBlockBlobClient(recordBlobName(key)).upload(body, body.length, {
              abortSignal: signal,
              conditions,
              blobHTTPHeaders: { blobContentType: 'application/json; charset=utf-8' },
            }),
          );
          if (!response.etag) throw new StoreUnavailableError(`State store unavailable (ENOETAG): could not write ${JSON.stringify(key)}: Azure Storage returned no ETag.`, { code: 'ENOETAG' });
          return response.etag;
        } catch (error) {
          // 412: If-Match failed (also when the blob is missing); 409: If-None-Match: * found a blob.
          const status = statusOf(error);
          if (conditions && (status === 412 || (status === 409 && codeOf(error) === 'BlobAlreadyExists') || (status === 404 && isBlobNotFound(error)))) {
            throw new ETagConflictError(key);
          }
          throw error;
        }
      },
    );
  }

  delete(key: string, condition?: { ifMatch: string }): Promise<boolean> {
    return this.run(
      () => `delete ${JSON.stringify(key)}`,
      async () => {
        validateKey(key);
        validateDeleteCondition(condition);
        const blob = this.container.getBlockBlobClient(recordBlobName(key));
        try {
          await this.request((signal) => blob.delete({ abortSignal: signal, conditions: condition && { ifMatch: condition.ifMatch } }));
          return true;
        } catch (error) {
          if (isBlobNotFound(error)) return false;
          if (condition && statusOf(error) === 412) {
            // Azure answers a missing blob with 404, Azurite with 412: tell them apart.
            const exists = await this.request((signal) => blob.exists({ abortSignal: signal }));
            if (!exists) return false;
            throw new ETagConflictError(key);
          }
          throw error;
        }
      },
    );
  }

  list<T>(prefix: string): Promise<StoredRecord<T>[]> {
    return this.run(
      () => `list ${JSON.stringify(prefix)}`,
      async () => {
        validatePrefix(prefix);
        const doing = `list ${JSON.stringify(prefix)}`;
        const names = await this.request(async (signal) => {
          const found: string[] = [];
          for await (const blob of this.container.listBlobsFlat({ prefix: listingPrefix(prefix), abortSignal: signal })) {
            const parsed = parseRecordBlobName(blob.name);
            if (parsed && mayHoldPrefix(parsed, prefix)) found.push(blob.name);
          }
          return found;
        });
        const records = await mapLimited(names, LIST_PARALLELISM, async (name) => {
          const found = await this.download(name, doing);
          if (!found) return undefined; // deleted since the listing
          if (recordBlobName(found.envelope.key) !== name) throw corrupt(doing, name, `holds the key ${JSON.stringify(found.envelope.key)}`);
          if (!found.envelope.key.startsWith(prefix)) return undefined;
          return { key: found.envelope.key, value: found.envelope.value as T, etag: found.etag };
        });
        return records.filter((r): r is StoredRecord<T> => r !== undefined).sort((a, b) => compareKeys(a.key, b.key));
      },
    );
  }

  appendAudit(entry: AuditEntry): Promise<void> {
    return this.run(
      () => 'append to the audit log',
      async () => this.audit.append(serialiseAuditEntry(entry)),
    );
  }

  readAudit(options: { limit: number; requestId?: string }): Promise<AuditEntry[]> {
    return this.run(
      () => 'read the audit log',
      async () => this.audit.read(validateAuditQuery(options)),
    );
  }

  close(): Promise<void> {
    return this.gate.close(async () => {
        await this.audit.idle();
    });
  }
}

function positiveInteger(name: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0 || value > max) throw new RangeError(`createAzureStateStore: ${name} must be an integer between 1 and ${max}`);
  return value;
}

/**
 * Opens the store in an Azure Blob Storage container, creating the container if it is
 * missing. Bad options are a TypeError or RangeError; an unreachable account, a refused
 * credential or a missing permission reject with StoreUnavailableError.
 */
export async function createAzureStateStore(options: AzureStateStoreOptions): Promise<StateStore> {
  const timeoutMs = positiveInteger('requestTimeoutMs', options?.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS);
  const maxTries = positiveInteger('maxTries', options?.maxTries, DEFAULT_MAX_TRIES, 10);
  const segmentBlocks = positiveInteger('auditSegmentBlocks', options?.auditSegmentBlocks, DEFAULT_SEGMENT_BLOCKS, MAX_SEGMENT_BLOCKS);
  const segmentBytes = positiveInteger('auditSegmentBytes', options?.auditSegmentBytes, DEFAULT_SEGMENT_BYTES);
  const container = createBlobContainerClient(options, blobPipelineOptions(maxTries));
  const doing = `open the container ${JSON.stringify(container.containerName)}`;
  try {
    await withDeadline(timeoutMs, (signal) => container.createIfNotExists({ abortSignal: signal }));
  } catch (error) {
    // A credential may read and write blobs without being allowed to create containers.
    if (statusOf(error) !== 403) throw toStoreError(error, doing);
    let exists: boolean;
    try {
      exists = await withDeadline(timeoutMs, (signal) => container.exists({ abortSignal: signal }));
    } catch {
      throw toStoreError(error, doing);
    }
    if (!exists) throw toStoreError(error, doing);
  }
  return new AzureStateStore(container, timeoutMs, segmentBlocks, segmentBytes);
}
