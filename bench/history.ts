import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ChangeHistory, type LiveSource } from '../src/core/history';
import { DirectoryNames } from '../src/core/directoryNames';
import type { GraphObject } from '../src/core/model';
import { createMemoryStateStore, type StateStore } from '../src/store';

/**
 * Change history storage: what one version costs in the store, and what a poll cycle costs
 * when nothing changed and when a few objects did. Runs the history recorder in process
 * against a memory store that counts every call and the bytes written, with a tenant of
 * `OBJECTS` live CA policies shaped like real ones. Part 9 of `npm run bench`; `npx tsx bench/history.ts`
 * prints it alone as JSON.
 */

const OBJECTS = Number(process.env.HISTORY_BENCH_OBJECTS ?? 1000);
const CHANGED = 5;

function policy(index: number): GraphObject {
  return {
    id: randomUUID(),
    displayName: `CA${String(index).padStart(4, '0')} - Require MFA for pilot group ${index % 50}`,
    state: 'enabled',
    createdDateTime: '2025-01-01T00:00:00Z',
    modifiedDateTime: null,
    conditions: {
      clientAppTypes: ['all'],
      applications: { includeApplications: ['All'], excludeApplications: [] },
      users: { includeUsers: [], excludeUsers: [], includeGroups: [randomUUID()], excludeGroups: [randomUUID(), randomUUID()], includeRoles: [], excludeRoles: [] },
      locations: { includeLocations: ['All'], excludeLocations: [randomUUID()] },
    },
    grantControls: { operator: 'OR', builtInControls: ['mfa'], customAuthenticationFactors: [], termsOfUse: [] },
    sessionControls: null,
  };
}

function countingStore(inner: StateStore) {
  const counts = { gets: 0, puts: 0, lists: 0, deletes: 0, bytesWritten: 0 };
  const store: StateStore = {
    get: (key) => (counts.gets++, inner.get(key)),
    put: (key, value, condition) => {
      counts.puts++;
      counts.bytesWritten += Buffer.byteLength(JSON.stringify(value));
      return inner.put(key, value, condition);
    },
    delete: (key, condition) => (counts.deletes++, inner.delete(key, condition)),
    list: (prefix) => (counts.lists++, inner.list(prefix)),
    appendAudit: (entry) => inner.appendAudit(entry),
    readAudit: (options) => inner.readAudit(options),
    close: () => inner.close(),
  };
  const take = () => {
    const snapshot = { ...counts };
    Object.assign(counts, { gets: 0, puts: 0, lists: 0, deletes: 0, bytesWritten: 0 });
    return snapshot;
  };
  return { store, take };
}

export type HistoryStorageResult = Awaited<ReturnType<typeof measureHistoryStorage>>;

export async function measureHistoryStorage() {
  const policies = Array.from({ length: OBJECTS }, (_, i) => policy(i));
  const live: LiveSource = { listLive: async () => ({ listings: { ca: policies.map((p) => structuredClone(p)) }, failures: [] }) };
  const { store, take } = countingStore(createMemoryStateStore());
  const history = new ChangeHistory({
    store,
    live,
    audit: { directoryAudits: async () => [] },
    names: { directoryNames: async () => new DirectoryNames() },
    retentionDays: 365,
  });
  const timed = async () => {
    const started = performance.now();
    const cycle = await history.record();
    return { ms: Math.round(performance.now() - started), versionsWritten: cycle.written, store: take() };
  };
  const baseline = await timed();
  const quiet = await timed();
  for (const p of policies.slice(0, CHANGED)) p.state = 'disabled';
  const changed = await timed();
  const versionBytes = Buffer.byteLength(JSON.stringify({ kind: 'ca', key: policies[0].id, n: 2, hash: 'x'.repeat(22), seenAt: new Date().toISOString(), object: policies[0] }));
  const indexBytes = Buffer.byteLength(JSON.stringify((await store.get(`history/index/ca/${String(policies[0].id).toLowerCase()}`))?.value));
  return {
    liveObjects: OBJECTS,
    perVersion: { versionRecordBytes: versionBytes, indexRecordBytesWithTwoVersions: indexBytes, writesPerChangedObject: changed.store.puts / CHANGED },
    baselineCycle: baseline,
    quietCycle: quiet,
    cycleWithChanges: { changedObjects: CHANGED, ...changed },
  };
}

if (require.main === module) {
  measureHistoryStorage().then(
    (result) => console.log(JSON.stringify(result, null, 2)),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
