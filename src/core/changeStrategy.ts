import type { ChangeRequest, RequestAction, StepResult, TargetItem } from './approvals';
import type { Failure, Outcome } from './outcome';
import type { TrackedKindId } from './trackedKinds';

/**
 * One kind of change a request can carry (a restore, a partner change, the self-test). A
 * strategy plans the action when the request is made, and at execution says which of its
 * steps are still needed and runs them. The request runner only sequences steps: it never
 * looks inside an action.
 */

/** One Graph write (or check) of the plan; `run` never throws for a Graph failure, it reports it. */
export interface PlannedStep {
  step: StepResult['step'];
  /**
   * Runs even after an earlier step failed: it undoes what the execution created (a
   * self-test's clean-up). Such a step decides at run time whether anything is left to undo.
   */
  cleanup?: boolean;
  run(): Promise<StepRun>;
}

/**
 * A step's result: one, or one per item for a batch step, or none when a clean-up step found
 * nothing to do. With a failure the steps after it are skipped, clean-up steps aside.
 */
export type StepRun = { result?: StepResult; failure?: Failure } | { results: StepResult[]; failure?: Failure };

export const resultsOf = (run: StepRun): StepResult[] => ('results' in run ? run.results : run.result ? [run.result] : []);

export type StepsToRun =
  | {
      ok: true;
      done: StepResult[];
      steps: PlannedStep[];
      /**
       * How the change ended, from every step's result and the first failure a step reported;
       * without it, that failure. (A self-test reports what it proved and what it left behind.)
       */
      conclude?: (results: StepResult[], failure: Failure | undefined) => Failure | undefined;
    }
  /** The change must not go ahead (it no longer fits what was approved); nothing was written. */
  | { ok: false; failure: Failure };

/** What an execution records on its request while it holds the claim. */
export interface ExecutionProgress {
  steps: StepResult[];
  /** Objects the execution created (the self-test's), kept when not given. */
  created?: TargetItem<TrackedKindId>[];
}

export interface ExecutionContext {
  /** An execution that stopped part-way is being taken over. */
  resuming: boolean;
  /** The request as stored when this execution (or the takeover) began. */
  request: ChangeRequest;
  /**
   * Stores progress on the request while this execution holds its claim; false when it could
   * not (claim lost, store unavailable: logged). Strategies that create objects call it after each step.
   */
  saveProgress(progress: ExecutionProgress): Promise<boolean>;
}

export interface ChangeStrategy<Input, A extends RequestAction> {
  /** Works out the action from a fresh read, without storing anything. */
  plan(input: Input): Promise<Outcome<A>>;
  /**
   * The steps still to run, from a fresh read where the action needs one. When `resuming` an
   * execution that stopped part-way, steps Graph shows as done come back in `done` and are not run again.
   */
  remainingSteps(action: A, context: ExecutionContext): Promise<StepsToRun>;
  /**
   * When resuming, the remaining steps only undo what the interrupted execution created (the
   * self-test): they run even when the request's approvals no longer suffice.
   */
  resumeOnlyUndoes?: boolean;
  /**
   * Set when the change is many independent items (a bulk restore): the results are stored on the
   * request after every step (compare-and-set, under the claim), and a resumed execution never runs
   * a recorded item again (it finds them in `context.request.execution.steps`).
   */
  recordsProgress?: boolean;
}

/** A step Graph showed as done when an interrupted execution was resumed. */
export function foundDone(item: TargetItem<TrackedKindId>, step: StepResult['step']): StepResult {
  return { item, step, outcome: 'done', message: 'found done when resumed' };
}
