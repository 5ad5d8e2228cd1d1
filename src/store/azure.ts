/**
 * The StateStore on Azure Blob Storage, for running several bot instances against one
 * shared state (or the Azurite emulator in tests). Layout inside the container:
 *
 *   records/<encoded key>           one block blob per record: {"key":…,"value":…} (./azureNames)
 *   audit/000000000001.jsonl        audit log segments, append blobs (./azureAudit)
 *
 * The eTag is the blob's ETag: the service changes it on every write, and compare-and-set is
 * the service's If-Match / If-None-Match: * on the upload, so it holds across processes and
 * hosts.
 *
 * Failures. Every request has a deadline (10 s by default, SDK retries included: 3 tries with
 * short back-off, ./azureDeadline), so an unreachable account surfaces as
 * StoreUnavailableError instead of a hang (./azureErrors).
 */
import type { ContainerClient } from '@azure/storage-blob';
import { AuditEntry, ETagConflictError, PutCondition, StateStore, StoreUnavailableError, StoredRecord } from './port';
import {
  OperationGate,
  compareKeys,
  serialiseAuditEntry,
  serialiseValue,
  validateAuditQuery,
  validateCondition,
  validateDeleteCondition,
  validateKey,
  validatePrefix,
} from './shared';
import { mapLimited } from './io';
import { BlobAuditLog, DEFAULT_SEGMENT_BLOCKS, DEFAULT_SEGMENT_BYTES, MAX_SEGMENT_BLOCKS } from './azureAudit';
import { blobPipelineOptions, createBlobContainerClient, DEFAULT_MAX_TRIES, type AzureBlobConnectionOptions } from './azureConnection';
import { readBody, withDeadline, type Signal } from './azureDeadline';
import { codeOf, corrupt, isBlobNotFound, statusOf, toStoreError } from './azureErrors';
import { listingPrefix, mayHoldPrefix, parseRecordBlobName, recordBlobName } from './azureNames';

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

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

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
