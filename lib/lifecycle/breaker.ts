import type { Clock } from '../clock.js';
import type { Deadline } from '../deadline.js';
import { KoreError } from '../kore/errors.js';

/** How many distinct failing targets the probe reads. */
const PROBE_TARGETS = 3;

/** One cheap read of Kore, within a deadline (the probing invocation's). */
export type Probe = (deadline: Deadline) => Promise<unknown>;

export interface BreakerOptions {
  /** Records in a row failing on Kore that open it. */
  threshold: number;
  /** The first cool-down (ms); each failed probe doubles it... */
  firstOpenMs: number;
  /** ...up to this (ms). */
  maxOpenMs: number;
}

/** The shipped breaker (docs/operations.md, "When Kore is down", states the same numbers). */
export const BREAKER_DEFAULTS: BreakerOptions = { threshold: 5, firstOpenMs: 60_000, maxOpenMs: 900_000 };

/**
 * A circuit breaker for Kore outages, per container (docs/operations.md, "When Kore is down").
 * Without it, every record of a long outage fails, comes back, fails again, and uses up its
 * receives: a two-day outage would move the whole queue to the DLQ within hours. After
 * `threshold` records in a row fail on Kore (5xx, timeouts, network errors, replies that are not
 * Kore's), the breaker opens: records are not run but requeued (a fresh copy, delayed, whose
 * receive count starts over) until the cool-down ends.
 *
 * Then the breaker asks Kore itself (the probe: GETs of what the last failing records failed on,
 * their lists or campaigns, under the deployment's own bot; see probeRead), before any record runs: a
 * record is never the test, so a command that fails on its own (a list Kore cannot delete) is not
 * taken for an outage and requeued for ever, and a command is never charged a receive for
 * Kore's outage. The probe answered: closed, records run. It failed: open again for twice as long,
 * up to `maxOpenMs`. It resumes by itself.
 *
 * Throttling (429) is not an outage: the limiter waits it out. A refusal (4xx) is Kore working.
 * Hand-written: the libraries (opossum, cockatiel) wrap one call; this one decides for a record
 * before its first call and probes with a call of its own.
 */
export class KoreBreaker {
  private failures = 0;
  /** 0 while closed. */
  private openUntil = 0;
  private openMs: number;
  private probing: Promise<void> | undefined;
  /** What recent failing records failed on, by target (oldest first). */
  private readonly failed = new Map<string, Probe>();
  /** Probes sent (for the log and the bench). */
  probes = 0;

  constructor(
    private readonly clock: Clock,
    private readonly opts: BreakerOptions = BREAKER_DEFAULTS,
  ) {
    this.openMs = opts.firstOpenMs;
  }

  /** While open: how long until Kore is probed (ms); 0 when closed or when the probe is due. */
  openForMs(): number {
    return this.openUntil === 0 ? 0 : Math.max(0, this.openUntil - this.clock.now());
  }

  /** The cool-down is over: Kore must be probed before a record runs. */
  get probeDue(): boolean {
    return this.openUntil !== 0 && this.openForMs() === 0;
  }

  /** A record's Kore calls answered (whatever the outcome), or the probe's: Kore is up. */
  success(): void {
    this.failed.clear();
    this.failures = 0;
    this.openUntil = 0;
    this.openMs = this.opts.firstOpenMs;
  }

  /**
   * A record failed on Kore; `probe` reads what it failed on (its list or campaign), so the probe
   * after the cool-down asks the part of Kore that failed: a partial outage (only the contact-list
   * routes) is not taken for Kore being back. Ignored while open (a record that started before it
   * opened).
   */
  failure(probe?: { key: string; read: Probe }): void {
    if (probe) {
      this.failed.delete(probe.key);
      this.failed.set(probe.key, probe.read);
      while (this.failed.size > PROBE_TARGETS) this.failed.delete(this.failed.keys().next().value!);
    }
    if (this.openUntil !== 0) return;
    this.failures++;
    if (this.failures >= this.opts.threshold) this.openUntil = this.clock.now() + this.openMs;
  }

  /**
   * The probe: a read of what the last failing records failed on (up to 3 distinct lists or
   * campaigns, newest first). Any of them answered: Kore is back. All failed: still down, if more
   * than one did, or if `general` (a campaign page) fails too; one alone failing while `general`
   * answers is that record's own trouble, not an outage, so the breaker closes.
   */
  probeRead(general: Probe): Probe {
    const targets = [...this.failed.values()].reverse();
    return async (deadline) => {
      let last: unknown;
      for (const read of targets) {
        try {
          await read(deadline);
          return;
        } catch (err) {
          if (!KoreBreaker.isOutage(err)) return; // Kore answered (a 404, a refusal)
          last = err;
        }
      }
      if (targets.length > 1) throw last;
      await general(deadline);
    };
  }

  /**
   * Asks Kore once (one probe at a time per container; records waiting for it share its answer).
   * An outage opens the breaker again for twice as long; any answer from Kore (a refusal, a 429)
   * closes it. Another error (the deadline) leaves it due and is thrown.
   */
  async probe(call: () => Promise<unknown>): Promise<void> {
    this.probing ??= (async () => {
      this.probes++;
      try {
        await call();
        this.success();
      } catch (err) {
        if (KoreBreaker.isOutage(err)) {
          this.openMs = Math.min(this.opts.maxOpenMs, this.openMs * 2);
          this.openUntil = this.clock.now() + this.openMs;
        } else if (err instanceof KoreError) this.success();
        else throw err;
      }
    })().finally(() => {
      this.probing = undefined;
    });
    await this.probing;
  }

  /** Is this error Kore being unavailable (as opposed to busy, or refusing)? */
  static isOutage(err: unknown): boolean {
    return err instanceof KoreError && ['server', 'transient', 'timeout', 'network', 'unexpected-reply'].includes(err.kind);
  }
}
