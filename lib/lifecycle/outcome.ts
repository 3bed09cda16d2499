/** Every message ends in exactly one of these (DESIGN.md, "Outcome of every message"). */
export type OutcomeKind = 'done' | 'already-done' | 'skipped' | 'retry' | 'rejected';

export type SkipReason = 'in-use' | 'protected' | 'changed-since-sweep' | 'not-found';

export interface Outcome {
  outcome: OutcomeKind;
  /** Why: a skip reason, `not-found` for already-done, or an error code for retry/rejected. */
  reason?: string;
  /** Extra fields for the outcome log line (ids, counts). */
  detail?: Record<string, unknown>;
}

export const done = (detail?: Record<string, unknown>): Outcome => ({ outcome: 'done', detail });
export const alreadyDone = (reason: string, detail?: Record<string, unknown>): Outcome => ({ outcome: 'already-done', reason, detail });
export const skipped = (reason: SkipReason, detail?: Record<string, unknown>): Outcome => ({ outcome: 'skipped', reason, detail });
