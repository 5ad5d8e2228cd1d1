import type { DependencyCost } from './dependencies';
import type { GraphCallsResult } from './graphCalls';
import type { HistoryStorageResult } from './history';
import { COMMAND_NAMES, COMMAND_TEXT, type OverheadResult } from './overhead';
import type { ScaleOperation, ScaleResult } from './scale';
import type { ThrottledOperation, ThrottlingResult } from './throttling';
import type { UserCommandLatency, UserLatencyResult } from './userLatency';
import type { BulkRestoreResult } from './bulkRestore';

/** The printed form of a run: one small table per part, then the targets. */

export interface Target {
  target: string;
  figure: string;
  met: boolean;
}

const SCALE_BOT_SIDE_TARGET_MS = 300;
const IDLE_RSS_TARGET_MB = 150;
const PEAK_RSS_TARGET_MB = 250;
const WARM_READ_P50_TARGET_MS = 300;
/** 100 items: five $batch calls and two paced CA restores, with room for a loaded machine. */
const BULK_100_WALL_TARGET_MS = 10_000;

export function targetsOf(overhead: OverheadResult, graphCalls: GraphCallsResult, scale: ScaleResult, throttling: ThrottlingResult, userLatency: UserLatencyResult, bulk: BulkRestoreResult): Target[] {
  const targets: Target[] = COMMAND_NAMES.map((name) => {
    const c = overhead.commands[name];
    return { target: `${name}: p99 ≤ ${c.targetRatio}× echo floor`, figure: `${c.p99Ratio}× (${c.p99Ms} / ${c.floorP99Ms} ms)`, met: c.met };
  });
  for (const [name, g] of Object.entries(graphCalls)) {
    if (g.met === null) continue;
    targets.push({ target: `${name}: Graph calls = minimum`, figure: `${g.calls} / ${g.minimum}`, met: g.met });
  }
  targets.push({
    target: `10 000 items: first page < ${SCALE_BOT_SIDE_TARGET_MS} ms bot-side beyond Graph`,
    figure: `${scale.firstPage.botSideMs} ms`,
    met: scale.firstPage.botSideMs < SCALE_BOT_SIDE_TARGET_MS,
  });
  targets.push({ target: `compiled tenant-mode bot: idle RSS ≤ ${IDLE_RSS_TARGET_MB} MB`, figure: `${scale.memory.idleRssMb} MB`, met: scale.memory.idleRssMb <= IDLE_RSS_TARGET_MB });
  targets.push({ target: `10 000 items: peak RSS ≤ ${PEAK_RSS_TARGET_MB} MB`, figure: `${scale.memory.maxRssMb} MB`, met: scale.memory.maxRssMb <= PEAK_RSS_TARGET_MB });
  targets.push({ target: 'paced CA calls: zero 429s', figure: `${throttling.total429} of ${throttling.totalCaRequests} CA requests`, met: throttling.total429 === 0 });
  for (const [name, latency] of [['deleted', userLatency.deleted], ['show', userLatency.show]] as const) {
    targets.push({ target: `${name}, warm mirror, CA pacing on: p50 ≤ ${WARM_READ_P50_TARGET_MS} ms`, figure: `${latency.p50Ms} ms`, met: latency.p50Ms <= WARM_READ_P50_TARGET_MS });
    targets.push({ target: `${name}, warm mirror: 0 CA requests`, figure: String(latency.caRequestsPerCommand), met: latency.caRequestsPerCommand === 0 });
  }
  for (const figure of Object.values(bulk)) {
    targets.push({ target: `bulk restore of ${figure.items} items: every item reported on the card`, figure: `${figure.reported} of ${figure.items}`, met: figure.reported === figure.items });
    if (figure.items === 100) targets.push({ target: `bulk restore of 100 items: approve → final card ≤ ${BULK_100_WALL_TARGET_MS / 1000} s`, figure: `${(figure.wallMs / 1000).toFixed(1)} s`, met: figure.wallMs <= BULK_100_WALL_TARGET_MS });
  }
  return targets;
}

export function formatReport(
  overhead: OverheadResult,
  graphCalls: GraphCallsResult,
  scale: ScaleResult,
  throttling: ThrottlingResult,
  userLatency: UserLatencyResult,
  dependencies: DependencyCost[],
  bulk: BulkRestoreResult,
  targets: Target[],
  /** Further parts, printed before the targets. */
  more: string[] = [],
): string {
  const parts: string[] = [];
  parts.push(
    `1. Bot overhead vs echo floor (${overhead.samplesPerCommand} samples each after ${overhead.warmupRounds} warm-up rounds; CA pacing ${overhead.caPacing}; Graph = time the simulator spent answering)`,
    table(
      ['command', 'p50 ms', 'p95 ms', 'p99 ms', 'floor p99', 'p99 ratio', 'target', 'met', 'p50 ratio', 'Graph p50', 'p99 w/o Graph', 'Graph calls'],
      [
        ['echo floor', overhead.floor.p50Ms, overhead.floor.p95Ms, overhead.floor.p99Ms, '', '', '', '', '', '', '', 0],
        ...COMMAND_NAMES.map((name) => {
          const c = overhead.commands[name];
          return [name, c.p50Ms, c.p95Ms, c.p99Ms, c.floorP99Ms, `${c.p99Ratio}×`, `≤ ${c.targetRatio}×`, yesNo(c.met), `${c.p50Ratio}×`, c.graphP50Ms, c.withoutGraphP99Ms, c.graphCalls];
        }),
      ],
    ),
    COMMAND_NAMES.map((name) => `   ${name}: ${COMMAND_TEXT[name]}`).join('\n'),
    `   approve: the click itself is answered in ${overhead.commands.approve.answeredP50Ms} ms (p50); the figures above run to the outcome message`,
    '',
    '2. Graph calls per operation vs the minimum (counted at the simulator; steady state: roles already cached; CA pacing off, which changes timing, not counts)',
    table(
      ['operation', 'calls', 'minimum', 'met', 'basis'],
      Object.entries(graphCalls).map(([name, g]) => [`${name}: ${g.operation}`, g.calls ?? 'n/a', g.minimum ?? 'n/a', g.met === null ? 'not offered' : yesNo(g.met), g.basis]),
    ),
    ...Object.entries(graphCalls)
      .filter(([, g]) => g.excess)
      .map(([name, g]) => `   ${name} above the minimum: ${g.excess}`),
    '',
    `3. Scale: ${scale.deletedItems} deleted items, bot in its own process, CA pacing ${scale.caPacing}`,
    table(
      ['operation', 'total ms', 'Graph ms', 'bot-side ms', 'Graph calls', '+ CA pacing (real Graph)'],
      [
        scaleRow('first list page (deleted)', scale.firstPage),
        scaleRow(`filtered search (${scale.filteredSearch.command})`, scale.filteredSearch),
        scaleRow('alert cycle, baseline (first)', scale.alertCycleBaseline),
        scaleRow('alert cycle, nothing changed', scale.alertCycle),
      ],
    ),
    `   bot process memory: idle RSS ${scale.memory.idleRssMb} MB, after the runs ${scale.memory.rssMb} MB, peak ${scale.memory.maxRssMb} MB; live heap ${scale.memory.idleHeapMb} → ${scale.memory.heapUsedMb} MB (after a full GC)`,
    '',
    `4. Throttling: simulator enforces ${throttling.simulatorCaLimitPerSecond} CA request/s (429, no Retry-After); bot paces CA calls ${throttling.caPacingMs} ms apart`,
    table(
      ['operation', 'ms', 'CA requests', '429s'],
      [
        throttleRow('alert cycle (median of 3)', throttling.alertCycle),
        throttleRow('restore request (CA policy + 1 deleted location)', throttling.restoreRequest),
        throttleRow('approve → restored (2 restores + report-only)', throttling.restoreApproval),
        throttleRow('deleted while an alert cycle runs', throttling.listDuringCycle),
      ],
    ),
    `   429s received in this part: ${throttling.total429} of ${throttling.totalCaRequests} CA requests`,
    '',
    `5. User-perceived latency, CA pacing on (${userLatency.caPacingMs} ms, the simulator enforcing 1 CA request/s), mirror warm; POST to the reply at the connector`,
    table(
      ['command', 'samples', 'p50 ms', 'p99 ms', 'CA requests'],
      [
        latencyRow('deleted (mirror)', userLatency.deleted),
        latencyRow('show <id> (mirror)', userLatency.show),
        latencyRow('Restore → form (reads the item live)', userLatency.restoreForm),
      ],
    ),
    '',
    '6. Memory: what each dependency adds to a bare Node (loaded alone, production Node options, median of 3, after a full GC)',
    table(
      ['module', 'RSS MB', 'live heap MB', 'loaded'],
      dependencies.map((d) => [d.module, d.rssMb, d.heapMb, d.loaded]),
    ),
    '',
    '7. Bulk restore under one approval (N − 2 users + 2 CA policies; CA pacing on, the simulator enforcing 1 CA request/s); execution calls counted at the simulator, requests inside a $batch not counted',
    table(
      ['items', 'request calls', 'min', 'execution calls', 'min', '$batch', 'in batches', 'CA alone', '429s', 'approve → done ms', 'reported'],
      Object.values(bulk).map((b) => [b.items, b.requestCalls, b.requestMinimum, b.executionCalls, b.executionMinimum, b.batchCalls, b.restoresInBatches, b.singleRestores, b.throttled, b.wallMs, `${b.reported}/${b.items}`]),
    ),
    '',
    ...more.flatMap((part) => [part, '']),
    'Targets',
    table(['target', 'figure', 'met'], targets.map((t) => [t.target, t.figure, yesNo(t.met)])),
  );
  return parts.join('\n');
}

function scaleRow(label: string, op: ScaleOperation): (string | number)[] {
  return [label, op.totalMs, op.graphMs, op.botSideMs, op.graphCalls, `${op.caPacingWaitMs / 1000} s`];
}

function latencyRow(label: string, latency: UserCommandLatency): (string | number)[] {
  return [label, latency.samples, latency.p50Ms, latency.p99Ms, latency.caRequestsPerCommand];
}

function throttleRow(label: string, op: ThrottledOperation): (string | number)[] {
  return [label, op.ms, op.caRequests, op.throttled];
}

const yesNo = (met: boolean) => (met ? 'yes' : 'NO');

/** Columns padded to their widest cell; numbers right-aligned. */
function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: string[], raw?: (string | number)[]) =>
    '  ' + row.map((cell, column) => (typeof raw?.[column] === 'number' ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ').trimEnd();
  return [line(headers), '  ' + widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((row) => line(row.map(String), row))].join('\n');
}

/** Part 9: what change history costs the store. */
export function formatHistoryStorage(h: HistoryStorageResult): string {
  const kb = (bytes: number) => `${Math.round(bytes / 102.4) / 10} KB`;
  return [
    `9. Change history storage (${h.liveObjects} live CA policies, memory store counting every call; per version: a ${kb(h.perVersion.versionRecordBytes)} version record, a ${kb(h.perVersion.indexRecordBytesWithTwoVersions)} index record, ${h.perVersion.writesPerChangedObject} writes per changed object)`,
    table(
      ['cycle', 'ms', 'versions written', 'store calls', 'bytes written'],
      [
        ...([['baseline (first)', h.baselineCycle], ['nothing changed', h.quietCycle], [`${h.cycleWithChanges.changedObjects} objects changed`, h.cycleWithChanges]] as const).map(([label, c]) => [
          label,
          c.ms,
          c.versionsWritten,
          `${c.store.gets} get, ${c.store.puts} put, ${c.store.lists} list, ${c.store.deletes} delete`,
          kb(c.store.bytesWritten),
        ]),
      ],
    ),
  ].join('\n');
}
