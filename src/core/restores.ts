import type { RestoreAction, StepResult, TargetItem } from './approvals';
import { foundDone, type ChangeStrategy, type ExecutionContext, type PlannedStep, type StepRun, type StepsToRun } from './changeStrategy';
import { kindById } from './kinds';
import { isUpnShape, purgeDate, type KindId } from './model';
import type { FailureLike, Outcome } from './outcome';
import { findDeleted, toDeletedItem, type RecycleBin, type RecycleBinWriter } from './recycleBin';

/**
 * Restores from the recycle bins: the deleted items a target depends on first, then the
 * target, then (Conditional Access only, when asked) the switch to report-only. Each step can
 * be checked against Graph, so an execution cut off part-way is completed, not guessed at.
 */

export interface RestoreInput {
  ref: { id: string; kind?: KindId };
  reportOnly: boolean;
  /**
   * A preview for the Restore form, read from the mirror: a dependency the bins do not list is
   * taken as live instead of being checked in Graph. Creating the request plans again, live.
   */
  preview?: boolean;
  /** Users only: restore under this UPN (its own was taken meanwhile). */
  newUserPrincipalName?: string;
}

const REPORT_ONLY = 'enabledForReportingButNotEnforced';

/** A Conditional Access state as a restore card names it. */
const RESULTING_STATE_WORDS: Record<string, string> = { enabled: 'On (enforced)', disabled: 'Off', [REPORT_ONLY]: 'Report-only' };

/** The state a restored CA policy ends up in: report-only when asked, otherwise the state it was deleted in. */
export function resultingStateText(action: { reportOnly: boolean; deletedState?: string }): string {
  if (action.reportOnly) return 'Report-only (nothing enforced until switched on)';
  const state = action.deletedState === undefined ? 'its state was not recorded' : (RESULTING_STATE_WORDS[action.deletedState] ?? action.deletedState);
  return `${state}, as it was when deleted`;
}

/** A Conditional Access state in the words an admin needs when it is not what was asked for. */
const STATE_WORDS: Record<string, string> = { enabled: 'ENFORCED', disabled: 'OFF (disabled)', [REPORT_ONLY]: 'report-only' };

/** What a recreate costs, as the offers of it say. */
export const RECREATE_COST = 'a new object id; references to the old id elsewhere (scripts, exports, other tools) are not updated';

export function restoreStrategy(deps: {
  bin: RecycleBin;
  writer: RecycleBinWriter;
  now: () => Date;
  /** Whether the bot has a stored version to recreate this item from (offered when Entra refuses the restore). */
  recreatable?: (item: TargetItem) => Promise<boolean>;
}): ChangeStrategy<RestoreInput, RestoreAction> {
  const { bin, writer } = deps;

  /**
   * Without a kind, an id that several kinds share (a partner and its sync policy) comes back
   * as choices; a dependency purged for good becomes a blocker shown before anyone approves.
   */
  async function plan({ ref, reportOnly, preview, newUserPrincipalName }: RestoreInput): Promise<Outcome<RestoreAction>> {
    const now = deps.now();
    if (newUserPrincipalName !== undefined && !isUpnShape(newUserPrincipalName)) return { ok: false, message: upnShapeProblem(newUserPrincipalName) };
    if (newUserPrincipalName !== undefined && ref.kind && ref.kind !== 'users') return { ok: false, message: `Only users have a user principal name: a ${kindById(ref.kind).label} is restored without \`as\`.` };
    const lookup = await findDeleted(bin, ref.id, ref.kind, now);
    if (lookup.found === 'none') {
      const failure = lookup.failures[0]?.error;
      if (failure) throw failure;
      const what = ref.kind ? `deleted ${kindById(ref.kind).label}` : 'deleted item';
      return { ok: false, message: `No ${what} has the id ${ref.id}. It may have been restored already or purged.` };
    }
    if (lookup.found === 'several') return { ok: false, message: 'That id matches several items; say which kind.', choices: lookup.items };
    const item = lookup.item;
    if (newUserPrincipalName !== undefined && item.kind !== 'users') return { ok: false, message: `${ref.id} is a deleted ${kindById(item.kind).label}: only users have a user principal name to restore under.` };
    const dependencies: TargetItem[] = [];
    const blockers: string[] = [];
    for (const dependency of kindById(item.kind).references(item.raw)) {
      const depKind = kindById(dependency.kind);
      const deleted = await bin.getDeleted(dependency.kind, dependency.id);
      if (deleted) {
        dependencies.push({ ...dependency, name: toDeletedItem(depKind, deleted, now).name });
      } else if (!preview && !(await writer.getLive(dependency))) {
        blockers.push(`The ${depKind.label} ${dependency.id} it depends on no longer exists (purged), so Entra will refuse the restore.`);
      }
    }
    return {
      ok: true,
      value: {
        type: 'restore',
        target: { kind: item.kind, id: item.id, name: item.name },
        reportOnly: reportOnly && item.kind === 'ca',
        ...(item.kind === 'ca' && typeof item.raw.state === 'string' ? { deletedState: item.raw.state } : {}),
        dependencies,
        blockers,
        purgesAt: purgeDate(item.deletedAt).toISOString(),
        ...(newUserPrincipalName ? { newUserPrincipalName } : {}),
      },
    };
  }

  /** A 404 on restore is checked against the live object, so an item restored meanwhile is skipped, not failed. */
  async function restoreStep(item: TargetItem, failureOf: (result: StepResult) => string, newUserPrincipalName?: string): Promise<StepRun> {
    try {
      const { requestId } = await writer.restore(item, newUserPrincipalName ? { newUserPrincipalName } : undefined);
      return { result: { item, step: 'restore', outcome: 'done', requestId } };
    } catch (error) {
      const f = error as FailureLike;
      if (f.status === 404 && (await writer.getLive(item).catch(() => undefined))) {
        return { result: { item, step: 'restore', outcome: 'skipped', requestId: f.requestId, message: 'someone else restored it already' } };
      }
      const why = f.status === 404 ? 'it is no longer in the recycle bin (purged or restored elsewhere)' : (f.detail ?? f.message);
      const result: StepResult = { item, step: 'restore', outcome: 'failed', requestId: f.requestId, code: f.code, message: `${f.code ?? 'error'}: ${why}` };
      // Entra refusing the restore to the app: the stored copy is the way back, at a cost the hint names.
      if (f.status === 403 && (await deps.recreatable?.(item).catch(() => false))) {
        const hint = `${f.hint ? `${f.hint} ` : ''}Or recreate it from its last stored version (\`recreate ${item.id}\`, or the button below): ${RECREATE_COST}.`;
        return { result, failure: { message: failureOf(result), hint, recreate: item } };
      }
      return { result, failure: { message: failureOf(result), hint: upnConflictHint(item, f.detail ?? f.message, newUserPrincipalName) ?? f.hint } };
    }
  }

  /**
   * A failed switch is checked against the live policy: one that is report-only after all
   * (the answer was lost) is done; otherwise the failure names the state it is left in.
   */
  async function reportOnlyStep(target: TargetItem): Promise<StepRun> {
    try {
      const { requestId } = await writer.setReportOnly(target.id);
      return { result: { item: target, step: 'set report-only', outcome: 'done', requestId } };
    } catch (error) {
      const f = error as FailureLike;
      const state = await writer.getLive(target).then((live) => live?.state, () => undefined);
      if (state === REPORT_ONLY) return { result: { item: target, step: 'set report-only', outcome: 'done', requestId: f.requestId } };
      const live = typeof state === 'string' ? `The policy is ${STATE_WORDS[state] ?? state}` : 'Its state could not be read';
      return {
        result: { item: target, step: 'set report-only', outcome: 'failed', requestId: f.requestId, code: f.code, message: f.detail ?? f.message },
        failure: { message: `The policy was restored, but switching it to report-only failed (${f.code ?? 'error'}). ${live}: check it now.`, hint: f.hint },
      };
    }
  }

  /** A restore step names its item up front: whether it is done can be read from Graph. */
  type RestoreStep = PlannedStep & { item: TargetItem };

  function steps(action: RestoreAction): RestoreStep[] {
    const planned: RestoreStep[] = action.dependencies.map((dependency) => ({
      item: dependency,
      step: 'restore',
      run: () => restoreStep(dependency, (result) => `Restoring the ${kindById(dependency.kind).label} "${dependency.name}" it depends on failed: ${result.message}`),
    }));
    planned.push({ item: action.target, step: 'restore', run: () => restoreStep(action.target, (result) => result.message ?? 'the restore failed', action.newUserPrincipalName) });
    if (action.reportOnly) planned.push({ item: action.target, step: 'set report-only', run: () => reportOnlyStep(action.target) });
    return planned;
  }

  /** Whether Graph shows the step as done: the item live and out of the bin, or the policy report-only. */
  async function isDone(step: RestoreStep): Promise<boolean> {
    const live = await writer.getLive(step.item);
    if (step.step === 'set report-only') return live?.state === REPORT_ONLY;
    return live !== undefined && (await bin.getDeleted(step.item.kind, step.item.id)) === undefined;
  }

  /** When resuming: the first step Graph does not show as done, and every step after it. */
  async function remainingSteps(action: RestoreAction, { resuming }: ExecutionContext): Promise<StepsToRun> {
    const planned = steps(action);
    const done: StepResult[] = [];
    while (resuming && planned.length > 0 && (await isDone(planned[0]))) {
      const step = planned.shift()!;
      done.push(foundDone(step.item, step.step));
    }
    return { ok: true, done, steps: planned };
  }

  return { plan, remainingSteps };
}

/** Why a typed UPN is refused before anything is asked of Graph. */
export function upnShapeProblem(upn: string): string {
  return `"${upn.slice(0, 120)}" is not a user principal name: give one like name@contoso.com (letters, digits and . - _ before the @, a domain after it).`;
}

/** Graph's answer when another object holds the UPN a user would come back under. */
export const isUpnConflict = (message: string | undefined): boolean => /same value for property userPrincipalName/i.test(message ?? '');

/**
 * What to do about a user restore Graph refused because its UPN is taken: restore it under
 * another. Undefined for any other failure.
 */
export function upnConflictHint(item: { kind: KindId; id: string }, message: string | undefined, triedUpn?: string): string | undefined {
  if (item.kind !== 'users' || !isUpnConflict(message)) return undefined;
  const taken = triedUpn ? `${triedUpn} is taken too` : 'Another user now has its user principal name';
  return `${taken}. Restore it under a new one: \`restore ${item.id} as newname@yourdomain\` (the domain must be one of the tenant's verified domains).`;
}
