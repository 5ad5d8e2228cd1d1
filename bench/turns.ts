import { performance } from 'node:perf_hooks';
import type { SentActivity } from '../test/support/botHarness';
import type { ConnectorClock, GraphTime } from './instruments';

/**
 * One timed exchange with a bot: from just before the activity is POSTed to
 * /api/messages to the moment the last expected reply reached the fake connector.
 */
export interface TimedTurn<T> {
  value: T;
  /** POST to the last expected reply at the connector. */
  totalMs: number;
  /** Time Graph was answering during the turn (see GraphTime). */
  graphMs: number;
  /** POST to the HTTP answer (for an invoke: the card the clicker sees). */
  answeredMs: number;
  /** Graph requests the simulator received during the turn. */
  graphCalls: number;
}

/** Picks the activity that ends a turn from those the connector received during it. */
export type LastReply = (received: SentActivity[]) => SentActivity | undefined;

export const lastMessage: LastReply = (received) => received.filter((a) => a.method === 'POST' && a.body.type === 'message').at(-1);

/** The message that tells the requester how the restore went: the last thing an approval sends. */
export const restoreOutcome: LastReply = (received) =>
  received.find((a) => a.method === 'POST' && /your restore request R-\w+ (restored|failed)/.test(String(a.body.text)));

const REPLY_TIMEOUT_MS = 120_000;

export class TurnTimer {
  constructor(private readonly clock: ConnectorClock, private readonly graph: GraphTime) {}

  /** Sends, then waits (work may continue after the HTTP answer) until `last` finds the reply. */
  async time<T>(send: () => Promise<T>, last: LastReply): Promise<TimedTurn<T>> {
    const { activities } = this.clock.connector;
    const before = activities.length;
    const callsBefore = this.graph.requestCount();
    const start = performance.now();
    const value = await send();
    const answered = performance.now();
    const reply = await this.clock.until(() => last(activities.slice(before)), REPLY_TIMEOUT_MS);
    const end = this.clock.arrivalOf(reply);
    return { value, totalMs: end - start, graphMs: this.graph.busyMs(start, end), answeredMs: answered - start, graphCalls: this.graph.requestCount() - callsBefore };
  }
}
