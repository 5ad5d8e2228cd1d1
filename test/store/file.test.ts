import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { appendFile, chmod, mkdir, mkdtemp, open, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileStateStore, ETagConflictError, StateStore, StoreUnavailableError } from '../../src/store';
import { recordFileName } from '../../src/store/fileNames';
import { describeStateStoreContract, SPECIAL_KEYS } from './contract';

const temporaryDirectories: string[] = [];

async function tempDir(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'state-store-test-'));
  temporaryDirectories.push(directory);
  return directory;
}

after(async () => {
  for (const directory of temporaryDirectories.splice(0)) {
    await chmod(directory, 0o700).catch(() => undefined);
    await rm(directory, { recursive: true, force: true });
  }
});

/** Counts the bytes every FileHandle.read returns, e.g. to show a read touches only the end of a log. */
async function countingBytesRead(): Promise<{ during<T>(task: () => Promise<T>): Promise<[T, number]>; restore(): void }> {
  const probe = await open(__filename, 'r');
  const prototype = Object.getPrototypeOf(probe) as { read: (...args: unknown[]) => Promise<{ bytesRead: number }> };
  await probe.close();
  const original = prototype.read;
  let total = 0;
  prototype.read = async function (this: unknown, ...args: unknown[]) {
    const result = await original.apply(this, args);
    total += result.bytesRead;
    return result;
  };
  return {
    async during(task) {
      const start = total;
      const result = await task();
      return [result, total - start];
    },
    restore: () => {
      prototype.read = original;
    },
  };
}

const at = (i = 0): string => new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString();

const unavailable = (code: string | RegExp) => (error: unknown) => {
  assert.ok(error instanceof StoreUnavailableError, `expected StoreUnavailableError, got ${String(error)}`);
  assert.ok(!(error instanceof ETagConflictError));
  if (typeof code === 'string') {
    assert.equal(error.code, code);
    assert.match(error.message, new RegExp(code));
  } else {
    assert.match(String(error.code), code);
  }
  return true;
};

describeStateStoreContract('file', async () => {
  const directory = await tempDir();
  const store = await createFileStateStore(directory);
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
});

describe('file state store', () => {
  let directory: string;
  const open: StateStore[] = [];
  const openStore = async (options?: { auditSegmentBytes?: number }): Promise<StateStore> => {
    const store = await createFileStateStore(directory, options);
    open.push(store);
    return store;
  };

  beforeEach(async () => {
    directory = await tempDir();
  });
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
  });

  describe('persistence', () => {
    it('survives re-opening: records, etags and the audit log are still there', async () => {
      const first = await openStore();
      const etag = await first.put('requests/r1', { state: 'pending' });
      await first.put('conversations/19:abc@thread.tacv2', { serviceUrl: 'https://smba.example' });
      await first.put('requests/gone', 1);
      await first.delete('requests/gone');
      await first.appendAudit({ at: at(1), action: 'request.created', requestId: 'r1' });
      await first.appendAudit({ at: at(2), action: 'request.approved', requestId: 'r1' });
      await first.close();

      const second = await openStore();
      assert.deepEqual(await second.get('requests/r1'), { key: 'requests/r1', value: { state: 'pending' }, etag });
      assert.deepEqual((await second.list('')).map((r) => r.key), ['conversations/19:abc@thread.tacv2', 'requests/r1']);
      assert.deepEqual((await second.readAudit({ limit: 10 })).map((e) => e.action), ['request.approved', 'request.created']);
      // The etag read before the restart still wins exactly one compare-and-set.
      await second.put('requests/r1', { state: 'executed' }, { ifMatch: etag });
      await assert.rejects(second.put('requests/r1', { state: 'again' }, { ifMatch: etag }), ETagConflictError);
      await second.appendAudit({ at: at(3), action: 'request.executed', requestId: 'r1' });
      assert.deepEqual((await second.readAudit({ limit: 10 })).map((e) => e.action), ['request.executed', 'request.approved', 'request.created']);
    });

    it('close waits for writes in flight; afterwards calls reject with StoreUnavailableError', async () => {
      const store = await openStore();
      const pending: Promise<unknown>[] = [];
      for (let i = 0; i < 50; i++) pending.push(store.appendAudit({ at: at(i), action: 'bulk', i }));
      for (let i = 0; i < 20; i++) pending.push(store.put(`requests/${i}`, i));
      await store.close();
      await Promise.all(pending);
      await store.close(); // idempotent
      await assert.rejects(store.get('requests/1'), unavailable('ECLOSED'));
      await assert.rejects(store.appendAudit({ at: at(), action: 'late' }), unavailable('ECLOSED'));

      const reopened = await openStore();
      assert.equal((await reopened.list('requests/')).length, 20);
      assert.equal((await reopened.readAudit({ limit: 100 })).length, 50);
    });

    it('two handles on one directory in one process share their locks', async () => {
      const a = await openStore();
      const b = await openStore();
      const etag = await a.put('requests/r1', { executedBy: null });
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).put('requests/r1', { executedBy: i }, { ifMatch: etag })),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).appendAudit({ at: at(), action: 'x', i })));
      await a.close();
      assert.equal((await b.readAudit({ limit: 1000 })).length, 100);
      await b.put('requests/r2', 2);
      await b.close();
      const c = await openStore();
      assert.equal((await c.readAudit({ limit: 1000 })).length, 100);
      assert.equal((await c.list('requests/')).length, 2);
    });
  });

  describe('layout on disk', () => {
    it('file names are reversible, portable and distinct for keys differing only in case', async () => {
      const store = await openStore();
      for (const key of SPECIAL_KEYS) await store.put(key, key);
      const names = await readdir(join(directory, 'records'));
      assert.equal(names.length, SPECIAL_KEYS.length);
      assert.equal(new Set(names.map((n) => n.toLowerCase())).size, SPECIAL_KEYS.length);
      for (const name of names) assert.match(name, /^k[a-z0-9._%-]+\.json$/);
      assert.ok(names.includes('kconversations%2f19%3a%41%42%43%40thread.tacv2.json'), names.join('\n'));
      const record = JSON.parse(await readFile(join(directory, 'records', recordFileName(SPECIAL_KEYS[0])), 'utf8'));
      assert.deepEqual(Object.keys(record), ['key', 'etag', 'value']);
      assert.equal(record.key, SPECIAL_KEYS[0]);
    });

    it('stores long keys (up to 1 024 characters) under hashed names and still lists them by prefix', async () => {
      const store = await openStore();
      const base = 'conversations/' + 'Ä'.repeat(100);
      const keys = [base + '/one', base + '/two', base + 'x'.repeat(1024 - base.length), 'conversations/short'];
      for (const key of keys) await store.put(key, key.length);
      for (const key of keys) assert.equal((await store.get(key))?.value, key.length);
      for (const name of await readdir(join(directory, 'records'))) assert.ok(Buffer.byteLength(name) < 200, name);
      assert.deepEqual((await store.list(base + '/')).map((r) => r.key), [base + '/one', base + '/two']);
      assert.deepEqual((await store.list('conversations/')).map((r) => r.key), [...keys].sort());
      assert.deepEqual((await store.list(base + '/one')).map((r) => r.key), [base + '/one']);
      assert.equal(await store.delete(base + '/one'), true);
      assert.deepEqual((await store.list(base)).map((r) => r.key), [base + '/two', keys[2]]);
    });

    it('ignores a torn temp file while running and removes it at start-up', async () => {
      const store = await openStore();
      const etag = await store.put('requests/r1', { state: 'pending' });
      const torn = join(directory, 'records', recordFileName('requests/r1') + '.0123456789ab.tmp');
      await writeFile(torn, '{"key":"requests/r1","etag":"forged","value":{"state":"exec');
      await writeFile(join(directory, 'records', 'README'), 'not a record');
      assert.deepEqual(await store.get('requests/r1'), { key: 'requests/r1', value: { state: 'pending' }, etag });
      assert.deepEqual((await store.list('')).map((r) => r.key), ['requests/r1']);
      await store.close();

      const reopened = await openStore();
      assert.equal(existsSync(torn), false);
      assert.deepEqual(await reopened.get('requests/r1'), { key: 'requests/r1', value: { state: 'pending' }, etag });
      await reopened.put('requests/r1', { state: 'approved' }, { ifMatch: etag });
    });

    it('a corrupt record is StoreUnavailableError (ECORRUPT), never a parse crash or a silent miss', async () => {
      const store = await openStore();
      await store.put('requests/r1', 1);
      await writeFile(join(directory, 'records', recordFileName('requests/r1')), '{"key":"requests/r1","et');
      await assert.rejects(store.get('requests/r1'), unavailable('ECORRUPT'));
      await assert.rejects(store.list('requests/'), unavailable('ECORRUPT'));
      await assert.rejects(store.put('requests/r1', 2, { ifMatch: 'x' }), unavailable('ECORRUPT'));
      await writeFile(join(directory, 'records', recordFileName('requests/r1')), JSON.stringify({ key: 'requests/other', etag: 'e', value: 1 }));
      await assert.rejects(store.get('requests/r1'), unavailable('ECORRUPT'));
      // An unconditional delete or put clears it.
      assert.equal(await store.delete('requests/r1'), true);
      await store.put('requests/r1', 3);
      assert.equal((await store.get('requests/r1'))?.value, 3);
    });
  });

  describe('audit log on disk', () => {
    const segments = async (): Promise<string[]> => (await readdir(join(directory, 'audit'))).sort();

    it('skips a torn last line, and the next append starts on a line of its own', async () => {
      const store = await openStore();
      for (let i = 0; i < 3; i++) await store.appendAudit({ at: at(i), action: `a${i}` });
      await store.close();
      const [segment] = await segments();
      await appendFile(join(directory, 'audit', segment), '{"at":"2025-01-01T00:00:09.000Z","action":"tor');

      const reopened = await openStore();
      assert.deepEqual((await reopened.readAudit({ limit: 10 })).map((e) => e.action), ['a2', 'a1', 'a0']);
      await reopened.appendAudit({ at: at(10), action: 'after-crash' });
      assert.deepEqual((await reopened.readAudit({ limit: 10 })).map((e) => e.action), ['after-crash', 'a2', 'a1', 'a0']);
      const lines = (await readFile(join(directory, 'audit', segment), 'utf8')).split('\n');
      assert.equal(lines[3], '{"at":"2025-01-01T00:00:09.000Z","action":"tor');
    });

    it('skips garbage inside a segment (zero-filled blocks, foreign lines)', async () => {
      await mkdir(join(directory, 'audit'), { recursive: true });
      const good = (i: number) => JSON.stringify({ at: at(i), action: `a${i}`, requestId: 'r' });
      await writeFile(
        join(directory, 'audit', '000000000001.jsonl'),
        [good(0), '\u0000'.repeat(300), '[1,2]', '"text"', '{"action":"no time"}', good(1), ''].join('\n'),
      );
      const store = await openStore();
      assert.deepEqual((await store.readAudit({ limit: 10, requestId: 'r' })).map((e) => e.action), ['a1', 'a0']);
    });

    it('rotates into segments and reads across them newest first', async () => {
      const store = await openStore({ auditSegmentBytes: 1024 });
      for (let i = 0; i < 120; i++) await store.appendAudit({ at: at(i), action: 'step', i, requestId: `r${i % 4}`, pad: 'p'.repeat(40) });
      assert.ok((await segments()).length >= 8, (await segments()).join());
      assert.deepEqual((await store.readAudit({ limit: 3 })).map((e) => e.i), [119, 118, 117]);
      assert.deepEqual((await store.readAudit({ limit: 1000 })).map((e) => e.i), Array.from({ length: 120 }, (_, i) => 119 - i));
      assert.deepEqual((await store.readAudit({ limit: 1000, requestId: 'r2' })).map((e) => e.i), Array.from({ length: 30 }, (_, i) => 118 - 4 * i));
      await store.close();
      const reopened = await openStore({ auditSegmentBytes: 1024 });
      await reopened.appendAudit({ at: at(200), action: 'step', i: 120 });
      assert.deepEqual((await reopened.readAudit({ limit: 2 })).map((e) => e.i), [120, 119]);
    });

    it('reads the newest of 100 000 entries without reading the whole log', async function () {
      this.timeout(20_000);
      await mkdir(join(directory, 'audit'), { recursive: true });
      const perSegment = 25_000;
      for (let s = 0; s < 4; s++) {
        const lines: string[] = [];
        for (let j = 0; j < perSegment; j++) {
          const i = s * perSegment + j;
          lines.push(JSON.stringify({ at: at(i % 60), action: 'request.viewed', requestId: i % 10_000 === 5 ? 'rare' : `r${i % 97}`, i, actor: 'alice@contoso.com' }));
        }
        await writeFile(join(directory, 'audit', `00000000000${s + 1}.jsonl`), lines.join('\n') + '\n');
      }
      const store = await openStore();
      // What each read costs, in bytes read from disk (time depends on the machine; the bench measures it).
      const bytesRead = await countingBytesRead();
      try {
        const [all, fullBytes] = await bytesRead.during(() => store.readAudit({ limit: Infinity }));
        assert.equal(all.length, 100_000);
        const [latest, latestBytes] = await bytesRead.during(() => store.readAudit({ limit: 50 }));
        assert.deepEqual(latest.map((e) => e.i), Array.from({ length: 50 }, (_, k) => 99_999 - k));
        const [rare] = await bytesRead.during(() => store.readAudit({ limit: 100, requestId: 'rare' }));
        assert.deepEqual(rare.map((e) => e.i), [90_005, 80_005, 70_005, 60_005, 50_005, 40_005, 30_005, 20_005, 10_005, 5]);
        // Reading the newest 50 touches the end of one segment (one 64 KB chunk), not the whole log.
        const segmentBytes = (await stat(join(directory, 'audit', '000000000004.jsonl'))).size;
        assert.ok(fullBytes >= 4 * segmentBytes * 0.99, `the whole log is read for limit Infinity (${fullBytes} bytes)`);
        assert.ok(latestBytes > 0 && latestBytes <= 64 * 1024, `latest 50: ${latestBytes} bytes of ${fullBytes}`);
      } finally {
        bytesRead.restore();
      }
    });
  });

  describe('I/O failures', () => {
    it('a store path that is a file is StoreUnavailableError', async () => {
      const file = join(directory, 'a-file');
      await writeFile(file, 'x');
      await assert.rejects(createFileStateStore(file), unavailable(/^(EEXIST|ENOTDIR)$/));
      await assert.rejects(createFileStateStore(join(file, 'below')), unavailable(/^(EEXIST|ENOTDIR)$/));
    });

    it('an I/O failure under a conditional write is an outage, never a conflict or an absence', async () => {
      const store = await openStore();
      const etag = await store.put('requests/r1', 1);
      await rm(join(directory, 'records'), { recursive: true });
      await writeFile(join(directory, 'records'), 'not a directory');
      await assert.rejects(store.get('requests/r1'), unavailable('ENOTDIR'));
      await assert.rejects(store.put('requests/r1', 2, { ifMatch: etag }), unavailable('ENOTDIR'));
      await assert.rejects(store.put('requests/r1', 2, { ifMatch: 'stale' }), unavailable('ENOTDIR'));
      await assert.rejects(store.put('requests/r2', 2, { ifNoneMatch: '*' }), unavailable('ENOTDIR'));
      await assert.rejects(store.put('requests/r2', 2), unavailable('ENOTDIR'));
      await assert.rejects(store.delete('requests/r1', { ifMatch: etag }), unavailable('ENOTDIR'));
      await assert.rejects(store.list('requests/'), unavailable('ENOTDIR'));
      // The failure is specific: the audit log still works.
      await store.appendAudit({ at: at(), action: 'still-auditing' });
      assert.equal((await store.readAudit({ limit: 1 }))[0].action, 'still-auditing');
    });

    it('an audit append that failed does not break later appends', async () => {
      const store = await openStore();
      const blocker = join(directory, 'audit', '000000000001.jsonl');
      await mkdir(blocker); // the first segment cannot be created
      await assert.rejects(store.appendAudit({ at: at(1), action: 'lost' }), unavailable('EEXIST'));
      await rm(blocker, { recursive: true });
      await store.appendAudit({ at: at(2), action: 'kept' });
      await store.appendAudit({ at: at(3), action: 'kept-too' });
      assert.deepEqual((await store.readAudit({ limit: 10 })).map((e) => e.action), ['kept-too', 'kept']);
      await store.close();
      assert.deepEqual((await (await openStore()).readAudit({ limit: 10 })).map((e) => e.action), ['kept-too', 'kept']);
    });

    it('a full disk under the audit log is StoreUnavailableError (ENOSPC)', async function () {
      if (!existsSync('/dev/full')) this.skip();
      await mkdir(join(directory, 'audit'), { recursive: true });
      await symlink('/dev/full', join(directory, 'audit', '000000000001.jsonl'));
      const store = await openStore();
      await assert.rejects(store.appendAudit({ at: at(), action: 'x' }), unavailable('ENOSPC'));
      await store.put('requests/r1', 1);
      assert.deepEqual(await store.readAudit({ limit: 5 }), []);
    });
  });
});
