import { performance } from 'node:perf_hooks';
import type { FakeConnector, SentActivity } from '../test/support/botHarness';
import type { GraphSimulator, RecordedRequest } from '../src/simulator';

/**
 * Clocks attached to the two ends the bot talks to, so that timings are taken where
 * Teams and Graph would see them rather than inside the bot.
 */

/** Calls `listener` for every element pushed onto an array that other code appends to. */
function onPush<T>(array: T[], listener: (item: T) => void): void {
  const push = array.push.bind(array);
  array.push = (...items: T[]) => {
    for (const item of items) listener(item);
    return push(...items);
  };
}

/** When each activity reached the fake Bot Connector (the harness keeps no timestamps). */
export class ConnectorClock {
  private readonly arrivals = new WeakMap<SentActivity, number>();
  private readonly waiting = new Set<() => void>();

  constructor(readonly connector: FakeConnector) {
    onPush(connector.activities, (activity) => {
      this.arrivals.set(activity, performance.now());
      for (const wake of this.waiting) wake();
    });
  }

  /** Resolves with the first truthy `check()`, re-checked whenever an activity arrives. */
  async until<T>(check: () => T | undefined, timeoutMs: number): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = check();
      if (found) return found;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`nothing expected reached the connector within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiting.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiting.add(wake);
      });
    }
  }

  arrivalOf(activity: SentActivity): number {
    const at = this.arrivals.get(activity);
    if (at === undefined) throw new Error('activity arrived before the clock was attached');
    return at;
  }
}

interface Interval {
  start: number;
  end: number;
}

/**
 * Time Graph spent answering, measured at the simulator: from the moment it has a
 * request (the recording is pushed) to the moment its response is written (the log
 * entry). Network and the bot's Graph client are therefore on the bot's side.
 * The simulator must be started with `log: graphTime.log`, then attached.
 */
export class GraphTime {
  private readonly started = new Map<string, number>();
  private readonly intervals: Interval[] = [];
  private requests = 0;

  readonly log = (entry: Record<string, unknown>): void => {
    if (entry.service !== 'graph') return;
    const id = String(entry['request-id']);
    const start = this.started.get(id);
    if (start === undefined) return;
    this.started.delete(id);
    this.intervals.push({ start, end: performance.now() });
  };

  attach(simulator: GraphSimulator): this {
    // $batch sub-requests are recorded after the fact; their envelope is what takes time.
    onPush(simulator.requests, (request: RecordedRequest) => {
      if (request.batch) return;
      this.requests++;
      this.started.set(request.requestId, performance.now());
    });
    return this;
  }

  /** Graph requests received so far ($batch sub-requests not counted separately). */
  requestCount(): number {
    return this.requests;
  }

  /** Wall time within [from, to] during which at least one Graph request was being answered. */
  busyMs(from: number, to: number): number {
    const clipped = this.intervals
      .filter((i) => i.end > from && i.start < to)
      .map((i) => ({ start: Math.max(i.start, from), end: Math.min(i.end, to) }))
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
