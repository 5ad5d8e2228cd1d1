import { ALEX, cardReply, FakeConnector, MEGAN } from '../test/support/botHarness';
import { DEMO_IDS, startGraphSimulator } from '../src/simulator';
import { BotProcess } from './botProcess';
import { addDeletedLocation, requestIdOf } from './fixtures';
import { ConnectorClock, GraphTime } from './instruments';
import { median, percentiles, round, type Percentiles } from './stats';
import { lastMessage, restoreOutcome, TurnTimer, type TimedTurn } from './turns';

/**
 * Part 1: what the bot adds on top of Graph and Teams. The product and the echo bot
 * each run in their own process; the simulator (zero added latency) and the fake
 * connector run here. Every command goes through POST /api/messages and ends when its
 * last reply reaches the connector. Samples are taken round-robin (echo, help, deleted,
 * show, restore, approve, echo, …) so that load from other work on the machine falls on
 * every command alike.
 */

export const COMMAND_NAMES = ['help', 'deleted', 'show', 'restore', 'approve'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** Issue #8: help is plain, the others render cards. */
export const RATIO_TARGETS: Record<CommandName, number> = { help: 1.2, deleted: 2, show: 2, restore: 2, approve: 2 };

export const COMMAND_TEXT: Record<CommandName, string> = {
  help: 'help',
  deleted: 'deleted (first page, all kinds)',
  show: 'show <CA policy id> (kind not given; the policy uses two named locations, one deleted)',
  restore: 'restore nl <id> <reason> (in a channel)',
  approve: 'Approve click → restore → outcome message',
};

export interface CommandFigures extends Percentiles {
  floorP99Ms: number;
  p99Ratio: number;
  /** The same at the median, which machine load disturbs less than the tail. */
  p50Ratio: number;
  targetRatio: number;
  met: boolean;
  /** Median time Graph spent answering during one command. */
  graphP50Ms: number;
  /** p99 of (total − Graph time): the bot's own share. */
  withoutGraphP99Ms: number;
  /** Graph requests per command. */
  graphCalls: number;
  /** For invokes: median time until the clicker's card came back. */
  answeredP50Ms?: number;
}

export interface OverheadResult {
  samplesPerCommand: number;
  warmupRounds: number;
  caPacing: string;
  floor: Percentiles;
  commands: Record<CommandName, CommandFigures>;
}

type Samples = Record<CommandName | 'floor', TimedTurn<unknown>[]>;

export async function measureOverhead(options: { samples: number; warmup: number }): Promise<OverheadResult> {
  const simulator = await startGraphSimulator();
  const graphTime = new GraphTime(simulator);
  const connector = await FakeConnector.start();
  // CA pacing off: with it, a command touching two CA paths would wait a second and this
  // part would measure the pacing instead of the bot.
  const env = { GRAPH_CA_MIN_INTERVAL_MS: '0' };
  const [bot, echo] = await Promise.all([
    BotProcess.start({ role: 'product', simulator, connector, env }),
    BotProcess.start({ role: 'echo', simulator, connector, env }),
  ]);
  const timer = new TurnTimer(new ConnectorClock(connector), graphTime);
  const chat = bot.conversation('personal', ALEX);
  const channel = bot.conversation('channel', ALEX);
  const echoChat = echo.conversation('personal', ALEX);
  const samples: Samples = { floor: [], help: [], deleted: [], show: [], restore: [], approve: [] };

  const oneRound = async (index: number, keep: boolean) => {
    const record = (name: keyof Samples, turn: TimedTurn<unknown>) => keep && samples[name].push(turn);
    record('floor', await timer.time(() => echoChat.say('help'), lastMessage));
    record('help', await timer.time(() => chat.say('help'), lastMessage));
    record('deleted', await timer.time(() => chat.say('deleted'), lastMessage));
    record('show', await timer.time(() => chat.say(`show ${DEMO_IDS.caPolicyWithDeletedLocation}`), lastMessage));
    // A fresh deleted item each round: the approval below restores it.
    const locationId = addDeletedLocation(simulator, String(index));
    const restore = await timer.time(() => channel.say(`restore nl ${locationId} benchmark`), lastMessage);
    record('restore', restore);
    const asked = cardReply(restore.value);
    record('approve', await timer.time(() => channel.as(MEGAN).invoke('request.approve', { requestId: requestIdOf(asked.card) }, asked.id), restoreOutcome));
  };

  try {
    for (let i = 0; i < options.warmup; i++) await oneRound(i, false);
    for (let i = 0; i < options.samples; i++) await oneRound(options.warmup + i, true);
  } finally {
    await Promise.all([bot.stop(), echo.stop()]);
    await connector.close();
    await simulator.close();
  }
  return summarise(samples, options);
}

function summarise(samples: Samples, options: { samples: number; warmup: number }): OverheadResult {
  const floor = percentiles(samples.floor.map((s) => s.totalMs));
  const commands = {} as Record<CommandName, CommandFigures>;
  for (const name of COMMAND_NAMES) {
    const turns = samples[name];
    const figures = percentiles(turns.map((s) => s.totalMs));
    const ratio = round(figures.p99Ms / floor.p99Ms);
    commands[name] = {
      ...figures,
      floorP99Ms: floor.p99Ms,
      p99Ratio: ratio,
      p50Ratio: round(figures.p50Ms / floor.p50Ms),
      targetRatio: RATIO_TARGETS[name],
      met: ratio <= RATIO_TARGETS[name],
      graphP50Ms: median(turns.map((s) => s.graphMs)),
      withoutGraphP99Ms: percentiles(turns.map((s) => s.totalMs - s.graphMs)).p99Ms,
      graphCalls: median(turns.map((s) => s.graphCalls)),
      ...(name === 'approve' ? { answeredP50Ms: median(turns.map((s) => s.answeredMs)) } : {}),
    };
  }
  return {
    samplesPerCommand: options.samples,
    warmupRounds: options.warmup,
    caPacing: 'off (GRAPH_CA_MIN_INTERVAL_MS=0)',
    floor,
    commands,
  };
}
