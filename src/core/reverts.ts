import type { RevertAction, StepResult } from './approvals';
import { foundDone, type ChangeStrategy, type StepsToRun } from './changeStrategy';
import type { ChangeHistory } from './history';
import type { GraphObject } from './model';
import type { FailureLike, Outcome } from './outcome';
import { capitalise } from './summaries';
import { contentHash, revertBody, trackedKind, type TrackedKindId } from './trackedKinds';

/** Port: writes to live objects and fresh reads of them (src/graph implements it). Writes return the Graph request-id. */
export interface LiveWriter {
  /** PATCH (PUT for identity-sync policies) of the given properties. */
  writeLive(kind: TrackedKindId, key: string, body: GraphObject): Promise<{ requestId?: string }>;
  /** POST …/authenticationStrengthPolicies/{id}/updateAllowedCombinations: the only way Graph changes a strength's combinations. */
  updateAllowedCombinations(id: string, allowedCombinations: string[]): Promise<{ requestId?: string }>;
  /** POST of a custom authentication strength (recreate): Graph answers with the new object and its id. */
  createStrength(body: GraphObject): Promise<{ value: GraphObject; requestId?: string }>;
  /** The custom strengths with this display name, with their creation times (a recreate taken over after a crash looks for its own). */
  strengthsNamed(displayName: string): Promise<GraphObject[]>;
  /** The live object as a history cycle reads it, or undefined when it does not exist. */
  readLiveObject(kind: TrackedKindId, key: string): Promise<GraphObject | undefined>;
}

/** Why a built-in authentication strength is never written: Microsoft defines it, and Graph refuses changes to it. */
export function builtInStrengthRefusal(name: string): string {
  return `${name} is a built-in authentication strength: Microsoft defines it and Graph refuses any change to it, so there is nothing to revert or recreate. Only custom authentication strengths have history here.`;
}

/** The combinations of a strength as a sorted list (Graph treats them as a set). */
export function combinationsOf(raw: GraphObject | undefined): string[] {
  return Array.isArray(raw?.allowedCombinations) ? raw.allowedCombinations.filter((c): c is string => typeof c === 'string').sort() : [];
}

export interface RevertInput {
  kind: TrackedKindId;
  id: string;
  /** The stored version to write back; by default the one before the latest (undo the last change). */
  version?: number;
}

/**
 * Revert: writes a stored version of a live object back. Planned against a fresh read (the
 * body is the settable properties that differ), and at execution refused with "changed since
 * requested" unless the object still has the content it had when the request was made.
 */
export function revertStrategy(deps: { history: ChangeHistory; live: LiveWriter }): ChangeStrategy<RevertInput, RevertAction> {
  const { history, live } = deps;

  async function plan(input: RevertInput): Promise<Outcome<RevertAction>> {
    const kind = trackedKind(input.kind);
    const index = await history.index(input.kind, input.id);
    if (!index || index.versions.length === 0) return { ok: false, message: `The bot has no stored versions of ${kind.label} ${input.id}. Type \`history ${input.id}\` to check.` };
    const latest = index.versions[index.versions.length - 1];
    const n = input.version ?? index.versions[index.versions.length - 2]?.n;
    if (n === undefined) return { ok: false, message: `${capitalise(kind.label)} ${index.name} has only one stored version (v${latest.n}), so there is nothing earlier to go back to.` };
    const stored = await history.version(input.kind, input.id, n);
    if (!stored) return { ok: false, message: `Version ${n} of ${index.name} is not stored (kept: ${index.versions.map((v) => `v${v.n}`).join(', ')}).` };
    const current = await live.readLiveObject(input.kind, input.id);
    if (!current) return { ok: false, message: `${capitalise(kind.label)} ${index.name} is not live (deleted or purged): restore it, or recreate it from its last version with \`recreate ${input.id}\`.` };
    if (input.kind === 'strengths' && (current.policyType === 'builtIn' || stored.object.policyType === 'builtIn')) return { ok: false, message: builtInStrengthRefusal(index.name) };
    const body = revertBody(kind, stored.object, current);
    const patches = Object.keys(body).length > 0 && !(Object.keys(body).length === 1 && body['@odata.type']);
    // A strength's combinations are not in its settable list: Graph changes them only through the updateAllowedCombinations action.
    const combinations = input.kind === 'strengths' && combinationsOf(stored.object).join() !== combinationsOf(current).join() ? combinationsOf(stored.object) : undefined;
    if (!patches && !combinations) return { ok: false, message: `Nothing to revert: ${index.name} already has the settings of version ${n}.` };
    const lines = await history.words(input.kind, current, stored.object);
    const written = [...(patches ? Object.keys(body) : []), ...(combinations ? ['allowedCombinations'] : [])];
    return {
      ok: true,
      value: {
        type: 'revert',
        target: { kind: input.kind, id: input.id, name: index.name },
        version: n,
        fromVersion: latest.n,
        currentHash: contentHash(kind, current),
        // An identity-sync policy is written with PUT, which replaces it: the whole stored version's settable part goes.
        body: input.kind === 'sync' ? Object.fromEntries(kind.settable.filter((name) => stored.object[name] !== undefined).map((name) => [name, stored.object[name]])) : patches ? body : {},
        ...(combinations ? { allowedCombinations: combinations } : {}),
        ...(combinations && patches ? { afterPatchHash: contentHash(kind, { ...current, ...body }) } : {}),
        lines: lines.length > 0 ? lines : [`Properties written back: ${written.join(', ')}`],
        blockers: [],
      },
    };
  }

  async function remainingSteps(action: RevertAction, { resuming }: { resuming: boolean }): Promise<StepsToRun> {
    const kind = trackedKind(action.target.kind);
    const current = await live.readLiveObject(action.target.kind, action.target.id);
    if (!current) return { ok: false, failure: { message: `${capitalise(kind.label)} ${action.target.name} no longer exists, so nothing was written.` } };
    const hash = contentHash(kind, current);
    const patches = Object.keys(action.body).length > 0;
    // Resumed after the PATCH of a strength went through: only the combinations are left to send.
    const patchDone = resuming && action.afterPatchHash !== undefined && hash === action.afterPatchHash;
    if (hash !== action.currentHash && !patchDone) {
      const stored = await history.version(action.target.kind, action.target.id, action.version);
      if (resuming && stored && contentHash(kind, stored.object) === hash) return { ok: true, done: [foundDone(action.target, 'revert')], steps: [] };
      return {
        ok: false,
        failure: {
          message: `Changed since requested, so nothing was written: ${action.target.name} is no longer as it was when the revert was asked for.`,
          hint: `Type \`diff ${action.target.id}\` to see the latest change, and ask for a new revert if it is still needed.`,
        },
      };
    }
    const step = (name: 'revert' | 'set allowed combinations', write: () => Promise<{ requestId?: string }>) => ({
      item: action.target,
      step: name as StepResult['step'],
      run: async () => {
        try {
          const { requestId } = await write();
          return { result: { item: action.target, step: name, outcome: 'done' as const, requestId } };
        } catch (error) {
          const f = error as FailureLike;
          const message = `${f.code ?? 'error'}: ${f.detail ?? f.message}`;
          return { result: { item: action.target, step: name, outcome: 'failed' as const, requestId: f.requestId, code: f.code, message }, failure: { message: `Revert failed: ${message}`, hint: f.hint } };
        }
      },
    });
    const steps = [];
    const done: StepResult[] = [];
    if (patches && patchDone) done.push(foundDone(action.target, 'revert'));
    else if (patches) steps.push(step('revert', () => live.writeLive(action.target.kind, action.target.id, action.body)));
    const combinations = action.allowedCombinations;
    if (combinations) steps.push(step('set allowed combinations', () => live.updateAllowedCombinations(action.target.id, combinations)));
    return { ok: true, done, steps };
  }

  return { plan, remainingSteps };
}
