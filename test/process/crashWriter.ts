/**
 * A process that writes records and audit entries as fast as it can and reports each
 * acknowledged write on stdout, until it is killed. fileStore.test.ts kills it mid-write.
 */
import { createFileStateStore } from '../../src/store';

async function main(directory: string): Promise<void> {
  const store = await createFileStateStore(directory, { auditSegmentBytes: 16 * 1024 });
  for (let i = 0; ; i++) {
    const key = `requests/r${i % 5}`;
    // Concurrent writers on a few keys: conditional writes and appends in flight when the kill lands.
    await Promise.all([
      store.put(key, { i, pad: 'x'.repeat(2000 + (i % 7) * 500) }),
      store.appendAudit({ at: new Date().toISOString(), action: 'crash.test', i, pad: 'y'.repeat(i % 300) }),
    ]);
    process.stdout.write(`${i}\n`);
  }
}

main(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(String((error as Error)?.stack ?? error));
  process.exitCode = 1;
});
