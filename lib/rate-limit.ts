import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { Deadline } from './deadline.js';
import { DeadlineError } from './errors.js';
import { callIntervalMs } from './time-budget.js';

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
 * Token bucket shared by every Kore call in the process, which also learns from Kore: a 429's
 * Retry-After pauses it for everyone, so the records after a throttled one wait (or give way)
 * instead of each spending a call on a certain 429. Hand-written because the libraries on the
 * registry (bottleneck, p-throttle, limiter) lack an injectable clock, which the tests need to
 * run without real sleeps, or a deadline-aware acquire, which the Lambda timeout needs.
 */
export class RateLimiter {
  readonly perMinute: number;
  private readonly intervalMs: number;
  private readonly burst: number;
  private readonly clock: Clock;
  /** Earliest time the next token is free; reservations are handed out in arrival order. */
  private nextFreeAt: number;
  /** No token before this time (a 429's Retry-After). */
  private pausedUntil = 0;
  private granted = 0;

  constructor(opts: RateLimiterOptions) {
    if (!(opts.perMinute > 0)) throw new RangeError('perMinute must be > 0');
    this.perMinute = opts.perMinute;
    this.intervalMs = callIntervalMs(opts.perMinute);
    this.burst = Math.max(1, Math.floor(opts.burst ?? 1));
    this.clock = opts.clock ?? systemClock;
    this.nextFreeAt = this.clock.now() - this.burst * this.intervalMs;
  }

  /** Calls granted so far. */
  get count(): number {
    return this.granted;
  }

  /** The next token's time: never before `nextFreeAt` or a pause, and idle time banks at most `burst` tokens. */
  private earliestSlot(now: number): number {
    return Math.max(this.nextFreeAt, this.pausedUntil, now - (this.burst - 1) * this.intervalMs);
  }

  /** How long until the next call could start, if asked now (nothing is reserved). */
  waitMs(): number {
    const now = this.clock.now();
    return Math.max(0, this.earliestSlot(now) - now);
  }

  /** Kore said "not before `at`" (Retry-After): every caller of this limiter waits for it. */
  pauseUntil(at: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, at);
  }

  /**
   * Waits for a token. If the token would only be free after `latestStart` (the deadline minus
   * the call's own timeout), throws a DeadlineError without taking it, so a call that cannot
   * finish in time gives way.
   */
  async acquire(opts: { latestStart?: number; deadline?: Deadline } = {}): Promise<void> {
    const now = this.clock.now();
    const earliest = this.earliestSlot(now);
    const at = Math.max(earliest, now);
    if (opts.latestStart !== undefined && at > opts.latestStart) {
      throw new DeadlineError(`rate limiter: the next Kore call slot is ${Math.ceil(at - now)} ms away, too late to finish before the deadline`);
    }
    this.nextFreeAt = earliest + this.intervalMs;
    this.granted++;
    if (at > now) await this.clock.sleep(at - now, opts.deadline?.cancelled);
  }
}
