/**
 * Every storage request has a deadline (SDK retries included), so an unreachable account
 * surfaces as an error instead of a hang.
 */

export type Signal = AbortSignal;

/** Reads a download body, bounded by the request's deadline. */
export function readBody(stream: NodeJS.ReadableStream | undefined, signal: Signal): Promise<Buffer> {
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
export async function withDeadline<T>(timeoutMs: number, call: (signal: Signal) => Promise<T>): Promise<T> {
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
