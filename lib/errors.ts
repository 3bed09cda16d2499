/**
 * One error hierarchy for the whole project (STYLE.md). The consumer decides `retry` vs
 * `rejected` from `retryable` alone, never by matching message text.
 */
export abstract class LifecycleError extends Error {
  /** Stable machine-readable code, sent to the DLQ as the `ErrorCode` attribute. */
  abstract readonly code: string;
  /** true: transient, let SQS redeliver; false: permanent, park in the DLQ at once. */
  abstract readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A message that can never succeed: malformed, unknown type, bad id, over-long name. */
export class MessageValidationError extends LifecycleError {
  readonly code = 'invalid-message';
  readonly retryable = false;
}

/** An environment variable or setting is missing or malformed (cold start). */
export class ConfigError extends LifecycleError {
  readonly code = 'invalid-config';
  readonly retryable = false;
}

/** Not enough Lambda time left to start (or finish waiting for) a call. */
export class DeadlineError extends LifecycleError {
  readonly code = 'deadline';
  readonly retryable = true;
}

/** Secrets Manager could not be read (network, throttling, missing secret). */
export class SecretFetchError extends LifecycleError {
  readonly code = 'secret-fetch';
  readonly retryable = true;
}

/**
 * The secret was read but lacks a key or is not JSON. Retryable on purpose: the fix is to
 * correct the secret, after which redelivered messages succeed; after maxReceiveCount they
 * reach the DLQ anyway, so nothing is lost either way.
 */
export class SecretInvalidError extends LifecycleError {
  readonly code = 'secret-invalid';
  readonly retryable = true;
}

/** Sending to SQS failed after the in-function retries. */
export class QueueSendError extends LifecycleError {
  readonly code = 'queue-send';
  readonly retryable = true;
}

export function isRetryable(err: unknown): boolean {
  // Anything outside the hierarchy is a bug or an unknown transient: retry, never drop.
  return err instanceof LifecycleError ? err.retryable : true;
}

export function errorCode(err: unknown): string {
  return err instanceof LifecycleError ? err.code : 'internal';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
