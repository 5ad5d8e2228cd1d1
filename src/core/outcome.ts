import type { DeletedItem, ItemRef } from './model';
import type { StepResult } from './approvals';

/** What the core answers: a value, or why not in words a person can act on. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; message: string; choices?: DeletedItem[] };

/** What a Graph failure looks like to the core (src/graph's GraphFailure has this shape). */
export interface FailureLike {
  code?: string;
  status?: number;
  requestId?: string;
  detail?: string;
  hint?: string;
  message: string;
}

/** Why a change failed, for the card: what happened and what to do next. */
export interface Failure {
  message: string;
  hint?: string;
  /** A fallback the card offers as a button: recreate this object from its stored version (its restore was refused). */
  recreate?: ItemRef & { name: string };
}

/** The steps a change ran, and its failure when it did not complete. */
export interface ExecutionResult {
  steps: StepResult[];
  failure?: Failure;
}
