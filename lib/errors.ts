/**
 * The root of one error taxonomy for the whole service (docs/design.md, "Errors"). Each layer
 * throws its own subclasses (lib/kore/errors.ts, lib/aws/errors.ts, lib/lifecycle/errors.ts,
 * lib/sweep/errors.ts); the consumer decides `retry` vs `rejected` from `retryable` alone, never
 * by matching message text.
 */
export abstract class KoreLifecycleError extends Error {
  /** Stable machine-readable code: the outcome's `reason`, and the DLQ's `ErrorCode` attribute. */
  abstract readonly code: string;
  /** true: transient, let SQS redeliver; false: permanent, park in the DLQ at once. */
  abstract readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An environment variable or setting is missing or malformed (cold start). */
export class ConfigError extends KoreLifecycleError {
  readonly code = 'invalid-config';
  readonly retryable = false;
}

/** Not enough time left before the invocation's deadline to start (or finish waiting for) a step. */
/**
 * The evidence a write rests on grew older than the write's bound before the write went out
 * (Kore slow, a long Retry-After): nothing was written. Retried through SQS, never in the function,
 * so the next receive reads the evidence again.
 */
export class StaleEvidenceError extends KoreLifecycleError {
  readonly code = 'stale-evidence';
  readonly retryable = true;
}

/** A listing grew past the byte limit its caller set: not read further (the caller does without it). */
export class ListingTooLargeError extends KoreLifecycleError {
  readonly code = 'listing-too-large';
  readonly retryable = false;
}

export class DeadlineError extends KoreLifecycleError {
  readonly code = 'deadline';
  readonly retryable = true;
}

export function isRetryable(err: unknown): boolean {
  // Anything outside the taxonomy is a bug or an unknown transient: retry, never drop.
  return err instanceof KoreLifecycleError ? err.retryable : true;
}

export function errorCode(err: unknown): string {
  return err instanceof KoreLifecycleError ? err.code : 'internal';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
