import type { Context } from 'aws-lambda';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { DeadlineError } from './errors.js';

/**
 * The one deadline of an invocation: an absolute time after which no I/O may still be running,
 * created once from the Lambda context (its remaining time minus a margin) and carried in every
 * call's options. Every I/O step asks it two questions: "does an attempt of up to N ms fit?"
 * and "give me the signal that aborts this attempt at its timeout or at the deadline, whichever
 * comes first". The signal also follows middy's abort signal, so an invocation that Lambda is
 * about to end stops its I/O instead of carrying it into the next one.
 */
export class Deadline {
  private constructor(
    /** Absolute epoch ms. */
    readonly at: number,
    private readonly clock: Clock,
    /** Aborts when the invocation is given up (middy's timeout signal); never by itself. */
    readonly cancelled?: AbortSignal,
  ) {}

  /** A deadline at an absolute time. */
  static at(at: number, opts: { clock?: Clock; signal?: AbortSignal } = {}): Deadline {
    return new Deadline(at, opts.clock ?? systemClock, opts.signal);
  }

  /** `marginMs` before the end of the invocation (`context.getRemainingTimeInMillis()`). */
  static fromContext(
    context: Pick<Context, 'getRemainingTimeInMillis'> | undefined,
    marginMs: number,
    opts: { clock?: Clock; signal?: AbortSignal; fallbackMs?: number } = {},
  ): Deadline {
    const clock = opts.clock ?? systemClock;
    const remaining = context?.getRemainingTimeInMillis?.() ?? opts.fallbackMs ?? 60_000;
    return new Deadline(clock.now() + remaining - marginMs, clock, opts.signal);
  }

  /** No deadline (scripts, the CLI): every question answers "it fits". */
  static none(clock: Clock = systemClock): Deadline {
    return new Deadline(Number.POSITIVE_INFINITY, clock);
  }

  remainingMs(): number {
    return this.at - this.clock.now();
  }

  /** The invocation was given up, or its time is over. */
  expired(): boolean {
    return this.cancelled?.aborted === true || this.remainingMs() <= 0;
  }

  /** Can something that takes up to `ms` start now and end before the deadline? */
  fits(ms: number): boolean {
    return !this.expired() && this.clock.now() + ms <= this.at;
  }

  /** Throws a DeadlineError naming `what` unless `ms` more fits. */
  require(ms: number, what: string): void {
    if (!this.fits(ms))
      throw new DeadlineError(
        `${what}: not enough time left before the deadline (${Math.max(0, Math.floor(this.remainingMs()))} ms left, ${Math.ceil(ms)} ms needed)`,
      );
  }

  /**
   * How long one attempt may run: its own timeout, cut to the time left. Throws a DeadlineError
   * when less than `minMs` is left, so an attempt never starts only to be aborted at once.
   */
  attemptTimeout(maxMs: number, what: string, minMs = Math.min(maxMs, 250)): number {
    const left = Math.floor(this.remainingMs());
    if (this.expired() || left < minMs) throw new DeadlineError(`${what}: not enough time left before the deadline (${Math.max(0, left)} ms left)`);
    return Math.min(maxMs, left);
  }

  /** The signal for one attempt: aborts after `timeoutMs` (see attemptTimeout) or when the invocation is given up. */
  signal(timeoutMs: number): AbortSignal {
    const timeout = AbortSignal.timeout(Math.max(1, Math.floor(timeoutMs)));
    return this.cancelled ? AbortSignal.any([timeout, this.cancelled]) : timeout;
  }
}
