import { ALEX, BotHarness } from '../test/support/botHarness';
import { DEMO_IDS } from '../src/simulator';
import { isConditionalAccessUrl, sleep } from '../src/graph/transport';
import { ConnectorClock, GraphTime } from './instruments';
import { percentiles, type Percentiles } from './stats';
import { lastMessage, TurnTimer } from './turns';

/**
 * Part 5: what a user waits for, with production Conditional Access pacing on (1 request/s
 * per tenant, enforced by the simulator too). Reads are measured once the poller's mirror
 * is warm (one cycle ran); Restore → form previews from the mirror too (asking for approval reads live).
 */

const CA_PACING_MS = 1000;
/** The mirror counts as current for two intervals: every read below happens well within that. */
const POLL_SECONDS = 300;
const READ_SAMPLES = 40;
const RESTORE_SAMPLES = 6;

export interface UserCommandLatency extends Percentiles {
  samples: number;
  /** CA requests per command (the most any sample made). */
  caRequestsPerCommand: number;
}

export interface UserLatencyResult {
  caPacingMs: number;
  mirror: 'warm';
  deleted: UserCommandLatency;
  show: UserCommandLatency;
  restoreForm: UserCommandLatency;
}

export async function measureUserLatency(): Promise<UserLatencyResult> {
  const bot = await BotHarness.start({
    mirrorPollSeconds: POLL_SECONDS,
    env: { GRAPH_CA_MIN_INTERVAL_MS: String(CA_PACING_MS), GRAPH_TIMEOUT_MS: '15000', GRAPH_RETRY_BUDGET_MS: '60000' },
  });
  const { simulator } = bot;
  simulator.faults.caRateLimitPerSecond = 1;
  const timer = new TurnTimer(new ConnectorClock(bot.connector), new GraphTime(simulator));
  const chat = bot.conversation('personal', ALEX);

  /** Times `samples` turns; an idle user's pause (one pacing interval) comes before each when `pause`. */
  const measure = async (samples: number, send: () => Promise<unknown>, pause: boolean): Promise<UserCommandLatency> => {
    const times: number[] = [];
    let caRequests = 0;
    for (let i = 0; i < samples; i++) {
      if (pause) await sleep(CA_PACING_MS);
      const since = simulator.requests.length;
      times.push((await timer.time(send, lastMessage)).totalMs);
      caRequests = Math.max(caRequests, simulator.requests.slice(since).filter((r) => isConditionalAccessUrl(r.path)).length);
    }
    return { samples, caRequestsPerCommand: caRequests, ...percentiles(times) };
  };

  try {
    await chat.say('help'); // roles read and cached, as in steady state
    await bot.product.poller.runCycle();
    await sleep(CA_PACING_MS);
    const deleted = await measure(READ_SAMPLES, () => chat.say('deleted'), false);
    const show = await measure(READ_SAMPLES, () => chat.say(`show ${DEMO_IDS.caPolicyWithDeletedLocation}`), false);
    const restoreForm = await measure(RESTORE_SAMPLES, () => chat.invoke('item.restore', { kind: 'ca', id: DEMO_IDS.caPolicyWithDeletedLocation }), true);
    return { caPacingMs: CA_PACING_MS, mirror: 'warm', deleted, show, restoreForm };
  } finally {
    await bot.stop();
  }
}
