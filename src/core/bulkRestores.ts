import { MAX_BULK_ITEMS, type BulkRestoreAction, type StepResult, type TargetItem } from './approvals';
import { foundDone, type ChangeStrategy, type ExecutionContext, type PlannedStep, type StepRun, type StepsToRun } from './changeStrategy';
import { KINDS, kindById } from './kinds';
import type { GraphObject, KindId } from './model';
import type { Failure, FailureLike, Outcome } from './outcome';
import { MAX_RESTORES_PER_BATCH, toDeletedItem, type RecycleBin, type RecycleBinWriter } from './recycleBin';
import { upnConflictHint } from './restores';

/**
 * Bulk restores: many deleted items under one approval. Planning reads each kind's recycle bin
 * once (not one read per id and kind); execution restores in dependency order, batching the
 * kinds that allow it (at most MAX_RESTORES_PER_BATCH per $batch call) and pacing the rest one by
 * one, and records every item's result so an interrupted run resumes with the items left.
 */

export interface BulkRestoreInput {
  /** Ids as asked for; a kind when the caller knows it (card selections, `restore all <kind>`). */
  refs: { id: string; kind?: KindId }[];
  reportOnly: boolean;
}

const REPORT_ONLY = 'enabledForReportingButNotEnforced';
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const keyOf = (ref: { kind: string; id: string }) => `${ref.kind}/${ref.id.toLowerCase()}`;

/** Items in the order they run: lower restoreRank first, then registry order, then name. */
export function restoreOrder(items: TargetItem[]): TargetItem[] {
  const position = (kind: KindId) => KINDS.findIndex((k) => k.id === kind);
  return [...items].sort((a, b) => kindById(a.kind).restoreRank - kindById(b.kind).restoreRank || position(a.kind) - position(b.kind) || a.name.localeCompare(b.name));
}

export function bulkRestoreStrategy(deps: { bin: RecycleBin; writer: RecycleBinWriter; now: () => Date }): ChangeStrategy<BulkRestoreInput, BulkRestoreAction> {
  const { bin, writer } = deps;

  async function plan({ refs, reportOnly }: BulkRestoreInput): Promise<Outcome<BulkRestoreAction>> {
    const wanted = dedupe(refs);
    if (wanted.length === 0) return { ok: false, message: 'No items to restore: give their ids, or select them on a list.' };
    if (wanted.length > MAX_BULK_ITEMS) return { ok: false, message: `One request restores at most ${MAX_BULK_ITEMS} items; ${wanted.length} were asked for. Ask in parts.` };
    // One list read per kind that may hold an asked-for id, instead of one read per id and kind.
    const kinds = wanted.some((ref) => !ref.kind) ? KINDS.map((k) => k.id) : [...new Set(wanted.map((ref) => ref.kind!))];
    const listings = new Map<KindId, GraphObject[]>();
    for (const kind of kinds) listings.set(kind, await bin.listDeleted(kind));
    const now = deps.now();
    const found = new Map<string, TargetItem & { raw: GraphObject }>();
    const leftOut: string[] = [];
    for (const ref of wanted) {
      const matches = kinds
        .filter((kind) => !ref.kind || ref.kind === kind)
        .flatMap((kind) => (listings.get(kind) ?? []).filter((raw) => same(toDeletedItem(kindById(kind), raw, now).id, ref.id)).map((raw) => ({ kind, raw })));
      if (matches.length === 0) {
        leftOut.push(`${ref.id}: not in the recycle bin (restored already, purged, or not a deleted item's id)`);
        continue;
      }
      // A partner and its sync policy share the tenant id: asking for the id restores both.
      for (const { kind, raw } of matches) {
        const item = toDeletedItem(kindById(kind), raw, now);
        found.set(keyOf(item), { kind, id: item.id, name: item.name, raw });
      }
    }
    // What an item depends on comes too when it is deleted (a CA policy's named location); a purged one leaves the item out.
    for (const item of [...found.values()]) {
      for (const dependency of kindById(item.kind).references(item.raw)) {
        if (found.has(keyOf(dependency))) continue;
        const deleted = await bin.getDeleted(dependency.kind, dependency.id);
        if (deleted) {
          const dep = toDeletedItem(kindById(dependency.kind), deleted, now);
          found.set(keyOf(dep), { kind: dep.kind, id: dep.id, name: dep.name, raw: deleted });
        } else if (!(await writer.getLive(dependency))) {
          found.delete(keyOf(item));
          leftOut.push(`${item.name} (${item.id}): the ${kindById(dependency.kind).label} ${dependency.id} it depends on was purged, so Entra would refuse it`);
          break;
        }
      }
    }
    if (found.size === 0) return { ok: false, message: `No request was made: nothing asked for can be restored. ${leftOut.join('; ')}` };
    const items = restoreOrder([...found.values()].map(({ kind, id, name }) => ({ kind, id, name })));
    const count = items.length;
    return {
      ok: true,
      value: {
        type: 'restore.bulk',
        target: { kind: items[0].kind, id: items[0].id, name: `${count} deleted item${count === 1 ? '' : 's'}` },
        items,
        reportOnly,
        leftOut,
        blockers: [],
      },
    };
  }

  /** One item's failure as a result; a 404 is checked against the live object (restored meanwhile: skipped). */
  async function failedOrSkipped(item: TargetItem, f: { status?: number; code?: string; message: string; requestId?: string; hint?: string }): Promise<StepResult> {
    if (f.status === 404 && (await writer.getLive(item).catch(() => undefined))) {
      return { item, step: 'restore', outcome: 'skipped', requestId: f.requestId, message: 'already restored' };
    }
    const why = f.status === 404 ? 'it is no longer in the recycle bin (purged or restored elsewhere)' : f.message;
    const hint = f.status === 403 ? kindById(item.kind).refusedHint : upnConflictHint(item, f.message);
    return { item, step: 'restore', outcome: 'failed', requestId: f.requestId, code: f.code, message: `${f.code ?? 'error'}: ${why}${hint ? ` ${hint}` : ''}` };
  }

  /** One item restored on its own (kinds that are not batched: Conditional Access, paced by the transport). */
  function singleStep(item: TargetItem, reportOnly: boolean): PlannedStep {
    return {
      step: 'restore',
      run: async (): Promise<StepRun> => {
        const results: StepResult[] = [];
        try {
          const { requestId } = await writer.restore(item);
          results.push({ item, step: 'restore', outcome: 'done', requestId });
        } catch (error) {
          const f = error as FailureLike;
          return { results: [await failedOrSkipped(item, { ...f, message: f.detail ?? f.message })] };
        }
        if (reportOnly && item.kind === 'ca') {
          try {
            const { requestId } = await writer.setReportOnly(item.id);
            results.push({ item, step: 'set report-only', outcome: 'done', requestId });
          } catch (error) {
            const f = error as FailureLike;
            const state = await writer.getLive(item).then((live) => live?.state, () => undefined);
            results.push(
              state === REPORT_ONLY
                ? { item, step: 'set report-only', outcome: 'done', requestId: f.requestId }
                : { item, step: 'set report-only', outcome: 'failed', requestId: f.requestId, code: f.code, message: `restored, but it is ${String(state ?? 'in an unknown state')}: ${f.detail ?? f.message}` },
            );
          }
        }
        return { results };
      },
    };
  }

  /** Up to MAX_RESTORES_PER_BATCH items in one $batch call. */
  function batchStep(items: TargetItem[]): PlannedStep {
    return {
      step: 'restore',
      run: async (): Promise<StepRun> => {
        let answers;
        try {
          answers = await writer.restoreBatch(items);
        } catch (error) {
          // No answer for the batch: each item says for itself whether it came back.
          const f = error as FailureLike;
          return { results: await Promise.all(items.map((item) => checked(item, f))) };
        }
        return {
          results: await Promise.all(
            answers.map(async (answer, index) => {
              const item = items[index];
              return answer.ok ? { item, step: 'restore' as const, outcome: 'done' as const, requestId: answer.requestId } : failedOrSkipped(item, answer);
            }),
          ),
        };
      },
    };
  }

  /** After a batch got no answer: done when Graph shows the item live and out of the bin, failed otherwise. */
  async function checked(item: TargetItem, f: FailureLike): Promise<StepResult> {
    if (await isDone(item).catch(() => false)) return { item, step: 'restore', outcome: 'done', message: 'restored; the batch answer was lost' };
    return { item, step: 'restore', outcome: 'failed', requestId: f.requestId, code: f.code, message: `${f.code ?? 'error'}: ${f.detail ?? f.message}` };
  }

  async function isDone(item: TargetItem): Promise<boolean> {
    return (await bin.getDeleted(item.kind, item.id)) === undefined && (await writer.getLive(item)) !== undefined;
  }

  /**
   * Items with a recorded result are never run again. When resuming, an unrecorded item Graph
   * shows restored (the step in flight when the executor stopped) is found done, not restored twice.
   */
  async function remainingSteps(action: BulkRestoreAction, { resuming, request }: ExecutionContext): Promise<StepsToRun> {
    const recorded = request.execution?.steps ?? [];
    const settled = new Set(recorded.filter((r) => r.step === 'restore').map((r) => keyOf(r.item)));
    const done: StepResult[] = [...recorded];
    const toRun: TargetItem[] = [];
    for (const item of action.items) {
      if (settled.has(keyOf(item))) continue;
      if (resuming && (await isDone(item))) {
        done.push(foundDone(item, 'restore'));
        continue;
      }
      toRun.push(item);
    }
    const steps: PlannedStep[] = [];
    for (const rank of [0, 1]) {
      const here = toRun.filter((item) => kindById(item.kind).restoreRank === rank);
      for (const item of here.filter((i) => !kindById(i.kind).batchRestore)) steps.push(singleStep(item, action.reportOnly));
      // One batch holds one family: the policy kinds are on Graph beta, the directory on v1.0.
      for (const family of ['policy', 'directory'] as const) {
        const batched = here.filter((i) => kindById(i.kind).batchRestore && kindById(i.kind).family === family);
        for (let start = 0; start < batched.length; start += MAX_RESTORES_PER_BATCH) steps.push(batchStep(batched.slice(start, start + MAX_RESTORES_PER_BATCH)));
      }
    }
    return { ok: true, done, steps, conclude };
  }

  /** A batch step reports its items' failures as results, not as the step's failure: every item gets its chance. */
  function conclude(results: StepResult[], failure: Failure | undefined): Failure | undefined {
    if (failure) return failure;
    const failed = results.filter((r) => r.outcome === 'failed');
    if (failed.length === 0) return undefined;
    const items = new Set(failed.map((r) => keyOf(r.item))).size;
    return {
      message: `${items} of the ${new Set(results.map((r) => keyOf(r.item))).size} items did not restore; the others did (see each item).`,
      hint: 'Check the failed items in the Entra admin center; ask again for those still needed.',
    };
  }

  return { plan, remainingSteps, recordsProgress: true };
}

function dedupe(refs: { id: string; kind?: KindId }[]): { id: string; kind?: KindId }[] {
  const seen = new Set<string>();
  return refs.filter((ref) => {
    const key = `${ref.kind ?? '*'}/${ref.id.toLowerCase()}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
