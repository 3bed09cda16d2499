/**
 * Kore's clock as the emulator shows it: the host's clock plus an offset a test can move, so
 * "days pass" (a grace period, an idle threshold) without waiting. The account's timestamps
 * and the per-account rate window read it.
 *
 * The HTTP layer stays on the host clock on purpose: JWT `exp`/`nbf`, remembered `jti`s, outage
 * ends and `Retry-After` dates. A client signs its tokens with its own clock; moving only Kore's
 * data clock must not expire every token a test's client holds.
 */
export class EmulatorClock {
  private offset = 0;

  constructor(readonly wall: () => number = Date.now) {}

  /** Kore time, epoch ms. */
  readonly now = (): number => this.wall() + this.offset;

  get offsetMs(): number {
    return this.offset;
  }

  /** Moves Kore time forward by `ms` (≥ 0). */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advanceMs must be a number ≥ 0');
    this.offset += ms;
  }

  /** Sets Kore time to the host clock plus `ms` (may be negative). */
  setOffset(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError('offsetMs must be a finite number');
    this.offset = ms;
  }

  iso(): string {
    return new Date(this.now()).toISOString();
  }
}
