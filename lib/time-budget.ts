/**
 * How long paced Kore calls take: the one formula behind the consumer's "does this record fit
 * before the deadline?" admission and the package-time check that a batch fits the function
 * timeout (infra/settings.js imports this file). Pure, no imports: serverless.yml loads it
 * through tsx at package time.
 *
 * The limiter hands out one call every `60 000 / callsPerMinute` ms, and each call may run for a
 * full `koreTimeoutMs`. So `n` calls that start on an empty bucket need at most
 * `(n - 1) × interval + koreTimeoutMs` (the last call's slot, then its timeout).
 */

export interface PacingSettings {
  /** This consumer's share of the account's Kore budget (KORE_CALLS_PER_MINUTE). */
  callsPerMinute: number;
  /** One Kore attempt's timeout (KORE_TIMEOUT_MS). */
  koreTimeoutMs: number;
}

export interface BatchBudgetInput extends PacingSettings {
  /** No Kore call starts this close to the Lambda timeout (DEADLINE_MARGIN_MS). */
  deadlineMarginMs: number;
  /** Records per invocation (the event source mapping's batch size). */
  batchSize: number;
  /** Kore calls a record needs when all goes well (the largest command's budget). */
  callsPerRecord: number;
  /** In-function retries the batch should still have room for (each: one more paced call that may time out). */
  retryAllowance: number;
}

export const callIntervalMs = (callsPerMinute: number): number => 60_000 / callsPerMinute;

/**
 * The least age the DNC references can have at a write: they are read fresh right before the
 * write's own evidence, so between them come that read (a GET or the batch's listing) and the
 * write, each waiting for its paced slot, and a reply. A DNC_*_MAX_AGE_SECONDS below this could
 * never be met (every write would be refused as stale), so the configuration refuses it.
 */
export function dncHeadroomMs(s: Pick<PacingSettings, 'callsPerMinute' | 'koreTimeoutMs'>): number {
  return 2 * callIntervalMs(s.callsPerMinute) + s.koreTimeoutMs;
}

/** Worst-case time for `calls` paced calls on an empty bucket, from the first slot to the last reply. */
export function pacedCallsMs(calls: number, s: PacingSettings): number {
  return Math.max(0, calls - 1) * callIntervalMs(s.callsPerMinute) + s.koreTimeoutMs;
}

/**
 * Time a whole batch needs: every record's calls back to back, plus `retryAllowance` retries
 * (each a paced slot and a timeout), plus the deadline margin. The function timeout must exceed
 * it, or the last records of a full batch are deferred every time and can reach the DLQ untried.
 */
export function batchTimeNeededMs(i: BatchBudgetInput): number {
  const calls = i.batchSize * i.callsPerRecord + i.retryAllowance;
  return pacedCallsMs(calls, i) + i.retryAllowance * i.koreTimeoutMs + i.deadlineMarginMs;
}
