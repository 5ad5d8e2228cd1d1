import type { RecreateAction, RecreateItem, StepResult, TargetItem } from './approvals';
import type { ChangeStrategy, ExecutionContext, PlannedStep, StepRun, StepsToRun } from './changeStrategy';
import type { ChangeHistory, HistoryIndex } from './history';
import { kindById } from './kinds';
import { isObjectId, purgeDate, type GraphObject } from './model';
import type { FailureLike, Outcome } from './outcome';
import type { RecycleBin } from './recycleBin';
import type { PartnerDirectory } from './partnerChanges';
import { builtInStrengthRefusal, combinationsOf, type LiveWriter } from './reverts';
import type { SelfTestGraph } from './selfTest';
import { capitalise } from './summaries';
import { creationBody, kindWords, trackedKind, type TrackedKindId } from './trackedKinds';

/**
 * Recreate: an object gone for good (purged from the recycle bin, or its restore refused) is
 * created again with POST from its last stored version. It is a new object with a new id; the
 * named locations a policy used that are gone for good too are created first, from their own
 * stored versions, and the policy's conditions name their new ids.
 *
 * Crash safety: each created object's new id is stored on the request as soon as Graph answers
 * (ExecutionContext.saveProgress). An execution taken over after a crash creates nothing it
 * recorded, and finds a create that was in flight (Graph answered, nothing recorded yet) by its
 * display name and a creation time after the execution started.
 */

export type RecreatableKind = 'ca' | 'locations' | 'strengths' | 'partners';
export const RECREATABLE_KINDS: readonly RecreatableKind[] = ['ca', 'locations', 'strengths', 'partners'];

export interface RecreateInput {
  id: string;
  /** CA policies: create in report-only (the default) instead of the stored state. */
  reportOnly: boolean;
}

const REPORT_ONLY = 'enabledForReportingButNotEnforced';
/** Graph's clock and ours may differ: an object created this long before the execution start still counts as its own. */
const CLOCK_SLACK_MS = 60_000;

export interface RecreateDeps {
  history: ChangeHistory;
  /** Fresh reads of live objects (is it live after all?), and the POST of a custom authentication strength. */
  live: Pick<LiveWriter, 'readLiveObject' | 'createStrength' | 'strengthsNamed'>;
  /** The POST of a partner configuration and the PUT of its identity-sync policy. */
  partners: Pick<PartnerDirectory, 'createPartner' | 'putPartnerSync'>;
  /** The recycle bins (is it still there, or a location it used?). */
  bin: Pick<RecycleBin, 'getDeleted'>;
  /** The self-test's Graph create path and its search by name. */
  graph: Pick<SelfTestGraph, 'create' | 'liveNamed'>;
}

const isRecreatable = (kind: string): kind is RecreatableKind => (RECREATABLE_KINDS as readonly string[]).includes(kind);

/** The policy body with each old location id replaced by the new one (ids compared case-insensitively). */
export function withLocationIds(body: GraphObject, newIds: ReadonlyMap<string, string>): GraphObject {
  if (newIds.size === 0) return body;
  const copy = structuredClone(body);
  const locations = (copy.conditions as GraphObject | undefined)?.locations as GraphObject | undefined;
  if (!locations) return copy;
  for (const name of ['includeLocations', 'excludeLocations']) {
    const ids = locations[name];
    if (Array.isArray(ids)) locations[name] = ids.map((id) => (typeof id === 'string' ? (newIds.get(id.toLowerCase()) ?? id) : id));
  }
  return copy;
}

export function recreateStrategy(deps: RecreateDeps): ChangeStrategy<RecreateInput, RecreateAction> {
  const { history, live, bin, graph, partners } = deps;

  async function latestOf(index: HistoryIndex): Promise<{ n: number; object: GraphObject } | undefined> {
    const latest = index.versions.at(-1);
    const stored = latest && (await history.version(index.kind, index.key, latest.n));
    return stored ? { n: stored.n, object: stored.object } : undefined;
  }

  async function plan(input: RecreateInput): Promise<Outcome<RecreateAction>> {
    const found = (await history.find(input.id)).filter((index) => index.key.toLowerCase() === input.id.toLowerCase());
    const index = found.find((candidate) => isRecreatable(candidate.kind));
    if (!index) {
      if (found.length > 0) return { ok: false, message: `Recreate works for Conditional Access policies, named locations, custom authentication strengths and partner configurations (with their identity-sync policy); ${found[0].name} is a ${trackedKind(found[0].kind).label}. \`history ${input.id}\` shows its stored versions.` };
      return { ok: false, message: `The bot has no stored version of ${input.id}, so it cannot recreate it. History covers what was live while the bot ran (\`history {id or name}\`).` };
    }
    const kind = index.kind as RecreatableKind;
    const tracked = trackedKind(kind);
    const stored = await latestOf(index);
    if (!stored) return { ok: false, message: `The last version of ${index.name} is no longer stored, so it cannot be recreated.` };
    if (await live.readLiveObject(kind, index.key)) {
      return { ok: false, message: `${capitalise(tracked.label)} ${index.name} is live: nothing to recreate. To undo a change to it, use \`revert ${index.key}\`.` };
    }
    if (kind === 'strengths') return planStrength(index, stored);
    if (kind === 'partners') return planPartner(index, stored);
    const deleted = await bin.getDeleted(kind, index.key);
    const deletedAt = deleted && typeof deleted.deletedDateTime === 'string' ? new Date(deleted.deletedDateTime) : undefined;

    const blockers: string[] = [];
    const dependencies: RecreateItem[] = [];
    if (kind === 'ca') {
      for (const ref of kindById('ca').references(stored.object)) {
        if (await live.readLiveObject('locations', ref.id)) continue;
        const locationIndex = await history.index('locations', ref.id);
        if (await bin.getDeleted('locations', ref.id)) {
          blockers.push(`The named location ${locationIndex?.name ?? ref.id} (${ref.id}) it uses is in the recycle bin: restore it first (\`restore ${ref.id}\`), then ask again.`);
          continue;
        }
        const location = locationIndex && (await latestOf(locationIndex));
        if (!location) {
          blockers.push(`The named location ${ref.id} it uses is gone for good and the bot has no stored copy of it, so Entra would refuse the policy.`);
          continue;
        }
        const item = { kind: 'locations' as const, id: locationIndex.key, name: locationIndex.name };
        dependencies.push({ item, version: location.n, body: creationBody(trackedKind('locations'), location.object) });
      }
    }
    const body = creationBody(tracked, stored.object);
    const storedState = kind === 'ca' && typeof stored.object.state === 'string' ? stored.object.state : undefined;
    const reportOnly = kind === 'ca' && input.reportOnly;
    if (reportOnly) body.state = REPORT_ONLY;
    return {
      ok: true,
      value: {
        type: 'recreate',
        target: { kind, id: index.key, name: index.name },
        dependencies,
        object: { item: { kind, id: index.key, name: index.name }, version: stored.n, body },
        reportOnly,
        ...(storedState ? { storedState } : {}),
        ...(deletedAt && !Number.isNaN(deletedAt.getTime()) ? { stillInBinUntil: purgeDate(deletedAt).toISOString() } : {}),
        blockers,
      },
    };
  }

  /** A custom strength: POST of its name, description and combinations; the CA policies that required the old id are named. */
  async function planStrength(index: HistoryIndex, stored: { n: number; object: GraphObject }): Promise<Outcome<RecreateAction>> {
    if (stored.object.policyType === 'builtIn') return { ok: false, message: builtInStrengthRefusal(index.name) };
    const body: GraphObject = { ...creationBody(trackedKind('strengths'), stored.object), allowedCombinations: combinationsOf(stored.object) };
    const referencedBy: { id: string; name: string; live: boolean }[] = [];
    // Entra refuses to delete a strength a policy still requires, so a policy is usually changed just before: the version
    // in force while the strength was last seen counts, as does the last stored one.
    const requiresIt = (object: GraphObject | undefined) => {
      const strength = (object?.grantControls as GraphObject | undefined)?.authenticationStrength as GraphObject | undefined;
      return typeof strength?.id === 'string' && strength.id.toLowerCase() === index.key.toLowerCase();
    };
    const goneAt = index.goneAt ? Date.parse(index.goneAt) : Number.POSITIVE_INFINITY;
    for (const policy of await history.all('ca')) {
      const candidates = [policy.versions.filter((v) => Date.parse(v.seenAt) < goneAt).at(-1), policy.versions.at(-1)];
      const numbers = [...new Set(candidates.filter((v) => v !== undefined).map((v) => v.n))];
      const objects = await Promise.all(numbers.map(async (n) => (await history.version('ca', policy.key, n))?.object));
      if (objects.some(requiresIt)) referencedBy.push({ id: policy.key, name: policy.name, live: !policy.goneAt });
    }
    const item = { kind: 'strengths' as const, id: index.key, name: index.name };
    return { ok: true, value: { type: 'recreate', target: item, dependencies: [], object: { item, version: stored.n, body }, reportOnly: false, referencedBy, blockers: [] } };
  }

  /**
   * A partner configuration: POST with its tenant id and settings, then PUT of its identity-sync
   * policy when the bot stored one that was still there when the partner went. Keyed by the
   * tenant id, it comes back under the same id.
   */
  async function planPartner(index: HistoryIndex, stored: { n: number; object: GraphObject }): Promise<Outcome<RecreateAction>> {
    const blockers: string[] = [];
    const deleted = await bin.getDeleted('partners', index.key);
    if (deleted) blockers.push(`The partner configuration of ${index.name} is still in the recycle bin: \`restore ${index.key}\` brings it back as it was, identity-sync policy included.`);
    const item = { kind: 'partners' as const, id: index.key, name: index.name };
    const body: GraphObject = { tenantId: index.key, ...creationBody(trackedKind('partners'), stored.object) };
    const syncIndex = await history.index('sync', index.key);
    // A sync policy deleted in an earlier check than the partner was removed on purpose: it is not brought back.
    const syncWentWithPartner = syncIndex && (!syncIndex.goneAt || !index.goneAt || Date.parse(syncIndex.goneAt) >= Date.parse(index.goneAt));
    const sync = syncIndex && syncWentWithPartner ? await latestOf(syncIndex) : undefined;
    const identitySync = sync && syncIndex ? { item: { kind: 'sync' as const, id: index.key, name: syncIndex.name }, version: sync.n, body: creationBody(trackedKind('sync'), sync.object) } : undefined;
    return { ok: true, value: { type: 'recreate', target: item, dependencies: [], object: { item, version: stored.n, body }, ...(identitySync ? { identitySync } : {}), keepsId: true, reportOnly: false, blockers } };
  }

  /** The POST (PUT for a sync policy) that creates one item; the id Graph gave it (a partner keeps its tenant id). */
  async function createOne(item: RecreateItem, body: GraphObject): Promise<{ id: unknown; requestId?: string }> {
    switch (item.item.kind) {
      case 'strengths': {
        const { value, requestId } = await live.createStrength(body);
        return { id: value.id, requestId };
      }
      case 'partners':
        return { id: item.item.id, ...(await partners.createPartner(body)) };
      case 'sync':
        return { id: item.item.id, ...(await partners.putPartnerSync(item.item.id, body)) };
      default: {
        const { value, requestId } = await graph.create(item.item.kind as 'ca' | 'locations', body);
        return { id: value.id, requestId };
      }
    }
  }

  async function remainingSteps(action: RecreateAction, context: ExecutionContext): Promise<StepsToRun> {
    const { request } = context;
    const startedAt = Date.parse(request.execution?.startedAt ?? request.createdAt);
    const created: TargetItem<TrackedKindId>[] = [...(request.execution?.created ?? [])];
    const newIds = new Map<string, string>();
    // What is recorded as done, by kind and old id (a partner and its sync policy share the tenant id).
    const doneKey = (kind: string, id: string) => `${kind}/${id.toLowerCase()}`;
    const recordedAs = new Map<string, string>();
    for (const item of created) {
      if (!item.replaces) continue;
      newIds.set(item.replaces.toLowerCase(), item.id);
      recordedAs.set(doneKey(item.kind, item.replaces), item.id);
    }
    const results: StepResult[] = [];
    const done: StepResult[] = [];

    const record = async (item: RecreateItem, newId: string, step: StepResult) => {
      newIds.set(item.item.id.toLowerCase(), newId);
      recordedAs.set(doneKey(item.item.kind, item.item.id), newId);
      created.push({ kind: item.item.kind, id: newId, name: item.item.name, replaces: item.item.id });
      results.push(step);
      // Stored before the next create: a takeover never creates this one again.
      await context.saveProgress({ steps: [...done, ...results], created });
    };

    const items = [...action.dependencies, action.object, ...(action.identitySync ? [action.identitySync] : [])];
    const bodyOf = (item: RecreateItem) => (item === action.object ? withLocationIds(item.body, newIds) : item.body);
    const stepOf = (item: RecreateItem): StepResult['step'] => (item.item.kind === 'sync' ? 'set identity sync' : 'create');
    const wordsOf = (item: RecreateItem) => `${kindWords(item.item.kind).label} "${item.item.name}"`;

    /** A create an interrupted execution may have made without recording it: same name, created since the execution started. */
    async function createdUnrecorded(item: RecreateItem): Promise<GraphObject | undefined> {
      // Keyed by the tenant id: a partner that is live now was created by the interrupted execution (the request was refused while it was live).
      if (item.item.kind === 'partners') return (await live.readLiveObject('partners', item.item.id)) ? { id: item.item.id } : undefined;
      // A PUT is idempotent: it is simply sent again.
      if (item.item.kind === 'sync') return undefined;
      const known = new Set(created.map((c) => c.id.toLowerCase()));
      const value = item.item.kind === 'strengths' ? await live.strengthsNamed(item.item.name) : (await graph.liveNamed(item.item.kind as 'ca' | 'locations', item.item.name)).value;
      return value.find((candidate) => {
        const at = Date.parse(String(candidate.createdDateTime ?? ''));
        return isObjectId(candidate.id) && !known.has(String(candidate.id).toLowerCase()) && Number.isFinite(at) && at >= startedAt - CLOCK_SLACK_MS;
      });
    }

    for (const item of items) {
      const recorded = recordedAs.get(doneKey(item.item.kind, item.item.id));
      if (recorded) {
        done.push({ item: item.item, step: stepOf(item), outcome: 'done', message: `created as ${recorded} (found recorded when resumed)` });
        continue;
      }
      if (!context.resuming) continue;
      const found = await createdUnrecorded(item);
      if (!found) continue;
      const step: StepResult = { item: item.item, step: stepOf(item), outcome: 'done', message: `created as ${String(found.id)} (found in Graph when resumed)` };
      await record(item, String(found.id), step);
    }
    done.push(...results.splice(0));

    const steps: PlannedStep[] = items
      .filter((item) => !recordedAs.has(doneKey(item.item.kind, item.item.id)))
      .map((item) => ({
        step: stepOf(item),
        run: async (): Promise<StepRun> => {
          const step = stepOf(item);
          try {
            const { id, requestId } = await createOne(item, bodyOf(item));
            if (typeof id !== 'string' || !(isObjectId(id) || item.item.kind === 'partners' || item.item.kind === 'sync')) {
              const result: StepResult = { item: item.item, step, outcome: 'failed', requestId, message: 'Graph answered without the id of the new object.' };
              return { result, failure: { message: `Creating the ${wordsOf(item)} failed: Graph answered without its new id. Check the ${kindWords(item.item.kind).plural} in the Entra admin center before asking again.` } };
            }
            const message = item.item.kind === 'partners' ? `created under the same tenant id ${id}` : item.item.kind === 'sync' ? 'set from its stored version' : `created as ${id}`;
            const result: StepResult = { item: item.item, step, outcome: 'done', requestId, message };
            await record(item, id, result);
            return { result };
          } catch (error) {
            const f = error as FailureLike;
            const message = `${f.code ?? 'error'}: ${f.detail ?? f.message}`;
            const result: StepResult = { item: item.item, step, outcome: 'failed', requestId: f.requestId, code: f.code, message };
            const before = created.length > 0 ? ` Created before it failed: ${created.map((c) => `${c.name} (${c.id})`).join(', ')}.` : '';
            return { result, failure: { message: `Creating the ${wordsOf(item)} failed (${message}).${before}`, hint: f.hint } };
          }
        },
      }));
    return { ok: true, done, steps };
  }

  return { plan, remainingSteps };
}
