/**
 * The state store: approval requests, conversation references and the audit log.
 * Domain code depends on the StateStore port only; adapters:
 * - createFileStateStore: embedded files under STATE_DIR (src/store/file.ts)
 * - createMemoryStateStore: in memory, for unit tests of the domain (src/store/memory.ts)
 * - createAzureStateStore: Azure Blob Storage shared by several instances (src/store/azure*.ts)
 * and the lease that lets exactly one instance poll (src/store/lease.ts).
 */
export { ETagConflictError, InvalidKeyError, StoreUnavailableError } from './port';
export type { AuditEntry, LeaderLease, PutCondition, StateStore, StoredRecord } from './port';
export { createFileStateStore } from './file';
export type { FileStateStoreOptions } from './file';
export { createMemoryStateStore } from './memory';
export { MAX_KEY_LENGTH, validateKey } from './shared';
export { createAzureStateStore } from './azure';
export type { AzureStateStoreOptions } from './azure';
export type { AzureBlobConnectionOptions } from './azureConnection';
export { startBlobLease } from './lease';
export { startLocalLease } from './localLease';
export type { BlobLeaderLease, BlobLeaseOptions, LeaseLog } from './lease';
