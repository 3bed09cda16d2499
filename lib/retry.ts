import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { Deadline } from './deadline.js';
import { DeadlineError, isRetryable } from './errors.js';

export interface RetryPolicy {
  /** In-function retries after the first attempt (at most 2: SQS visibility is the long backoff). */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 2, baseDelayMs: 200, maxDelayMs: 5_000 };

export interface RetryOptions {
  policy?: RetryPolicy;
  clock?: Clock;
  random?: () => number;
  /** No attempt may still be running after it. */
  deadline?: Deadline;
  /** How long one attempt may take (its timeout): an attempt starts only if it fits. */
  attemptBudgetMs?: number;
  /** A server-requested wait (Retry-After), if the error carries one. */
  retryAfterMs?: (err: unknown) => number | undefined;
  /** Which failures are worth another attempt in this invocation. Default: the retryable ones. */
  shouldRetry?: (err: unknown) => boolean;
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

/** Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): uniform in [0, min(cap, base·2^n)). */
export function backoffDelay(retry: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

/**
 * Runs `fn`, retrying retryable failures with capped exponential backoff and full jitter. A
 * `Retry-After` is honoured (as a floor) when it fits before the deadline; when the next attempt
 * could not finish before the deadline the last error is thrown, so the caller reports the
 * record as `retry` and SQS visibility becomes the long backoff.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const policy = opts.policy ?? DEFAULT_RETRY_POLICY;
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? Math.random;
  const budget = opts.attemptBudgetMs ?? 0;
  const shouldRetry = opts.shouldRetry ?? isRetryable;
  for (let attempt = 0; ; attempt++) {
    if (opts.deadline && !opts.deadline.fits(budget)) {
      throw new DeadlineError(`no time left for attempt ${attempt + 1} before the deadline`);
    }
    try {
      return await fn(attempt);
    } catch (error) {
      if (error instanceof DeadlineError || !shouldRetry(error) || attempt >= policy.maxRetries) throw error;
      const jitter = backoffDelay(attempt, policy, random);
      const requested = opts.retryAfterMs?.(error);
      const delayMs = requested !== undefined ? Math.max(requested, jitter) : jitter;
      if (opts.deadline && !opts.deadline.fits(delayMs + budget)) throw error;
      opts.onRetry?.({ attempt: attempt + 1, delayMs, error });
      await clock.sleep(delayMs, opts.deadline?.cancelled);
    }
  }
}
