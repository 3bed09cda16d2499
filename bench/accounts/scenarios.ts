/**
 * The accounts benchmark's runs beside the matrix: a fresh container's first invocations, two
 * consumers and the sweep on one account (Kore's 60-a-minute window), and the cross-check of the
 * virtual clock against 10×-compressed real time.
 */
import type { RecordedCall } from '../../local/kore-emulator/server.js';
import type { AccountProfile } from './account.js';
import { CompressedClock, VirtualClock } from './clock.js';
import { Sim, SIM_CALLER_HEADER, SIM_START } from './sim.js';
import type { SimConsumer } from './sim.js';
import type { Breakdown, CellResult, Workload } from './workloads.js';
import { drained, expireAndDrain, runCell } from './workloads.js';

const round = (n: number, d = 3) => Math.round(n * 10 ** d) / 10 ** d;

const isWrite = (c: RecordedCall) => (c.method === 'DELETE' || c.method === 'PUT') && c.committed === true && c.path.includes('/contactList/');

export interface FreshInvocation {
  records: number;
  /** Lists deleted or archived in this invocation. */
  writes: number;
  /** Campaign pages read in it (the index being built, then deltas). */
  campaignPages: number;
  /** Records listed in its batchItemFailures (deferred for lack of time, or retried). */
  retried: number;
  seconds: number;
}

export interface FreshResult {
  profile: AccountProfile;
  mode: 'delete' | 'archive-then-delete';
  /** The 1-based invocation in which the first list was deleted (or archived); 0: never. */
  firstWriteInvocation: number;
  invocations: FreshInvocation[];
  /** Every campaign page of the run: the full read, and the deltas. */
  campaignPages: number;
  calls: number;
  /** Records deferred for lack of time (outcome retry, reason deadline), over the run. */
  deferred: number;
  done: number;
  parked: Record<string, number>;
  virtualMinutes: number;
}

/** A cold consumer receives a batch of 10 list.expired: when does it first delete (or archive)? */
export async function freshContainer(profile: AccountProfile, mode: 'delete' | 'archive-then-delete'): Promise<FreshResult> {
  const sim = await Sim.start({ profile });
  try {
    const c = sim.consumer('fresh', { DELETION_MODE: mode });
    const ids = sim.account.idleIds.slice(0, 10);
    await expireAndDrain(sim, c, ids);
    const calls = sim.kore.calls;
    const invocations = c.invocations.map((inv) => {
      const within = calls.filter((k) => k.at >= inv.at && k.at <= inv.at + inv.durationMs);
      return {
        records: inv.records,
        writes: within.filter(isWrite).length,
        campaignPages: within.filter((k) => k.path.endsWith('/getAllCampaignDetails')).length,
        // Records the invocation answered as failed: here, deferred for lack of time.
        retried: inv.failed,
        seconds: round(inv.durationMs / 1000, 1),
      };
    });
    const state = sim.kore.state.lists;
    const done = mode === 'delete' ? ids.filter((id) => !state.has(id)).length : ids.filter((id) => state.get(id)?.name.startsWith('[expired] ')).length;
    return {
      profile,
      mode,
      firstWriteInvocation: invocations.findIndex((x) => x.writes > 0) + 1,
      invocations,
      campaignPages: calls.filter((k) => k.path.endsWith('/getAllCampaignDetails')).length,
      calls: calls.length,
      deferred: sim.outcomes.filter((o) => o.outcome === 'retry' && o.reason === 'deadline').length,
      done,
      parked: tally(sim.queue.dlq.map((p) => p.errorCode)),
      virtualMinutes: round((sim.clock.now() - SIM_START) / 60_000, 1),
    };
  } finally {
    await sim.stop();
  }
}

function tally(xs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

export interface BusyResult {
  profile: AccountProfile;
  consumers: number;
  /** The most Kore calls in any 60 s (Kore's sliding window), ours all together. */
  maxPerMinute: number;
  /** The same, per consumer. */
  maxPerMinuteByConsumer: Record<string, number>;
  throttled: number;
  calls: number;
  breakdown: Breakdown;
  archived: number;
  deleted: number;
  parked: Record<string, number>;
  sweep: { queued: number; koreCalls: number; atSecond: number };
  virtualMinutes: number;
}

/** Most calls in any window of `windowMs` ending at a call (Kore's: a call at t counts until t + 60 s). */
export function maxInWindow(times: readonly number[], windowMs = 60_000): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < t.length; hi++) {
    while (t[lo]! <= t[hi]! - windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/**
 * Two cold consumers (the deployed maximumConcurrency) on one account, one clock and Kore's
 * window: a backlog of 200 list.expired in the default mode, and a minute in, the live sweep
 * queues its 200. Both consumers build their index while the sweep runs.
 */
export async function twoConsumersAndTheSweep(profile: AccountProfile, lists = 200): Promise<BusyResult> {
  const sim = await Sim.start({ profile });
  try {
    const consumers: SimConsumer[] = Array.from({ length: sim.settings.maxConcurrency }, (_, i) => sim.consumer(`consumer-${i + 1}`));
    const byConsumer = new Map<string, number[]>();
    let sweepAt = 0;
    let sweep = { queued: 0, koreCalls: 0 };
    await sim.clock.actor('producer', async () => {
      const polls = consumers.map((c) => sim.poll(c));
      // The newest idle lists: the sweep picks the oldest, so the two never ask for the same list.
      sim.expire(sim.account.idleIds.slice(-lists));
      await sim.clock.sleep(60_000);
      sweepAt = sim.clock.now();
      const r = await sim.sweep({ SWEEP_MAX_LISTS: String(lists) });
      sweep = { queued: r.queued, koreCalls: r.koreCalls };
      await drained(sim);
      for (const p of polls) await p.stop();
    });
    const calls = sim.kore.calls;
    for (const c of consumers)
      byConsumer.set(
        c.name,
        calls.filter((k) => k.headers[SIM_CALLER_HEADER] === c.name).map((k) => k.at),
      );
    const state = sim.kore.state.lists;
    const names = [...state.values()].filter((l) => l.name.startsWith('[expired] ')).length;
    return {
      profile,
      consumers: consumers.length,
      maxPerMinute: maxInWindow(calls.map((k) => k.at)),
      maxPerMinuteByConsumer: Object.fromEntries([...byConsumer].map(([k, v]) => [k, maxInWindow(v)])),
      throttled: calls.filter((k) => k.status === 429).length,
      calls: calls.length,
      breakdown: {
        listings: calls.filter((k) => k.path.endsWith('/getAllListDetails')).length,
        campaignPages: calls.filter((k) => k.path.endsWith('/getAllCampaignDetails')).length,
        gets: calls.filter((k) => k.method === 'GET').length,
        puts: calls.filter((k) => k.method === 'PUT').length,
        deletes: calls.filter((k) => k.method === 'DELETE').length,
        throttled: calls.filter((k) => k.status === 429).length,
      },
      archived: names,
      deleted: sim.account.idleIds.filter((id) => !state.has(id)).length,
      parked: tally(sim.queue.dlq.map((p) => p.errorCode)),
      sweep: { ...sweep, atSecond: round((sweepAt - SIM_START) / 1000, 1) },
      virtualMinutes: round((sim.clock.now() - SIM_START) / 60_000, 1),
    };
  } finally {
    await sim.stop();
  }
}

export interface CrossCheck {
  workload: string;
  virtual: CellResult;
  compressed: CellResult;
  /** Calls of the compressed run minus the virtual one's (by kind, and in all). */
  difference: { calls: number } & Breakdown;
}

/** The same cell on the virtual clock and in real time run 10× faster (CompressedClock): the same calls? */
export async function crossCheck(profile: AccountProfile, workload: Workload, lists: number, speed = 10): Promise<CrossCheck> {
  const virtual = await runCell(profile, workload, { lists, clock: new VirtualClock(SIM_START) });
  const compressed = await runCell(profile, workload, { lists, clock: new CompressedClock(SIM_START, speed) });
  const diff = (k: keyof Breakdown) => compressed.breakdown[k] - virtual.breakdown[k];
  return {
    workload: workload.key,
    virtual,
    compressed,
    difference: {
      calls: compressed.calls + compressed.buildCalls - (virtual.calls + virtual.buildCalls),
      listings: diff('listings'),
      campaignPages: diff('campaignPages'),
      gets: diff('gets'),
      puts: diff('puts'),
      deletes: diff('deletes'),
      throttled: diff('throttled'),
    },
  };
}

export interface SweepOnly {
  lists: number;
  campaigns: number;
  koreCalls: number;
  /** Paced time on the virtual clock (Kore calls happen at one instant). */
  virtualSeconds: number;
  /** Real time of the run in this process (the emulator's reply built and parsed in it too). */
  realSeconds: number;
  queued: number;
  timeoutSeconds: number;
  /** Campaign pages read (the sweep reads none). */
  campaignPages: number;
}

/** One live sweep (cold) on an account: its Kore calls, and whether its paced time fits its timeout. */
export async function sweepOnly(profile: AccountProfile): Promise<SweepOnly> {
  const sim = await Sim.start({ profile });
  try {
    const t0 = Date.now();
    const r = await sim.clock.actor('producer', () => sim.sweep());
    return {
      lists: profile.lists,
      campaigns: profile.campaigns,
      koreCalls: r.koreCalls,
      virtualSeconds: round(r.virtualMs / 1000, 1),
      realSeconds: round((Date.now() - t0) / 1000, 1),
      queued: r.queued,
      timeoutSeconds: sim.settings.sweepTimeoutMs / 1000,
      campaignPages: sim.kore.calls.filter((k) => k.path.endsWith('/getAllCampaignDetails')).length,
    };
  } finally {
    await sim.stop();
  }
}
