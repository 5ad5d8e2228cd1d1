import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { measureDependencies } from './dependencies';
import { bulkRestoreRows, countGraphCalls } from './graphCalls';
import { measureBulkRestore } from './bulkRestore';
import { measureHistoryStorage } from './history';
import { measureOverhead } from './overhead';
import { formatHistoryStorage, formatReport, targetsOf } from './report';
import { measureScale } from './scale';
import { formatSuiteTargets, measureSuiteTargets, suiteTargetsOf } from './suiteTargets';
import { measureThrottling } from './throttling';
import { measureUserLatency } from './userLatency';

/**
 * `npm run bench`: issue #8's four measurements, issue #13's user-perceived latency, issue #14's memory per dependency and the timing targets the test suite no longer asserts, issue #15's change-history storage and issue #16's bulk restore in one process tree, a table on stdout
 * and bench/results.json. BENCH_SAMPLES / BENCH_WARMUP change the overhead sample count.
 */

const RESULTS = join(__dirname, 'results.json');

async function main(): Promise<void> {
  const samples = Number(process.env.BENCH_SAMPLES ?? 500);
  const warmup = Number(process.env.BENCH_WARMUP ?? 30);
  const startedAt = new Date();
  const loadBefore = loadavg();
  const step = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const result = await run();
    console.error(`bench: ${label} done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return result;
  };
  // The timing-sensitive part first, before the others leave garbage in this process.
  const overhead = await step('1/9 bot overhead vs echo floor', () => measureOverhead({ samples, warmup }));
  const graphCalls = await step('2/9 Graph calls per operation', () => countGraphCalls());
  const scale = await step('3/9 scale (10 000 deleted items)', () => measureScale());
  const throttling = await step('4/9 throttling (1 CA request/s)', () => measureThrottling());
  const userLatency = await step('5/9 user-perceived latency (CA pacing on, warm mirror)', () => measureUserLatency());
  const dependencies = await step('6/9 memory per dependency', async () => measureDependencies());
  const bulkRestore = await step('7/9 bulk restore of 45 and 100 items (CA pacing on)', () => measureBulkRestore());
  const suiteTargets = await step('8/9 timing targets moved out of the test suite', () => measureSuiteTargets());
  const historyStorage = await step('9/9 change history storage (1 000 live CA policies)', () => measureHistoryStorage());
  Object.assign(graphCalls, bulkRestoreRows(bulkRestore));
  const targets = [...targetsOf(overhead, graphCalls, scale, throttling, userLatency, bulkRestore), ...suiteTargetsOf(suiteTargets)];

  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage1mBefore: round1(loadBefore[0]),
    loadAverage1mAfter: round1(loadavg()[0]),
  };
  const results = {
    date: startedAt.toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    machine,
    commands: overhead.commands,
    floor: overhead.floor,
    overhead: { samplesPerCommand: overhead.samplesPerCommand, warmupRounds: overhead.warmupRounds, caPacing: overhead.caPacing },
    graphCalls,
    scale,
    throttling,
    userLatency,
    dependencies,
    bulkRestore,
    suiteTargets,
    historyStorage,
    targets,
  };
  writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
  console.log(
    `Benchmark ${results.date} · ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB · Node ${machine.node} · load average ${machine.loadAverage1mBefore} → ${machine.loadAverage1mAfter} · ${results.durationSeconds} s\n`,
  );
  console.log(formatReport(overhead, graphCalls, scale, throttling, userLatency, dependencies, bulkRestore, targets, [formatSuiteTargets(suiteTargets), formatHistoryStorage(historyStorage)]));
  console.log(`\nWritten to ${RESULTS}`);
}

const round1 = (value: number) => Math.round(value * 10) / 10;

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
