/**
 * Azure failures as the port's errors. Service and network errors become StoreUnavailableError
 * with the service's error code (ECONNREFUSED, ETIMEDOUT, AuthorizationFailure,
 * ContainerNotFound, ServerBusy…) and a short message; messages never carry the connection
 * string, account key or SAS signature.
 */
import { ETagConflictError, InvalidKeyError, StoreUnavailableError } from './port';

interface AzureErrorShape {
  name?: unknown;
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
}

function shape(error: unknown): AzureErrorShape {
  return error && typeof error === 'object' ? (error as AzureErrorShape) : {};
}

export function statusOf(error: unknown): number | undefined {
  const status = shape(error).statusCode;
  return typeof status === 'number' ? status : undefined;
}

export function codeOf(error: unknown): string | undefined {
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
export function toStoreError(error: unknown, doing: string): unknown {
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

export function corrupt(doing: string, blob: string, reason: string): StoreUnavailableError {
  return new StoreUnavailableError(`State store unavailable (ECORRUPT): could not ${doing}: the blob ${JSON.stringify(blob)} ${reason}`, { code: 'ECORRUPT' });
}

export const isBlobNotFound = (error: unknown): boolean => statusOf(error) === 404 && codeOf(error) !== 'ContainerNotFound';
