import { DeadlineError } from './errors.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';

export interface RateLimiterOptions {
  /** Calls allowed per minute (KORE_CALLS_PER_MINUTE). */
  perMinute: number;
  /**
   * Bucket size. Default 1: calls are spread evenly, which is what a budget shared with other
   * callers of the same Kore account needs (a burst here is a 429 for someone else).
   */
  burst?: number;
  clock?: Clock;
}

/**
 * Token bucket shared by every Kore call in the process. Hand-written because the libraries
 * on the registry (bottleneck, p-throttle, limiter) either lack an injectable clock, which
 * the tests need to run without real sleeps, or a deadline-aware acquire, which the Lambda
 * timeout needs; this is ~40 lines.
 */
export class RateLimiter {
  readonly perMinute: number;
  private readonly intervalMs: number;
  private readonly burst: number;
  private readonly clock: Clock;
  /** Earliest time the next token is free; reservations are handed out in arrival order. */
  private nextFreeAt: number;
  private granted = 0;

  constructor(opts: RateLimiterOptions) {
    if (!(opts.perMinute > 0)) throw new RangeError('perMinute must be > 0');
    this.perMinute = opts.perMinute;
    this.intervalMs = 60_000 / opts.perMinute;
    this.burst = Math.max(1, Math.floor(opts.burst ?? 1));
    this.clock = opts.clock ?? systemClock;
    this.nextFreeAt = this.clock.now() - this.burst * this.intervalMs;
  }

  /** Calls granted so far. */
  get count(): number {
    return this.granted;
  }

  /** The next token's time: never before `nextFreeAt`, and idle time banks at most `burst` tokens. */
  private earliestSlot(now: number): number {
    return Math.max(this.nextFreeAt, now - (this.burst - 1) * this.intervalMs);
  }

  /** When `n` more calls could all have been granted, if asked for now (nothing is reserved). */
  timeForCalls(n: number): number {
    const now = this.clock.now();
    return Math.max(now, this.earliestSlot(now) + (Math.max(1, n) - 1) * this.intervalMs);
  }

  /**
   * Waits for a token. If the token would only be free after `deadline`, throws a
   * DeadlineError without taking it, so a record that cannot run in time gives way.
   */
  async acquire(deadline?: number): Promise<void> {
    const now = this.clock.now();
    const earliest = this.earliestSlot(now);
    const at = Math.max(earliest, now);
    if (deadline !== undefined && at > deadline) {
      throw new DeadlineError(`rate limiter: next Kore call slot is ${Math.ceil(at - now)} ms away, past the deadline`);
    }
    this.nextFreeAt = earliest + this.intervalMs;
    this.granted++;
    if (at > now) await this.clock.sleep(at - now);
  }
}
