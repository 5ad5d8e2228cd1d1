import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ALEX, BotHarness, cardReply, cardText, MEGAN } from '../test/support/botHarness';
import { DEMO_ACTORS } from '../src/simulator';
import { MAX_RESTORES_PER_BATCH } from '../src/core/recycleBin';
import { KINDS } from '../src/core/kinds';
import { addLivePolicy, minimumListCalls, requestIdOf } from './fixtures';

/**
 * Part 7: bulk restore of N items under one approval: N − 2 deleted users and 2 deleted
 * Conditional Access policies (restored as deleted, so no report-only switch). Graph calls of
 * the request and of its execution against the fewest that could do it (⌈users/20⌉ $batch calls,
 * each CA policy alone), and the wall time from the approval to the final card. The bot runs with
 * production CA pacing against a simulator that enforces 1 CA request/s.
 */

export const BULK_SIZES = [45, 100] as const;
const CA_ITEMS = 2;
const CA_PACING_MS = 1000;
/** One approval: its approver's role is checked afresh when the execution starts. */
const APPROVER_CHECKS = 1;

export interface BulkRestoreFigure {
  items: number;
  users: number;
  caPolicies: number;
  /** Graph requests while the request was made (planning reads the recycle bins). */
  requestCalls: number;
  requestMinimum: number;
  /** Graph requests of the execution: $batch calls and single restores, counted at the simulator (not the requests inside a batch). */
  executionCalls: number;
  executionMinimum: number;
  batchCalls: number;
  restoresInBatches: number;
  singleRestores: number;
  met: boolean;
  /** Approval click to the final card (every item reported), ms. */
  wallMs: number;
  /** Items the final card reports restored, over every page. */
  reported: number;
  throttled: number;
}

export type BulkRestoreResult = Record<string, BulkRestoreFigure>;

export async function measureBulkRestore(): Promise<BulkRestoreResult> {
  const results: BulkRestoreResult = {};
  for (const size of BULK_SIZES) results[`bulkRestore${size}`] = await measureOne(size);
  return results;
}

async function measureOne(size: number): Promise<BulkRestoreFigure> {
  const bot = await BotHarness.start({
    env: { GRAPH_CA_MIN_INTERVAL_MS: String(CA_PACING_MS), GRAPH_TIMEOUT_MS: '15000', GRAPH_RETRY_BUDGET_MS: '60000' },
  });
  const { simulator } = bot;
  simulator.faults.caRateLimitPerSecond = 1;
  const channel = bot.conversation('channel', ALEX);
  try {
    // Roles are cached after each user's first command: the figures are steady state.
    await channel.say('pending');
    await channel.as(MEGAN).say('pending');
    const users = size - CA_ITEMS;
    const ids: string[] = [];
    for (let n = 0; n < users; n++) {
      const id = randomUUID();
      simulator.tenant.addDeleted('users', { id, displayName: `Bulk User ${n}`, userPrincipalName: `bulk${n}@contoso.onmicrosoft.com` });
      ids.push(id);
    }
    for (let n = 0; n < CA_ITEMS; n++) {
      const id = addLivePolicy(simulator, `Bench bulk ${size}-${n}`);
      simulator.tenant.deleteLive('ca', id, DEMO_ACTORS.adele);
      ids.push(id);
    }
    // The ids name no kind: planning lists every kind once (⌈n/100⌉ pages each), not one read per id.
    const requestMinimum = minimumListCalls(simulator, KINDS.map((k) => k.id));
    const beforeRequest = simulator.requests.length;
    const asked = cardReply(await channel.say(`restore ${ids.join(' ')} as-deleted bench`));
    const requestCalls = simulator.requests.slice(beforeRequest).filter((r) => !r.batch).length;
    const requestId = requestIdOf(asked.card);

    const beforeExecution = simulator.requests.length;
    const started = performance.now();
    await channel.as(MEGAN).invoke('request.approve', { requestId }, asked.id);
    await bot.idle();
    const wallMs = Math.round(performance.now() - started);
    const calls = simulator.requests.slice(beforeExecution);
    const outer = calls.filter((r) => !r.batch);
    const batchCalls = outer.filter((r) => r.path === '/$batch').length;
    const singleRestores = outer.filter((r) => r.path.endsWith('/restore')).length;

    let reported = 0;
    let page = 0;
    let card = bot.connector.updatesOf(asked.id).at(-1);
    for (;;) {
      reported += cardText(card).match(/: restored · request-id/g)?.length ?? 0;
      if (!/Next items/.test(JSON.stringify(card))) break;
      card = (await channel.invoke('request.items', { requestId, page: ++page }, asked.id)).response.value;
    }
    // Before it runs, the execution re-reads the approver's role past the cache (one checkMemberGroups): by design.
    const executionMinimum = APPROVER_CHECKS + Math.ceil(users / MAX_RESTORES_PER_BATCH) + CA_ITEMS;
    return {
      items: size,
      users,
      caPolicies: CA_ITEMS,
      requestCalls,
      requestMinimum,
      executionCalls: outer.length,
      executionMinimum,
      batchCalls,
      restoresInBatches: calls.filter((r) => r.batch && r.path.endsWith('/restore')).length,
      singleRestores,
      met: outer.length <= executionMinimum && requestCalls <= requestMinimum,
      wallMs,
      reported,
      throttled: calls.filter((r) => r.status === 429).length,
    };
  } finally {
    await bot.stop();
  }
}
