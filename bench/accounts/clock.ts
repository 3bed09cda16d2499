/**
 * Clocks for running the shipped consumer and sweep through hours of Kore time in seconds.
 *
 * `VirtualClock`: time moves only when every actor waits. Each actor (a consumer's event source
 * mapping, the sweep, a producer) runs inside `actor()`; a `sleep` registers a wake-up, and when
 * every actor has one, the clock jumps to the earliest and wakes it. An actor busy with real I/O
 * (a Kore call to the in-process emulator, a Secrets Manager read) holds time still until it
 * waits again, so a call happens at one virtual instant, as a short call does at Kore's pace.
 * One actor alone: every sleep advances time at once. The rate limiter's 2.4 s between calls,
 * deadlines, visibility timeouts, the index's age and Kore's 60-second window all read it.
 *
 * `CompressedClock`: real time, `speed` times faster (sleeps really wait `ms / speed`): the
 * cross-check that the virtual clock gives the calls real time would.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Clock } from '../../lib/clock.js';

export interface SimClock extends Clock {
  /** Waits until the clock reads `at` (or the signal aborts: rejects with its reason). */
  until(at: number, signal?: AbortSignal): Promise<void>;
  /** Runs `fn` as one actor, beside the one that started it: time waits for it whenever it is not sleeping. */
  actor<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** The current actor waits for `p` (another actor's work): it counts as waiting meanwhile. */
  join<T>(p: Promise<T>): Promise<T>;
}

interface Waiter {
  at: number;
  seq: number;
  actor: number | undefined;
  resolve(): void;
}

export class VirtualClock implements SimClock {
  private t: number;
  private seq = 0;
  private nextActor = 1;
  private readonly waiters: Waiter[] = [];
  private readonly actors = new Map<number, string>();
  /** Actors waiting for another actor's work (`join`): they wait whenever it does. */
  private readonly joining = new Map<number, number>();
  private readonly storage = new AsyncLocalStorage<number>();
  private checkQueued = false;

  constructor(start: number) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.until(this.t + Math.max(0, ms), signal);
  }

  /** Waits until virtual time `at` (or an abort, which rejects with the signal's reason). */
  until(at: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        at: Math.max(at, this.t),
        seq: this.seq++,
        actor: this.storage.getStore(),
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal?.reason);
        this.queueCheck();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(w);
      this.queueCheck();
    });
  }

  async actor<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const id = this.nextActor++;
    this.actors.set(id, name);
    try {
      return await this.storage.run(id, fn);
    } finally {
      this.actors.delete(id);
      this.queueCheck();
    }
  }

  async join<T>(p: Promise<T>): Promise<T> {
    const id = this.storage.getStore();
    if (id === undefined) return p;
    this.joining.set(id, (this.joining.get(id) ?? 0) + 1);
    this.queueCheck();
    try {
      return await p;
    } finally {
      const n = (this.joining.get(id) ?? 1) - 1;
      if (n > 0) this.joining.set(id, n);
      else this.joining.delete(id);
    }
  }

  /** After the current I/O and microtasks: if every actor waits, wake the earliest. */
  private queueCheck(): void {
    if (this.checkQueued) return;
    this.checkQueued = true;
    setImmediate(() => {
      this.checkQueued = false;
      this.advance();
    });
  }

  /** Who is waiting for what (for a run that seems stuck). */
  describe(): string {
    const actors = [...this.actors].map(([id, name]) => `${name}#${id}${this.joining.has(id) ? '(joining)' : ''}`);
    const waiters = this.waiters.map((w) => `${w.actor === undefined ? '-' : (this.actors.get(w.actor) ?? `gone#${w.actor}`)}@+${w.at - this.t}`);
    return `t=${new Date(this.t).toISOString()} actors=[${actors.join(', ')}] waiters=[${waiters.join(', ')}]`;
  }

  private advance(): void {
    if (this.waiters.length === 0) return;
    for (const id of this.actors.keys()) if (!this.joining.has(id) && !this.waiters.some((w) => w.actor === id)) return;
    let first = this.waiters[0]!;
    for (const w of this.waiters) if (w.at < first.at || (w.at === first.at && w.seq < first.seq)) first = w;
    const at = first.at;
    this.t = Math.max(this.t, at);
    const due = this.waiters.filter((w) => w.at <= at).sort((a, b) => a.seq - b.seq);
    for (const w of due) this.waiters.splice(this.waiters.indexOf(w), 1);
    for (const w of due) w.resolve();
  }
}

export class CompressedClock implements SimClock {
  private readonly realStart = Date.now();

  constructor(
    private readonly start: number,
    readonly speed: number,
  ) {}

  now(): number {
    return this.start + (Date.now() - this.realStart) * this.speed;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms / this.speed),
      );
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  until(at: number, signal?: AbortSignal): Promise<void> {
    return this.sleep(at - this.now(), signal);
  }

  actor<T>(_name: string, fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  join<T>(p: Promise<T>): Promise<T> {
    return p;
  }
}
