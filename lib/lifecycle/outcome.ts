import type { GuardReason, Refusal } from '../guard/rules.js';

/**
 * Every message ends in exactly one of these (docs/contract.md, "Outcomes"). `would-*` are the consumer's
 * dry run (CONSUMER_DRY_RUN): the step was decided and allowed, nothing was written to Kore.
 * `requeued`: not run, sent again (delayed, its receive count starting over) in place of the one
 * received: the brake, Kore down (the circuit breaker), or no time left on its last receive.
 */
export type OutcomeKind =
  'done' | 'already-done' | 'skipped' | 'would-delete' | 'would-archive' | 'would-update' | 'would-restore' | 'retry' | 'requeued' | 'rejected';

/** Guard refusals, and what a command finds it cannot do: a list gone, not archived by us, whose archive record cannot fit, or archived (update: restore first). */
export type SkipReason = GuardReason | 'not-found' | 'not-archived' | 'not-ours' | 'unarchivable' | 'archived';

export interface Outcome {
  outcome: OutcomeKind;
  /** Why: a skip reason, `not-found`/`unchanged`/`already-archived` for already-done, an error code for retry/rejected. */
  reason?: string;
  /** Extra fields for the outcome log line (ids, counts, the guard rule). `metric` names a count to add (archived, restored, deletedAfterGrace). */
  detail?: Record<string, unknown>;
}

export const done = (detail?: Record<string, unknown>): Outcome => ({ outcome: 'done', detail });
export const alreadyDone = (reason: string, detail?: Record<string, unknown>): Outcome => ({ outcome: 'already-done', reason, detail });
export const skipped = (reason: SkipReason, detail?: Record<string, unknown>): Outcome => ({ outcome: 'skipped', reason, detail });
export const wouldDo = (outcome: 'would-delete' | 'would-archive' | 'would-update' | 'would-restore', detail?: Record<string, unknown>): Outcome => ({
  outcome,
  reason: 'dry-run',
  detail,
});

/** A guard refusal as an outcome: the rule and its short reason go to the log line. */
export const refused = (r: Refusal, detail?: Record<string, unknown>): Outcome => skipped(r.reason, { ...detail, rule: r.rule, why: r.why });
