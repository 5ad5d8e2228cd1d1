import { performance } from 'node:perf_hooks';
import { ALEX, BotHarness, cardReply, MEGAN } from '../test/support/botHarness';
import { DEMO_IDS } from '../src/simulator';
import { isConditionalAccessUrl, sleep } from '../src/graph/transport';
import { requestIdOf } from './fixtures';
import { ConnectorClock, GraphTime } from './instruments';
import { median, round } from './stats';
import { lastMessage, restoreOutcome, TurnTimer } from './turns';

/**
 * Part 4: the simulator enforces Graph's Conditional Access limit (1 request/s per
 * tenant, 429 without Retry-After) and the bot runs with its production pacing and
 * retry settings. A bot that paces itself correctly receives no 429 at all.
 */

const CYCLES = 3;
const CA_PACING_MS = 1000;

export interface ThrottledOperation {
  ms: number;
  caRequests: number;
  throttled: number;
}

export interface ThrottlingResult {
  caPacingMs: number;
  simulatorCaLimitPerSecond: number;
  alertCycle: ThrottledOperation;
  restoreRequest: ThrottledOperation;
  restoreApproval: ThrottledOperation;
  listDuringCycle: ThrottledOperation;
  /** Every 429 the bot received during this part. */
  total429: number;
  totalCaRequests: number;
}

export async function measureThrottling(): Promise<ThrottlingResult> {
  const bot = await BotHarness.start({
    // Production settings (the harness shortens them for tests).
    env: { GRAPH_CA_MIN_INTERVAL_MS: String(CA_PACING_MS), GRAPH_TIMEOUT_MS: '15000', GRAPH_RETRY_BUDGET_MS: '60000' },
  });
  const { simulator } = bot;
  const graphTime = new GraphTime(simulator);
  simulator.faults.caRateLimitPerSecond = 1;
  const timer = new TurnTimer(new ConnectorClock(bot.connector), graphTime);
  const chat = bot.conversation('personal', ALEX);
  const channel = bot.conversation('channel', ALEX);

  /**
   * CA requests and 429s the simulator saw while `work` ran. Each operation starts one
   * pacing interval after the last, as a poll every minute or a user's command would.
   */
  const observe = async (work: () => Promise<number>): Promise<ThrottledOperation> => {
    await sleep(CA_PACING_MS);
    const since = simulator.requests.length;
    const ms = await work();
    const requests = simulator.requests.slice(since);
    return { ms: round(ms), caRequests: requests.filter((r) => isConditionalAccessUrl(r.path)).length, throttled: requests.filter((r) => r.status === 429).length };
  };
  const timeCycle = async () => {
    const start = performance.now();
    await bot.product.poller.runCycle();
    return performance.now() - start;
  };

  try {
    const start = simulator.requests.length;
    await chat.say('pending');
    await channel.as(MEGAN).say('pending');
    await channel.say('alerts on');
    await bot.product.poller.runCycle();

    const cycles: ThrottledOperation[] = [];
    for (let i = 0; i < CYCLES; i++) cycles.push(await observe(timeCycle));
    const alertCycle = { ms: median(cycles.map((c) => c.ms)), caRequests: cycles[0].caRequests, throttled: cycles.reduce((sum, c) => sum + c.throttled, 0) };

    let asked: ReturnType<typeof cardReply> | undefined;
    const restoreRequest = await observe(async () => {
      const turn = await timer.time(() => channel.say(`restore ca ${DEMO_IDS.caPolicyWithDeletedLocation} report-only benchmark`), lastMessage);
      asked = cardReply(turn.value);
      return turn.totalMs;
    });
    const restoreApproval = await observe(async () =>
      (await timer.time(() => channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked!.card) }, asked!.id), restoreOutcome)).totalMs,
    );
    // The poller and a user share the tenant's budget: one pacer must serve both.
    await bot.product.poller.runCycle(); // absorbs the restore, so the next cycle only lists
    const listDuringCycle = await observe(async () => {
      const [, turn] = await Promise.all([timeCycle(), timer.time(() => chat.say('deleted'), lastMessage)]);
      return turn.totalMs;
    });

    const all = simulator.requests.slice(start);
    return {
      caPacingMs: CA_PACING_MS,
      simulatorCaLimitPerSecond: 1,
      alertCycle,
      restoreRequest,
      restoreApproval,
      listDuringCycle,
      total429: all.filter((r) => r.status === 429).length,
      totalCaRequests: all.filter((r) => isConditionalAccessUrl(r.path)).length,
    };
  } finally {
    await bot.stop();
  }
}
