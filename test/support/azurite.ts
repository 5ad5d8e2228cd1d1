/**
 * Azurite's blob service for tests: one in-memory emulator per call, on a free port of
 * 127.0.0.1, in its own process group. stop() stops the group; any still running when the
 * test process exits are stopped then (./processes.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './freePort';
import { signalGroup, spawnGroup, stopGroup } from './processes';

/** Azurite's well-known, public development account (documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  connectionString: string;
  port: number;
  /**
   * Freezes the emulator (SIGSTOP; POSIX only): connections are still accepted but nothing
   * answers, like an unreachable account. Its data is kept.
   */
  pause(): Promise<void>;
  /** Lets a paused emulator carry on (SIGCONT) with its data; requests answer again. */
  resume(): Promise<void>;
  /** Kills the emulator (its in-memory data is gone); resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

const BIN = join(__dirname, '..', '..', 'node_modules', '.bin', process.platform === 'win32' ? 'azurite-blob.cmd' : 'azurite-blob');
const START_TIMEOUT_MS = 20_000;

export function azuriteConnectionString(port: number): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    `BlobEndpoint=http://127.0.0.1:${port}/${AZURITE_ACCOUNT};`
  );
}

/** true once Azurite answers HTTP on the port (a 403 to this unsigned request, from `Server: Azurite-Blob/…`). */
function answers(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: `/${AZURITE_ACCOUNT}?comp=list`, method: 'GET', timeout: 1_000, agent: false }, (res) => {
      res.resume();
      resolve(String(res.headers.server ?? '').startsWith('Azurite'));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function launch(port: number): Promise<Azurite> {
  // Azurite keeps everything in memory; the working directory only catches stray files.
  const location = await mkdtemp(join(tmpdir(), 'azurite-'));
  const args = [
    '--blobHost', '127.0.0.1',
    '--blobPort', String(port),
    '--inMemoryPersistence',
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--silent',
  ];
  const child: ChildProcess = process.platform === 'win32' ? spawnGroup(BIN, args, { cwd: location, shell: true, stdio: ['ignore', 'pipe', 'pipe'] }) : spawnGroup(process.execPath, [BIN, ...args], { cwd: location, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });

  let paused = false;
  const pause = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error('Azurite is not running');
    signalGroup(child, 'SIGSTOP');
    paused = true;
  };
  const resume = async (): Promise<void> => {
    if (!paused) return;
    signalGroup(child, 'SIGCONT');
    paused = false;
    const until = Date.now() + START_TIMEOUT_MS;
    while (!(await answers(port))) {
      if (Date.now() > until) throw new Error(`Azurite did not answer on port ${port} after resuming`);
      await delay(50);
    }
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // SIGTERM then SIGKILL to the whole group (a paused one is continued first).
      paused = false;
      await stopGroup(child);
      await waitForExit(child, 5_000);
      await rm(location, { recursive: true, force: true }).catch(() => undefined);
    })();
    return stopping;
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`Azurite did not start on port ${port}: ${spawnError?.message ?? `exited with ${child.exitCode ?? child.signalCode}`}\n${output}`);
    }
    if (await answers(port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Azurite did not answer on port ${port} within ${START_TIMEOUT_MS / 1000} s\n${output}`);
    }
    await delay(100);
  }
  return { connectionString: azuriteConnectionString(port), port, pause, resume, stop };
}

/**
 * Starts Azurite's blob service. With `port`, on that port (to restart an emulator where a
 * store expects it); otherwise on a free one, trying again if another process takes it first.
 */
export async function startAzurite(options: { port?: number } = {}): Promise<Azurite> {
  if (options.port !== undefined) return launch(options.port);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await launch(await freePort());
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
