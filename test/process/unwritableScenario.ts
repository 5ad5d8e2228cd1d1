/**
 * What the file store does in directories it may not write to. Runs in the test process
 * when that is unprivileged, and in a child process as `nobody` when the tests run as root
 * (root ignores file permissions). Prints its result as JSON when run as a script.
 */
import { createFileStateStore, StoreUnavailableError } from '../../src/store';

export interface Outcome {
  name: string;
  code?: string;
  message: string;
}

export interface UnwritableResult {
  /** createFileStateStore on a path inside a read-only directory. */
  open: Outcome | 'ok';
  /** get of an existing record in a read-only store: should still work. */
  get: unknown;
  put: Outcome | 'ok';
  conditionalPut: Outcome | 'ok';
  delete: Outcome | 'ok';
  appendAudit: Outcome | 'ok';
}

async function outcome(action: () => Promise<unknown>): Promise<Outcome | 'ok'> {
  try {
    await action();
    return 'ok';
  } catch (error) {
    const e = error as Error;
    return { name: e.name, code: error instanceof StoreUnavailableError ? error.code : undefined, message: e.message };
  }
}

/**
 * @param readOnlyParent a directory the process may not write to
 * @param readOnlyStore a store directory holding `requests/r1` (etag `etag`), readable, not writable
 */
export async function runUnwritableScenario(readOnlyParent: string, readOnlyStore: string, etag: string): Promise<UnwritableResult> {
  const open = await outcome(() => createFileStateStore(`${readOnlyParent}/state`));
  const store = await createFileStateStore(readOnlyStore);
  try {
    const record = await store.get('requests/r1');
    return {
      open,
      get: record?.value,
      put: await outcome(() => store.put('requests/r2', { n: 2 })),
      conditionalPut: await outcome(() => store.put('requests/r1', { n: 3 }, { ifMatch: etag })),
      delete: await outcome(() => store.delete('requests/r1')),
      appendAudit: await outcome(() => store.appendAudit({ at: new Date().toISOString(), action: 'x' })),
    };
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  const [parent, storeDir, etag] = process.argv.slice(2);
  runUnwritableScenario(parent, storeDir, etag).then(
    (result) => process.stdout.write(JSON.stringify(result)),
    (error: unknown) => {
      process.stderr.write(String((error as Error)?.stack ?? error));
      process.exitCode = 1;
    },
  );
}
