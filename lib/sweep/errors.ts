import { KoreLifecycleError } from '../errors.js';

/** The sweep's invocation event is not one it accepts (an unknown key, a wrong type): it runs nothing. */
export class SweepEventError extends KoreLifecycleError {
  readonly code = 'invalid-sweep-event';
  readonly retryable = false;
}

/** A live sweep asked for more than the deployment allows (SWEEP_MIN_IDLE_DAYS_FLOOR, SWEEP_MAX_LISTS_CEILING). */
export class SweepLimitError extends KoreLifecycleError {
  readonly code = 'sweep-limit';
  readonly retryable = false;
}
