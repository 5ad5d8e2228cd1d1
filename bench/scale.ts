import { performance } from 'node:perf_hooks';
import { ALEX, FakeConnector } from '../test/support/botHarness';
import { startGraphSimulator } from '../src/simulator';
import { KINDS } from '../src/core/kinds';
import { isConditionalAccessUrl } from '../src/graph/transport';
import { BotProcess } from './botProcess';
import { ConnectorClock, GraphTime } from './instruments';
import { median, round } from './stats';
import { lastMessage, TurnTimer } from './turns';

/**
 * Part 3: a tenant with 10 000 deleted items across the four kinds. The bot runs in its
 * own process so that its memory is its own; CA pacing is off so that the figures are
 * the bot's work, and the wait pacing would add against real Graph is computed from the
 * number of CA requests (one per second after the first).
 */

export const SCALE_ITEMS = 10_000;
const RUNS = 5;
const SEARCH = 'deleted ca pilot group 7';

export interface ScaleOperation {
  /** Median over the runs (after a cold first run for commands). */
  totalMs: number;
  graphMs: number;
  botSideMs: number;
  /** Graph requests of one run. */
  graphCalls: number;
  /** The wait 1 request/s on Conditional Access paths adds against real Graph. */
  caPacingWaitMs: number;
  coldMs?: number;
}

export interface ScaleResult {
  deletedItems: number;
  caPacing: string;
  firstPage: ScaleOperation;
  filteredSearch: ScaleOperation & { command: string };
  alertCycleBaseline: ScaleOperation;
  alertCycle: ScaleOperation;
  memory: { idleRssMb: number; idleHeapMb: number; rssMb: number; maxRssMb: number; heapUsedMb: number };
}

interface Run {
  totalMs: number;
  graphMs: number;
  paths: string[];
}

export async function measureScale(): Promise<ScaleResult> {
  const simulator = await startGraphSimulator();
  const graphTime = new GraphTime(simulator);
  simulator.tenant.seedBulk(SCALE_ITEMS);
  const connector = await FakeConnector.start();
  // --expose-gc lets the memory figures tell live data from garbage not yet collected.
  const bot = await BotProcess.start({ role: 'product', simulator, connector, env: { GRAPH_CA_MIN_INTERVAL_MS: '0' }, nodeOptions: ['--expose-gc'] });
  const timer = new TurnTimer(new ConnectorClock(connector), graphTime);
  const chat = bot.conversation('personal', ALEX);

  /** Runs `work` and notes the Graph requests it caused. */
  const observe = async (work: () => Promise<{ totalMs: number; graphMs: number }>): Promise<Run> => {
    const since = simulator.requests.length;
    const { totalMs, graphMs } = await work();
    return { totalMs, graphMs, paths: simulator.requests.slice(since).map((r) => r.path) };
  };
  const command = (text: string) => observe(() => timer.time(() => chat.say(text), lastMessage));
  const cycle = () =>
    observe(async () => {
      const start = performance.now();
      const { ms } = await bot.cycle();
      return { totalMs: ms, graphMs: graphTime.busyMs(start, performance.now()) };
    });
  const repeat = async (run: () => Promise<Run>, times: number): Promise<Run[]> => {
    const runs: Run[] = [];
    for (let i = 0; i < times; i++) runs.push(await run());
    return runs;
  };

  try {
    const idle = await bot.memory();
    const [coldPage, ...pages] = await repeat(() => command('deleted'), 1 + RUNS);
    const [coldSearch, ...searches] = await repeat(() => command(SEARCH), 1 + RUNS);
    const baseline = await cycle();
    const cycles = await repeat(cycle, 3);
    const after = await bot.memory();
    return {
      deletedItems: KINDS.reduce((sum, kind) => sum + simulator.tenant.deleted(kind.id).length, 0),
      caPacing: 'off (GRAPH_CA_MIN_INTERVAL_MS=0); the last column is what 1 request/s would add',
      firstPage: { ...summarise(pages), coldMs: round(coldPage.totalMs) },
      filteredSearch: { command: SEARCH, ...summarise(searches), coldMs: round(coldSearch.totalMs) },
      alertCycleBaseline: summarise([baseline]),
      alertCycle: summarise(cycles),
      memory: {
        idleRssMb: mb(idle.rssBytes),
        idleHeapMb: mb(idle.heapUsedBytes),
        rssMb: mb(after.rssBytes),
        maxRssMb: mb(after.maxRssBytes),
        heapUsedMb: mb(after.heapUsedBytes),
      },
    };
  } finally {
    await bot.stop();
    await connector.close();
    await simulator.close();
  }
}

function summarise(runs: Run[]): ScaleOperation {
  const { paths } = runs[runs.length - 1];
  const caRequests = paths.filter((path) => isConditionalAccessUrl(path)).length;
  return {
    totalMs: median(runs.map((r) => r.totalMs)),
    graphMs: median(runs.map((r) => r.graphMs)),
    botSideMs: median(runs.map((r) => r.totalMs - r.graphMs)),
    graphCalls: paths.length,
    // The bot spaces CA requests 1 s apart: n of them take at least n − 1 seconds.
    caPacingWaitMs: Math.max(0, caRequests - 1) * 1000,
  };
}

const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);
