import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnGroup, stopGroup, trackGroup } from '../support/processes';

/**
 * No test leaves a process behind, however it ends: mocha runs a scripted spec
 * (fixtures/abandonsProcesses.fixture.ts) in a child process with the suite's own `require`
 * list; the spec starts a bot cluster (or a child with a grandchild) through the support code
 * and then fails, times out, or is interrupted. Once that mocha process has exited, no process
 * of any group it started may be left (kill(-pgid, 0) answers ESRCH). A control child started
 * around the support code must still be running, which shows the check sees a survivor.
 */

const ROOT = join(__dirname, '..', '..');
const MOCHA = join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
const FIXTURE = join(__dirname, 'fixtures', 'abandonsProcesses.fixture.ts');
const PLUGIN = 'test/support/processCleanup.ts';
const CONFIGS = ['.mocharc.json', '.mocharc.e2e.json', '.mocharc.quick.json'];

const readConfig = (name: string): { require?: string[] } => JSON.parse(readFileSync(join(ROOT, name), 'utf8'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  groups: { pgid: number; label: string }[];
  grandchild?: number;
  control: number;
}

function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, 'ESRCH', String(error));
    return false;
  }
}

/** Waits (generously: reaping orphans is asynchronous) until the process or group is gone; false if it never goes. */
async function gone(pid: number): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (exists(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

async function runFixture(mode: 'fail' | 'timeout' | 'hang', options: { cluster?: boolean; interrupt?: NodeJS.Signals } = {}): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'cleanup-test-'));
  const reportFile = join(dir, 'report.jsonl');
  const requires = (readConfig('.mocharc.json').require ?? []).flatMap((module) => ['--require', module]);
  const mocha = spawnGroup(process.execPath, [MOCHA, '--no-config', ...requires, '--extension', 'ts', '--reporter', 'spec', '--exit', FIXTURE], {
    cwd: ROOT,
    env: { ...process.env, FIXTURE_MODE: mode, FIXTURE_REPORT: reportFile, FIXTURE_CLUSTER: options.cluster ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  mocha.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  mocha.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // 'exit', not 'close': a process left behind may hold the output pipes open.
  const exited = new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((resolve) => mocha.once('exit', (status, signal) => resolve({ status, signal })));
  const report = (): Record<string, any>[] =>
    existsSync(reportFile) ? readFileSync(reportFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)) : [];
  try {
    if (options.interrupt) {
      let ended = false;
      void exited.then(() => (ended = true));
      while (!report().some((line) => line.ready)) {
        if (ended) assert.fail(`the fixture ended before it was ready:\n${output}`);
        await sleep(100);
      }
      // Like Ctrl-C or a CI runner cancelling the job: the signal goes to the mocha process.
      process.kill(mocha.pid!, options.interrupt);
    }
    const { status, signal } = await exited;
    await sleep(100); // the last output
    mocha.stdout?.destroy();
    mocha.stderr?.destroy();
    const lines = report();
    const control = lines.find((line) => line.control)?.control as number;
    const groups = lines.filter((line) => line.group).map((line) => line.group as { pgid: number; label: string });
    // Whatever the outcome below, nothing the fixture started outlives this test.
    if (control) trackGroup(control, 'cleanup.test.ts control child');
    for (const group of groups) trackGroup(group.pgid, `left by the fixture: ${group.label}`);
    assert.ok(lines.some((line) => line.ready), `the fixture never got its processes running:\n${output}`);
    return { status, signal, output, control, grandchild: lines.find((line) => line.grandchild)?.grandchild, groups };
  } finally {
    await stopGroup(mocha);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every group the fixture's support code started, and its grandchild, are gone; the control survived (then it is stopped). */
async function assertNothingLeft(run: Run, expectedLabels: RegExp[]): Promise<void> {
  for (const label of expectedLabels) assert.ok(run.groups.some((g) => label.test(g.label)), `started ${label}: ${JSON.stringify(run.groups)}`);
  for (const group of run.groups) {
    assert.ok(await gone(-group.pgid), `process group ${group.pgid} (${group.label}) is still running`);
    await stopGroup(group.pgid); // gone: only forgets it
  }
  if (run.grandchild !== undefined) assert.ok(await gone(run.grandchild), `grandchild ${run.grandchild} is still running`);
  assert.ok(exists(-run.control), 'the control child, which no clean-up knows about, is still running: the check sees survivors');
  await stopGroup(run.control);
  assert.ok(await gone(-run.control));
}

describe('no test leaves a process behind', function () {
  this.timeout(300_000);

  it('every mocha configuration loads the clean-up plugin', () => {
    for (const name of CONFIGS) assert.ok(readConfig(name).require?.includes(PLUGIN), `${name} requires ${PLUGIN}`);
  });

  it('a test that fails right after starting a bot cluster leaves no bot and no Azurite running', async () => {
    const run = await runFixture('fail', { cluster: true });
    assert.ok(run.status !== null && run.status > 0, `mocha failed: status ${run.status}`);
    assert.match(run.output, /scripted failure/);
    assert.match(run.output, /a test left 2 process group\(s\) running \(now stopped\)/);
    await assertNothingLeft(run, [/src\/index\.ts/, /azurite/]);
  });

  it('a run cancelled with SIGTERM during a test leaves no bot and no Azurite running', async () => {
    const run = await runFixture('hang', { cluster: true, interrupt: 'SIGTERM' });
    assert.equal(run.signal, 'SIGTERM', run.output);
    await assertNothingLeft(run, [/src\/index\.ts/, /azurite/]);
  });

  it('a run interrupted with SIGINT (Ctrl-C) leaves no child or grandchild running', async () => {
    const run = await runFixture('hang', { interrupt: 'SIGINT' });
    assert.equal(run.signal, 'SIGINT', run.output);
    await assertNothingLeft(run, [/setInterval/]);
  });

  it('a test that times out leaves no child or grandchild running', async () => {
    const run = await runFixture('timeout');
    assert.match(run.output, /Timeout of 500ms exceeded/);
    assert.match(run.output, /a test left 1 process group\(s\) running \(now stopped\)/);
    await assertNothingLeft(run, [/setInterval/]);
  });
});
