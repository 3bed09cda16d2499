import { koreError } from './reply.js';
import type { Reply } from './reply.js';

export const RATE_LIMIT_TEXT = "You've exceeded the per-minute rate limit. Please wait for sometime before retrying.";

export type RetryAfterFormat = 'seconds' | 'http-date' | 'none';

export interface Faults {
  /** Added to every reply. */
  latencyMs: number;
  /** Fraction of calls answered 500/502/503 before Kore processes them. */
  serverErrorRate: number;
  /** Fraction of calls answered 429 (as if other callers used the budget). */
  throttleRate: number;
  /** Fraction of calls whose connection is destroyed with no reply, before Kore processes them. */
  dropRate: number;
  /** Fraction of calls delayed by `slowMs` before processing (e.g. longer than the client's timeout). */
  slowRate: number;
  slowMs: number;
  /** Every call fails with 503 until this epoch ms, host clock ("every call fails for N seconds"). */
  outageUntil: number;
  /** The next N calls fail with `failStatus` (deterministic 5xx-then-success scenarios). */
  failNext: number;
  failStatus: number;
  /** Fraction of mutating calls that Kore applies, then the connection is destroyed: the reply is lost. */
  commitThenDropRate: number;
  /** Fraction of mutating calls that Kore applies, then holds the reply for `commitThenSlowMs`. */
  commitThenSlowRate: number;
  commitThenSlowMs: number;
  /** `Retry-After` on injected 429s (`throttleRate`, `failNext` with 429): Kore documents none. */
  throttleRetryAfter: RetryAfterFormat;
  throttleRetryAfterSeconds: number;
}

export const NO_FAULTS: Readonly<Faults> = Object.freeze({
  latencyMs: 0,
  serverErrorRate: 0,
  throttleRate: 0,
  dropRate: 0,
  slowRate: 0,
  slowMs: 0,
  outageUntil: 0,
  failNext: 0,
  failStatus: 503,
  commitThenDropRate: 0,
  commitThenSlowRate: 0,
  commitThenSlowMs: 0,
  throttleRetryAfter: 'seconds',
  throttleRetryAfterSeconds: 1,
});

const RATES = ['serverErrorRate', 'throttleRate', 'dropRate', 'slowRate', 'commitThenDropRate', 'commitThenSlowRate'] as const;
const COUNTS = ['latencyMs', 'slowMs', 'outageUntil', 'failNext', 'commitThenSlowMs', 'throttleRetryAfterSeconds'] as const;

export class FaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultError';
  }
}

/** `base` with `patch` applied, every key and value checked (it may come from an admin call). */
export function applyFaults(base: Readonly<Faults>, patch: unknown): Faults {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw new FaultError('faults must be an object');
  const next: Faults = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if ((RATES as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new FaultError(`${key} must be a number from 0 to 1`);
      next[key as (typeof RATES)[number]] = value;
    } else if ((COUNTS as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new FaultError(`${key} must be a number ≥ 0`);
      next[key as (typeof COUNTS)[number]] = value;
    } else if (key === 'failStatus') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 400 || value > 599) throw new FaultError('failStatus must be a 4xx or 5xx status');
      next.failStatus = value;
    } else if (key === 'throttleRetryAfter') {
      if (value !== 'seconds' && value !== 'http-date' && value !== 'none') throw new FaultError('throttleRetryAfter must be "seconds", "http-date" or "none"');
      next.throttleRetryAfter = value;
    } else {
      throw new FaultError(`unknown fault "${key}" (known: ${Object.keys(NO_FAULTS).join(', ')})`);
    }
  }
  return next;
}

/** What to do with a call before Kore looks at it. */
export type GateDecision = { kind: 'reply'; reply: Reply; result: string } | { kind: 'drop' } | { kind: 'pass'; delayMs: number };

/** What to do with Kore's reply to a call that changed the account. */
export type DeliveryDecision = { kind: 'send' } | { kind: 'drop' } | { kind: 'hold'; ms: number };

/**
 * Decides the faults of each call. Draws from the seeded PRNG only for faults whose rate is > 0,
 * so adding a fault kind never changes the sequence an existing configuration sees.
 */
export class FaultInjector {
  faults: Faults;

  constructor(
    initial: Partial<Faults>,
    private readonly random: () => number,
    private readonly wall: () => number,
  ) {
    this.faults = applyFaults(NO_FAULTS, initial);
  }

  /** Before processing: outage, scripted failures, dropped connections, delay. */
  gate(): GateDecision {
    const f = this.faults;
    if (this.wall() < f.outageUntil) return { kind: 'reply', reply: koreError(503, 'Service Unavailable'), result: 'outage' };
    if (f.failNext > 0) {
      f.failNext--;
      if (f.failStatus === 429) return { kind: 'reply', reply: this.throttled(), result: 'fault-429' };
      return { kind: 'reply', reply: koreError(f.failStatus, 'Service Unavailable'), result: 'fault-5xx' };
    }
    if (this.hit(f.dropRate)) return { kind: 'drop' };
    return { kind: 'pass', delayMs: f.latencyMs + (this.hit(f.slowRate) ? f.slowMs : 0) };
  }

  /** After the delay, still before processing: injected 5xx and 429. */
  afterDelay(): { reply: Reply; result: string } | undefined {
    const f = this.faults;
    if (this.hit(f.serverErrorRate)) {
      return { reply: koreError([500, 502, 503][Math.floor(this.random() * 3)] ?? 500, 'Internal Server Error'), result: 'fault-5xx' };
    }
    if (this.hit(f.throttleRate)) return { reply: this.throttled(), result: 'fault-429' };
    return undefined;
  }

  /** After Kore applied a change: is the reply delivered, lost, or late? */
  delivery(reply: Reply): DeliveryDecision {
    if (!reply.committed || reply.status >= 300) return { kind: 'send' };
    const f = this.faults;
    if (this.hit(f.commitThenDropRate)) return { kind: 'drop' };
    if (this.hit(f.commitThenSlowRate)) return { kind: 'hold', ms: f.commitThenSlowMs };
    return { kind: 'send' };
  }

  /** Every call fails with 503 for the next `ms` milliseconds (host clock). */
  outage(ms: number): void {
    this.faults.outageUntil = this.wall() + ms;
  }

  private throttled(): Reply {
    const f = this.faults;
    const headers: Record<string, string> = {};
    if (f.throttleRetryAfter === 'seconds') headers['retry-after'] = String(f.throttleRetryAfterSeconds);
    if (f.throttleRetryAfter === 'http-date') {
      headers['retry-after'] = new Date(this.wall() + f.throttleRetryAfterSeconds * 1000).toUTCString();
    }
    return { ...koreError(429, RATE_LIMIT_TEXT), headers };
  }

  private hit(rate: number): boolean {
    return rate > 0 && this.random() < rate;
  }
}
