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

/** A step's result; with a failure the change stops there. */
export interface StepRun {
  result: StepResult;
  failure?: Failure;
}

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
  remainingSteps(action: A, options: { resuming: boolean }): Promise<StepsToRun>;
}

/** A step Graph showed as done when an interrupted execution was resumed. */
export function foundDone(item: TargetItem, step: StepResult['step']): StepResult {
  return { item, step, outcome: 'done', message: 'found done when resumed' };
}
