import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KIND_PATHS } from '../../src/graph/paths';
import { DEMO_IDS, startGraphSimulator, type GraphSimulator } from '../../src/simulator';
import { startAzurite } from './azurite';
import { Conversation, FakeConnector, type ChatTarget, type TestUser } from './botHarness';
import { freePort } from './freePort';
import { signalGroup, spawnGroup, stopGroup } from './processes';

/**
 * Several real bot processes (`src/index.ts` in tenant mode) sharing one Azurite account,
 * one Graph simulator (trusted through GRAPH_CA_FILE) and one fake Bot Connector. Each bot
 * leads its own process group (./processes.ts), stopped by stop() or when the runner exits.
 */

const ROOT = join(__dirname, '..', '..');

/**
 * The environment of a bot process in tenant mode against the simulator: its app
 * credentials, its CA (written to workDir), and roles from the simulated groups. It has
 * no bot identity because the tests post unsigned activities, which tenant mode refuses
 * unless told otherwise (test/integration/auth.test.ts covers signed ones).
 */
export function tenantModeEnv(simulator: GraphSimulator, workDir: string): Record<string, string> {
  const caFile = join(workDir, 'simulator-ca.pem');
  writeFileSync(caFile, simulator.caCertPem);
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? workDir,
    AZURE_TENANT_ID: simulator.tenantId,
    AZURE_CLIENT_ID: simulator.clientId,
    AZURE_CLIENT_SECRET: simulator.clientSecret,
    AZURE_AUTHORITY_HOST: simulator.authorityHost,
    GRAPH_BASE_URL: simulator.url,
    GRAPH_CA_FILE: caFile,
    OPERATOR_GROUP_ID: DEMO_IDS.operatorsGroup,
    APPROVER_GROUP_ID: DEMO_IDS.approversGroup,
    ALLOW_UNAUTHENTICATED_BOT: 'true',
    LOG_LEVEL: 'info',
  };
}

export class BotInstance implements ChatTarget {
  process?: ChildProcess;
  output = '';

  constructor(readonly index: number, readonly port: number, private readonly cluster: BotCluster) {}

  get botUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get connector(): FakeConnector {
    return this.cluster.connector;
  }

  get tenantId(): string {
    return this.cluster.simulator.tenantId;
  }

  async start(): Promise<void> {
    this.output = '';
    const child = spawnGroup(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
      cwd: ROOT,
      env: { ...this.cluster.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.process = child;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`instance ${this.index} exited: ${this.output.slice(-2000)}`);
      try {
        if ((await fetch(`${this.botUrl}/healthz`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`instance ${this.index} did not start: ${this.output.slice(-2000)}`);
  }

  conversation(type: 'personal' | 'groupChat' | 'channel', user: TestUser): Conversation {
    return new Conversation(this, type, user);
  }

  isRunning(): boolean {
    return this.process !== undefined && this.process.exitCode === null && this.process.signalCode === null;
  }

  /** Kills the process (its group) without any chance to clean up, and waits until it has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.process;
    if (!child) return;
    if (this.isRunning()) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        signalGroup(child, signal);
      });
    }
    await stopGroup(child);
  }

  /** Stops the process: SIGTERM to its group, SIGKILL after a grace period. */
  async stop(): Promise<void> {
    if (this.process) await stopGroup(this.process);
  }

  /** How many poll cycles this instance has logged that sent at least one alert. */
  alertSendingCycles(): number {
    return [...this.output.matchAll(/"event":"alerts\.cycle"[^\n]*"sent":([0-9]+)/g)].filter((m) => Number(m[1]) > 0).length;
  }

  /** Whether this instance currently holds the alert poller's lease (from its log). */
  isPollLeader(): boolean {
    const events = [...this.output.matchAll(/"event":"lease\.(acquired|lost|released)"/g)].map((m) => m[1]);
    return events.at(-1) === 'acquired';
  }
}

export class BotCluster {
  readonly instances: BotInstance[] = [];
  env: Record<string, string> = {};

  private constructor(
    readonly simulator: GraphSimulator,
    readonly connector: FakeConnector,
    readonly azurite: Awaited<ReturnType<typeof startAzurite>>,
    private readonly workDir: string,
  ) {}

  static async start(count: number, env: Record<string, string> = {}): Promise<BotCluster> {
    const started = await Promise.allSettled([startGraphSimulator(), FakeConnector.start(), startAzurite()] as const);
    const [simulator, connector, azurite] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined)) as [GraphSimulator?, FakeConnector?, Awaited<ReturnType<typeof startAzurite>>?];
    if (!simulator || !connector || !azurite) {
      await Promise.all([simulator?.close(), connector?.close(), azurite?.stop()]);
      throw (started.find((s) => s.status === 'rejected') as PromiseRejectedResult).reason;
    }
    const workDir = mkdtempSync(join(tmpdir(), 'bot-cluster-'));
    const cluster = new BotCluster(simulator, connector, azurite, workDir);
    cluster.env = {
      ...tenantModeEnv(simulator, workDir),
      GRAPH_CA_MIN_INTERVAL_MS: '0',
      GRAPH_TIMEOUT_MS: '3000',
      GRAPH_RETRY_BUDGET_MS: '4000',
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
      STATE_CONTAINER: `bot-${Date.now().toString(36)}`,
      STATE_DIR: join(workDir, 'unused'),
      ALERT_POLL_SECONDS: '1',
      ...env,
    };
    try {
      for (let index = 0; index < count; index++) cluster.instances.push(new BotInstance(index, await freePort(), cluster));
      await Promise.all(cluster.instances.map((instance) => instance.start()));
    } catch (error) {
      // The instances that did start, and Azurite, must not outlive the failed start.
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  async stop(): Promise<void> {
    await Promise.all(this.instances.map((instance) => instance.stop()));
    await Promise.all([this.simulator.close(), this.connector.close(), this.azurite.stop()]);
    rmSync(this.workDir, { recursive: true, force: true });
  }

  /** Waits until an instance has logged the alert poller's baseline (deletions after it are alerted). */
  async baselineRecorded(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.instances.some((i) => /"event":"alerts\.cycle","baseline":true/.test(i.output))) {
      if (Date.now() > deadline) throw new Error('no instance recorded the alert baseline');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Waits until `count` more poll cycles have run, whichever instance ran them: each cycle lists
   * every recycle bin once, and nothing else lists the identity-sync one unless a user asks.
   * Tests wait for cycles, not for seconds, so a loaded machine only makes them slower.
   */
  async pollCycles(count: number, timeoutMs = 60_000): Promise<void> {
    const listings = () => this.simulator.requests.filter((r) => r.method === 'GET' && r.path === KIND_PATHS.sync.deletedItems && r.status === 200).length;
    const target = listings() + count;
    const deadline = Date.now() + timeoutMs;
    while (listings() < target) {
      if (Date.now() > deadline) throw new Error(`fewer than ${count} poll cycles in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Waits until exactly one running instance holds the poll lease, and returns it. */
  async pollLeader(timeoutMs = 60_000): Promise<BotInstance> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const leaders = this.instances.filter((i) => i.isRunning() && i.isPollLeader());
      if (leaders.length === 1) return leaders[0];
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error('no single poll leader');
  }
}

