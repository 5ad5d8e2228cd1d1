import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { AccessControl, type Actor } from '../../src/core/access';
import type { ChangeRequest } from '../../src/core/approvals';
import { DirectoryNames } from '../../src/core/directoryNames';
import { Gatekeeper } from '../../src/core/gatekeeper';
import { ChangeHistory, indexKey, versionKey, type HistoryIndex, type StoredVersion } from '../../src/core/history';
import type { GraphObject, ItemRef } from '../../src/core/model';
import { RequestRunner } from '../../src/core/requestRunner';
import { ChangeRequests } from '../../src/core/requests';
import type { TestKind } from '../../src/core/selfTest';
import type { TrackedKindId } from '../../src/core/trackedKinds';
import { createMemoryStateStore } from '../../src/store/memory';
import type { StateStore } from '../../src/store/port';
import { hang, storeOfProcess } from './scriptedProcess';

/**
 * Recreate in-process, with the memory store: a process dies at each point of a two-object
 * recreate (a purged location, then the policy that used it), and the process that takes the
 * request over completes it without creating anything twice.
 */

const TENANT = 'b5c3c6a1-7f2e-4d8a-9e1b-3c4d5e6f7a80';
const POLICY = '0f5c9b8e-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
const LOCATION = '7d2e4f6a-8b0c-4d1e-9f2a-3b4c5d6e7f80';
const ALEX: Actor = { aadObjectId: 'a1a1a1a1-0000-4000-8000-000000000001', name: 'Alex' };
const MEGAN: Actor = { aadObjectId: 'b2b2b2b2-0000-4000-8000-000000000002', name: 'Megan' };
const LEASE_MS = 30_000;
const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

const STORED_LOCATION: GraphObject = {
  '@odata.type': '#microsoft.graph.ipNamedLocation',
  id: LOCATION,
  displayName: 'Head office',
  isTrusted: true,
  ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '198.51.100.0/24' }],
  createdDateTime: '2025-01-01T00:00:00Z',
  modifiedDateTime: '2025-01-01T00:00:00Z',
};
const STORED_POLICY: GraphObject = {
  id: POLICY,
  displayName: 'CA001 Require MFA outside the office',
  state: 'enabled',
  createdDateTime: '2025-01-01T00:00:00Z',
  modifiedDateTime: null,
  conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] }, locations: { includeLocations: ['All'], excludeLocations: [LOCATION] } },
  grantControls: { operator: 'OR', builtInControls: ['mfa'] },
};

/** The tenant: what is live now (the old objects are purged), shared by every process. */
class Tenant {
  readonly live = new Map<string, GraphObject>();
  readonly posts: { kind: TestKind; body: GraphObject }[] = [];
}

/**
 * One process's connections. `dieAt` says when it dies: before write k reaches Graph
 * ('before'), or after Graph applied write k but before the answer came back ('after').
 */
class Process {
  dead = false;
  private writes = 0;
  constructor(
    private readonly tenant: Tenant,
    private readonly shared: StateStore,
    private readonly now: () => Date,
    private readonly dieAt?: { write: number; when: 'before' | 'after' },
  ) {}

  private alive<T>(work: () => Promise<T>): Promise<T> {
    return this.dead ? hang<T>() : work();
  }

  create = (kind: TestKind, body: GraphObject) => {
    this.writes++;
    if (this.dead || (this.dieAt?.when === 'before' && this.dieAt.write === this.writes)) {
      this.dead = true;
      return hang<{ value: GraphObject; requestId?: string }>();
    }
    const item = { ...structuredClone(body), id: randomUUID(), createdDateTime: this.now().toISOString() };
    this.tenant.live.set(`${kind}/${item.id}`, item);
    this.tenant.posts.push({ kind, body });
    if (this.dieAt?.when === 'after' && this.dieAt.write === this.writes) {
      this.dead = true;
      return hang<{ value: GraphObject; requestId?: string }>();
    }
    return Promise.resolve({ value: item, requestId: `req-${this.writes}` });
  };

  liveNamed = (kind: TestKind, displayName: string) =>
    this.alive(async () => ({ value: [...this.tenant.live.entries()].filter(([key, o]) => key.startsWith(`${kind}/`) && o.displayName === displayName).map(([, o]) => ({ id: o.id, displayName: o.displayName, createdDateTime: o.createdDateTime })) }));

  readLiveObject = (kind: TrackedKindId, key: string) => this.alive(async () => this.tenant.live.get(`${kind}/${key}`));

  get store(): StateStore {
    return storeOfProcess(this.shared, (work) => this.alive(work));
  }
}

async function seedHistory(store: StateStore): Promise<void> {
  const seenAt = '2026-10-01T10:00:00.000Z';
  for (const [kind, object] of [['locations', STORED_LOCATION], ['ca', STORED_POLICY]] as const) {
    const key = String(object.id);
    await store.put<StoredVersion>(versionKey(kind, key, 1), { kind, key, n: 1, hash: 'h1', seenAt, object });
    await store.put<HistoryIndex>(indexKey(kind, key), { kind, key, name: String(object.displayName), versions: [{ n: 1, hash: 'h1', seenAt, change: 'baseline' }], goneAt: '2026-11-01T10:00:00.000Z' });
  }
}

describe('recreate, resumed after a crash', () => {
  let clock: number;
  let tenant: Tenant;
  let store: StateStore;
  const now = () => new Date(clock);

  beforeEach(async () => {
    clock = Date.parse('2026-11-22T10:00:00Z');
    tenant = new Tenant();
    store = createMemoryStateStore();
    await seedHistory(store);
  });

  function start(name: string, dieAt?: { write: number; when: 'before' | 'after' }) {
    const process = new Process(tenant, store, now, dieAt);
    const pstore = process.store;
    const access = new AccessControl({ operatorIds: [ALEX.aadObjectId], approverIds: [MEGAN.aadObjectId] }, { memberGroups: async () => [] }, now);
    const unused = () => hang<never>();
    const bin = { listDeleted: async () => [], getDeleted: async () => undefined, getDeletedDirectoryObject: async () => undefined, directoryNames: async () => new DirectoryNames() };
    const writer = { getLive: async (ref: ItemRef) => tenant.live.get(`${ref.kind}/${ref.id}`), restore: unused, restoreBatch: unused, setReportOnly: unused };
    const history = new ChangeHistory({
      store: pstore,
      live: { listLive: unused },
      audit: { directoryAudits: unused },
      names: { directoryNames: async () => new DirectoryNames() },
      retentionDays: 365,
      now,
    });
    const requests = new ChangeRequests({
      store: pstore,
      bin,
      writer,
      partners: { listPartners: unused, getPartner: unused, getPartnerSync: unused, createPartner: unused, patchPartner: unused, putPartnerSync: unused, deletePartnerSync: unused, deletePartner: unused, organisationName: async () => undefined },
      selfTestGraph: { create: process.create, liveNamed: process.liveNamed, deleteLive: unused, readLive: unused, readDeleted: unused, restore: unused, purge: unused, readAudit: unused },
      history,
      live: { writeLive: unused, updateAllowedCombinations: unused, createStrength: unused, strengthsNamed: unused, readLiveObject: process.readLiveObject },
      access,
      gatekeeper: new Gatekeeper({ access, store: pstore, now }),
      settings: { ttlHours: 24, requiredApprovals: 1, allowSelfApproval: false },
      now,
    });
    const runner = new RequestRunner({ requests, notifier: { cardChanged: async () => undefined, requestFinished: async () => undefined }, instanceId: name, claim: { leaseMs: LEASE_MS, renewEveryMs: 10 }, now });
    return { process, requests, runner };
  }

  const stored = async (id: string) => (await store.get<ChangeRequest>(`requests/${id}`))!.value;
  const liveOf = (kind: string) => [...tenant.live.entries()].filter(([key]) => key.startsWith(`${kind}/`)).map(([, o]) => o);

  const crashes = [
    { dieAt: { write: 1, when: 'before' as const }, words: 'before the location POST reached Graph' },
    { dieAt: { write: 1, when: 'after' as const }, words: 'after Graph created the location, before its answer was recorded' },
    { dieAt: { write: 2, when: 'before' as const }, words: 'after the location was created and recorded, before the policy POST' },
    { dieAt: { write: 2, when: 'after' as const }, words: 'after Graph created the policy, before its answer was recorded' },
  ];

  for (const { dieAt, words } of crashes) {
    it(`dies ${words}: the takeover creates each object exactly once, and the policy names the new location`, async () => {
      const a = start('a', dieAt);
      const asked = await a.requests.requestRecreate({ actor: ALEX, reason: 'purged by mistake', tenantId: TENANT, conversation: {}, recreate: { id: POLICY, reportOnly: true } });
      assert.ok(asked.ok, asked.ok ? '' : asked.message);
      const action = asked.value.action;
      assert.ok(action.type === 'recreate' && action.dependencies.length === 1);
      assert.ok((await a.runner.approve(asked.value.id, MEGAN, TENANT, undefined)).ok);
      while (!a.process.dead) await tick();

      clock += LEASE_MS + 1000;
      const b = start('b');
      const closed = await b.runner.sweep();
      assert.equal(closed.length, 1);
      const request = await stored(asked.value.id);
      assert.equal(request.state, 'succeeded', request.execution?.failure);

      assert.equal(liveOf('locations').length, 1, 'one location created');
      assert.equal(liveOf('ca').length, 1, 'one policy created');
      const location = liveOf('locations')[0];
      const policy = liveOf('ca')[0];
      assert.deepEqual((policy.conditions as { locations: unknown }).locations, { includeLocations: ['All'], excludeLocations: [location.id] });
      assert.equal(policy.state, 'enabledForReportingButNotEnforced');
      assert.deepEqual(
        request.execution?.created?.map((c) => [c.kind, c.id, c.replaces]),
        [
          ['locations', location.id, LOCATION],
          ['ca', policy.id, POLICY],
        ],
      );
      assert.equal(tenant.posts.length, 2, 'two POSTs in all, across both processes');
    });
  }
});
