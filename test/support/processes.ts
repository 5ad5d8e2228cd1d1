import { fork, spawn, type ChildProcess, type ForkOptions, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Every child process a test or the bench starts goes through here. Each one leads its own
 * process group (`detached`), so stopping it also stops whatever it started in turn, and
 * each group stays registered until it is known to be empty. Registered groups are stopped
 * (SIGTERM, then SIGKILL after a grace period) by the test's own `after` hooks, by the root
 * hook in ./processCleanup.ts once the run ends, and by this module when the runner process
 * exits, is interrupted (SIGINT, SIGHUP) or terminated (SIGTERM). Only SIGKILL of the
 * runner itself escapes this: nothing can run then.
 */

const POSIX = process.platform !== 'win32';
/** How long a group gets to exit after SIGTERM before it gets SIGKILL. */
export const GRACE_MS = 3_000;

interface Group {
  pgid: number;
  /** What was started, for messages about groups left running. */
  label: string;
  child?: ChildProcess;
}

// One registry per process, even if this module were loaded twice (e.g. by two loaders).
const KEY = Symbol.for('entra-recycle-bin.test.processGroups');
type Registry = { groups: Map<number, Group>; installed: boolean };
const registry: Registry = ((globalThis as Record<symbol, unknown>)[KEY] as Registry | undefined) ?? { groups: new Map(), installed: false };
(globalThis as Record<symbol, unknown>)[KEY] = registry;

/** The process group ids still registered (started and not yet known to be gone). */
export function registeredGroups(): { pgid: number; label: string }[] {
  return [...registry.groups.values()].map(({ pgid, label }) => ({ pgid, label }));
}

/**
 * Whether any process of the group is still running. On Linux this reads /proc and does
 * not count zombies (exited, not yet reaped); elsewhere it asks with signal 0.
 */
export function groupAlive(pgid: number): boolean {
  if (process.platform === 'linux') {
    try {
      return groupMembers(pgid).length > 0;
    } catch {
      // /proc unreadable: fall back to signal 0.
    }
  }
  try {
    process.kill(POSIX ? -pgid : pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Pids of the running (not zombie) processes of a group, from /proc (Linux only). */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid pgrp ...": comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry));
  }
  return members;
}

function signalGroupOf(group: Group, signal: NodeJS.Signals): void {
  try {
    if (POSIX) process.kill(-group.pgid, signal);
    else group.child?.kill(signal);
  } catch {
    // Already gone.
  }
}

function register(child: ChildProcess, label: string): ChildProcess {
  installExitHooks();
  if (child.pid === undefined) return child; // spawn failed; its 'error' event says why
  registry.groups.set(child.pid, { pgid: child.pid, label, child });
  return child;
}

/** `spawn`, as the leader of a new process group that is registered for clean-up. */
export function spawnGroup(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  return register(spawn(command, args, { ...options, detached: POSIX }), [command, ...args].join(' '));
}

/** `fork` (with an IPC channel), as the leader of a new process group that is registered for clean-up. */
export function forkGroup(modulePath: string, args: readonly string[], options: ForkOptions = {}): ChildProcess {
  return register(fork(modulePath, args, { ...options, detached: POSIX }), [modulePath, ...args].join(' '));
}

/** Registers a group some other code started (its leader's pid), e.g. the playground the product launches. */
export function trackGroup(pgid: number, label: string): void {
  installExitHooks();
  registry.groups.set(pgid, { pgid, label });
}

/** Sends a signal to every process of the child's group (SIGKILL to simulate a crash, SIGSTOP to freeze it). */
export function signalGroup(childOrPgid: ChildProcess | number, signal: NodeJS.Signals): void {
  const pgid = typeof childOrPgid === 'number' ? childOrPgid : childOrPgid.pid;
  if (pgid === undefined) return;
  signalGroupOf(registry.groups.get(pgid) ?? { pgid, label: '', child: typeof childOrPgid === 'number' ? undefined : childOrPgid }, signal);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntilGone(group: Group, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (!groupAlive(group.pgid)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
}

/**
 * Stops a group: SIGTERM (and SIGCONT, in case it was frozen), then SIGKILL if anything of it
 * is still running after `graceMs`. Resolves once the whole group is gone. Idempotent.
 */
export async function stopGroup(childOrPgid: ChildProcess | number, graceMs = GRACE_MS): Promise<void> {
  const pgid = typeof childOrPgid === 'number' ? childOrPgid : childOrPgid.pid;
  if (pgid === undefined) return;
  const group = registry.groups.get(pgid) ?? { pgid, label: '', child: typeof childOrPgid === 'number' ? undefined : childOrPgid };
  if (groupAlive(pgid)) {
    signalGroupOf(group, 'SIGTERM');
    signalGroupOf(group, 'SIGCONT');
    if (!(await waitUntilGone(group, graceMs))) {
      signalGroupOf(group, 'SIGKILL');
      if (!(await waitUntilGone(group, 10_000))) throw new Error(`process group ${pgid} (${group.label}) survived SIGKILL`);
    }
  }
  registry.groups.delete(pgid);
}

/** Stops every registered group (in parallel); returns what was still registered. */
export async function stopAllGroups(graceMs = GRACE_MS): Promise<{ pgid: number; label: string }[]> {
  const left = registeredGroups();
  await Promise.all(left.map(({ pgid }) => stopGroup(pgid, graceMs)));
  return left;
}

/** Blocks the thread; for the exit path, where no event loop runs any more. */
function blockFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The synchronous form of stopAllGroups, for process 'exit' and signal handlers. */
export function stopAllGroupsSync(graceMs = GRACE_MS): void {
  const groups = [...registry.groups.values()];
  if (groups.length === 0) return;
  for (const group of groups) {
    signalGroupOf(group, 'SIGTERM');
    signalGroupOf(group, 'SIGCONT');
  }
  const deadline = Date.now() + graceMs;
  let alive = groups.filter((g) => groupAlive(g.pgid));
  while (alive.length > 0 && Date.now() < deadline) {
    blockFor(25);
    alive = alive.filter((g) => groupAlive(g.pgid));
  }
  for (const group of alive) signalGroupOf(group, 'SIGKILL');
  registry.groups.clear();
}

function installExitHooks(): void {
  if (registry.installed) return;
  registry.installed = true;
  process.on('exit', () => stopAllGroupsSync());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      stopAllGroupsSync();
      process.removeListener(signal, onSignal);
      // Nobody else handles it: end the way the signal would have, without this listener.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion in its own registered group, like spawnSync but without
 * blocking the test process: after `timeoutMs` the group is stopped and the result says
 * so (status null, signal set).
 */
export async function runToExit(command: string, args: readonly string[], options: SpawnOptions & { timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  const { timeoutMs = 60_000, input, ...spawnOptions } = options;
  const child = spawnGroup(command, args, { ...spawnOptions, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  if (input !== undefined) child.stdin?.end(input);
  const exited = new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status, signal) => resolve({ status, signal }));
  });
  const timer = setTimeout(() => void stopGroup(child), timeoutMs);
  try {
    const { status, signal } = await exited;
    return { status, signal, stdout, stderr };
  } finally {
    clearTimeout(timer);
    await stopGroup(child);
  }
}
