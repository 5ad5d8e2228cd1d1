import type { RecreateAction, RecreateItem, StepResult, TargetItem } from './approvals';
import type { ChangeStrategy, ExecutionContext, PlannedStep, StepRun, StepsToRun } from './changeStrategy';
import type { ChangeHistory, HistoryIndex } from './history';
import { kindById } from './kinds';
import { isObjectId, purgeDate, type GraphObject } from './model';
import type { FailureLike, Outcome } from './outcome';
import type { RecycleBin } from './recycleBin';
import type { LiveWriter } from './reverts';
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

export type RecreatableKind = 'ca' | 'locations';
export const RECREATABLE_KINDS: readonly RecreatableKind[] = ['ca', 'locations'];

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
  /** Fresh reads of live objects (is it live after all?). */
  live: Pick<LiveWriter, 'readLiveObject'>;
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
  const { history, live, bin, graph } = deps;

  async function latestOf(index: HistoryIndex): Promise<{ n: number; object: GraphObject } | undefined> {
    const latest = index.versions.at(-1);
    const stored = latest && (await history.version(index.kind, index.key, latest.n));
    return stored ? { n: stored.n, object: stored.object } : undefined;
  }

  async function plan(input: RecreateInput): Promise<Outcome<RecreateAction>> {
    const found = (await history.find(input.id)).filter((index) => index.key.toLowerCase() === input.id.toLowerCase());
    const index = found.find((candidate) => isRecreatable(candidate.kind));
    if (!index) {
      if (found.length > 0) return { ok: false, message: `Recreate works for Conditional Access policies and named locations; ${found[0].name} is a ${trackedKind(found[0].kind).label}. \`history ${input.id}\` shows its stored versions.` };
      return { ok: false, message: `The bot has no stored version of ${input.id}, so it cannot recreate it. History covers what was live while the bot ran (\`history {id or name}\`).` };
    }
    const kind = index.kind as RecreatableKind;
    const tracked = trackedKind(kind);
    const stored = await latestOf(index);
    if (!stored) return { ok: false, message: `The last version of ${index.name} is no longer stored, so it cannot be recreated.` };
    if (await live.readLiveObject(kind, index.key)) {
      return { ok: false, message: `${capitalise(tracked.label)} ${index.name} is live: nothing to recreate. To undo a change to it, use \`revert ${index.key}\`.` };
    }
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

  async function remainingSteps(action: RecreateAction, context: ExecutionContext): Promise<StepsToRun> {
    const { request } = context;
    const startedAt = Date.parse(request.execution?.startedAt ?? request.createdAt);
    const created: TargetItem<TrackedKindId>[] = [...(request.execution?.created ?? [])];
    const newIds = new Map<string, string>();
    for (const item of created) if (item.replaces) newIds.set(item.replaces.toLowerCase(), item.id);
    const results: StepResult[] = [];
    const done: StepResult[] = [];

    const record = async (item: RecreateItem, newId: string, step: StepResult) => {
      newIds.set(item.item.id.toLowerCase(), newId);
      created.push({ kind: item.item.kind, id: newId, name: item.item.name, replaces: item.item.id });
      results.push(step);
      // Stored before the next create: a takeover never creates this one again.
      await context.saveProgress({ steps: [...done, ...results], created });
    };

    const items = [...action.dependencies, action.object];
    const bodyOf = (item: RecreateItem) => (item === action.object ? withLocationIds(item.body, newIds) : item.body);
    const wordsOf = (item: RecreateItem) => `${kindWords(item.item.kind).label} "${item.item.name}"`;

    /** A create an interrupted execution may have made without recording it: same name, created since the execution started. */
    async function createdUnrecorded(item: RecreateItem): Promise<GraphObject | undefined> {
      const known = new Set(created.map((c) => c.id.toLowerCase()));
      const { value } = await graph.liveNamed(item.item.kind as RecreatableKind, item.item.name);
      return value.find((candidate) => {
        const at = Date.parse(String(candidate.createdDateTime ?? ''));
        return isObjectId(candidate.id) && !known.has(candidate.id.toLowerCase()) && Number.isFinite(at) && at >= startedAt - CLOCK_SLACK_MS;
      });
    }

    for (const item of items) {
      const recorded = newIds.get(item.item.id.toLowerCase());
      if (recorded) {
        done.push({ item: item.item, step: 'create', outcome: 'done', message: `created as ${recorded} (found recorded when resumed)` });
        continue;
      }
      if (!context.resuming) continue;
      const found = await createdUnrecorded(item);
      if (!found) continue;
      const step: StepResult = { item: item.item, step: 'create', outcome: 'done', message: `created as ${String(found.id)} (found in Graph when resumed)` };
      await record(item, String(found.id), step);
    }
    done.push(...results.splice(0));

    const steps: PlannedStep[] = items
      .filter((item) => !newIds.has(item.item.id.toLowerCase()))
      .map((item) => ({
        step: 'create' as const,
        run: async (): Promise<StepRun> => {
          try {
            const { value, requestId } = await graph.create(item.item.kind as RecreatableKind, bodyOf(item));
            if (!isObjectId(value.id)) {
              const result: StepResult = { item: item.item, step: 'create', outcome: 'failed', requestId, message: 'Graph answered without the id of the new object.' };
              return { result, failure: { message: `Creating the ${wordsOf(item)} failed: Graph answered without its new id. Check the ${kindWords(item.item.kind).plural} in the Entra admin center before asking again.` } };
            }
            const result: StepResult = { item: item.item, step: 'create', outcome: 'done', requestId, message: `created as ${value.id}` };
            await record(item, value.id, result);
            return { result };
          } catch (error) {
            const f = error as FailureLike;
            const message = `${f.code ?? 'error'}: ${f.detail ?? f.message}`;
            const result: StepResult = { item: item.item, step: 'create', outcome: 'failed', requestId: f.requestId, code: f.code, message };
            const before = created.length > 0 ? ` Created before it failed: ${created.map((c) => `${c.name} (${c.id})`).join(', ')}.` : '';
            return { result, failure: { message: `Creating the ${wordsOf(item)} failed (${message}).${before}`, hint: f.hint } };
          }
        },
      }));
    return { ok: true, done, steps };
  }

  return { plan, remainingSteps };
}
