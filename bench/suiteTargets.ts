import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createFileStateStore } from '../src/store';
import { listAll, startSimClient } from '../test/simulator/helpers';
import { ALEX, BotHarness, PATTI } from '../test/support/botHarness';
import type { Target } from './report';
import { percentiles, round, type Percentiles } from './stats';

/**
 * Part 6: the timing targets the test suite used to assert with wall-clock bounds. The tests
 * now check behaviour (the answer, the order of events, the count of calls), because they must
 * pass on a loaded machine; how fast is measured here, on a quiet one.
 */

export interface SuiteTargetsResult {
  /** `help` from Alex while a stream of hostile requests arrives (formerly test/adversarial: "within 1 s"). */
  helpUnderHostileInput: Percentiles & { samples: number; maxMs: number; hostileRequests: number };
  /** A 429 storm without Retry-After, 3 s retry budget: POST to the failure card (formerly test/integration/failures: "< 6 s"). */
  throttleStormAnswerMs: number;
  /** A Graph request that never answers, 2 s timeout: POST to the failure card (formerly "< 5 s"). */
  hungRequestAnswerMs: number;
  /** Simulator: seeding 10 000 deleted items (formerly test/simulator: "< 1 s"). */
  seedBulkMs: number;
  /** Simulator: listing every deleted CA policy of that tenant, 999 a page (formerly "< 5 s"). */
  listDeletedCaMs: number;
  /** Simulator: close() with a request hanging (formerly "< 1 s"). */
  closeWithHungRequestMs: number;
  /** File store: the newest 50 of 100 000 audit entries, and the whole log, best of 3 (formerly test/store/file: "< 200 ms and 20× cheaper"). */
  auditNewest50Ms: number;
  auditWholeLogMs: number;
  /** A filtered scan of the whole log (formerly "< 5 s"). */
  auditFilteredScanMs: number;
}

const HELP_TARGET_MS = 1000;
const STORM_TARGET_MS = 6000;
const HUNG_TARGET_MS = 5000;
const SEED_TARGET_MS = 1000;
const LIST_TARGET_MS = 5000;
const CLOSE_TARGET_MS = 1000;
const AUDIT_NEWEST_TARGET_MS = 200;
const AUDIT_SCAN_TARGET_MS = 5000;

const since = (start: number) => round(performance.now() - start);

export async function measureSuiteTargets(): Promise<SuiteTargetsResult> {
  return {
    ...(await measureBot()),
    ...(await measureSimulator()),
    ...(await measureAudit()),
  };
}

/** Requests a refused sender, a malformed client or a flooder sends; none reaches tenant data. */
function hostileBodies(bot: BotHarness): (string | Record<string, unknown>)[] {
  const stranger = bot.conversation('personal', PATTI);
  const forgedTenant = bot.conversation('channel', ALEX);
  forgedTenant.tenantId = '00000000-0000-4000-8000-00000000dead';
  const bodies: (string | Record<string, unknown>)[] = [];
  for (let i = 0; i < 40; i++) {
    bodies.push(stranger.message(i % 2 ? 'deleted' : `restore ${'x'.repeat(i)}`));
    bodies.push(forgedTenant.message('deleted ca'));
    bodies.push(stranger.message(`help ${'<at>'.repeat(2000)}${'東京🚫'.repeat(500)}`));
    bodies.push({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: 'request.approve', data: { requestId: 'R-FORGED1' } } } });
    bodies.push('{"type":"message", "text": ');
  }
  return bodies;
}

async function measureBot(): Promise<Pick<SuiteTargetsResult, 'helpUnderHostileInput' | 'throttleStormAnswerMs' | 'hungRequestAnswerMs'>> {
  const bot = await BotHarness.start();
  try {
    const help = bot.conversation('personal', ALEX);
    await help.say('help'); // roles read and cached, as in steady state
    const hostile = hostileBodies(bot);
    let sending = true;
    const flood = (async () => {
      const poster = bot.conversation('personal', PATTI);
      for (const body of hostile) await poster.post(body);
      sending = false;
    })();
    const latencies: number[] = [];
    while (sending) {
      const start = performance.now();
      await help.say('help');
      latencies.push(performance.now() - start);
    }
    await flood;

    const chat = bot.conversation('channel', ALEX);
    await chat.say('deleted ca'); // token and roles cached
    bot.simulator.faults.throttleNext = 1000;
    let start = performance.now();
    await chat.say('deleted ca');
    const throttleStormAnswerMs = since(start);
    bot.simulator.faults.throttleNext = 0;

    bot.simulator.faults.hangNext = 1;
    start = performance.now();
    await chat.say('deleted partners');
    const hungRequestAnswerMs = since(start);
    bot.simulator.faults.hangNext = 0;

    return {
      helpUnderHostileInput: { samples: latencies.length, maxMs: round(Math.max(...latencies)), hostileRequests: hostile.length, ...percentiles(latencies) },
      throttleStormAnswerMs,
      hungRequestAnswerMs,
    };
  } finally {
    await bot.stop();
  }
}

async function measureSimulator(): Promise<Pick<SuiteTargetsResult, 'seedBulkMs' | 'listDeletedCaMs' | 'closeWithHungRequestMs'>> {
  const client = await startSimClient();
  try {
    const { sim } = client;
    let start = performance.now();
    sim.tenant.seedBulk(10_000);
    const seedBulkMs = since(start);

    await client.token();
    start = performance.now();
    const { items } = await listAll(client, '/identity/conditionalAccess/deletedItems/policies?$top=999');
    const listDeletedCaMs = since(start);
    if (items.length !== sim.tenant.deleted('ca').length) throw new Error(`listed ${items.length} deleted CA policies of ${sim.tenant.deleted('ca').length}`);

    sim.faults.hangNext = 1;
    const before = sim.requests.length;
    const hung = client.graph('/identity/conditionalAccess/policies').catch(() => undefined);
    while (sim.requests.length === before) await new Promise((resolve) => setTimeout(resolve, 5));
    start = performance.now();
    await sim.close();
    const closeWithHungRequestMs = since(start);
    await hung;
    return { seedBulkMs, listDeletedCaMs, closeWithHungRequestMs };
  } finally {
    await client.close();
  }
}

async function measureAudit(): Promise<Pick<SuiteTargetsResult, 'auditNewest50Ms' | 'auditWholeLogMs' | 'auditFilteredScanMs'>> {
  const directory = await mkdtemp(join(tmpdir(), 'bench-audit-'));
  try {
    await mkdir(join(directory, 'audit'));
    for (let s = 0; s < 4; s++) {
      const lines: string[] = [];
      for (let j = 0; j < 25_000; j++) {
        const i = s * 25_000 + j;
        lines.push(JSON.stringify({ at: new Date(Date.UTC(2025, 0, 1, 0, 0, i % 60)).toISOString(), action: 'request.viewed', requestId: i % 10_000 === 5 ? 'rare' : `r${i % 97}`, i, actor: 'alice@contoso.com' }));
      }
      await writeFile(join(directory, 'audit', `00000000000${s + 1}.jsonl`), lines.join('\n') + '\n');
    }
    const store = await createFileStateStore(directory);
    try {
      const best = async (task: () => Promise<unknown>) => {
        let fastest = Infinity;
        for (let attempt = 0; attempt < 3; attempt++) {
          const start = performance.now();
          await task();
          fastest = Math.min(fastest, performance.now() - start);
        }
        return round(fastest);
      };
      return {
        auditWholeLogMs: await best(() => store.readAudit({ limit: Infinity })),
        auditNewest50Ms: await best(() => store.readAudit({ limit: 50 })),
        auditFilteredScanMs: await best(() => store.readAudit({ limit: 100, requestId: 'rare' })),
      };
    } finally {
      await store.close();
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

export function suiteTargetsOf(result: SuiteTargetsResult): Target[] {
  const h = result.helpUnderHostileInput;
  return [
    { target: `help during hostile input: every answer < ${HELP_TARGET_MS} ms`, figure: `max ${h.maxMs} ms (p99 ${h.p99Ms})`, met: h.maxMs < HELP_TARGET_MS },
    { target: `429 storm, 3 s budget: answer < ${STORM_TARGET_MS} ms`, figure: `${result.throttleStormAnswerMs} ms`, met: result.throttleStormAnswerMs < STORM_TARGET_MS },
    { target: `hung Graph request, 2 s timeout: answer < ${HUNG_TARGET_MS} ms`, figure: `${result.hungRequestAnswerMs} ms`, met: result.hungRequestAnswerMs < HUNG_TARGET_MS },
    { target: `simulator: seed 10 000 deleted items < ${SEED_TARGET_MS} ms`, figure: `${result.seedBulkMs} ms`, met: result.seedBulkMs < SEED_TARGET_MS },
    { target: `simulator: list them (CA, 999 a page) < ${LIST_TARGET_MS} ms`, figure: `${result.listDeletedCaMs} ms`, met: result.listDeletedCaMs < LIST_TARGET_MS },
    { target: `simulator: close() with a hung request < ${CLOSE_TARGET_MS} ms`, figure: `${result.closeWithHungRequestMs} ms`, met: result.closeWithHungRequestMs < CLOSE_TARGET_MS },
    {
      target: `audit log: newest 50 of 100 000 < ${AUDIT_NEWEST_TARGET_MS} ms and 20× cheaper than the whole log`,
      figure: `${result.auditNewest50Ms} ms vs ${result.auditWholeLogMs} ms`,
      met: result.auditNewest50Ms < AUDIT_NEWEST_TARGET_MS && result.auditNewest50Ms * 20 < result.auditWholeLogMs,
    },
    { target: `audit log: filtered scan of 100 000 < ${AUDIT_SCAN_TARGET_MS} ms`, figure: `${result.auditFilteredScanMs} ms`, met: result.auditFilteredScanMs < AUDIT_SCAN_TARGET_MS },
  ];
}

export function formatSuiteTargets(result: SuiteTargetsResult): string {
  const h = result.helpUnderHostileInput;
  return [
    '8. Timing targets moved out of the test suite (the tests check behaviour; these are the times)',
    `   help while ${h.hostileRequests} hostile requests arrive: ${h.samples} answers, p50 ${h.p50Ms} ms, p99 ${h.p99Ms} ms, max ${h.maxMs} ms`,
    `   failure card after a 429 storm (3 s budget): ${result.throttleStormAnswerMs} ms; after a hung request (2 s timeout): ${result.hungRequestAnswerMs} ms`,
    `   simulator: seed 10 000 items ${result.seedBulkMs} ms, list the deleted CA policies ${result.listDeletedCaMs} ms, close() with a hung request ${result.closeWithHungRequestMs} ms`,
    `   file audit log, 100 000 entries: newest 50 ${result.auditNewest50Ms} ms, whole log ${result.auditWholeLogMs} ms, filtered scan ${result.auditFilteredScanMs} ms (best of 3)`,
  ].join('\n');
}
