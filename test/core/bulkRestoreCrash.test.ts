import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { AccessControl, type Actor } from '../../src/core/access';
import type { ChangeRequest, StepResult } from '../../src/core/approvals';
import { Gatekeeper } from '../../src/core/gatekeeper';
import type { GraphObject, ItemRef } from '../../src/core/model';
import type { PartnerDirectory } from '../../src/core/partnerChanges';
import { MAX_RESTORES_PER_BATCH, type BatchRestoreResult, type RecycleBin, type RecycleBinWriter } from '../../src/core/recycleBin';
import { RequestRunner, type RequestNotifier } from '../../src/core/requestRunner';
import { ChangeRequests } from '../../src/core/requests';
import type { SelfTestGraph } from '../../src/core/selfTest';
import { createMemoryStateStore } from '../../src/store/memory';
import { StoreUnavailableError, type StateStore } from '../../src/store/port';
import { hang, scriptedReads, storeOfProcess, UNUSED_PARTNERS, UNUSED_SELF_TEST_GRAPH } from './scriptedProcess';

/**
 * A bulk restore interrupted part-way, in-process: the memory store and a scripted tenant instead
 * of Graph. 45 deleted users (three $batch calls of at most 20) and 2 Conditional Access policies
 * (one by one) under one approval. The executor dies between batches, or during one whose answer
 * is lost, or cannot record its progress; the runner that takes the request over restores the
 * items left, never one already done, and the result lists every item once.
 */

const TENANT = 'b5c3c6a1-7f2e-4d8a-9e1b-3c4d5e6f7a80';
const ALEX: Actor = { aadObjectId: 'a1a1a1a1-0000-4000-8000-000000000001', name: 'Alex' };
const MEGAN: Actor = { aadObjectId: 'b2b2b2b2-0000-4000-8000-000000000002', name: 'Megan' };
const LEASE_MS = 30_000;
const USERS = 45;
const POLICIES = 2;

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));
const keyOf = (ref: { kind: string; id: string }) => `${ref.kind}/${ref.id}`;
const batchesFor = (items: number) => Math.ceil(items / MAX_RESTORES_PER_BATCH);

/** Deleted users and policies, and every restore call that reached the tenant, by which process. */
class ScriptedTenant {
  readonly deleted = new Map<string, GraphObject>();
  readonly live = new Map<string, GraphObject>();
  readonly users: string[] = [];
  readonly policies: string[] = [];
  /** One entry per call that reached Graph: a $batch with its items, or one restore. */
  readonly calls: { by: string; type: 'batch' | 'single'; items: string[] }[] = [];

  constructor() {
    const deletedDateTime = '2026-11-20T10:00:00Z';
    for (let n = 0; n < USERS; n++) {
      const id = randomUUID();
      this.users.push(id);
      this.deleted.set(`users/${id}`, { id, displayName: `Temp User ${String(n).padStart(2, '0')}`, userPrincipalName: `temp${n}@contoso.onmicrosoft.com`, deletedDateTime });
    }
    for (let n = 0; n < POLICIES; n++) {
      const id = randomUUID();
      this.policies.push(id);
      this.deleted.set(`ca/${id}`, { id, displayName: `CA00${n} Block legacy auth`, state: 'enabled', deletedDateTime, conditions: {} });
    }
  }

  /** Applies one restore: live again, out of the bin. */
  restoreOne(key: string): boolean {
    const item = this.deleted.get(key);
    if (!item) return false;
    this.deleted.delete(key);
    const { deletedDateTime: _deleted, ...restored } = item;
    this.live.set(key, restored);
    return true;
  }

  /** How many restore calls (inside a batch or alone) each item got, over every process. */
  restoresPerItem(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const call of this.calls) for (const item of call.items) counts.set(item, (counts.get(item) ?? 0) + 1);
    return counts;
  }

  callsBy(process: string) {
    return this.calls.filter((call) => call.by === process);
  }
}

/** How a process stops: before its nth write reaches Graph, or after Graph applied it and before the answer came back. */
type Death = { atWrite: number; answerLost: boolean };

/** One process's Graph and store connections; once dead, every call it makes hangs, as a dead process's would. */
class Process {
  dead = false;
  private writes = 0;

  constructor(
    readonly name: string,
    private readonly tenant: ScriptedTenant,
    private readonly sharedStore: StateStore,
    private readonly death?: Death,
  ) {}

  private alive<T>(work: () => Promise<T>): Promise<T> {
    return this.dead ? hang<T>() : work();
  }

  private async write<T>(call: { type: 'batch' | 'single'; items: string[] }, apply: () => T): Promise<T> {
    if (this.dead) return hang<T>();
    this.writes++;
    if (this.death?.atWrite === this.writes && !this.death.answerLost) {
      this.dead = true;
      return hang<T>();
    }
    const result = apply();
    this.tenant.calls.push({ by: this.name, ...call });
    if (this.death?.atWrite === this.writes) {
      this.dead = true;
      return hang<T>();
    }
    return result;
  }

  readonly graph: RecycleBin & RecycleBinWriter & PartnerDirectory & SelfTestGraph = {
    ...UNUSED_PARTNERS,
    ...UNUSED_SELF_TEST_GRAPH,
    ...scriptedReads(() => this.tenant, (work) => this.alive(work)),
    restore: (ref: ItemRef) =>
      this.write({ type: 'single', items: [keyOf(ref)] }, () => {
        if (!this.tenant.restoreOne(keyOf(ref))) throw Object.assign(new Error('not found'), { status: 404, code: 'Request_ResourceNotFound' });
        return { item: this.tenant.live.get(keyOf(ref))!, requestId: `req-${ref.id.slice(0, 8)}` };
      }),
    // One $batch is one write: Graph applies every item of it, then the answer may be lost.
    restoreBatch: (refs: ItemRef[]) =>
      this.write({ type: 'batch', items: refs.map(keyOf) }, () =>
        refs.map((ref): BatchRestoreResult =>
          this.tenant.restoreOne(keyOf(ref)) ? { ref, ok: true, requestId: `req-${ref.id.slice(0, 8)}` } : { ref, ok: false, status: 404, code: 'Request_ResourceNotFound', message: 'not found' },
        ),
      ),
    setReportOnly: () => hang(),
    organisationName: async () => undefined,
  };

  /** The shared store through this process: hangs once the process is dead. */
  store(through: StateStore = this.sharedStore): StateStore {
    return storeOfProcess(through, (work) => this.alive(work));
  }
}

class SilentNotifier implements RequestNotifier {
  readonly finished: ChangeRequest['state'][] = [];
  async cardChanged(): Promise<void> {}
  async requestFinished(request: ChangeRequest): Promise<void> {
    this.finished.push(request.state);
  }
}

describe('a bulk restore interrupted part-way', () => {
  let clock: number;
  let tenant: ScriptedTenant;
  let store: StateStore;
  const now = () => new Date(clock);

  beforeEach(() => {
    clock = Date.parse('2026-11-22T10:00:00Z');
    tenant = new ScriptedTenant();
    store = createMemoryStateStore();
  });

  function start(name: string, options: { death?: Death; store?: StateStore } = {}) {
    const process = new Process(name, tenant, store, options.death);
    const processStore = process.store(options.store ?? store);
    const access = new AccessControl({ operatorIds: [ALEX.aadObjectId], approverIds: [MEGAN.aadObjectId] }, { memberGroups: async () => [] }, now);
    const events: string[] = [];
    const log = (event: string) => void events.push(event);
    const requests = new ChangeRequests({
      store: processStore,
      bin: process.graph,
      writer: process.graph,
      partners: process.graph,
      selfTestGraph: process.graph,
      access,
      gatekeeper: new Gatekeeper({ access, store: processStore, now }),
      settings: { ttlHours: 24, requiredApprovals: 1, allowSelfApproval: false },
      now,
      log,
    });
    const notifier = new SilentNotifier();
    const runner = new RequestRunner({ requests, notifier, instanceId: name, claim: { leaseMs: LEASE_MS, renewEveryMs: 10 }, now, log });
    return { process, requests, runner, notifier, events };
  }

  /** Alex asks for all 47 items in one request; Megan approves it on the given runner. */
  async function askAndApprove(runner: ReturnType<typeof start>): Promise<string> {
    const refs = [...tenant.users.map((id) => ({ kind: 'users' as const, id })), ...tenant.policies.map((id) => ({ kind: 'ca' as const, id }))];
    const created = await runner.requests.createBulk({ actor: ALEX, refs, reportOnly: false, reason: 'a script deleted them', tenantId: TENANT, conversation: {} });
    assert.ok(created.ok, created.ok ? '' : created.message);
    assert.equal(created.value.action.type === 'restore.bulk' && created.value.action.items.length, USERS + POLICIES);
    const approved = await runner.runner.approve(created.value.id, MEGAN, TENANT, undefined);
    assert.ok(approved.ok && approved.value.state === 'executing');
    return created.value.id;
  }

  const stored = async (id: string) => (await store.get<ChangeRequest>(`requests/${id}`))!.value;
  const restoreSteps = (steps: StepResult[] | undefined) => (steps ?? []).filter((s) => s.step === 'restore');

  /** Every item restored by exactly one call over both processes, and listed once, restored, in the result. */
  async function assertEveryItemOnce(id: string): Promise<ChangeRequest> {
    const perItem = tenant.restoresPerItem();
    const all = [...tenant.users.map((u) => `users/${u}`), ...tenant.policies.map((p) => `ca/${p}`)];
    assert.deepEqual(all.filter((key) => perItem.get(key) !== 1), [], 'each item had exactly one restore call');
    assert.equal(perItem.size, all.length);
    assert.equal(tenant.deleted.size, 0, 'the recycle bin is empty');
    const request = await stored(id);
    assert.equal(request.state, 'succeeded', request.execution?.failure);
    const steps = restoreSteps(request.execution?.steps);
    assert.equal(steps.length, all.length, 'one result per item');
    assert.deepEqual(new Set(steps.map((s) => keyOf(s.item))), new Set(all), 'every item, once');
    assert.deepEqual([...new Set(steps.map((s) => s.outcome))], ['done']);
    assert.equal(request.claim, undefined);
    return request;
  }

  /** The taking-over runner's Graph calls: the minimum for the items left, CA one by one. */
  function assertMinimumCalls(process: string, usersLeft: number) {
    const calls = tenant.callsBy(process);
    assert.equal(calls.filter((c) => c.type === 'batch').length, batchesFor(usersLeft), `⌈${usersLeft}/20⌉ $batch calls`);
    assert.equal(calls.filter((c) => c.type === 'single').length, POLICIES, 'the CA policies one by one');
    assert.equal(calls.filter((c) => c.type === 'batch').reduce((n, c) => n + c.items.length, 0), usersLeft);
  }

  it('without a crash: ⌈45/20⌉ = 3 $batch calls and 2 single CA restores', async () => {
    const a = start('a');
    const id = await askAndApprove(a);
    await a.runner.idle();
    assertMinimumCalls('a', USERS);
    assert.deepEqual(tenant.callsBy('a').map((c) => `${c.type} ${c.items.length}`), ['batch 20', 'batch 20', 'batch 5', 'single 1', 'single 1'], 'users first, then CA');
    await assertEveryItemOnce(id);
  });

  it('dies after the first $batch was answered and recorded: the takeover restores the 25 users and 2 policies left', async () => {
    const a = start('a', { death: { atWrite: 2, answerLost: false } });
    const id = await askAndApprove(a);
    while (!a.process.dead) await tick();
    assert.deepEqual(tenant.callsBy('a').map((c) => c.items.length), [20], 'one batch reached Graph');
    assert.equal(restoreSteps((await stored(id)).execution?.steps).length, 20, 'its 20 results were recorded before the next batch');

    const b = start('b');
    assert.deepEqual(await b.runner.sweep(), [], 'the claim still holds');
    clock += LEASE_MS + 1;
    const [closed] = await b.runner.sweep();
    assert.equal(closed?.state, 'succeeded');
    assertMinimumCalls('b', USERS - 20);
    const request = await assertEveryItemOnce(id);
    assert.equal(restoreSteps(request.execution?.steps).filter((s) => s.message === 'found done when resumed').length, 0, 'nothing needed finding: every done item was recorded');
    assert.deepEqual(b.notifier.finished, ['succeeded']);
  });

  it('dies during the second $batch, whose answer is lost: the takeover finds those 20 done and restores the 5 users and 2 policies left', async () => {
    const a = start('a', { death: { atWrite: 2, answerLost: true } });
    const id = await askAndApprove(a);
    while (!a.process.dead) await tick();
    assert.deepEqual(tenant.callsBy('a').map((c) => c.items.length), [20, 20], 'Graph applied both batches');
    assert.equal(restoreSteps((await stored(id)).execution?.steps).length, 20, 'only the first batch was recorded');

    const b = start('b');
    clock += LEASE_MS + 1;
    const [closed] = await b.runner.sweep();
    assert.equal(closed?.state, 'succeeded');
    assertMinimumCalls('b', USERS - 40);
    const request = await assertEveryItemOnce(id);
    const found = restoreSteps(request.execution?.steps).filter((s) => s.message === 'found done when resumed');
    assert.deepEqual(new Set(found.map((s) => keyOf(s.item))), new Set(tenant.calls[1].items), 'the lost batch\'s items are found done, not restored again');
  });

  it('dies at the first CA restore, before it reaches Graph: the takeover runs only the two policies', async () => {
    const a = start('a', { death: { atWrite: 4, answerLost: false } });
    const id = await askAndApprove(a);
    while (!a.process.dead) await tick();
    const b = start('b');
    clock += LEASE_MS + 1;
    await b.runner.sweep();
    assertMinimumCalls('b', 0);
    await assertEveryItemOnce(id);
  });

  for (const refusal of ['the store is unreachable', 'the claim was taken'] as const) {
    it(`stops when its progress cannot be saved (${refusal}); the takeover resumes with the items left`, async () => {
      let refuseProgress = true;
      const refusing: StateStore = new Proxy(store, {
        get: (target, property: keyof StateStore) => {
          if (property !== 'put') return target[property];
          return async (key: string, value: ChangeRequest, condition: never) => {
            // The first progress write: after the first $batch, while the request is executing.
            if (refuseProgress && value.state === 'executing' && restoreSteps(value.execution?.steps).length > 0) {
              refuseProgress = false;
              if (refusal === 'the store is unreachable') throw new StoreUnavailableError('State store unavailable (ETIMEDOUT)', { code: 'ETIMEDOUT' });
              // Someone else's claim is stored first: the compare-and-set then declines this execution's write.
              const current = (await target.get<ChangeRequest>(key))!;
              await target.put(key, { ...current.value, claim: { owner: 'elsewhere', token: randomUUID(), expiresAt: new Date(clock).toISOString() } }, { ifMatch: current.etag });
            }
            return target.put(key, value, condition);
          };
        },
      });
      const a = start('a', { store: refusing });
      const id = await askAndApprove(a);
      await a.runner.idle();
      assert.deepEqual(tenant.callsBy('a').map((c) => `${c.type} ${c.items.length}`), ['batch 20'], 'A stopped after the batch it could not record');
      assert.ok(a.events.includes('request.progress_not_saved') && a.events.includes('request.claim_lost'), a.events.join(', '));
      assert.deepEqual(a.notifier.finished, [], 'A closed nothing');
      const before = await stored(id);
      assert.equal(before.state, 'executing');
      assert.equal(restoreSteps(before.execution?.steps).length, 0, 'nothing recorded');

      const b = start('b');
      clock += LEASE_MS + 1;
      const [closed] = await b.runner.sweep();
      assert.equal(closed?.state, 'succeeded');
      assertMinimumCalls('b', USERS - 20);
      const request = await assertEveryItemOnce(id);
      assert.deepEqual(
        new Set(restoreSteps(request.execution?.steps).filter((s) => s.message === 'found done when resumed').map((s) => keyOf(s.item))),
        new Set(tenant.calls[0].items),
        'the unrecorded batch is found done from Graph',
      );
    });
  }
});
