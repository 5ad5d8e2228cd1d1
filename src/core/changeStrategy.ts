import type { RequestAction, StepResult, TargetItem } from './approvals';
import type { Failure, Outcome } from './outcome';

/**
 * One kind of change a request can carry (a restore, a partner change). A strategy plans the
 * action when the request is made, and at execution says which of its steps are still needed
 * and runs them. The request runner only sequences steps: it never looks inside an action.
 */

/** One Graph write of the plan; `run` never throws for a Graph failure, it reports it. */
export interface PlannedStep {
  item: TargetItem;
  step: StepResult['step'];
  run(): Promise<StepRun>;
}

/** A step's result (a batch step has one per item); with a failure the change stops there. */
export type StepRun = { result: StepResult; failure?: Failure } | { results: StepResult[]; failure?: Failure };

export const resultsOf = (run: StepRun): StepResult[] => ('results' in run ? run.results : [run.result]);

export type StepsToRun =
  | { ok: true; done: StepResult[]; steps: PlannedStep[] }
  /** The change must not go ahead (it no longer fits what was approved); nothing was written. */
  | { ok: false; failure: Failure };

export interface ChangeStrategy<Input, A extends RequestAction> {
  /** Works out the action from a fresh read, without storing anything. */
  plan(input: Input): Promise<Outcome<A>>;
  /**
   * The steps still to run, from a fresh read where the action needs one. When `resuming` an
   * execution that stopped part-way, steps Graph shows as done come back in `done` and are not run again.
   */
  remainingSteps(action: A, options: { resuming: boolean; recorded?: StepResult[] }): Promise<StepsToRun>;
  /**
   * Set when the change is many independent items: the results are stored on the request after
   * every step (compare-and-set, under the claim), a resumed execution never runs a recorded item
   * again, and a failed item does not stop the others.
   */
  recordsProgress?: boolean;
  /** After every step ran: whether the whole counts as failed, in words (some items failed). */
  conclude?(results: StepResult[]): Failure | undefined;
}

/** A step Graph showed as done when an interrupted execution was resumed. */
export function foundDone(item: TargetItem, step: StepResult['step']): StepResult {
  return { item, step, outcome: 'done', message: 'found done when resumed' };
}
