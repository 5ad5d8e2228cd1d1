/** File-system helpers of the file adapter: error mapping and durable directory updates. */
import { FileHandle, open } from 'node:fs/promises';
import { ETagConflictError, InvalidKeyError, StoreUnavailableError } from './port';

/**
 * Turns an I/O failure into a StoreUnavailableError carrying the system code (EACCES,
 * ENOSPC, EIO...). Conflicts, key errors and programming errors (no code) pass unchanged,
 * so a lost compare-and-set can never be mistaken for an outage or the other way round.
 */
export function toStoreError(error: unknown, doing: string): unknown {
  if (error instanceof StoreUnavailableError || error instanceof ETagConflictError || error instanceof InvalidKeyError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError(`State store unavailable (${code}): could not ${doing}: ${detail}`, { code, cause: error });
}

export function corrupt(doing: string, file: string, reason: string): StoreUnavailableError {
  return new StoreUnavailableError(`State store unavailable (ECORRUPT): could not ${doing}: ${file} ${reason}`, { code: 'ECORRUPT' });
}

export function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/**
 * Makes a directory's entries durable (a rename, create or unlink in it). Windows cannot
 * open a directory for fsync; NTFS journals the metadata, so it is skipped there.
 */
export async function fsyncDirectory(directory: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset, null);
    offset += bytesWritten;
  }
}

/** Runs `task` over `items` with at most `width` in flight; results keep the input order. */
export async function mapLimited<I, O>(items: readonly I[], width: number, task: (item: I) => Promise<O>): Promise<O[]> {
  const results = new Array<O>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return results;
}
