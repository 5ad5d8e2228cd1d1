import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { AccessControl, type Actor } from '../../src/core/access';
import type { ChangeRequest } from '../../src/core/approvals';
import { DirectoryNames } from '../../src/core/directoryNames';
import { Gatekeeper } from '../../src/core/gatekeeper';
import { kindById } from '../../src/core/kinds';
import type { GraphObject, ItemRef } from '../../src/core/model';
import type { PartnerDirectory } from '../../src/core/partnerChanges';
import type { RecycleBin, RecycleBinWriter } from '../../src/core/recycleBin';
import { RequestRunner, type RequestNotifier } from '../../src/core/requestRunner';
import { ChangeRequests } from '../../src/core/requests';
import { retryDelays, SELF_TEST_NAME_PREFIX, SELF_TEST_TIMING, type GraphAnswer, type SelfTestGraph, type TestKind } from '../../src/core/selfTest';
import { createMemoryStateStore } from '../../src/store/memory';
import type { StateStore } from '../../src/store/port';
import { hang } from './scriptedProcess';

/**
 * The self-test in-process: the memory store and a scripted tenant instead of Graph. A
 * "process" is a runner with its own connections; killing it makes every later call of those
 * connections hang, as a dead process's calls would. Whatever moment it dies at, the instance
 * that takes the request over leaves nothing of the self-test in the tenant.
 */

const TENANT = 'b5c3c6a1-7f2e-4d8a-9e1b-3c4d5e6f7a80';
const ALEX: Actor = { aadObjectId: 'a1a1a1a1-0000-4000-8000-000000000001', name: 'Alex' };
const MEGAN: Actor = { aadObjectId: 'b2b2b2b2-0000-4000-8000-000000000002', name: 'Megan' };
const ISAIAH: Actor = { aadObjectId: 'd4d4d4d4-0000-4000-8000-000000000004', name: 'Isaiah' };
const LEASE_MS = 30_000;

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));
const refused = (status: number, code: string) => Object.assign(new Error(code), { status, code, requestId: `req-${randomUUID()}` });

/** The tenant's two Conditional Access collections, their recycle bins and the audit log, shared by every process. */
class ScriptedTenant {
  readonly live = new Map<string, GraphObject>();
  readonly deleted = new Map<string, GraphObject>();
  readonly audit: GraphObject[] = [];
  /** Every write that took effect, in order: "create locations", "delete ca", … */
  readonly writes: string[] = [];
  /** Reads of an object in the recycle bin that answer 404 before it shows up there (eventual consistency). */
  binLag = 0;
  /** The audit log has not caught up yet. */
  auditLags = false;
  /** Calls refused with 403, by "<method> <kind>" (e.g. "restore locations"). */
  readonly refuse = new Set<string>();
  private requests = 0;

  answer<T>(value: T): GraphAnswer<T> {
    return { value, requestId: `req-${++this.requests}` };
  }

  named(): GraphObject[] {
    return [...this.live.values(), ...this.deleted.values()].filter((item) => String(item.displayName).startsWith(SELF_TEST_NAME_PREFIX));
  }
}

const keyOf = (ref: ItemRef) => `${ref.kind}/${ref.id}`;

/** One process's view: its Graph connection and its store connection. */
class Process {
  dead = false;
  private writesSeen = 0;
  private readonly binReads = new Map<string, number>();

  constructor(
    readonly tenant: ScriptedTenant,
    private readonly sharedStore: StateStore,
    /** The process dies after this many of its Graph writes took effect, before seeing the answer (0: at its first write, before it reaches Graph). */
    private readonly dieAfterWrites = Infinity,
    /** The process dies as it writes a request's outcome (succeeded or failed) to the store. */
    private readonly dieAtOutcome = false,
  ) {}

  private alive<T>(work: () => T | Promise<T>): Promise<T> {
    return this.dead ? hang<T>() : Promise.resolve().then(work);
  }

  private async write<T>(description: string, apply: () => T): Promise<T> {
    if (this.dead || this.writesSeen === this.dieAfterWrites) {
      this.dead = true;
      return hang<T>();
    }
    if (this.tenant.refuse.has(description)) throw refused(403, 'Authorization_RequestDenied');
    const result = apply();
    this.tenant.writes.push(description);
    this.writesSeen++;
    if (this.writesSeen === this.dieAfterWrites) {
      this.dead = true;
      return hang<T>();
    }
    return result;
  }

  readonly graph: SelfTestGraph = {
    create: (kind: TestKind, body: GraphObject) =>
      this.write(`create ${kind}`, () => {
        const item = { ...body, id: randomUUID(), createdDateTime: new Date().toISOString() };
        this.tenant.live.set(`${kind}/${item.id}`, item);
        return this.tenant.answer<GraphObject>(item);
      }),
    deleteLive: (ref) =>
      this.write(`delete ${ref.kind}`, () => {
        const item = this.tenant.live.get(keyOf(ref));
        if (!item) throw refused(404, 'NotFound');
        if (ref.kind === 'locations' && [...this.tenant.live.entries()].some(([key, policy]) => key.startsWith('ca/') && JSON.stringify(policy).includes(ref.id))) throw refused(400, 'BadRequest');
        this.tenant.live.delete(keyOf(ref));
        this.tenant.deleted.set(keyOf(ref), { ...item, deletedDateTime: new Date().toISOString() });
        this.tenant.audit.push({ activityDisplayName: kindById(ref.kind).audit.deleteActivity, activityDateTime: new Date().toISOString(), targetResources: [{ id: ref.id }], initiatedBy: { app: { displayName: 'Recycle Bin' } } });
        return this.tenant.answer(undefined);
      }),
    readLive: (ref) => this.alive(() => this.tenant.answer(this.tenant.live.get(keyOf(ref)))),
    readDeleted: (ref) =>
      this.alive(() => {
        const reads = (this.binReads.get(keyOf(ref)) ?? 0) + 1;
        this.binReads.set(keyOf(ref), reads);
        return this.tenant.answer(reads > this.tenant.binLag ? this.tenant.deleted.get(keyOf(ref)) : undefined);
      }),
    restore: (ref) =>
      this.write(`restore ${ref.kind}`, () => {
        const item = this.tenant.deleted.get(keyOf(ref));
        if (!item) throw refused(404, 'NotFound');
        this.tenant.deleted.delete(keyOf(ref));
        const { deletedDateTime: _deleted, ...live } = item;
        this.tenant.live.set(keyOf(ref), live);
        return { item: live, requestId: `req-restore-${ref.id}` };
      }),
    purge: (ref) =>
      this.write(`purge ${ref.kind}`, () => {
        if (!this.tenant.deleted.delete(keyOf(ref))) throw refused(404, 'NotFound');
        return this.tenant.answer(undefined);
      }),
    readAudit: () => this.alive(() => this.tenant.answer(this.tenant.auditLags ? [] : [...this.tenant.audit])),
    liveNamed: (kind, name) => this.alive(() => this.tenant.answer([...this.tenant.live.entries()].filter(([key, item]) => key.startsWith(`${kind}/`) && item.displayName === name).map(([, item]) => item))),
  };

  /** What restores and partner changes need; the self-test never calls them. */
  readonly others: RecycleBin & RecycleBinWriter & PartnerDirectory = {
    listDeleted: () => hang(),
    getDeleted: () => hang(),
    getDeletedDirectoryObject: () => hang(),
    getLive: () => hang(),
    restore: () => hang(),
    restoreBatch: () => hang(),
    setReportOnly: () => hang(),
    directoryNames: async () => new DirectoryNames(),
    organisationName: async () => undefined,
    listPartners: () => hang(),
    getPartner: () => hang(),
    getPartnerSync: () => hang(),
    createPartner: () => hang(),
    patchPartner: () => hang(),
    putPartnerSync: () => hang(),
    deletePartnerSync: () => hang(),
    deletePartner: () => hang(),
  };

  get store(): StateStore {
    return new Proxy(this.sharedStore, {
      get: (target, property: keyof StateStore) => {
        const member = target[property];
        if (property === 'put' && this.dieAtOutcome) {
          return (key: string, value: { state?: string }, condition?: unknown) => {
            if (key.startsWith('requests/') && (value.state === 'succeeded' || value.state === 'failed')) this.dead = true;
            return this.alive(() => target.put(key, value, condition as never));
          };
        }
        return typeof member === 'function' ? (...args: unknown[]) => this.alive(() => (member as (...a: unknown[]) => Promise<unknown>).apply(target, args)) : member;
      },
    });
  }
}

class RecordingNotifier implements RequestNotifier {
  readonly states: ChangeRequest['state'][] = [];
  async cardChanged(request: ChangeRequest): Promise<void> {
    this.states.push(request.state);
  }
  async requestFinished(): Promise<void> {}
}

/** Every step as "mark step kind: message" for assertions. */
const lines = (request: ChangeRequest) =>
  (request.execution?.steps ?? []).map((s) => `${s.outcome === 'done' ? '✓' : s.outcome === 'failed' ? '✗' : '⚠'} ${s.step} ${s.item.kind}`);

const FULL_RUN = [
  '✓ create locations', '✓ create ca', '✓ delete ca', '✓ delete locations',
  '✓ find in recycle bin ca', '✓ find in recycle bin locations', '✓ read audit log ca', '✓ read audit log locations',
  '✓ restore locations', '✓ restore ca', '✓ confirm live locations', '✓ confirm live ca',
  '✓ delete ca', '✓ delete locations', '✓ purge ca', '✓ purge locations',
];

const ALL_WRITES = ['create locations', 'create ca', 'delete ca', 'delete locations', 'restore locations', 'restore ca', 'delete ca', 'delete locations', 'purge ca', 'purge locations'];

describe('selftest in-process', () => {
  let clock: number;
  let tenant: ScriptedTenant;
  let store: StateStore;
  let sleeps: number[];
  const now = () => new Date(clock);

  beforeEach(() => {
    clock = Date.parse('2026-11-22T10:00:00Z');
    tenant = new ScriptedTenant();
    store = createMemoryStateStore();
    sleeps = [];
  });

  function start(name: string, options: { dieAfterWrites?: number; dieAtOutcome?: boolean; approvers?: Actor[] } = {}) {
    const process = new Process(tenant, store, options.dieAfterWrites, options.dieAtOutcome);
    const approverIds = (options.approvers ?? [ALEX, MEGAN]).map((actor) => actor.aadObjectId);
    const access = new AccessControl({ operatorIds: [ISAIAH.aadObjectId], approverIds }, { memberGroups: async () => [] }, now);
    const requests = new ChangeRequests({
      store: process.store,
      bin: process.others,
      writer: process.others,
      partners: process.others,
      selfTestGraph: process.graph,
      sleep: async (ms) => void sleeps.push(ms),
      access,
      gatekeeper: new Gatekeeper({ access, store: process.store, now }),
      settings: { ttlHours: 24, requiredApprovals: 1, allowSelfApproval: false },
      now,
    });
    const notifier = new RecordingNotifier();
    const runner = new RequestRunner({ requests, notifier, instanceId: name, claim: { leaseMs: LEASE_MS, renewEveryMs: 10 }, now });
    return { process, requests, runner, notifier };
  }

  async function askAndApprove(a: ReturnType<typeof start>): Promise<string> {
    const created = await a.requests.requestSelfTest({ actor: ALEX, reason: 'prove it', tenantId: TENANT, conversation: {} });
    assert.ok(created.ok, created.ok ? '' : created.message);
    const approved = await a.runner.approve(created.value.id, MEGAN, TENANT, undefined);
    assert.ok(approved.ok && approved.value.state === 'executing');
    return created.value.id;
  }

  const stored = async (id: string) => (await store.get<ChangeRequest>(`requests/${id}`))!.value;
  const story = async (id: string) => (await store.readAudit({ limit: 50, requestId: id })).map((entry) => entry.action).reverse();

  it('runs the whole loop: every write once, in order, and nothing left in the tenant', async () => {
    const a = start('a');
    const id = await askAndApprove(a);
    await a.runner.idle();
    const request = await stored(id);
    assert.equal(request.state, 'succeeded', request.execution?.failure);
    assert.deepEqual(lines(request), FULL_RUN);
    assert.deepEqual(tenant.writes, ALL_WRITES);
    assert.deepEqual(tenant.named(), []);
    assert.deepEqual(sleeps, [], 'nothing waited: Graph answered at once');
    for (const step of request.execution!.steps) assert.ok(step.requestId, `${step.step} ${step.item.kind} has a request-id`);
    assert.deepEqual(request.execution?.created?.map((item) => item.kind), ['locations', 'ca'], 'the created ids were kept on the request');
    const last = await a.requests.lastSelfTest();
    assert.deepEqual({ passed: last?.passed, requestId: last?.requestId, approvedBy: last?.approvedBy.map((x) => x.name) }, { passed: true, requestId: id, approvedBy: ['Megan'] });
  });

  it('waits with a growing backoff for the recycle bin to show a deletion, within a bound', async () => {
    tenant.binLag = 2;
    const a = start('a');
    const id = await askAndApprove(a);
    await a.runner.idle();
    const request = await stored(id);
    assert.equal(request.state, 'succeeded');
    assert.deepEqual(sleeps, [2000, 4000, 2000, 4000], 'two waits per object: 2 s, then 4 s');
    assert.match(request.execution!.steps.find((s) => s.step === 'find in recycle bin')!.message ?? '', /after 3 reads over 6 seconds/);
  });

  it('gives up on the recycle bin after the bounded tries, then still cleans up', async () => {
    tenant.binLag = Infinity;
    const a = start('a');
    const id = await askAndApprove(a);
    await a.runner.idle();
    const request = await stored(id);
    assert.equal(request.state, 'failed');
    assert.deepEqual(sleeps, retryDelays(SELF_TEST_TIMING));
    assert.match(request.execution?.failure ?? '', /^Failed at "Find the Conditional Access policy in the recycle bin": not in the recycle bin after 9 reads over 2\.5 minutes\./);
    // The purge found nothing to purge at each try: what is left is said, not hidden.
    assert.deepEqual(tenant.named(), [], 'the purges succeeded: only the reads lagged');
    assert.match(request.execution?.failure ?? '', /Cleaned up: nothing the self-test created is left in the tenant\./);
  });

  it('a missing audit record is a soft step: reported, and the test passes', async () => {
    tenant.auditLags = true;
    const a = start('a');
    const id = await askAndApprove(a);
    await a.runner.idle();
    const request = await stored(id);
    assert.equal(request.state, 'succeeded');
    assert.deepEqual(lines(request).filter((line) => line.includes('audit')), ['⚠ read audit log ca', '⚠ read audit log locations']);
  });

  it('a refused restore stops the test, names the permission, and the clean-up purges both', async () => {
    tenant.refuse.add('restore locations');
    const a = start('a');
    const id = await askAndApprove(a);
    await a.runner.idle();
    const request = await stored(id);
    assert.equal(request.state, 'failed');
    assert.deepEqual(lines(request).slice(8), ['✗ restore locations', '✓ purge ca', '✓ purge locations']);
    assert.match(request.execution?.failure ?? '', /Failed at "Restore the named location": Graph refused it \(Authorization_RequestDenied, HTTP 403\): it needs Policy\.ReadWrite\.ConditionalAccess \(with Policy\.Read\.All\)\. Cleaned up/);
    assert.match(request.execution?.hint ?? '', /Add the application permission Policy\.ReadWrite\.ConditionalAccess/);
    assert.deepEqual(tenant.named(), []);
    const last = await a.requests.lastSelfTest();
    assert.equal(last?.failedStep, 'Restore the named location');
  });

  it('says what it left behind when the clean-up itself is refused', async () => {
    tenant.refuse.add('restore locations');
    tenant.refuse.add('purge ca');
    const a = start('a');
    const id = await askAndApprove(a);
    await a.runner.idle();
    const request = await stored(id);
    assert.match(request.execution?.failure ?? '', /clean-up left behind the Conditional Access policy "Recycle bin self-test 2026-11-22 10:00:00 UTC R-\w+" \([0-9a-f-]{36}\), in the recycle bin \(purge it there, or Entra purges it after 30 days\)\./i);
    assert.equal(tenant.named().length, 1);
  });

  it('an operator who is not an approver may not ask for it', async () => {
    const a = start('a');
    const refusedRequest = await a.requests.requestSelfTest({ actor: ISAIAH, reason: '', tenantId: TENANT, conversation: {} });
    assert.ok(!refusedRequest.ok && /needs the approver role/.test(refusedRequest.message));
  });

  describe('a crash at every write: the instance that takes over cleans up', () => {
    for (let dieAfterWrites = 0; dieAfterWrites <= ALL_WRITES.length; dieAfterWrites++) {
      it(`after ${dieAfterWrites} of ${ALL_WRITES.length} writes: nothing is left, and the result says "interrupted; cleaned up"`, async () => {
        const a = start('a', { dieAfterWrites });
        const id = await askAndApprove(a);
        while (!a.process.dead) await tick();
        assert.deepEqual(tenant.writes, ALL_WRITES.slice(0, dieAfterWrites));
        const before = await stored(id);
        // Ids are kept as each create is recorded; a crash between Graph's answer and that write leaves the id unknown.
        assert.equal(before.execution?.created?.length ?? 0, Math.min(Math.max(dieAfterWrites - 1, 0), 2));

        const b = start('b');
        assert.deepEqual(await b.runner.sweep(), [], 'the claim still holds: nothing is taken over');
        clock += LEASE_MS + 1;
        const [closed] = await b.runner.sweep();

        assert.deepEqual(tenant.named(), [], 'nothing named "Recycle bin self-test" is live or in the recycle bin');
        const request = await stored(id);
        assert.equal(request.claim, undefined);
        assert.deepEqual(await story(id), ['request.created', 'request.approved', 'request.executing', 'request.resumed', 'request.failed']);
        assert.equal(closed.state, 'failed');
        assert.match(request.execution?.failure ?? '', /^Interrupted; cleaned up: nothing the self-test created is left in the tenant\. The instance running it stopped /);
        const resumedAt = request.execution!.steps.findIndex((s) => s.step === 'interrupted');
        assert.ok(resumedAt >= 0, 'the card says it was interrupted');
        assert.deepEqual(lines(request).slice(0, resumedAt), FULL_RUN.slice(0, resumedAt), 'the steps recorded before the crash are kept');
        const last = await b.requests.lastSelfTest();
        assert.equal(last?.passed, false);
        assert.match(last?.failure ?? '', /^Interrupted; cleaned up/);
      });
    }
  });

  it('a crash while writing the outcome, after every step was recorded: the takeover reads Graph, finds nothing left, and reports it passed', async () => {
    const a = start('a', { dieAtOutcome: true });
    const id = await askAndApprove(a);
    while (!a.process.dead) await tick();
    assert.deepEqual(tenant.writes, ALL_WRITES);
    assert.equal((await stored(id)).state, 'executing');
    const b = start('b');
    clock += LEASE_MS + 1;
    const [closed] = await b.runner.sweep();
    assert.equal(closed.state, 'succeeded', closed.execution?.failure);
    assert.deepEqual(lines(closed), [...FULL_RUN, '✓ interrupted ca']);
    assert.match(closed.execution!.steps.at(-1)!.message ?? '', /stopped after "Purge the named location from the recycle bin", once every step had passed/);
    assert.deepEqual(tenant.writes, ALL_WRITES, 'nothing was written again');
    assert.equal((await b.requests.lastSelfTest())?.passed, true);
  });

  it('a takeover after the approver lost the role still cleans up (undoing needs no approval)', async () => {
    const a = start('a', { dieAfterWrites: 3 });
    const id = await askAndApprove(a);
    while (!a.process.dead) await tick();
    // Megan is no longer an approver when b takes over.
    const b = start('b', { approvers: [ALEX] });
    clock += LEASE_MS + 1;
    const [closed] = await b.runner.sweep();
    assert.equal(closed.id, id);
    assert.equal(closed.state, 'failed');
    assert.match(closed.execution?.failure ?? '', /^Interrupted; cleaned up/);
    assert.deepEqual(tenant.named(), []);
  });
});
