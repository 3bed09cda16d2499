import { KoreLifecycleError } from '../errors.js';

/** Secrets Manager could not be read (network, timeout, throttling, missing secret, access denied). */
export class SecretFetchError extends KoreLifecycleError {
  readonly code = 'secret-fetch';
  readonly retryable = true;
}

/**
 * The secret was read but is not what it must be: not JSON, a key missing, a host outside the
 * allowlist. Retryable on purpose: the fix is to correct the secret, after which redelivered
 * messages succeed; after maxReceiveCount they are parked anyway, so nothing is lost either way.
 * Messages name keys and rules only, never values.
 */
export class SecretInvalidError extends KoreLifecycleError {
  readonly code = 'secret-invalid';
  readonly retryable = true;
}

/** Sending to SQS failed within the time the invocation had. */
export class QueueSendError extends KoreLifecycleError {
  readonly code = 'queue-send';
  readonly retryable = true;
}
