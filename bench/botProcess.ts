import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GraphSimulator } from '../src/simulator';
import type { CycleReport } from '../src/core/alertPoller';
import { Conversation, type ChatTarget, type FakeConnector, type TestUser } from '../test/support/botHarness';
import { tenantModeEnv } from '../test/support/botCluster';
import { forkGroup, stopGroup } from '../test/support/processes';

/**
 * A bot in its own process (and process group, stopped however the benchmark ends), talking
 * HTTPS to the simulator and replying to the fake connector, both in the benchmark's process. Its event loop and memory are then the
 * bot's alone: the simulator's TLS and JSON work, and the connector's, are not billed to it.
 * It runs compiled, with the Node options production uses (package.json's `serve`), as App
 * Service runs it.
 */

const ROOT = join(__dirname, '..');
const COMPILED = join(ROOT, 'build', 'bench');
/** `node --optimize-for-size dist/index.js` → the options before the entry. */
const SERVE_NODE_OPTIONS = (require('../package.json') as { scripts: { serve: string } }).scripts.serve.split(' ').slice(1, -1);

let compiled = false;
/** Compiles src/ and the bot process entry once per benchmark run (tsconfig.bench.json). */
function compile(): void {
  if (compiled) return;
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.bench.json')], { stdio: 'inherit' });
  // The card templates are read from two levels above the compiled bot code, as from dist/.
  if (!existsSync(join(COMPILED, 'cards'))) symlinkSync(join(ROOT, 'cards'), join(COMPILED, 'cards'));
  compiled = true;
}

export type BotProcessRequest = { id: number; op: 'cycle' | 'memory' | 'stop' };
export type BotProcessReply = { ready: true; url: string } | { id: number; result?: unknown; error?: string };

export interface MemoryFigures {
  /** Resident set size when asked (before any collection). */
  rssBytes: number;
  /** Heap in use; after a full collection when the process runs with --expose-gc. */
  heapUsedBytes: number;
  /** Peak resident set size of the process so far. */
  maxRssBytes: number;
}

export interface BotProcessOptions {
  role: 'product' | 'echo';
  simulator: GraphSimulator;
  connector: FakeConnector;
  /** Extra settings, e.g. GRAPH_CA_MIN_INTERVAL_MS. */
  env?: Record<string, string>;
  /** Extra Node options for the bot process, e.g. ['--cpu-prof'] to see where its time goes. */
  nodeOptions?: string[];
}

export class BotProcess implements ChatTarget {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private stderr = '';
  private url = '';

  private constructor(private readonly child: ChildProcess, readonly connector: FakeConnector, readonly tenantId: string, private readonly workDir: string) {
    child.on('message', (message: BotProcessReply) => {
      if ('ready' in message) {
        this.url = message.url;
        return;
      }
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error !== undefined) waiting?.reject(new Error(message.error));
      else waiting?.resolve(message.result);
    });
    // The tail only, for error messages.
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4000)));
  }

  static async start(options: BotProcessOptions): Promise<BotProcess> {
    const { simulator } = options;
    const workDir = mkdtempSync(join(tmpdir(), 'bench-bot-'));
    // Tenant mode against the simulator, as the multi-process tests run it.
    const env = {
      ...tenantModeEnv(simulator, workDir),
      BENCH_BOT_ROLE: options.role,
      STATE_DIR: join(workDir, 'state'),
      PORT: '0',
      ALERT_POLL_SECONDS: '0',
      ...options.env,
    };
    compile();
    const child = forkGroup(join(COMPILED, 'bench', 'botProcessMain.js'), [], {
      env,
      cwd: ROOT,
      execArgv: [...SERVE_NODE_OPTIONS, ...(options.nodeOptions ?? [])],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const bot = new BotProcess(child, options.connector, simulator.tenantId, workDir);
    try {
      await new Promise<void>((resolve, reject) => {
        const exited = (code: number | null) => reject(new Error(`the ${options.role} bot exited (${code}) before it was ready: ${bot.stderr}`));
        child.once('exit', exited);
        child.once('message', () => {
          child.off('exit', exited);
          resolve();
        });
      });
    } catch (error) {
      await stopGroup(child);
      rmSync(workDir, { recursive: true, force: true });
      throw error;
    }
    return bot;
  }

  get botUrl(): string {
    return this.url;
  }

  conversation(type: 'personal' | 'groupChat' | 'channel', user: TestUser): Conversation {
    return new Conversation(this, type, user);
  }

  /** Runs one alert-poller cycle in the bot process; `ms` is measured there. */
  cycle(): Promise<{ ms: number; report: CycleReport }> {
    return this.request('cycle') as Promise<{ ms: number; report: CycleReport }>;
  }

  memory(): Promise<MemoryFigures> {
    return this.request('memory') as Promise<MemoryFigures>;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      await this.request('stop').catch(() => undefined);
      await exited;
    }
    await stopGroup(this.child);
    rmSync(this.workDir, { recursive: true, force: true });
  }

  private request(op: BotProcessRequest['op']): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.child.exitCode !== null) return reject(new Error(`the bot process has exited: ${this.stderr}`));
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, op } satisfies BotProcessRequest);
    });
  }
}
