import assert from 'node:assert/strict';
import { AccessControl, type Actor } from '../../src/core/access';
import type { ChangeRequest } from '../../src/core/approvals';
import { Gatekeeper } from '../../src/core/gatekeeper';
import type { GraphObject, ItemRef } from '../../src/core/model';
import type { PartnerDirectory } from '../../src/core/partnerChanges';
import type { RecycleBin, RecycleBinWriter } from '../../src/core/recycleBin';
import type { SelfTestGraph } from '../../src/core/selfTest';
import { RequestRunner, type RequestNotifier } from '../../src/core/requestRunner';
import { ChangeRequests } from '../../src/core/requests';
import { createMemoryStateStore } from '../../src/store/memory';
import { StoreUnavailableError, type StateStore } from '../../src/store/port';
import { hang, scriptedReads, storeOfProcess, UNUSED_PARTNERS, UNUSED_SELF_TEST_GRAPH } from './scriptedProcess';

/**
 * The request runner in-process: the memory store, and a scripted tenant instead of Graph.
 * A "process" is a runner with its own connections to the store and the tenant; killing it
 * makes every later call of those connections hang, as a dead process's calls would.
 */

const TENANT = 'b5c3c6a1-7f2e-4d8a-9e1b-3c4d5e6f7a80';
const POLICY = '0f5c9b8e-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
const LOCATION = '7d2e4f6a-8b0c-4d1e-9f2a-3b4c5d6e7f80';
const ALEX: Actor = { aadObjectId: 'a1a1a1a1-0000-4000-8000-000000000001', name: 'Alex' };
const MEGAN: Actor = { aadObjectId: 'b2b2b2b2-0000-4000-8000-000000000002', name: 'Megan' };
const ADELE: Actor = { aadObjectId: 'c3c3c3c3-0000-4000-8000-000000000003', name: 'Adele' };
const REPORT_ONLY = 'enabledForReportingButNotEnforced';
const LEASE_MS = 30_000;

const tick = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));

/** The tenant: recycle bins and live objects, shared by every process. */
class ScriptedTenant {
  readonly deleted = new Map<string, GraphObject>();
  readonly live = new Map<string, GraphObject>();
  /** Every write that reached the tenant, in order: "restore <kind>/<id>", "report-only <id>". */
  readonly writes: string[] = [];
  /** Set to make the report-only PATCH fail the way Graph refuses it. */
  refuseReportOnly = false;

  constructor() {
    const deletedDateTime = '2026-11-20T10:00:00Z';
    this.deleted.set(`locations/${LOCATION}`, { id: LOCATION, displayName: 'Head office', deletedDateTime });
    this.deleted.set(`ca/${POLICY}`, { id: POLICY, displayName: 'CA001 Require MFA', state: 'enabled', deletedDateTime, conditions: { locations: { includeLocations: [LOCATION] } } });
  }

  stateOfPolicy(): unknown {
    return this.live.get(`ca/${POLICY}`)?.state;
  }
}

/** One process's view: its Graph connection (RecycleBin, writer, partners) and its store connection. */
class Process {
  dead = false;
  private writesSeen = 0;

  constructor(
    readonly tenant: ScriptedTenant,
    private readonly sharedStore: StateStore,
    /** The process dies after this many of its Graph writes took effect (0: at its first write, before it reaches Graph). */
    private readonly dieAfterWrites = Infinity,
  ) {}

  private alive<T>(work: () => Promise<T>): Promise<T> {
    return this.dead ? hang<T>() : work();
  }

  /** A write: applied unless the process is dead, and the process may die before seeing the answer. */
  private async write<T>(description: string, apply: () => T): Promise<T> {
    if (this.dead || this.writesSeen === this.dieAfterWrites) {
      this.dead = true;
      return hang<T>();
    }
    const result = apply();
    this.tenant.writes.push(description);
    this.writesSeen++;
    if (this.writesSeen === this.dieAfterWrites) {
      this.dead = true;
      return hang<T>();
    }
    return result;
  }

  readonly graph: RecycleBin & RecycleBinWriter & PartnerDirectory & SelfTestGraph = {
    ...UNUSED_PARTNERS,
    ...UNUSED_SELF_TEST_GRAPH,
    ...scriptedReads(() => this.tenant, (work) => this.alive(work)),
    organisationName: async () => undefined,
    restore: (ref: ItemRef) =>
      this.write(`restore ${ref.kind}/${ref.id}`, () => {
        const key = `${ref.kind}/${ref.id}`;
        const item = this.tenant.deleted.get(key);
        if (!item) throw Object.assign(new Error('not found'), { status: 404, code: 'NotFound' });
        this.tenant.deleted.delete(key);
        const { deletedDateTime: _deleted, ...restored } = item;
        this.tenant.live.set(key, restored);
        return { item: restored, requestId: `req-${this.tenant.writes.length + 1}` };
      }),
    // One $batch is one write: the process may die after Graph applied all of it, before seeing the answer.
    restoreBatch: (refs: ItemRef[]) =>
      this.write(`batch ${refs.map((ref) => `${ref.kind}/${ref.id}`).join(' ')}`, () =>
        refs.map((ref) => {
          const key = `${ref.kind}/${ref.id}`;
          const item = this.tenant.deleted.get(key);
          if (!item) return { ref, ok: false as const, status: 404, code: 'Request_ResourceNotFound', message: 'not found' };
          this.tenant.deleted.delete(key);
          const { deletedDateTime: _deleted, ...restored } = item;
          this.tenant.live.set(key, restored);
          return { ref, ok: true as const, requestId: `req-${ref.id.slice(0, 8)}` };
        }),
      ),
    setReportOnly: (policyId: string) =>
      this.write(`report-only ${policyId}`, () => {
        if (this.tenant.refuseReportOnly) throw Object.assign(new Error('Forbidden'), { status: 403, code: 'Authorization_RequestDenied', requestId: 'req-refused' });
        const policy = this.tenant.live.get(`ca/${policyId}`);
        if (!policy) throw Object.assign(new Error('not found'), { status: 404, code: 'NotFound' });
        policy.state = REPORT_ONLY;
        return { requestId: `req-${this.tenant.writes.length + 1}` };
      }),
  };

  /** The shared store as this process reaches it: every call hangs once the process is dead. */
  get store(): StateStore {
    return storeOfProcess(this.sharedStore, (work) => this.alive(work));
  }
}

/** What the runner told Teams, in order. */
class RecordingNotifier implements RequestNotifier {
  readonly events: { event: 'card' | 'finished'; state: ChangeRequest['state'] }[] = [];

  async cardChanged(request: ChangeRequest): Promise<void> {
    this.events.push({ event: 'card', state: request.state });
  }

  async requestFinished(request: ChangeRequest): Promise<void> {
    this.events.push({ event: 'finished', state: request.state });
  }
}

describe('request runner', () => {
  let clock: number;
  let tenant: ScriptedTenant;
  let store: StateStore;
  const now = () => new Date(clock);

  beforeEach(() => {
    clock = Date.parse('2026-11-22T10:00:00Z');
    tenant = new ScriptedTenant();
    store = createMemoryStateStore();
  });

  /** Makes this process's restores wait until the returned function is called (work that takes long). */
  function holdRestores(process: Process): () => void {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const restore = process.graph.restore;
    process.graph.restore = async (ref) => {
      await gate;
      return restore(ref);
    };
    return release;
  }

  function start(name: string, options: { dieAfterWrites?: number; store?: StateStore } = {}) {
    const process = new Process(tenant, options.store ?? store, options.dieAfterWrites);
    const access = new AccessControl({ operatorIds: [ALEX.aadObjectId], approverIds: [MEGAN.aadObjectId, ADELE.aadObjectId] }, { memberGroups: async () => [] }, now);
    const requests = new ChangeRequests({
      store: process.store,
      bin: process.graph,
      writer: process.graph,
      partners: process.graph,
      selfTestGraph: process.graph,
      access,
      gatekeeper: new Gatekeeper({ access, store: process.store, now }),
      settings: { ttlHours: 24, requiredApprovals: 1, allowSelfApproval: false },
      now,
    });
    const notifier = new RecordingNotifier();
    const runner = new RequestRunner({ requests, notifier, instanceId: name, claim: { leaseMs: LEASE_MS, renewEveryMs: 10 }, now });
    return { process, requests, runner, notifier };
  }

  /** Alex asks for the policy back in report-only; its deleted named location comes first. */
  async function askForReportOnlyRestore(requests: ChangeRequests): Promise<string> {
    const created = await requests.create({ actor: ALEX, ref: { kind: 'ca', id: POLICY }, reportOnly: true, reason: 'deleted by mistake', tenantId: TENANT, conversation: {} });
    assert.ok(created.ok, created.ok ? '' : created.message);
    assert.deepEqual(created.value.action.type === 'restore' && created.value.action.dependencies.map((d) => d.id), [LOCATION]);
    return created.value.id;
  }

  const stored = async (id: string) => (await store.get<ChangeRequest>(`requests/${id}`))!.value;
  const story = async (id: string) => (await store.readAudit({ limit: 50, requestId: id })).map((entry) => entry.action).reverse();
  const allWrites = [`restore locations/${LOCATION}`, `restore ca/${POLICY}`, `report-only ${POLICY}`];

  describe('a crash after each Graph step of a dependency + report-only restore', () => {
    for (const dieAfterWrites of [0, 1, 2, 3]) {
      it(`after ${dieAfterWrites} of 3 writes: the runner that takes over completes the plan, each write once, and the policy is report-only`, async () => {
        const a = start('a', { dieAfterWrites });
        const id = await askForReportOnlyRestore(a.requests);
        const approved = await a.runner.approve(id, MEGAN, TENANT, undefined);
        assert.ok(approved.ok && approved.value.state === 'executing');
        while (!a.process.dead) await tick(5);
        assert.deepEqual(tenant.writes, allWrites.slice(0, dieAfterWrites));

        const b = start('b');
        assert.deepEqual(await b.runner.sweep(), [], 'the claim still holds: nothing is taken over');
        assert.equal((await stored(id)).state, 'executing');
        clock += LEASE_MS + 1;
        const closed = await b.runner.sweep();

        assert.deepEqual(closed.map((r) => r.state), ['succeeded']);
        assert.deepEqual(tenant.writes, allWrites, 'every step ran exactly once over both processes');
        assert.equal(tenant.stateOfPolicy(), REPORT_ONLY);
        const request = await stored(id);
        assert.equal(request.state, 'succeeded');
        assert.equal(request.claim, undefined);
        assert.deepEqual(request.execution?.steps.map((s) => `${s.step} ${s.outcome}${s.message ? ` (${s.message})` : ''}`), [
          ...['restore', 'restore', 'set report-only'].slice(0, dieAfterWrites).map((step) => `${step} done (found done when resumed)`),
          ...['restore', 'restore', 'set report-only'].slice(dieAfterWrites).map((step) => `${step} done`),
        ]);
        assert.deepEqual(await story(id), ['request.created', 'request.approved', 'request.executing', 'request.resumed', 'request.succeeded']);
        assert.deepEqual(b.notifier.events, [{ event: 'card', state: 'succeeded' }, { event: 'finished', state: 'succeeded' }]);
      });
    }

    it('a report-only switch that still fails after the takeover fails loudly, naming the live state', async () => {
      const a = start('a', { dieAfterWrites: 2 });
      const id = await askForReportOnlyRestore(a.requests);
      await a.runner.approve(id, MEGAN, TENANT, undefined);
      while (!a.process.dead) await tick(5);
      assert.equal(tenant.stateOfPolicy(), 'enabled', 'the crash left the policy enforcing');

      tenant.refuseReportOnly = true;
      const b = start('b');
      clock += LEASE_MS + 1;
      const [closed] = await b.runner.sweep();
      assert.equal(closed.state, 'failed', 'never a false "restored"');
      assert.match(closed.execution?.failure ?? '', /switching it to report-only failed \(Authorization_RequestDenied\)\. The policy is ENFORCED: check it now/);
      assert.deepEqual(await story(id), ['request.created', 'request.approved', 'request.executing', 'request.resumed', 'request.failed']);
    });
  });

  describe('two runners on one request', () => {
    it('only one approval executes it, whichever instance each click reaches', async () => {
      const a = start('a');
      const b = start('b');
      const id = await askForReportOnlyRestore(a.requests);
      const [byMegan, byAdele] = await Promise.all([a.runner.approve(id, MEGAN, TENANT, undefined), b.runner.approve(id, ADELE, TENANT, undefined)]);
      assert.equal([byMegan, byAdele].filter((r) => r.ok).length, 1, 'one approval wins the compare-and-set');
      await Promise.all([a.runner.idle(), b.runner.idle()]);
      assert.deepEqual(tenant.writes, allWrites);
      assert.equal((await stored(id)).state, 'succeeded');
    });

    it('a sweep on another instance leaves a request alone while its executor holds the claim, however long the work takes', async () => {
      const a = start('a');
      const id = await askForReportOnlyRestore(a.requests);
      const release = holdRestores(a.process);
      await a.runner.approve(id, MEGAN, TENANT, undefined);
      const b = start('b');
      // Twenty-second steps, each shorter than the lease, five leases in all.
      for (let step = 0; step < 8; step++) {
        clock += 20_000;
        // A's heartbeat renews the claim from the new time (waited for, not assumed to happen within some milliseconds).
        while (Date.parse((await stored(id)).claim?.expiresAt ?? '') < clock + LEASE_MS) await tick(5);
        assert.deepEqual(await b.runner.sweep(), []);
        assert.equal((await stored(id)).state, 'executing');
      }
      assert.deepEqual(tenant.writes, [], 'B wrote nothing to Graph');
      release();
      await a.runner.idle();
      assert.equal((await stored(id)).state, 'succeeded');
      assert.deepEqual(tenant.writes, allWrites);
      assert.deepEqual(b.notifier.events, [], 'B never closed it');
      assert.equal((await story(id)).filter((action) => action === 'request.succeeded').length, 1);
    });

    it('two sweeps racing for a lapsed claim: exactly one takes the request over', async () => {
      const a = start('a', { dieAfterWrites: 1 });
      const id = await askForReportOnlyRestore(a.requests);
      await a.runner.approve(id, MEGAN, TENANT, undefined);
      while (!a.process.dead) await tick(5);
      const b = start('b');
      const c = start('c');
      clock += LEASE_MS + 1;
      const [byB, byC] = await Promise.all([b.runner.sweep(), c.runner.sweep()]);
      assert.equal(byB.length + byC.length, 1);
      assert.deepEqual(tenant.writes, allWrites);
      assert.equal((await story(id)).filter((action) => action === 'request.resumed').length, 1);
    });

    it('an executor cut off from the store past its lease stops before its next step and never closes the request', async () => {
      let partitioned = false;
      const flaky: StateStore = new Proxy(store, {
        get: (target, property: keyof StateStore) => {
          const member = target[property];
          if (typeof member !== 'function') return member;
          return (...args: unknown[]) => (partitioned ? Promise.reject(new StoreUnavailableError('unreachable (ETIMEDOUT)')) : (member as (...a: unknown[]) => Promise<unknown>).apply(target, args));
        },
      });
      const a = start('a', { store: flaky });
      const id = await askForReportOnlyRestore(a.requests);
      const release = holdRestores(a.process);
      await a.runner.approve(id, MEGAN, TENANT, undefined);
      partitioned = true;
      clock += LEASE_MS + 1;
      const b = start('b');
      const taken = b.runner.sweep();
      release();
      const [closed] = await taken;
      partitioned = false;
      await a.runner.idle();
      assert.equal(closed.state, 'succeeded');
      assert.deepEqual(tenant.writes, allWrites, "A's in-flight restore and B's remaining steps, nothing twice");
      assert.deepEqual(a.notifier.events, [{ event: 'card', state: 'executing' }], 'A told nobody it finished');
      assert.equal((await story(id)).filter((action) => action === 'request.succeeded').length, 1);
    });
  });

  it('an outcome the store refused to write is completed by the sweep: card, requester and audit', async () => {
    let refuseOutcome = true;
    const refusing: StateStore = new Proxy(store, {
      get: (target, property: keyof StateStore) => {
        if (property !== 'put') return target[property];
        return async (key: string, value: ChangeRequest, condition: never) => {
          if (refuseOutcome && value.state === 'succeeded') {
            refuseOutcome = false;
            throw new StoreUnavailableError('State store unavailable (EIO)', { code: 'EIO' });
          }
          return target.put(key, value, condition);
        };
      },
    });
    const a = start('a', { store: refusing });
    const id = await askForReportOnlyRestore(a.requests);
    await a.runner.approve(id, MEGAN, TENANT, undefined);
    await a.runner.idle();
    assert.equal((await stored(id)).state, 'executing', 'the outcome write failed');
    assert.deepEqual(a.notifier.events, [{ event: 'card', state: 'executing' }]);

    assert.deepEqual(await a.runner.sweep(), [], 'not before the claim lapses');
    clock += LEASE_MS + 1;
    const [closed] = await a.runner.sweep();
    assert.equal(closed.state, 'succeeded');
    assert.deepEqual(tenant.writes, allWrites, 'nothing ran twice');
    assert.deepEqual(a.notifier.events.slice(1), [{ event: 'card', state: 'succeeded' }, { event: 'finished', state: 'succeeded' }]);
    assert.deepEqual(await story(id), ['request.created', 'request.approved', 'request.executing', 'request.resumed', 'request.succeeded']);
  });

  it('audit entries whose append failed are appended by the sweep, once each', async () => {
    const a = start('a');
    const append = store.appendAudit.bind(store);
    store.appendAudit = async () => {
      throw new StoreUnavailableError('State store unavailable (EIO): audit log refused', { code: 'EIO' });
    };
    const id = await askForReportOnlyRestore(a.requests);
    await a.runner.approve(id, MEGAN, TENANT, undefined);
    await a.runner.idle();
    store.appendAudit = append;
    assert.equal((await stored(id)).state, 'succeeded', 'the change itself was not held up');
    assert.deepEqual(await story(id), []);
    assert.equal((await stored(id)).unaudited?.length, 4);

    await a.runner.sweep();
    assert.deepEqual(await story(id), ['request.created', 'request.approved', 'request.executing', 'request.succeeded']);
    assert.equal((await stored(id)).unaudited?.length, 0);
    await a.runner.sweep();
    assert.equal((await store.readAudit({ limit: 50, requestId: id })).length, 4, 'a second sweep adds nothing');
  });
});
