import type { FakeConnector, SentActivity } from '../test/support/botHarness';
import type { GraphSimulator } from '../src/simulator';

/**
 * Clocks attached to the two ends the bot talks to, so that timings are taken where
 * Teams and Graph would see them rather than inside the bot.
 */

/** Waits for what reaches the fake Bot Connector, which stamps each activity's arrival. */
export class ConnectorClock {
  constructor(readonly connector: FakeConnector) {}

  /** Resolves with the first truthy `check()`, re-checked whenever an activity arrives. */
  async until<T>(check: () => T | undefined, timeoutMs: number): Promise<T> {
    const found = check();
    if (found) return found;
    return new Promise<T>((resolve, reject) => {
      const stop = this.connector.onActivity(() => {
        const now = check();
        if (!now) return;
        finish();
        resolve(now);
      });
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`nothing expected reached the connector within ${timeoutMs} ms`));
      }, timeoutMs);
      const finish = () => {
        stop();
        clearTimeout(timer);
      };
    });
  }

  arrivalOf(activity: SentActivity): number {
    return activity.receivedMs;
  }
}

/**
 * Time Graph spent answering, from the simulator's recording: from the moment it had a
 * request to the moment its answer was written. Network and the bot's Graph client are
 * therefore on the bot's side. $batch sub-requests are not counted: their envelope is
 * what takes time.
 */
export class GraphTime {
  constructor(private readonly simulator: GraphSimulator) {}

  /** Graph requests received so far. */
  requestCount(): number {
    return this.simulator.requests.filter((r) => !r.batch).length;
  }

  /** Wall time within [from, to] during which at least one Graph request was being answered. */
  busyMs(from: number, to: number): number {
    const clipped = this.simulator.requests
      .filter((r) => !r.batch && r.answeredMs !== undefined && r.answeredMs > from && r.receivedMs < to)
      .map((r) => ({ start: Math.max(r.receivedMs, from), end: Math.min(r.answeredMs as number, to) }))
      .sort((a, b) => a.start - b.start);
    let busy = 0;
    let reach = from;
    for (const { start, end } of clipped) {
      if (end <= reach) continue;
      busy += end - Math.max(start, reach);
      reach = end;
    }
    return busy;
  }
}
