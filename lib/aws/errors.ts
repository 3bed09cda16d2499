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

/**
 * The fix to append when the AWS SDK found no credentials: the usual cause is `serverless invoke
 * local` (or a script) run without an AWS environment. Never a value, only what to set.
 */
export function credentialsHint(err: unknown): string {
  return (err as { name?: string })?.name === 'CredentialsProviderError'
    ? ' (no AWS credentials here: set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; against the local stack, the exports in docs/local.md under serverless invoke local)'
    : '';
}
