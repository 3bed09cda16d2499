import type { Clock } from '../../lib/clock';

/** A virtual clock: `sleep` advances time at once and records how long was asked for. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public t = Date.UTC(2026, 10, 26, 12, 0, 0)) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += Math.max(0, ms);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
