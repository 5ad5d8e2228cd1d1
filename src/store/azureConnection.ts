/** Connecting to an Azure Blob Storage container: shared by the state store and the blob lease. */
import type { TokenCredential } from '@azure/identity';
import { BlobServiceClient, ContainerClient, type StoragePipelineOptions } from '@azure/storage-blob';

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

const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;
export const DEFAULT_MAX_TRIES = 3;

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
