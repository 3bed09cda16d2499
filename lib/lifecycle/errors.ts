import { KoreLifecycleError } from '../errors.js';

/** A message that can never succeed: malformed, unknown type, bad id, over-long name, no occurredAt. */
export class MessageValidationError extends KoreLifecycleError {
  readonly code: string = 'invalid-message';
  readonly retryable = false;
}

/** The command names a bot this deployment may not touch (ALLOWED_STREAM_IDS): refused before any call. */
export class StreamNotAllowedError extends MessageValidationError {
  override readonly code = 'stream-not-allowed';
}

/** campaign.ended would queue more follow-ups than FANOUT_MAX_LISTS: parked for a person, nothing deleted. */
export class FanoutCapError extends KoreLifecycleError {
  readonly code = 'fanout-cap';
  readonly retryable = false;
}

/**
 * A follow-up of campaign.ended found its list still attached to the campaign that ended (Kore
 * has not detached it yet, or never will). Retried through SQS; on the last receive it is parked
 * with this code instead of ending as a plain `skipped: in-use`.
 */
export class StillAttachedError extends KoreLifecycleError {
  readonly code = 'still-attached';
  readonly retryable = true;
}

/**
 * Thrown by the record handler for a `retry` outcome, so the batch processor lists the record in
 * `batchItemFailures` and SQS redelivers it. `code` is the outcome's reason.
 */
export class RecordRetry extends KoreLifecycleError {
  readonly retryable = true;
  constructor(
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(`retry: ${code}`, options);
  }
}

/** The consumer was invoked with something that is not an SQS event (e.g. the sweep's schedule event). */
export class NotAnSqsEventError extends KoreLifecycleError {
  readonly code = 'not-an-sqs-event';
  readonly retryable = false;
}

/** An invocation whose records did not come from the lifecycle queue: refused whole, before any call. */
export class ForeignEventSourceError extends KoreLifecycleError {
  readonly code = 'foreign-event-source';
  readonly retryable = false;
}

/** SQS could not be asked whether the records came from the queue: the whole invocation is retried, nothing run. */
export class RecordSourceUnverifiedError extends KoreLifecycleError {
  readonly code = 'source-unverified';
  readonly retryable = true;
}

/** The brake is on (lib/aws/brake.ts): the record is put back for later, nothing run. */
export class BrakeOnError extends KoreLifecycleError {
  readonly code = 'brake';
  readonly retryable = true;
}

/** Kore has been failing (the circuit breaker is open): the record is requeued for later, nothing run. */
export class KoreUnavailableError extends KoreLifecycleError {
  readonly code = 'kore-unavailable';
  readonly retryable = true;
  constructor(
    message: string,
    /** How long until Kore is tried again (ms). */
    readonly retryInMs: number,
  ) {
    super(message);
  }
}
