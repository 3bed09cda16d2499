/**
 * The workloads of the accounts benchmark, each run on a fresh simulation (sim.ts) by one
 * consumer built by the shipped factory, or by the competent peer:
 *
 * - `batch10`: a backlog of list.expired, which the event source mapping hands over 10 at a time;
 * - `single`: one command at a time, the next sent as soon as the last is handled (batches of 1);
 * - `per-minute`, `per-10-minutes`: one command every 60 s / 600 s;
 * - `sweep`: the live sweep queues what it picks (at most SWEEP_MAX_LISTS), the consumer drains it;
 * - `life`: a list's whole life in the default mode: the sweep queues idle lists and a consumer
 *   archives them; GRACE_DAYS + 1 days later (a new container: none lives that long) the sweep
 *   queues them again for their grace-period deletion, and a consumer deletes them.
 *
 * Our consumer starts cold. Before the measured work a warm-up command for a list a campaign
 * uses (the guard refuses it) makes it build its campaign index; the calls of that first full
 * read are reported apart (`buildCalls`), so each cell gives both the warm cost per list (what
 * every list costs a container that has its index: deltas, listings, the sweep's call, 429s, all
 * counted) and the cost from a cold container over this workload.
 */
import type { RecordedCall } from '../../local/kore-emulator/server.js';
import type { AccountProfile } from './account.js';
import type { SimClock } from './clock.js';
import { Sim } from './sim.js';
import type { SimFunction, SimConsumer } from './sim.js';

export type Mode = 'delete' | 'archive-then-delete';
export type WorkloadKind = 'batch10' | 'single' | 'per-minute' | 'per-10-minutes' | 'sweep' | 'life';

export interface Workload {
  key: string;
  kind: WorkloadKind;
  mode: Mode;
  label: string;
  /** Lists the workload is about at full scale (sweeps: SWEEP_MAX_LISTS as deployed). */
  lists: number;
  /** What a figure is per: deleted or archived lists. */
  per: 'deleted' | 'archived';
}

export const WORKLOADS: Workload[] = [
  { key: 'batch10-delete', kind: 'batch10', mode: 'delete', label: 'batches of 10, delete mode', lists: 200, per: 'deleted' },
  { key: 'batch10-archive', kind: 'batch10', mode: 'archive-then-delete', label: 'batches of 10, default mode (archives)', lists: 200, per: 'archived' },
  { key: 'single', kind: 'single', mode: 'delete', label: 'a batch of 1, back to back', lists: 100, per: 'deleted' },
  { key: 'per-minute', kind: 'per-minute', mode: 'delete', label: 'one command per minute', lists: 60, per: 'deleted' },
  { key: 'per-10-minutes', kind: 'per-10-minutes', mode: 'delete', label: 'one command per 10 minutes', lists: 18, per: 'deleted' },
  { key: 'sweep-delete', kind: 'sweep', mode: 'delete', label: 'the sweep burst, delete mode', lists: 200, per: 'deleted' },
  { key: 'sweep-archive', kind: 'sweep', mode: 'archive-then-delete', label: 'the sweep burst, default mode (archives)', lists: 200, per: 'archived' },
  { key: 'life', kind: 'life', mode: 'archive-then-delete', label: "a list's whole life, default mode (archive, grace, delete)", lists: 200, per: 'deleted' },
];

export interface Breakdown {
  listings: number;
  campaignPages: number;
  gets: number;
  puts: number;
  deletes: number;
  /** Answered 429 by Kore's window (counted in the total too). */
  throttled: number;
}

export interface CellResult {
  profile: AccountProfile;
  workload: string;
  consumer: 'ours' | 'peer';
  mode: Mode;
  /** DNC_MAX_AGE_SECONDS / DNC_RENAME_MAX_AGE_SECONDS in force. */
  bounds: { deleteS: number; renameS: number };
  /** The lists the workload asked about (commands sent, or the sweep's candidates). */
  lists: number;
  deleted: number;
  archived: number;
  /** Every Kore call of the measured work: the consumer's, the sweep's, the index's deltas and 429s. */
  calls: number;
  /**
   * The cold container's first read of the campaigns: the full read, and the delta that follows it
   * when the read took longer than the write's bound allows (0 for the peer, which reads none).
   */
  buildCalls: number;
  /** Warm: calls ÷ lists done (deleted or archived, as the workload is measured). */
  perList: number;
  /** From a cold container: (calls + buildCalls) ÷ lists done. */
  perListFromCold: number;
  breakdown: Breakdown;
  /** The largest age of the consumer's DNC references at a DELETE and at a PUT (s), as its index reported it at the write. */
  maxAgeAtWriteS: { delete?: number; rename?: number };
  /** Records deferred for lack of time (outcome retry, reason deadline). */
  deferred: number;
  /** Records that reached the DLQ (parked with their ErrorCode, or by redrive), by ErrorCode. */
  parked: Record<string, number>;
  invocations: number;
  outcomes: Record<string, number>;
  /** Campaign DNC lists, the global DNC list or lists in use that were deleted or renamed: must be 0. */
  protectedTouched: number;
  virtualMinutes: number;
  realSeconds: number;
  sweep?: { queued: number; koreCalls: number; virtualMs: number }[];
}

export interface CellOptions {
  /** Lists at this scale (default: the workload's). */
  lists?: number;
  /** Environment beyond the deployed one (the sensitivity runs' bounds). */
  env?: Record<string, string>;
  clock?: SimClock;
  peer?: boolean;
}

const DAY = 86_400_000;

function classify(calls: readonly RecordedCall[]): Breakdown {
  const b: Breakdown = { listings: 0, campaignPages: 0, gets: 0, puts: 0, deletes: 0, throttled: 0 };
  for (const c of calls) {
    if (c.status === 429) b.throttled++;
    if (c.path.endsWith('/getAllListDetails')) b.listings++;
    else if (c.path.endsWith('/getAllCampaignDetails')) b.campaignPages++;
    else if (c.method === 'GET') b.gets++;
    else if (c.method === 'PUT') b.puts++;
    else if (c.method === 'DELETE') b.deletes++;
  }
  return b;
}

const round = (n: number, d = 3) => Math.round(n * 10 ** d) / 10 ** d;

function tally(xs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

/** Everything one run measures, between two marks of the simulation. */
class Window {
  private readonly calls: number;
  private readonly outcomes: number;
  private readonly dlq: number;
  private readonly at: number;

  constructor(private readonly sim: Sim) {
    this.calls = sim.kore.calls.length;
    this.outcomes = sim.outcomes.length;
    this.dlq = sim.queue.dlq.length;
    this.at = sim.clock.now();
  }

  koreCalls(): RecordedCall[] {
    return this.sim.kore.calls.slice(this.calls);
  }

  outcomeLines() {
    return this.sim.outcomes.slice(this.outcomes);
  }

  parked() {
    return this.sim.queue.dlq.slice(this.dlq);
  }

  elapsedMs(): number {
    return this.sim.clock.now() - this.at;
  }
}

/** Lists the guard must never let go (campaign DNC lists, the global DNC list, lists in use) that are gone or renamed. */
export function protectedTouched(sim: Sim): number {
  const seeded = new Map((sim.account.seed.lists ?? []).map((l) => [l._id!, l.name]));
  const ids = ['cl-global-dnc', ...sim.account.dncListIds, ...sim.account.usedListIds];
  return ids.filter((id) => sim.kore.state.lists.get(id)?.name !== seeded.get(id)).length;
}

/** Waits (on the simulation's clock) until the queue holds nothing. */
export async function drained(sim: Sim, limitMs = 7 * DAY): Promise<void> {
  const until = sim.clock.now() + limitMs;
  while (sim.queue.messages.length > 0) {
    if (sim.clock.now() > until)
      throw new Error(`the queue still holds ${sim.queue.messages.length} messages after ${limitMs / 3_600_000} h of simulated time`);
    await sim.clock.sleep(1_000);
  }
}

/** The producer sends a list.expired for each id while `fn` polls the queue, until the queue holds nothing. */
export async function expireAndDrain(sim: Sim, fn: SimFunction, ids: readonly string[]): Promise<void> {
  await sim.clock.actor('producer', async () => {
    const polling = sim.poll(fn);
    sim.expire(ids);
    await drained(sim);
    await polling.stop();
  });
}

/** The index's age at each write, read from the consumer that made it. */
function watchWrites(sim: Sim, current: () => SimConsumer | undefined): { ages: { delete: number[]; rename: number[] }; off: () => void } {
  const ages = { delete: [] as number[], rename: [] as number[] };
  const off = sim.kore.onApiCall((c) => {
    if (!c.committed || !c.path.includes('/contactList/cl-')) return;
    const consumer = current();
    if (!consumer) return;
    const age = consumer.deps.campaigns.ageMs();
    if (c.method === 'DELETE') ages.delete.push(age);
    else if (c.method === 'PUT') ages.rename.push(age);
  });
  return { ages, off };
}

/**
 * One cell: `workload` on an account of `profile`, by our consumer (cold, then warmed up) or the
 * peer. Returns what it measured; throws if the simulation does not finish.
 */
export async function runCell(profile: AccountProfile, workload: Workload, o: CellOptions = {}): Promise<CellResult> {
  const realStart = Date.now();
  const sim = await Sim.start({ profile, ...(o.clock ? { clock: o.clock } : {}) });
  try {
    const env = { DELETION_MODE: workload.mode, ...o.env };
    const n = Math.min(o.lists ?? workload.lists, sim.account.idleIds.length);
    let buildCalls = 0;
    let current: SimConsumer | undefined;
    const watch = watchWrites(sim, () => current);
    const functions: SimFunction[] = [];
    const sweeps: NonNullable<CellResult['sweep']> = [];
    let targets: string[] = [];
    let window: Window | undefined;
    const measured: { calls: RecordedCall[]; outcomes: ReturnType<Window['outcomeLines']>; parked: ReturnType<Window['parked']>; ms: number }[] = [];
    const invocationMarks: Array<[SimFunction, number]> = [];

    /** Starts a consumer (cold) behind the event source mapping; warms ours up; opens a measuring window. */
    /** `warmUp`: fields of the warm-up command (its kind of write decides which DNC bound its read must meet). */
    const start = async (warmUp: Record<string, unknown> = {}) => {
      let f: SimFunction;
      if (o.peer) f = sim.peer('peer');
      else {
        current = sim.consumer(`consumer-${functions.length + 1}`, env);
        f = current;
      }
      functions.push(f);
      const polling = sim.poll(f);
      if (!o.peer) {
        // A command the guard refuses (a list campaigns use): the index gets built, no list is spent.
        const before = sim.kore.calls.length;
        sim.expire([sim.account.usedListIds[0]!], warmUp);
        await drained(sim);
        buildCalls += sim.kore.calls.slice(before).filter((c) => c.path.endsWith('/getAllCampaignDetails')).length;
      }
      invocationMarks.push([f, f.invocations.length]);
      window = new Window(sim);
      return async () => {
        measured.push({ calls: window!.koreCalls(), outcomes: window!.outcomeLines(), parked: window!.parked(), ms: window!.elapsedMs() });
        await polling.stop();
      };
    };

    const sweep = async () => {
      const r = await sim.sweep({ DELETION_MODE: workload.mode, SWEEP_MAX_LISTS: String(n), ...o.env });
      sweeps.push({ queued: r.queued, koreCalls: r.koreCalls, virtualMs: r.virtualMs });
      return r.candidateLists.map((c) => c.contactListId);
    };

    await sim.clock.actor('producer', async () => {
      const end = await start();
      const ids = sim.account.idleIds.slice(0, n);
      switch (workload.kind) {
        case 'batch10':
          targets = ids;
          sim.expire(ids);
          break;
        case 'single':
          targets = ids;
          for (const id of ids) {
            sim.expire([id]);
            await drained(sim);
          }
          break;
        case 'per-minute':
        case 'per-10-minutes': {
          targets = ids;
          const every = workload.kind === 'per-minute' ? 60_000 : 600_000;
          // The first command one period after the warm-up, as every later one: a steady state,
          // not a first command that finds the index the warm-up just built.
          const t0 = sim.clock.now();
          for (let i = 0; i < ids.length; i++) {
            await sim.clock.until(t0 + (i + 1) * every);
            sim.expire([ids[i]!]);
          }
          break;
        }
        case 'sweep':
          targets = await sweep();
          break;
        case 'life': {
          targets = await sweep();
          await drained(sim);
          await end();
          // A new container GRACE_DAYS + 1 days later (no execution environment lives that long).
          await sim.clock.sleep((sim.settings.graceDays + 1) * DAY);
          // Warmed up for a DELETE, the write this container makes.
          const end2 = await start({ action: 'delete' });
          await sweep();
          await drained(sim);
          await end2();
          return;
        }
      }
      await drained(sim);
      await end();
    });
    watch.off();

    const calls = measured.flatMap((m) => m.calls);
    const lines = measured.flatMap((m) => m.outcomes);
    const parked = measured.flatMap((m) => m.parked);
    const state = sim.kore.state.lists;
    const deleted = targets.filter((id) => !state.has(id)).length;
    const archived = targets.filter((id) => state.get(id)?.name.startsWith('[expired] ')).length;
    const done = workload.per === 'deleted' ? deleted : archived;
    const invocationCount = invocationMarks.reduce((s, [f, mark]) => s + f.invocations.length - mark, 0);
    const bound = (name: string, fallback: string) => Number(o.env?.[name] ?? sim.settings.consumerEnv[name] ?? fallback);
    const max = (xs: number[]) => (xs.length ? round(Math.max(...xs) / 1000, 1) : undefined);
    return {
      profile,
      workload: workload.key,
      consumer: o.peer ? 'peer' : 'ours',
      mode: workload.mode,
      bounds: { deleteS: bound('DNC_MAX_AGE_SECONDS', '300'), renameS: bound('DNC_RENAME_MAX_AGE_SECONDS', '120') },
      lists: targets.length,
      deleted,
      archived,
      calls: calls.length,
      buildCalls,
      perList: round(calls.length / Math.max(1, done)),
      perListFromCold: round((calls.length + buildCalls) / Math.max(1, done)),
      breakdown: classify(calls),
      maxAgeAtWriteS: {
        ...(max(watch.ages.delete) !== undefined ? { delete: max(watch.ages.delete) } : {}),
        ...(max(watch.ages.rename) !== undefined ? { rename: max(watch.ages.rename) } : {}),
      },
      deferred: lines.filter((l) => l.outcome === 'retry' && l.reason === 'deadline').length,
      parked: tally(parked.map((p) => p.errorCode)),
      invocations: invocationCount,
      outcomes: tally(lines.map((l) => `${l.outcome}:${l.reason ?? l.action ?? ''}`)),
      protectedTouched: protectedTouched(sim),
      virtualMinutes: round(measured.reduce((s, m) => s + m.ms, 0) / 60_000, 1),
      realSeconds: round((Date.now() - realStart) / 1000, 1),
      ...(sweeps.length ? { sweep: sweeps } : {}),
    };
  } finally {
    await sim.stop();
  }
}
