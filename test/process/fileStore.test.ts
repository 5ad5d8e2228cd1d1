import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createFileStateStore, type StateStore } from '../../src/store';
import { recordFileName } from '../../src/store/fileNames';
import { runToExit, spawnGroup, signalGroup, stopGroup } from '../support/processes';
import { runUnwritableScenario, type UnwritableResult } from './unwritableScenario';

/** The file state store where a second process is involved: a writer killed mid-write, and a user without write access. */

const at = (i = 0): string => new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString();

/** Whether every directory down to `path` lets other users through (the x bit for others). */
function reachableByOthers(path: string): boolean {
  for (let current = resolve(path); ; current = dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) return false;
    if (dirname(current) === current) return true;
  }
}

async function runScenario(directory: string, parent: string, storeDir: string, etag: string): Promise<UnwritableResult | undefined> {
  if (process.getuid?.() !== 0) return runUnwritableScenario(parent, storeDir, etag);
  // Root ignores file permissions: run the scenario as `nobody`, who must be able to reach
  // the project (a checkout inside a private directory, such as a mktemp -d, is out of reach).
  if (!reachableByOthers(process.cwd())) return undefined;
  await chmod(directory, 0o755);
  let run;
  try {
    run = await runToExit(process.execPath, ['--require', 'tsx/cjs', join(__dirname, 'unwritableScenario.ts'), parent, storeDir, etag], {
      uid: 65534,
      gid: 65534,
      timeoutMs: 30_000,
      cwd: process.cwd(),
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EPERM') return undefined; // may not switch users here
    throw error;
  }
  assert.equal(run.status, 0, run.stderr || `ended by ${run.signal}`);
  return JSON.parse(run.stdout) as UnwritableResult;
}

describe('file state store, with a second process', () => {
  let directory: string;
  const open: StateStore[] = [];
  const openStore = async (options?: { auditSegmentBytes?: number }): Promise<StateStore> => {
    const store = await createFileStateStore(directory, options);
    open.push(store);
    return store;
  };

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'state-store-process-'));
  });
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    await chmod(directory, 0o700).catch(() => undefined);
    await rm(directory, { recursive: true, force: true });
  });

  it('a process killed mid-write leaves whole records and every acknowledged audit entry', async function () {
    if (process.platform === 'win32') this.skip();
    this.timeout(60_000);
    const child = spawnGroup(process.execPath, ['--require', 'tsx/cjs', join(__dirname, 'crashWriter.ts'), directory], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stdout = '';
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.split('\n').length > 100) resolve();
        });
        child.on('exit', () => reject(new Error(`writer exited early: ${stderr}`)));
      });
      signalGroup(child, 'SIGKILL');
      await exited;
      const acked = stdout.split('\n').slice(0, -1).map(Number);
      const lastAcked = acked[acked.length - 1];

      const store = await openStore({ auditSegmentBytes: 16 * 1024 });
      const records = await store.list<{ i: number; pad: string }>('requests/');
      assert.deepEqual(records.map((r) => r.key), ['requests/r0', 'requests/r1', 'requests/r2', 'requests/r3', 'requests/r4']);
      for (const record of records) {
        assert.equal(record.value.i % 5, Number(record.key.slice(-1)));
        assert.equal(record.value.pad, 'x'.repeat(2000 + (record.value.i % 7) * 500));
        assert.ok(record.value.i >= lastAcked - 4, `${record.key} went back to ${record.value.i} (acked ${lastAcked})`);
      }
      const audit = await store.readAudit({ limit: Infinity });
      const seen = new Set(audit.map((e) => e.i as number));
      assert.equal(seen.size, audit.length, 'no duplicates');
      for (const i of acked) assert.ok(seen.has(i), `acknowledged entry ${i} is missing`);
      for (const e of audit) assert.equal(e.pad, 'y'.repeat((e.i as number) % 300));
      assert.ok((await readdir(join(directory, 'records'))).every((name) => name.endsWith('.json')));
      await store.appendAudit({ at: at(), action: 'after-crash' });
      assert.equal((await store.readAudit({ limit: 1 }))[0].action, 'after-crash');
    } finally {
      await stopGroup(child);
    }
  });

  it('an unwritable directory is StoreUnavailableError (EACCES); reads still work', async function () {
    if (process.platform === 'win32') this.skip(); // permissions are ACLs there
    this.timeout(60_000);
    const parent = join(directory, 'read-only-parent');
    await mkdir(parent);
    const storeDir = join(directory, 'read-only-store');
    const seed = await createFileStateStore(storeDir);
    const etag = await seed.put('requests/r1', { n: 1 });
    await seed.close();
    for (const dir of [parent, storeDir, join(storeDir, 'records'), join(storeDir, 'audit')]) await chmod(dir, 0o555);
    await chmod(join(storeDir, 'records', recordFileName('requests/r1')), 0o444);

    let result: UnwritableResult | undefined;
    try {
      result = await runScenario(directory, parent, storeDir, etag);
    } finally {
      for (const dir of [parent, storeDir, join(storeDir, 'records'), join(storeDir, 'audit')]) await chmod(dir, 0o755);
    }
    if (!result) this.skip(); // as root: may not become `nobody`, or `nobody` cannot reach this checkout
    assert.deepEqual(result.get, { n: 1 });
    for (const outcome of [result.open, result.put, result.conditionalPut, result.delete, result.appendAudit]) {
      assert.notEqual(outcome, 'ok');
      if (outcome === 'ok') continue;
      assert.equal(outcome.name, 'StoreUnavailableError', outcome.message);
      assert.equal(outcome.code, 'EACCES');
      assert.match(outcome.message, /EACCES/);
    }
  });
});
