import type { Actor } from './access';
import { deleterOf } from './alerts';
import type { ChangeRequest, SelfTestAction, SelfTestStep, StepResult, TargetItem } from './approvals';
import type { ChangeStrategy, ExecutionContext, PlannedStep, StepRun, StepsToRun } from './changeStrategy';
import { compareAndSet } from './compareAndSet';
import { AUDIT_PERMISSION, kindById } from './kinds';
import { kindWords } from './trackedKinds';
import { isObjectId, type GraphObject, type ItemRef } from './model';
import type { Failure, FailureLike, Outcome } from './outcome';
import { capitalise } from './summaries';
import type { StateStore } from '../store/port';

/**
 * The tenant self-test: the whole recycle-bin loop on two harmless objects, with Graph's
 * request-id for every step. It creates a named location on a documentation IP range and a
 * report-only Conditional Access policy that targets no one, deletes both, finds them in the
 * recycle bins, reads the audit records of the deletions, restores them, confirms they are
 * live, then deletes and purges them. Whatever fails, what was created is deleted and purged;
 * an execution interrupted part-way is cleaned up by the instance that takes it over.
 */

export type TestKind = 'ca' | 'locations';

/** A Graph answer with the request-id to quote to Microsoft support. */
export interface GraphAnswer<T> {
  value: T;
  requestId?: string;
}

/** Port: the Graph calls of a self-test, each answering with its request-id (src/graph implements it). Failures are thrown as FailureLike. */
export interface SelfTestGraph {
  /** POST to the kind's live collection; Graph answers 201 with the object and its new id. */
  create(kind: TestKind, body: GraphObject): Promise<GraphAnswer<GraphObject>>;
  /** DELETE of a live object: a soft delete into the recycle bin. */
  deleteLive(ref: ItemRef): Promise<GraphAnswer<void>>;
  /** The live object; undefined on 404. */
  readLive(ref: ItemRef): Promise<GraphAnswer<GraphObject | undefined>>;
  /** The object in the recycle bin; undefined on 404. */
  readDeleted(ref: ItemRef): Promise<GraphAnswer<GraphObject | undefined>>;
  restore(ref: ItemRef): Promise<{ item: GraphObject; requestId?: string }>;
  /** DELETE from the recycle bin: gone for good. */
  purge(ref: ItemRef): Promise<GraphAnswer<void>>;
  /** Directory audit records one service logged since a time, every page. */
  readAudit(service: string, since: Date): Promise<GraphAnswer<GraphObject[]>>;
  /** Live objects of the kind with exactly this display name, every page. */
  liveNamed(kind: TestKind, displayName: string): Promise<GraphAnswer<GraphObject[]>>;
}

/** How long reads wait for Graph to catch up (deleted items and restores take a while to show). */
export interface SelfTestTiming {
  /** Tries of a read (or purge) that waits for an object to show up, the first one included. */
  attempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

export const SELF_TEST_TIMING: SelfTestTiming = { attempts: 9, firstDelayMs: 2000, maxDelayMs: 30_000 };
export const SELF_TEST_NAME_PREFIX = 'Recycle bin self-test';
/** TEST-NET-1 (RFC 5737): reserved for documentation, so no real client ever signs in from it. */
export const SELF_TEST_IP_RANGE = '192.0.2.0/24';

const REPORT_ONLY = 'enabledForReportingButNotEnforced';
/** Audit records can carry a time a little before the bot's clock saw the deletion. */
const AUDIT_CLOCK_SLACK_MS = 5 * 60_000;

/** The waits between tries: doubling from the first delay up to the maximum. */
export function retryDelays(timing: SelfTestTiming): number[] {
  return Array.from({ length: Math.max(0, timing.attempts - 1) }, (_, i) => Math.min(timing.maxDelayMs, timing.firstDelayMs * 2 ** i));
}

const totalWaitMs = (timing: SelfTestTiming) => retryDelays(timing).reduce((sum, ms) => sum + ms, 0);

function waitWords(ms: number): string {
  return ms >= 90_000 ? `${Number((ms / 60_000).toFixed(1))} minutes` : `${Math.round(ms / 1000)} seconds`;
}

/** Both test objects are named this: the start of the run (UTC) and the request, so the name is unique and traceable. */
export function selfTestName(request: Pick<ChangeRequest, 'id' | 'createdAt' | 'execution'>): string {
  const started = request.execution?.startedAt ?? request.createdAt;
  return `${SELF_TEST_NAME_PREFIX} ${started.slice(0, 19).replace('T', ' ')} UTC ${request.id}`;
}

/** What the approver approves, in the order it runs. */
export function selfTestPlan(timing: SelfTestTiming = SELF_TEST_TIMING): string[] {
  const name = `"${SELF_TEST_NAME_PREFIX} {UTC time it starts} {request id}"`;
  return [
    `Create the named location ${name}: IP range ${SELF_TEST_IP_RANGE} (reserved for documentation, so no one signs in from it), not trusted.`,
    'Create a Conditional Access policy with the same name: report-only, targeting no users and no apps, using that location.',
    'Delete the policy, then the location: both go to the recycle bins.',
    `Find both in the recycle bins (waiting up to ${waitWords(totalWaitMs(timing))} for each) and read the audit record of each deletion (the audit log lags by minutes: a missing record is reported, not failed).`,
    'Restore the location, then the policy, and read both to confirm they are live.',
    'Delete both again and purge them from the recycle bins for good.',
    'If any step fails, whatever was created is deleted and purged; the result says if anything was left behind.',
  ];
}

type Where = 'not created' | 'live' | 'deleted' | 'gone' | 'unknown';

interface TestObject {
  /** The id is empty until Graph has created it (or a search after a crash found it). */
  item: TargetItem;
  where: Where;
  /** When the self-test deleted it (the audit search starts a little before). */
  deletedAt?: Date;
}

/** A step's line on the card: what it did, in words. */
export function selfTestStepWords(result: Pick<StepResult, 'step' | 'item'>): string {
  const label = kindWords(result.item.kind).label;
  const words: Record<SelfTestStep, string> = {
    create: result.item.kind === 'ca' ? `Create the report-only ${label}` : `Create the ${label}`,
    delete: `Delete the ${label}`,
    'find in recycle bin': `Find the ${label} in the recycle bin`,
    'read audit log': `Read the audit record of the ${label}'s deletion`,
    restore: `Restore the ${label}`,
    'confirm live': `Confirm the ${label} is live`,
    purge: `Purge the ${label} from the recycle bin`,
    interrupted: 'Interrupted',
  };
  return words[result.step as SelfTestStep] ?? result.step;
}

/** The permission a step needs, from the kind registry: writes need the kind's write permission (and its read one), reads the read one. */
function permissionFor(step: SelfTestStep, kind: TestKind): string {
  const { permissions } = kindById(kind);
  if (step === 'read audit log') return AUDIT_PERMISSION;
  if (step === 'find in recycle bin' || step === 'confirm live' || step === 'interrupted') return permissions.read;
  return `${permissions.restore} (with ${permissions.read})`;
}

/** Steps on the recycle bin itself, the ones Microsoft's docs list as "Not supported" for apps. */
const DELETED_ITEMS_STEPS: readonly SelfTestStep[] = ['find in recycle bin', 'restore', 'purge'];

/** What a refused or failed call means, and what to add when Graph refused it. */
function failureWords(error: FailureLike, step: SelfTestStep, kind: TestKind): { message: string; hint?: string } {
  const code = `${error.code ?? 'error'}${error.status ? `, HTTP ${error.status}` : ''}`;
  const detail = error.detail ?? error.message;
  const permission = permissionFor(step, kind);
  if (error.status === 403 || error.status === 401) {
    const add = `Add the application permission ${permission} to the bot's app registration, grant admin consent, and restart the bot.`;
    const docs = DELETED_ITEMS_STEPS.includes(step)
      ? ' If the app already holds it, this tenant refuses the recycle-bin API to apps, as Microsoft\'s docs say ("Not supported"): restore in the Entra admin center as a Conditional Access Administrator instead.'
      : '';
    const token = error.status === 401 ? ' A 401 can also mean the token itself was rejected: check AZURE_TENANT_ID, AZURE_CLIENT_ID and the credential.' : '';
    return { message: `Graph refused it (${code}): it needs ${permission}.`, hint: add + docs + token };
  }
  return { message: `${code}: ${detail}`, hint: error.hint };
}

const RETRY_HINT = 'Read the failed step and its request-id, fix the cause, and run `selftest` again.';

/** Steps that change the tenant: one that got no clear answer may or may not have taken effect. */
const WRITE_STEPS: readonly SelfTestStep[] = ['create', 'delete', 'restore', 'purge'];

/** Whether a failure leaves it open if the call took effect (no answer, or a server error). */
const uncertain = (error: FailureLike) => !error.status || error.status >= 500;

const isNotFound = (error: unknown) => (error as FailureLike)?.status === 404;

export interface SelfTestDeps {
  graph: SelfTestGraph;
  now: () => Date;
  timing?: SelfTestTiming;
  /** Waits between tries (tests pass one that does not wait). */
  sleep?: (ms: number) => Promise<void>;
}

export function selfTestStrategy(deps: SelfTestDeps): ChangeStrategy<Record<string, never>, SelfTestAction> {
  const { graph } = deps;
  const timing = deps.timing ?? SELF_TEST_TIMING;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  async function plan(): Promise<Outcome<SelfTestAction>> {
    return { ok: true, value: { type: 'selftest', ipRange: SELF_TEST_IP_RANGE, plan: selfTestPlan(timing), blockers: [] } };
  }

  /** Tries `read` until it finds something, waiting longer each time; undefined after the last try. */
  async function untilFound<T>(read: () => Promise<GraphAnswer<T | undefined>>): Promise<{ value?: T; requestId?: string; tries: number; waitedMs: number }> {
    const delays = retryDelays(timing);
    let waitedMs = 0;
    for (let attempt = 0; ; attempt++) {
      const answer = await read();
      if (answer.value !== undefined) return { value: answer.value, requestId: answer.requestId, tries: attempt + 1, waitedMs };
      if (attempt >= delays.length) return { requestId: answer.requestId, tries: attempt + 1, waitedMs };
      await sleep(delays[attempt]);
      waitedMs += delays[attempt];
    }
  }

  const afterTries = (found: { tries: number; waitedMs: number }) => (found.tries === 1 ? 'at the first read' : `after ${found.tries} reads over ${waitWords(found.waitedMs)}`);

  async function remainingSteps(action: SelfTestAction, context: ExecutionContext): Promise<StepsToRun> {
    const { request } = context;
    const name = selfTestName(request);
    const recorded = context.resuming ? (request.execution?.steps ?? []) : [];
    const created = request.execution?.created ?? [];
    const objectOf = (kind: TestKind): TestObject => {
      const known = created.find((item): item is TargetItem<TestKind> => item.kind === kind);
      // After a crash every object's state is read from Graph again.
      if (context.resuming) return { item: known ?? { kind, id: '', name }, where: 'unknown' };
      return { item: { kind, id: '', name }, where: 'not created' };
    };
    const location = objectOf('locations');
    const policy = objectOf('ca');
    const results: StepResult[] = [...recorded];
    /** What to do about each failed step of this run (the permission to add when Graph refused it). */
    const hints = new Map<StepResult, string | undefined>();

    const saveProgress = () => context.saveProgress({ steps: results, created: [location, policy].filter((o) => o.item.id).map((o) => ({ ...o.item })) });

    /**
     * One step: timed, its result recorded on the request, a Graph failure turned into words
     * (with the permission to add when Graph refused it). `soft` steps never stop the test.
     */
    const step = (object: TestObject, stepName: SelfTestStep, work: () => Promise<{ message: string; requestId?: string; outcome?: StepResult['outcome'] } | undefined>, options: { soft?: boolean; cleanup?: boolean } = {}): PlannedStep => ({
      step: stepName,
      cleanup: options.cleanup,
      run: async (): Promise<StepRun> => {
        const started = Date.now();
        let run: StepRun;
        try {
          const done = await work();
          if (!done) return {};
          const result: StepResult = { item: { ...object.item }, step: stepName, outcome: done.outcome ?? 'done', requestId: done.requestId, message: done.message, durationMs: Date.now() - started };
          run = { result };
          if (result.outcome === 'failed') {
            hints.set(result, RETRY_HINT);
            if (!options.soft) run.failure = { message: `${selfTestStepWords(result)} failed: ${done.message}` };
          }
        } catch (error) {
          const f = error as FailureLike;
          // Without an answer a write may or may not have happened: the clean-up reads Graph first.
          if (uncertain(f) && WRITE_STEPS.includes(stepName)) object.where = 'unknown';
          const words = failureWords(f, stepName, object.item.kind as TestKind);
          const result: StepResult = { item: { ...object.item }, step: stepName, outcome: 'failed', requestId: f.requestId, code: f.code, message: words.message, durationMs: Date.now() - started };
          hints.set(result, words.hint ?? RETRY_HINT);
          run = { result, failure: options.soft ? undefined : { message: `${selfTestStepWords(result)} failed: ${words.message}`, hint: words.hint } };
        }
        results.push(run.result!);
        await saveProgress();
        return run;
      },
    });

    const ref = (object: TestObject): ItemRef => ({ kind: object.item.kind, id: object.item.id });

    /** Reads Graph to learn where an object whose state is unknown (a crash, a call without answer) is now. */
    async function resolve(object: TestObject): Promise<void> {
      if (object.where !== 'unknown') return;
      if (!object.item.id) {
        const found = (await graph.liveNamed(object.item.kind as TestKind, name)).value[0];
        if (found && isObjectId(found.id)) {
          object.item = { ...object.item, id: found.id };
          object.where = 'live';
        } else object.where = 'not created';
        return;
      }
      if ((await graph.readLive(ref(object))).value) object.where = 'live';
      else object.where = (await graph.readDeleted(ref(object))).value ? 'deleted' : 'gone';
    }

    const create = (object: TestObject, body: () => GraphObject, words: (id: string) => string) =>
      step(object, 'create', async () => {
        const { value, requestId } = await graph.create(object.item.kind as TestKind, body());
        if (!isObjectId(value.id)) return { outcome: 'failed', requestId, message: 'Graph answered without the id of the new object.' };
        object.item = { ...object.item, id: value.id };
        object.where = 'live';
        return { requestId, message: words(value.id) };
      });

    const remove = (object: TestObject, options: { cleanup?: boolean } = {}) =>
      step(
        object,
        'delete',
        async () => {
          if (options.cleanup) await resolve(object);
          if (object.where !== 'live') return undefined;
          const { requestId } = await graph.deleteLive(ref(object));
          object.where = 'deleted';
          object.deletedAt = deps.now();
          return { requestId, message: options.cleanup && results.some((r) => r.step === 'restore' && r.item.kind === object.item.kind) ? 'deleted again, into the recycle bin' : 'deleted, into the recycle bin' };
        },
        options,
      );

    const findDeleted = (object: TestObject) =>
      step(object, 'find in recycle bin', async () => {
        const found = await untilFound(() => graph.readDeleted(ref(object)));
        if (!found.value) return { outcome: 'failed', requestId: found.requestId, message: `not in the recycle bin ${afterTries(found)}.` };
        const when = typeof found.value.deletedDateTime === 'string' ? `, deleted ${found.value.deletedDateTime}` : '';
        return { requestId: found.requestId, message: `listed in the recycle bin${when} (${afterTries(found)})` };
      });

    const readAudit = (object: TestObject) =>
      step(
        object,
        'read audit log',
        async () => {
          const { audit } = kindById(object.item.kind);
          const since = new Date((object.deletedAt ?? deps.now()).getTime() - AUDIT_CLOCK_SLACK_MS);
          const { value: records, requestId } = await graph.readAudit(audit.service, since);
          const deleter = deleterOf({ kind: object.item.kind, key: object.item.id }, records);
          if (!deleter) return { outcome: 'skipped', requestId, message: 'not yet in the audit log (records arrive minutes late); restores do not need it.' };
          return { requestId, message: `"${audit.deleteActivity}" by ${deleter}` };
        },
        { soft: true },
      );

    const restore = (object: TestObject) =>
      step(object, 'restore', async () => {
        const { item, requestId } = await graph.restore(ref(object));
        object.where = 'live';
        const state = typeof item.state === 'string' ? ` (state ${item.state})` : '';
        return { requestId, message: `restored${state}` };
      });

    const confirmLive = (object: TestObject) =>
      step(object, 'confirm live', async () => {
        const found = await untilFound(() => graph.readLive(ref(object)));
        if (!found.value) return { outcome: 'failed', requestId: found.requestId, message: `still not live ${afterTries(found)}.` };
        if (object.item.kind === 'ca' && found.value.state !== REPORT_ONLY) {
          return { outcome: 'failed', requestId: found.requestId, message: `live, but in state ${String(found.value.state)} instead of the report-only state it was deleted in.` };
        }
        return { requestId: found.requestId, message: `live${object.item.kind === 'ca' ? ', report-only as when deleted' : ''} (${afterTries(found)})` };
      });

    const purge = (object: TestObject) =>
      step(
        object,
        'purge',
        async () => {
          await resolve(object);
          if (object.where !== 'deleted') return undefined;
          const delays = retryDelays(timing);
          for (let attempt = 0; ; attempt++) {
            try {
              const { requestId } = await graph.purge(ref(object));
              object.where = 'gone';
              return { requestId, message: `purged for good${attempt > 0 ? ` (at try ${attempt + 1})` : ''}` };
            } catch (error) {
              // A deletion can take a while to reach the recycle bin: 404 until it does.
              if (!isNotFound(error) || attempt >= delays.length) throw error;
              await sleep(delays[attempt]);
            }
          }
        },
        { cleanup: true },
      );

    /** Deletes and purges what is left: the last steps of a passing run, and the clean-up after a failing one. Policy first: a live policy keeps its location from being deleted. */
    const cleanUp = (): PlannedStep[] => [remove(policy, { cleanup: true }), remove(location, { cleanup: true }), purge(policy), purge(location)];

    /** What the self-test left in the tenant, in words (after the clean-up has run). */
    const leftBehind = (): string[] =>
      [policy, location].flatMap((object) => {
        const what = `the ${kindById(object.item.kind).label} "${object.item.name}"${object.item.id ? ` (${object.item.id})` : ''}`;
        if (object.where === 'live') return [`${what}, live (delete it, then purge it from the recycle bin)`];
        if (object.where === 'deleted') return [`${what}, in the recycle bin (purge it there, or Entra purges it after 30 days)`];
        if (object.where === 'unknown') return [`perhaps ${what}: its state could not be read (look for it by name)`];
        return [];
      });

    const conclude = (all: StepResult[]): Failure | undefined => {
      const failed = all.find((result) => result.outcome === 'failed');
      const left = leftBehind();
      const cleaned = left.length === 0 ? 'cleaned up: nothing the self-test created is left in the tenant.' : `clean-up left behind ${left.join('; ')}.`;
      if (!failed && left.length === 0) return undefined;
      if (failed?.step === 'interrupted') return { message: `Interrupted; ${cleaned} ${failed.message ?? ''}`.trim(), hint: 'Run `selftest` again to prove the whole loop.' };
      if (!failed) return { message: `Every step passed, but the ${cleaned}`, hint: 'Remove what was left behind in the Entra admin center.' };
      return { message: `Failed at "${selfTestStepWords(failed)}": ${failed.message} ${capitalise(cleaned)}`, hint: hints.get(failed) ?? RETRY_HINT };
    };

    if (context.resuming) {
      const lastRecorded = recorded.at(-1);
      const passedBefore = recorded.length > 0 && !recorded.some((r) => r.outcome === 'failed') && [policy, location].every((o) => recorded.some((r) => r.step === 'purge' && r.item.kind === o.item.kind && r.outcome === 'done'));
      const interrupted = step(policy, 'interrupted', async () => {
        // What a create may have left unrecorded: the objects carry this run's unique name.
        let requestId: string | undefined;
        for (const object of [location, policy]) {
          if (object.item.id) continue;
          const answer = await graph.liveNamed(object.item.kind as TestKind, name);
          requestId ??= answer.requestId;
          const found = answer.value[0];
          if (found && isObjectId(found.id)) {
            object.item = { ...object.item, id: found.id };
            object.where = 'live';
          } else object.where = 'not created';
        }
        const after = lastRecorded ? `after "${selfTestStepWords(lastRecorded)}"` : 'before its first step finished';
        if (passedBefore) return { requestId, message: `The instance running it stopped ${after}, once every step had passed.` };
        return { outcome: 'failed', requestId, message: `The instance running it stopped ${after}; another instance took the request over and removed what it had created.` };
      });
      // The test is not continued after a crash (its timings would prove nothing): what it created is removed.
      return { ok: true, done: recorded, steps: [interrupted, ...cleanUp()], conclude };
    }

    const steps: PlannedStep[] = [
      create(location, () => namedLocationBody(name, action.ipRange), (id) => `created ${id} (IP range ${action.ipRange}, not trusted)`),
      create(policy, () => policyBody(name, location.item.id), (id) => `created ${id}: report-only, no users, no apps, uses the test location`),
      remove(policy),
      remove(location),
      findDeleted(policy),
      findDeleted(location),
      readAudit(policy),
      readAudit(location),
      restore(location),
      restore(policy),
      confirmLive(location),
      confirmLive(policy),
      ...cleanUp(),
    ];
    return { ok: true, done: [], steps, conclude };
  }

  return { plan, remainingSteps, resumeOnlyUndoes: true };
}

/** An IP named location on a documentation range, not trusted: nothing can match it. */
function namedLocationBody(name: string, ipRange: string): GraphObject {
  return {
    '@odata.type': '#microsoft.graph.ipNamedLocation',
    displayName: name,
    isTrusted: false,
    ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: ipRange }],
  };
}

/** A report-only policy that includes no users and no apps: Entra never applies it to anyone. */
function policyBody(name: string, locationId: string): GraphObject {
  return {
    displayName: name,
    state: REPORT_ONLY,
    conditions: {
      users: { includeUsers: ['None'] },
      applications: { includeApplications: ['None'] },
      clientAppTypes: ['all'],
      locations: { includeLocations: [locationId] },
    },
    grantControls: { operator: 'OR', builtInControls: ['mfa'] },
  };
}

// ---- the last result, for `status` --------------------------------------------------------

export interface SelfTestResult {
  requestId: string;
  passed: boolean;
  /** What the first step that failed did ("Restore the named location"), for a failed run. */
  failedStep?: string;
  /** The failure as the card says it; empty for a passed run. */
  failure: string;
  startedAt: string;
  finishedAt: string;
  requestedBy: Actor;
  approvedBy: Actor[];
}

const LAST_RESULT_KEY = 'selftest/last';

/** The result of a finished self-test request, as `status` shows it. */
export function selfTestResultOf(request: ChangeRequest): SelfTestResult {
  const failed = request.execution?.steps.find((step) => step.outcome === 'failed');
  const failedStep = request.state !== 'succeeded' && failed ? selfTestStepWords(failed) : undefined;
  const failure = request.state === 'succeeded' ? '' : (request.execution?.failure ?? 'failed');
  return {
    requestId: request.id,
    passed: request.state === 'succeeded',
    ...(failedStep ? { failedStep } : {}),
    // The step is named on its own, so the reason does not repeat it.
    failure: failedStep ? failure.replace(`Failed at "${failedStep}": `, '') : failure,
    startedAt: request.execution?.startedAt ?? request.createdAt,
    finishedAt: request.execution?.finishedAt ?? request.createdAt,
    requestedBy: request.requester,
    approvedBy: request.approvals.map((approval) => approval.by),
  };
}

/** The last self-test's result in the state store, shared by every instance. */
export class SelfTestResults {
  constructor(private readonly store: StateStore) {}

  /** Keeps the result of the run that finished last (runs finishing out of order never replace a newer one). */
  async record(request: ChangeRequest): Promise<void> {
    const result = selfTestResultOf(request);
    await compareAndSet<SelfTestResult>(this.store, LAST_RESULT_KEY, (current) =>
      current && current.requestId !== result.requestId && current.finishedAt > result.finishedAt ? undefined : result,
    );
  }

  async last(): Promise<SelfTestResult | undefined> {
    return (await this.store.get<SelfTestResult>(LAST_RESULT_KEY))?.value;
  }
}
