/**
 * Real accounts (issue 21): what the shipped consumer and sweep spend on accounts of 100 to
 * 100,000 lists and 10 to 5,000 campaigns, on every workload, beside the competent peer; the
 * targets of issue 21 as goals; the DNC bounds' cost (sensitivity); memory at 100,000 lists.
 *
 * Everything runs the shipped code built by lib/deps.ts from the deployed settings
 * (serverless.yml's params) against the Kore emulator with Kore's 60-calls-a-minute window on,
 * on a virtual clock (bench/accounts/): hours of Kore time in seconds, the same calls as real
 * time (the cross-check runs one profile both ways).
 */
import type { AccountProfile } from '../accounts/account.js';
import { deployed } from '../accounts/deployed.js';
import type { ConsumerMemory, SweepMemory } from '../accounts/memory.js';
import { consumerMemory, sweepMemory } from '../accounts/memory.js';
import type { BusyResult, CrossCheck, FreshResult, SweepOnly } from '../accounts/scenarios.js';
import { crossCheck, freshContainer, sweepOnly, twoConsumersAndTheSweep } from '../accounts/scenarios.js';
import type { CellResult, Workload } from '../accounts/workloads.js';
import { runCell, WORKLOADS } from '../accounts/workloads.js';
import { lambdaMemoryFlags } from '../bundles.js';
import type { Bench } from '../report.js';
import { median } from '../report.js';

const LISTS = [100, 10_000, 100_000];
const CAMPAIGNS = [10, 2_000, 5_000];
/** The profile issue 21's targets are stated at, and the one the batch-of-1 targets use. */
const TARGET = { lists: 10_000, campaigns: 5_000 };
const SMALLER_CAMPAIGNS = 2_000;
/** The bounds the sensitivity table tries (DNC_MAX_AGE_SECONDS = DNC_RENAME_MAX_AGE_SECONDS). */
const BOUNDS = [0, 60, 120, 300, 900];
/** The peer deletes only: the workloads it runs. */
const PEER_WORKLOADS = ['batch10-delete', 'single', 'per-minute', 'per-10-minutes', 'sweep-delete'];
const CONSUMER_RSS_GOAL_MB = 200;
/** Accounts past issue 21's sizes, for a fresh container's first batch. */
const LARGER_CAMPAIGNS = [20_000, 30_000, 40_000];
const ACCOUNTS_SECTION = 'Real accounts: 100 to 100,000 lists, 10 to 5,000 campaigns (accounts benchmark)';
const MEMORY_RUNS = 3;
/** 30,000 of 100,000 lists: a listing of about 15 MB, the largest size here the consumer still reads whole (LISTING_MAX_BYTES, 20 MB). */
const UNDER_CAP_SHARE = 0.3;
const SWEEP_RUNS = 3;

const n = (x: number) => x.toLocaleString('en');
const w = (key: string): Workload => WORKLOADS.find((x) => x.key === key)!;
const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(2).replace(/0$/, ''));
const profileName = (p: AccountProfile) => `${n(p.lists)} lists, ${n(p.campaigns)} campaigns`;

export interface AccountsResults {
  profiles: AccountProfile[];
  cells: CellResult[];
  peer: CellResult[];
  fresh: FreshResult[];
  /** A fresh container's first batch on accounts past issue 21's sizes (delete mode). */
  larger: FreshResult[];
  busy: BusyResult;
  crossChecks: CrossCheck[];
  sensitivity: Array<{ boundS: number; perMinute: CellResult; per10Minutes: CellResult; archives: CellResult }>;
  sweepAt10k: SweepOnly[];
  memory: {
    consumer: ConsumerMemory[];
    consumerWithoutListing: ConsumerMemory;
    consumerSmall: ConsumerMemory;
    /** The largest account whose listing the consumer still reads whole, every batch (under LISTING_MAX_BYTES). */
    consumerUnderCap: ConsumerMemory;
    sweep: SweepMemory[];
    sweepHolds: number;
  };
}

export async function accounts(b: Bench): Promise<void> {
  const d = deployed();
  const lists = LISTS.map((x) => b.scaled(x, 100));
  const campaigns = CAMPAIGNS.map((x) => b.scaled(x, 10));
  const target: AccountProfile = { lists: b.scaled(TARGET.lists, 1_000), campaigns: b.scaled(TARGET.campaigns, 100) };
  const smaller: AccountProfile = { lists: target.lists, campaigns: b.scaled(SMALLER_CAMPAIGNS, 40) };
  if (b.scale < 1) {
    b.warn(
      `accounts: accounts of ${lists.map(n).join(' / ')} lists and ${campaigns.map(n).join(' / ')} campaigns instead of 100 / 10,000 / 100,000 and 10 / 2,000 / 5,000: the cost of building the campaign index (and so every figure from a cold container) shrinks with the campaigns`,
    );
  }
  const profiles = lists.flatMap((l) => campaigns.map((c) => ({ lists: l, campaigns: c })));
  const sizeOf = (wl: Workload) => b.scaled(wl.lists, 6);

  const cells: CellResult[] = [];
  const peer: CellResult[] = [];
  for (const p of profiles) {
    for (const wl of WORKLOADS) {
      b.log(`accounts: ${profileName(p)}, ${wl.label}…`);
      cells.push(await runCell(p, wl, { lists: sizeOf(wl) }));
    }
    for (const key of PEER_WORKLOADS) {
      b.log(`accounts: ${profileName(p)}, the peer, ${w(key).label}…`);
      peer.push(await runCell(p, w(key), { lists: sizeOf(w(key)), peer: true }));
    }
  }

  const fresh: FreshResult[] = [];
  for (const c of [target.campaigns, 2 * target.campaigns]) {
    for (const mode of ['delete', 'archive-then-delete'] as const) {
      b.log(`accounts: a fresh container, ${n(c)} campaigns, ${mode}…`);
      fresh.push(await freshContainer({ lists: target.lists, campaigns: c }, mode));
    }
  }

  // Past issue 21's sizes: where a fresh container's first batch stops fitting in maxReceiveCount receives.
  const larger: FreshResult[] = [];
  for (const c of LARGER_CAMPAIGNS.map((x) => b.scaled(x, 400))) {
    b.log(`accounts: a fresh container, ${n(c)} campaigns, delete…`);
    larger.push(await freshContainer({ lists: target.lists, campaigns: c }, 'delete'));
  }

  b.log('accounts: two consumers and the sweep…');
  const busy = await twoConsumersAndTheSweep(target, b.scaled(200, 20));

  const crossChecks: CrossCheck[] = [];
  for (const [key, size] of [
    ['batch10-delete', 100],
    ['per-minute', 10],
  ] as const) {
    b.log(`accounts: cross-check, ${w(key).label}, virtual and 10× compressed…`);
    crossChecks.push(await crossCheck(smaller, w(key), b.scaled(size, 4)));
  }

  const sensitivity: AccountsResults['sensitivity'] = [];
  for (const v of BOUNDS) {
    b.log(`accounts: sensitivity, DNC bounds ${v} s…`);
    const env = { DNC_MAX_AGE_SECONDS: String(v), DNC_RENAME_MAX_AGE_SECONDS: String(v) };
    sensitivity.push({
      boundS: v,
      perMinute: await runCell(target, w('per-minute'), { lists: sizeOf(w('per-minute')), env }),
      per10Minutes: await runCell(target, w('per-10-minutes'), { lists: sizeOf(w('per-10-minutes')), env }),
      archives: await runCell(target, w('batch10-archive'), { lists: sizeOf(w('batch10-archive')), env }),
    });
  }

  // The sweep at 10,000 campaigns (it reads none): its calls and its paced time on the virtual clock.
  const sweepAt10k: AccountsResults['sweepAt10k'] = [];
  for (const l of [target.lists, lists[2]!]) {
    b.log(`accounts: the sweep, ${n(l)} lists, ${n(2 * target.campaigns)} campaigns…`);
    sweepAt10k.push(await sweepOnly({ lists: l, campaigns: 2 * target.campaigns }));
  }

  const big = lists[2]!;
  const consumer: ConsumerMemory[] = [];
  for (let i = 0; i < MEMORY_RUNS; i++) {
    b.log(`accounts: the consumer's memory at ${n(big)} lists (${i + 1} of ${MEMORY_RUNS})…`);
    consumer.push(await consumerMemory(b, big, target.campaigns, 5));
  }
  b.log('accounts: the consumer without the listing, and on a small account…');
  const consumerWithoutListing = await consumerMemory(b, big, target.campaigns, 5, { SNAPSHOT_MAX_AGE_SECONDS: '0' });
  const consumerSmall = await consumerMemory(b, lists[0]! * 10, target.campaigns, 5);
  b.log(`accounts: the consumer at ${n(UNDER_CAP_SHARE * big)} lists, whose listing it reads whole…`);
  const consumerUnderCap = await consumerMemory(b, UNDER_CAP_SHARE * big, target.campaigns, 5);
  // A run's peak moves by tens of MB with the collector's timing: each size runs SWEEP_RUNS times and counts its highest.
  const sweep: SweepMemory[] = [];
  const sweepAt = async (l: number) => {
    const runs: SweepMemory[] = [];
    for (let i = 0; i < SWEEP_RUNS; i++) {
      b.log(`accounts: the sweep's memory at ${n(l)} lists with ${d.sweepMemoryMB} MB (${i + 1} of ${SWEEP_RUNS})…`);
      runs.push(await sweepMemory(b, l, d.sweepMemoryMB));
    }
    const worst = runs.find((x) => !x.ok) ?? runs.reduce((x, y) => ((y.maxRssMB ?? 0) > (x.maxRssMB ?? 0) ? y : x));
    const peaks = runs.map((x) => x.maxRssMB ?? NaN);
    sweep.push({ ...worst, peaksMB: peaks });
    return sweep[sweep.length - 1]!;
  };
  for (const l of [big, Math.round(big * 0.3), Math.round(big * 0.6)]) await sweepAt(l);
  // What the deployed memory holds: on the line through the highest peaks, then checked, and lowered until a check holds.
  let sweepHolds = listsWithin(sweep, d.sweepMemoryMB);
  for (let step = 0; step < 3; step++) {
    const check = await sweepAt(sweepHolds);
    if (check.ok && (check.maxRssMB ?? Infinity) <= d.sweepMemoryMB * 0.9) break;
    sweepHolds = Math.floor((sweepHolds * 0.85) / 1_000) * 1_000;
  }

  const results: AccountsResults = {
    profiles,
    cells,
    peer,
    fresh,
    larger,
    busy,
    crossChecks,
    sensitivity,
    sweepAt10k,
    memory: { consumer, consumerWithoutListing, consumerSmall, consumerUnderCap, sweep, sweepHolds },
  };
  b.record('accounts', results);
  report(b, results, { target, smaller, lists, campaigns });
}

/** The list count whose peak RSS would be 10 % under `memoryMB`, on the line through the smallest and largest sizes run. */
function listsWithin(runs: SweepMemory[], memoryMB: number): number {
  const ok = runs.filter((r) => r.ok && r.maxRssMB !== undefined).sort((a, b) => a.lists - b.lists);
  if (ok.length < 2) return ok[0]?.lists ?? 0;
  const [a, z] = [ok[0]!, ok[ok.length - 1]!];
  const perList = (z.maxRssMB! - a.maxRssMB!) / (z.lists - a.lists);
  return Math.max(1_000, Math.floor((a.lists + (memoryMB * 0.9 - a.maxRssMB!) / perList) / 1_000) * 1_000);
}

function cellOf(cells: CellResult[], p: AccountProfile, key: string): CellResult | undefined {
  return cells.find((c) => c.profile.lists === p.lists && c.profile.campaigns === p.campaigns && c.workload === key);
}

const both = (c: CellResult | undefined) => (c ? `${fmt(c.perList)} (${fmt(c.perListFromCold)})` : '—');
const explain = (c: CellResult) => {
  const k = c.breakdown;
  const parts = [
    k.listings && `${k.listings} listings`,
    k.campaignPages && `${k.campaignPages} campaign pages`,
    k.gets && `${k.gets} GETs`,
    k.puts && `${k.puts} PUTs`,
    k.deletes && `${k.deletes} DELETEs`,
  ].filter(Boolean);
  return `${c.calls} calls for ${c.workload.includes('archive') ? c.archived : c.deleted} lists: ${parts.join(', ')}${k.throttled ? ` (${k.throttled} answered 429)` : ''}`;
};

function report(b: Bench, r: AccountsResults, s: { target: AccountProfile; smaller: AccountProfile; lists: number[]; campaigns: number[] }): void {
  const d = deployed();
  const { target, smaller } = s;
  const at = (p: AccountProfile, key: string) => cellOf(r.cells, p, key)!;
  const tname = `${n(target.lists)} lists, ${n(target.campaigns)} campaigns`;
  const build = at(target, 'batch10-delete').buildCalls;
  const fromCold = (c: CellResult) =>
    `from a cold container over these ${c.lists} lists ${fmt(c.perListFromCold)}: +${c.buildCalls} calls for its first read of the campaigns${c.workload === 'life' ? ', one per night' : ''}`;

  const perListGoal = (key: string, p: AccountProfile, goal: number, what: string, why: (c: CellResult) => string) => {
    const c = at(p, key);
    b.row({
      section: 'accounts',
      metric: `${what} (${profileName(p)}; warm container; DNC references ≤ ${c.workload.includes('archive') ? `${c.bounds.renameS} s at a PUT` : `${c.bounds.deleteS} s at a DELETE`}${key === 'life' ? ` and ≤ ${c.bounds.renameS} s at a PUT` : ''})`,
      goal: `≤ ${goal}`,
      value: `${fmt(c.perList)} (${fromCold(c)})`,
      met: c.perList <= goal,
      why: why(c),
    });
  };
  const index = `At ${n(target.campaigns)} campaigns a cold container reads ${build} campaign pages to build its index (${n(target.campaigns / 2)} voice and ${n(target.campaigns / 2)} SMS campaigns: a probe and ⌈campaigns ÷ 95⌉ pages per type), once per container and per CAMPAIGN_FULL_READ_HOURS`;
  perListGoal('batch10-delete', target, 1.3, 'Kore calls per deleted list, batches of 10', (c) => `${explain(c)}. ${index}.`);
  perListGoal(
    'sweep-delete',
    target,
    1.3,
    'Kore calls per deleted list, the sweep burst (the live sweep queues SWEEP_MAX_LISTS, one consumer drains)',
    (c) =>
      `${explain(c)}. ${index}; no consumer container lives from one night to the next, so a nightly burst pays it: ${fmt(c.perListFromCold)} per list over ${c.lists} lists.`,
  );
  perListGoal(
    'batch10-archive',
    target,
    2.2,
    'Kore calls per archived list, batches of 10 (default mode)',
    (c) =>
      `${explain(c)}: a GET and a PUT per list, and a delta (2 calls) every ${c.bounds.renameS} s less the headroom, as DNC_RENAME_MAX_AGE_SECONDS requires. ${index}.`,
  );
  perListGoal('sweep-archive', target, 2.2, 'Kore calls per archived list, the sweep burst (default mode)', (c) => `${explain(c)}. ${index}.`);
  perListGoal(
    'life',
    target,
    3.5,
    'Kore calls per list over its whole life in the default mode (archive, GRACE_DAYS, the grace-period DELETE)',
    (c) =>
      `${explain(c)}, over two nightly bursts ${d.graceDays + 1} days apart, each drained by a new container (+${c.buildCalls} calls for the two containers' first reads of the campaigns). ${index}.`,
  );

  const batchOf1 = (key: string, goal: number, what: string) => {
    const c = at(smaller, key);
    const c5 = at(target, key);
    b.row({
      section: 'accounts',
      metric: `${what} (${profileName(smaller)}; warm; DNC references ≤ ${c.bounds.deleteS} s at a DELETE)`,
      goal: `≤ ${goal}`,
      value: `${fmt(c.perList)} (at ${n(target.campaigns)} campaigns: ${fmt(c5.perList)}; ${fromCold(c)})`,
      met: c.perList <= goal,
      why:
        `${explain(c)}. One list.expired per invocation has no batch listing to share (a listing serves 2 or more deletions), so each list costs its GET and its DELETE; ` +
        (key === 'per-10-minutes'
          ? `and with commands 600 s apart the DNC references (DNC_MAX_AGE_SECONDS = ${c.bounds.deleteS} s) are always too old: every command pays a delta (2 calls, one page per type) first, so 4 calls a list is this bound's floor whatever the account (the sensitivity table: ${fmt(r.sensitivity.find((x) => x.boundS === 900)?.per10Minutes.perList ?? NaN)} at 900 s). What the stated freshness costs at ${n(target.campaigns)} campaigns is the same ${fmt(c5.perList)}: a delta does not grow with the account.`
          : `the delta (2 calls) every ${c.bounds.deleteS} s less the headroom adds the rest.`),
    });
  };
  batchOf1('single', 2.1, 'Kore calls per deleted list, a batch of 1 back to back');
  batchOf1('per-minute', 2.5, 'Kore calls per deleted list, one command per minute');
  batchOf1('per-10-minutes', 3, 'Kore calls per deleted list, one command per 10 minutes');

  b.row({
    section: 'accounts',
    metric: `a cold container's campaign index (${tname}): calls to build it, and lists after which the cost from cold meets the batch-of-10 targets`,
    goal: 'report',
    value: `${build} calls; ${Math.ceil(build / Math.max(0.001, 1.3 - at(target, 'batch10-delete').perList))} deletions, ${Math.ceil(build / Math.max(0.001, 2.2 - at(target, 'batch10-archive').perList))} archives`,
  });

  const freshOk = r.fresh.every((f) => f.firstWriteInvocation >= 1 && f.firstWriteInvocation <= 2);
  const freshText = r.fresh
    .map((f) => `${n(f.profile.campaigns)} campaigns ${f.mode === 'delete' ? 'delete' : 'default'} mode: invocation ${f.firstWriteInvocation || 'never'}`)
    .join('; ');
  b.row({
    section: 'accounts',
    metric: `a fresh container deletes (or archives) within its first two invocations (${n(target.lists)} lists, ${n(target.campaigns)} and ${n(2 * target.campaigns)} campaigns, a batch of 10)`,
    goal: 'invocation ≤ 2',
    value: freshText,
    met: freshOk,
    why: `The index is built a page per call across invocations (${r.fresh.map((f) => `${n(f.profile.campaigns)}: ${f.invocations.map((i) => `${i.campaignPages} pages/${i.writes} writes`).join(' → ')}`).join('; ')}).`,
  });

  const parkedOf = (f: FreshResult) => Object.values(f.parked).reduce((a, x) => a + x, 0);
  b.row({
    section: 'accounts',
    metric: `past issue 21's sizes: a fresh container's first batch of 10 is done, none parked, however many receives the campaign index takes (maxReceiveCount ${d.maxReceiveCount}; ${n(target.lists)} lists, ${r.larger.map((f) => n(f.profile.campaigns)).join(' / ')} campaigns)`,
    goal: '0 parked',
    value: r.larger
      .map(
        (f) =>
          `${n(f.profile.campaigns)}: ${f.done} of 10 done in invocation ${f.firstWriteInvocation || '—'}, ${parkedOf(f)} parked${parkedOf(f) ? ` (${Object.keys(f.parked).join(', ')})` : ''}`,
      )
      .join('; '),
    met: r.larger.every((f) => parkedOf(f) === 0 && f.done === 10),
    why: `Each receive of the first batch spends its invocation on the campaign index (${r.larger[r.larger.length - 1]!.invocations.map((i) => i.campaignPages).join(', ')} pages an invocation at ${n(r.larger[r.larger.length - 1]!.profile.campaigns)} campaigns) and gives the records back with no call spent; the pages read are kept, and a record out of time on its last receive is requeued (a delayed copy whose receives start over, lib/lifecycle/settle.ts), not parked.`,
  });

  const everything = [...r.cells, ...r.sensitivity.flatMap((x) => [x.perMinute, x.per10Minutes, x.archives])];
  const timeParked = (p: Record<string, number>) => (p.deadline ?? 0) + (p.redrive ?? 0);
  const healthy = everything;
  const lost = healthy.reduce((s2, c) => s2 + timeParked(c.parked), 0) + r.fresh.reduce((s2, f) => s2 + timeParked(f.parked), 0) + timeParked(r.busy.parked);
  const anyParked = healthy.reduce((s2, c) => s2 + Object.values(c.parked).reduce((a, x) => a + x, 0), 0);
  const deferred = healthy.reduce((s2, c) => s2 + c.deferred, 0) + r.fresh.reduce((s2, f) => s2 + f.deferred, 0);
  b.row({
    section: 'accounts',
    metric: `no command reaches the DLQ for lack of time while the account is healthy (${healthy.length} cells, the fresh containers at ${n(target.campaigns)} and ${n(2 * target.campaigns)} campaigns, two consumers)`,
    goal: '0',
    value: `${lost} (${anyParked} parked for any reason; ${deferred} records deferred and done later)`,
    met: lost === 0,
    why: 'Records reached the DLQ as `deadline` or by redrive.',
  });
  const touched = everything.reduce((s2, c) => s2 + c.protectedTouched, 0);
  b.row({
    section: 'accounts',
    metric: 'campaign DNC lists, the global DNC list and lists in use deleted or renamed (every cell)',
    goal: '0',
    value: String(touched),
    met: touched === 0,
    why: 'A list the guard must refuse was written.',
  });

  const sw = r.sweepAt10k;
  b.row({
    section: 'accounts',
    metric: `the sweep finishes within its timeout at ${n(sw[0]!.campaigns)} campaigns (${sw.map((x) => n(x.lists)).join(' and ')} lists; paced time on the virtual clock)`,
    goal: `≤ ${sw[0]!.timeoutSeconds} s`,
    value: sw
      .map(
        (x) =>
          `${n(x.lists)} lists: ${x.koreCalls} Kore call, ${x.virtualSeconds.toFixed(1)} s paced (${x.realSeconds.toFixed(1)} s of real time in this process), ${x.queued} queued`,
      )
      .join('; '),
    met: sw.every((x) => x.koreCalls === 1 && x.virtualSeconds < x.timeoutSeconds),
    why: 'The sweep read more than getAllListDetails, or its paced calls did not fit its timeout.',
  });

  const busy = r.busy;
  b.row({
    section: 'accounts',
    metric: `two consumers (cold) and the sweep on one account (${tname}), the most Kore calls in any 60 s, and 429s`,
    goal: `≤ ${d.accountCallsPerMinute}, 0 × 429`,
    value: `${busy.maxPerMinute} (${Object.entries(busy.maxPerMinuteByConsumer)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}, the sweep ${busy.sweep.koreCalls}); ${busy.throttled} × 429`,
    met: busy.maxPerMinute <= d.accountCallsPerMinute && busy.throttled === 0,
    why: 'Our own calls went over Kore’s window.',
  });

  const same = r.crossChecks.every((x) => x.difference.calls === 0 && x.difference.listings === 0 && x.difference.campaignPages === 0);
  b.row({
    section: 'accounts',
    metric: `the virtual clock gives the Kore calls real time does (${profileName(smaller)}, ${r.crossChecks.map((x) => w(x.workload).label).join(' and ')}, against 10×-compressed real time)`,
    goal: 'the same calls',
    value: r.crossChecks.map((x) => `${x.virtual.calls + x.virtual.buildCalls} vs ${x.compressed.calls + x.compressed.buildCalls}`).join('; '),
    met: same,
    why: 'The compressed run made other calls than the virtual one (see the cross-check table).',
  });

  const mem = r.memory;
  const rss = mem.consumer.map((x) => x.maxRssMB);
  const worst = Math.max(...rss, mem.consumerUnderCap.maxRssMB);
  const big0 = mem.consumer[0]!;
  b.row({
    section: 'accounts',
    metric: `the consumer's peak RSS, batches of 10 deletions at ${n(big0.lists)} lists, and at ${n(mem.consumerUnderCap.lists)} (the deployed bundle, ${big0.memoryMB} MB heap flags)`,
    goal: `≤ ${CONSUMER_RSS_GOAL_MB} MB`,
    value:
      `${n(big0.lists)} lists: ${Math.max(...rss).toFixed(0)} MB at most in ${MEMORY_RUNS} runs (median ${median(rss).toFixed(0)}; ${big0.listings} listing for ${big0.batches} batches); ` +
      `${n(mem.consumerUnderCap.lists)} lists, the listing read whole each batch: ${mem.consumerUnderCap.maxRssMB.toFixed(0)} MB; a GET per list: ${mem.consumerWithoutListing.maxRssMB.toFixed(0)} MB`,
    met: worst <= CONSUMER_RSS_GOAL_MB,
    why: `The consumer reads getAllListDetails as a stream and keeps only the batch's lists (lib/kore/list-scan.ts), and reads no further than LISTING_MAX_BYTES (lib/lifecycle/snapshot.ts); what passes through fetch on the way is garbage waiting for V8's collector, so a large listing still raises the peak.`,
  });
  const s100 = mem.sweep.find((x) => x.lists === mem.consumer[0]!.lists)!;
  b.row({
    section: 'accounts',
    metric: `the sweep's peak RSS at ${n(s100.lists)} lists with its deployed ${s100.memoryMB} MB (live, SWEEP_MAX_LISTS as deployed)`,
    goal: `≤ ${s100.memoryMB} MB`,
    value: s100.ok ? `${s100.maxRssMB?.toFixed(0)} MB; ${s100.memoryMB} MB holds about ${n(mem.sweepHolds)} lists` : `failed: ${s100.failure}`,
    met: s100.ok && (s100.maxRssMB ?? Infinity) <= s100.memoryMB,
    why: `The sweep parses getAllListDetails whole (one JSON document: Kore documents no paging) and judges every list. Lambda ends a function whose process goes past its memory, whatever V8's heap flags allow: at ${n(s100.lists)} lists the sweep needs its memorySize raised (the sweep benchmark runs it at 1,024 MB). Measured at ${mem.sweep
      .filter((x) => x.ok)
      .map((x) => `${n(x.lists)} lists ${x.maxRssMB?.toFixed(0)} MB`)
      .join(
        ', ',
      )} (the highest of ${SWEEP_RUNS} runs each; the runs of one size differ by up to ${Math.max(...mem.sweep.map((x) => Math.max(...(x.peaksMB ?? [0])) - Math.min(...(x.peaksMB ?? [0])))).toFixed(0)} MB with the collector's timing): ${s100.memoryMB} MB holds about ${n(mem.sweepHolds)} lists with 10 % to spare (the largest size checked whose highest peak stayed under 90 %).`,
  });

  // ---------------------------------------------------------------- tables
  const peerOf = (p: AccountProfile, key: string) => cellOf(r.peer, p, key);
  const profiles = r.profiles;
  b.table({
    section: ACCOUNTS_SECTION,
    title: 'Kore calls per deleted list on real accounts: ours warm (from a cold container), the competent peer beside',
    header: [
      'lists',
      'campaigns',
      'batches of 10',
      'batch of 1',
      '1 per minute',
      '1 per 10 min',
      'sweep burst',
      'whole life',
      'peer: batches of 10',
      'peer: batch of 1',
      'peer: 1/min',
      'peer: 1/10 min',
      'peer: sweep burst',
    ],
    rows: profiles.map((p) => [
      n(p.lists),
      n(p.campaigns),
      both(at(p, 'batch10-delete')),
      both(at(p, 'single')),
      both(at(p, 'per-minute')),
      both(at(p, 'per-10-minutes')),
      both(at(p, 'sweep-delete')),
      both(at(p, 'life')),
      ...PEER_WORKLOADS.map((k) => fmt(peerOf(p, k)?.perList ?? NaN)),
    ]),
    notes: [
      `Every Kore call counted, 429s included: the consumer's, its campaign index's deltas and the sweep's. The first figure is a warm container's (its index built: what each further list costs); in brackets, the same workload from a cold container, its first read of the campaigns included (${r.cells.filter((c) => c.profile.campaigns === target.campaigns).map((c) => c.buildCalls)[0]} calls at ${n(target.campaigns)} campaigns, ${r.cells.filter((c) => c.profile.campaigns === s.campaigns[1]).map((c) => c.buildCalls)[0]} at ${n(s.campaigns[1]!)}, ${r.cells.filter((c) => c.profile.campaigns === s.campaigns[0]).map((c) => c.buildCalls)[0]} at ${n(s.campaigns[0]!)}), over the workload's lists: ${WORKLOADS.filter(
        (x) => x.per === 'deleted',
      )
        .map((x) => `${x.label} ${sizeOfLabel(r, x)}`)
        .join(
          ', ',
        )} (the 100-list accounts have fewer idle lists). The whole life's cold figure has two builds (the archive night and the delete night). DNC references at most ${d.consumerEnv.DNC_MAX_AGE_SECONDS} s old at a DELETE, ${d.consumerEnv.DNC_RENAME_MAX_AGE_SECONDS} s at a PUT (the deployed bounds; the largest age measured at each write is in the per-cell table).`,
      `The peer (bench/competent-consumer.ts) GETs and DELETEs each list and reads no campaigns: it does not see a list an SMS campaign names as its DNC list, and keeps to no share of the account (it took up to Kore's whole 60 calls a minute, and its 429s count).`,
    ],
  });
  b.table({
    section: ACCOUNTS_SECTION,
    title: 'Kore calls per archived list (the default mode), warm (from a cold container)',
    header: ['lists', 'campaigns', 'batches of 10', 'sweep burst', 'first read of the campaigns (calls, once per container)'],
    rows: profiles.map((p) => [
      n(p.lists),
      n(p.campaigns),
      both(at(p, 'batch10-archive')),
      both(at(p, 'sweep-archive')),
      String(at(p, 'batch10-archive').buildCalls),
    ]),
    notes: [
      'An archive is a rename, which Kore never refuses: its evidence is the list’s own GET and DNC references at most DNC_RENAME_MAX_AGE_SECONDS old, so GET + PUT is the floor. The peer archives nothing.',
    ],
  });
  b.table({
    section: ACCOUNTS_SECTION,
    title: `What the DNC bounds cost (${tname}, warm; DNC_MAX_AGE_SECONDS = DNC_RENAME_MAX_AGE_SECONDS)`,
    header: [
      'bound',
      'per deleted list, 1 per minute',
      'per deleted list, 1 per 10 minutes',
      'per archived list, batches of 10',
      'the blind spot: a campaign naming a list as its DNC list this recently is not seen (largest age measured at a DELETE / PUT)',
      'parked',
    ],
    rows: r.sensitivity.map((x) => [
      `${x.boundS} s`,
      fmt(x.perMinute.perList),
      fmt(x.per10Minutes.perList),
      fmt(x.archives.perList),
      `${Math.max(x.perMinute.maxAgeAtWriteS.delete ?? 0, x.per10Minutes.maxAgeAtWriteS.delete ?? 0)} s / ${x.archives.maxAgeAtWriteS.rename ?? '—'} s`,
      String([x.perMinute, x.per10Minutes, x.archives].reduce((a, c) => a + Object.values(c.parked).reduce((y, z) => y + z, 0), 0)),
    ]),
    notes: [
      'A bound refreshes the index (a delta: 2 calls, one page per type, whatever the account) before a write when the index is older than the bound less the headroom (2 pacing intervals and one Kore timeout: 12.8 s as deployed). A bound of 0 confirms before every write; the write then happens at most the headroom after its confirmation (the confirmation, the evidence GET and the write cannot be closer at 25 calls a minute). The blind spot is the largest age measured: a campaign that starts naming a list as its DNC list within it is not seen by that write; a Kore that shows DNC lists as in use refuses the DELETE anyway, and a rename is undone exactly by list.restore.',
    ],
  });
  b.table({
    section: ACCOUNTS_SECTION,
    title: 'A fresh container, a batch of 10 list.expired',
    header: [
      'campaigns',
      'mode',
      'first write in invocation',
      'per invocation: campaign pages / writes / records given back (seconds)',
      'Kore calls',
      'done',
      'parked',
    ],
    rows: [...r.fresh, ...r.larger].map((f) => [
      n(f.profile.campaigns),
      f.mode,
      String(f.firstWriteInvocation),
      f.invocations.map((i) => `${i.campaignPages} / ${i.writes} / ${i.retried} (${i.seconds} s)`).join(' → '),
      String(f.calls),
      `${f.done} of 10`,
      String(Object.values(f.parked).reduce((a, x) => a + x, 0)),
    ]),
    notes: [
      `${n(target.lists)} lists; the consumer's timeout ${d.consumerTimeoutMs / 1000} s, DEADLINE_MARGIN_MS as deployed. A record the invocation cannot finish is given back with 0 calls spent (DEFERRED_VISIBILITY_SECONDS) and the index's pages read so far are kept.`,
    ],
  });
  b.table({
    section: ACCOUNTS_SECTION,
    title: 'The cross-check: the virtual clock against 10×-compressed real time',
    header: [
      'workload',
      'clock',
      'Kore calls (first read of the campaigns + work)',
      'listings / pages / GET / PUT / DELETE',
      'deferred',
      'invocations',
      'real seconds',
    ],
    rows: r.crossChecks.flatMap((x) =>
      (['virtual', 'compressed'] as const).map((k) => {
        const c = x[k];
        return [
          w(x.workload).label,
          k === 'virtual' ? 'virtual' : '10× compressed real time',
          `${c.buildCalls} + ${c.calls}`,
          `${c.breakdown.listings} / ${c.breakdown.campaignPages} / ${c.breakdown.gets} / ${c.breakdown.puts} / ${c.breakdown.deletes}`,
          String(c.deferred),
          String(c.invocations),
          String(c.realSeconds),
        ];
      }),
    ),
    notes: [
      `${profileName(smaller)}. The compressed run is the same simulation with a real clock that runs 10× faster (sleeps really wait a tenth; Kore's window, the limiter, deadlines and visibility all read it): nothing in the consumer changes but the clock it is given.`,
    ],
  });
  b.table({
    section: ACCOUNTS_SECTION,
    title: 'Memory at scale (the deployed bundles, Lambda’s heap flags for the deployed memory)',
    header: ['function', 'lists', 'run(s)', 'peak RSS'],
    rows: [
      ...mem.consumer.map((c, i) => [
        'consumer, 5 batches of 10 deletions',
        n(c.lists),
        `${i + 1}`,
        `${c.maxRssMB.toFixed(0)} MB (after each batch: ${c.rssAfterEachMB.map((x) => x.toFixed(0)).join(', ')})`,
      ]),
      [
        'consumer, a GET per list (SNAPSHOT_MAX_AGE_SECONDS=0)',
        n(mem.consumerWithoutListing.lists),
        '1',
        `${mem.consumerWithoutListing.maxRssMB.toFixed(0)} MB`,
      ],
      ['consumer, 5 batches of 10 deletions', n(mem.consumerSmall.lists), '1', `${mem.consumerSmall.maxRssMB.toFixed(0)} MB`],
      [
        'consumer, 5 batches of 10 deletions, the listing read whole each batch',
        n(mem.consumerUnderCap.lists),
        '1',
        `${mem.consumerUnderCap.maxRssMB.toFixed(0)} MB (after each batch: ${mem.consumerUnderCap.rssAfterEachMB.map((x) => x.toFixed(0)).join(', ')}; ${mem.consumerUnderCap.listings} listings)`,
      ],
      ...mem.sweep.map((x) => [
        'sweep, live, as deployed',
        n(x.lists),
        `${x.peaksMB?.length ?? 1}`,
        x.ok
          ? `${x.maxRssMB?.toFixed(0)} MB at most (${(x.peaksMB ?? [x.maxRssMB ?? NaN]).map((p) => p.toFixed(0)).join(', ')}; ${x.queued} queued)`
          : `failed: ${x.failure}`,
      ]),
    ],
    notes: [
      `Consumer at ${d.consumerMemoryMB} MB (consumerMemorySize) and sweep at ${d.sweepMemoryMB} MB (sweepMemorySize), with the heap flags Lambda derives from them (\`${lambdaMemoryFlags(d.consumerMemoryMB).join(' ')}\` for 256 MB); ${n(target.campaigns)} campaigns for the consumer. Lambda counts the whole process against the memory size, not only V8's heap.`,
    ],
  });

  b.table({
    section: ACCOUNTS_SECTION,
    title: 'Every cell: what the calls were, and what happened to the records',
    header: [
      'lists',
      'campaigns',
      'workload',
      'lists done',
      'Kore calls',
      'listings / pages / GET / PUT / DELETE',
      '429s',
      'deferred',
      'parked',
      'invocations',
      'largest DNC age at DELETE / PUT (bound)',
      'simulated min',
    ],
    rows: r.cells.map((c) => [
      n(c.profile.lists),
      n(c.profile.campaigns),
      w(c.workload).label,
      `${c.workload.includes('archive') ? c.archived : c.deleted} of ${c.lists}`,
      String(c.calls),
      `${c.breakdown.listings} / ${c.breakdown.campaignPages} / ${c.breakdown.gets} / ${c.breakdown.puts} / ${c.breakdown.deletes}`,
      String(c.breakdown.throttled),
      String(c.deferred),
      String(Object.values(c.parked).reduce((a, x) => a + x, 0)),
      String(c.invocations),
      `${c.maxAgeAtWriteS.delete ?? '—'} / ${c.maxAgeAtWriteS.rename ?? '—'} s (${c.bounds.deleteS} / ${c.bounds.renameS})`,
      String(c.virtualMinutes),
    ]),
    notes: [
      'Measured after the warm-up (the campaign index built), the build’s pages apart. Deferred: records given back for lack of time (they came back and were done). Parked: records in the DLQ.',
    ],
  });
  b.describe(
    'accounts',
    `Accounts of ${s.lists.map(n).join(' / ')} lists × ${s.campaigns.map(n).join(' / ')} campaigns (bench/accounts/account.ts: half voice, half SMS, over three years, most Completed; a pool of campaign DNC lists named by id (voice) and by name (SMS), half of them with names that do not say DNC; 30 % of the lists used by campaigns, 10 % recent, the rest idle), each workload on a fresh account. The shipped consumer and sweep, built by \`lib/deps.ts\` from serverless.yml's params (${d.callsPerMinute} calls/min, ${d.consumerTimeoutMs / 1000} s consumer and ${d.sweepTimeoutMs / 1000} s sweep timeouts, KORE_TIMEOUT_MS ${d.consumerEnv.KORE_TIMEOUT_MS}, DEADLINE_MARGIN_MS ${d.consumerEnv.DEADLINE_MARGIN_MS}, batches of ${d.batchSize} with a ${d.batchWindowSeconds} s window, maxReceiveCount ${d.maxReceiveCount}, the sweep live with SWEEP_MAX_LISTS ${d.sweepMaxLists}), against the Kore emulator with Kore's window on (${d.accountCallsPerMinute} calls a minute per account).`,
    `Time is virtual (bench/accounts/clock.ts): the clock is injected through \`IoOverrides.clock\` into the consumer and the sweep and given to the emulator as its \`now\`, so Kore's window, its timestamps and its token check follow it; a sleep (the limiter's 2.4 s, a backoff, a visibility timeout) moves time at once when every actor (each consumer's event source mapping, the sweep, the producer) waits, and a Kore call happens at one virtual instant. The handler is invoked the way Lambda's event source mapping does it (bench/accounts/queue.ts): batches of up to ${d.batchSize} with ApproximateReceiveCount and SentTimestamp, a Lambda context whose remaining time runs on the virtual clock, records listed in batchItemFailures redelivered after their visibility (${d.visibilityTimeoutSeconds} s, or DEFERRED_VISIBILITY_SECONDS for a deferred one), redrive past maxReceiveCount. The consumer's own SQS requests (fan-out, DLQ parking, visibility changes) go to an in-memory stand-in of the queue put in the deps' \`sender\` (a subclass of lib/aws/queue.ts' QueueSender), because fauxqs keeps visibility and delays on the host's clock. The cross-check runs one profile on the virtual clock and in real time compressed 10×: the same calls.`,
    'Each cell starts a cold consumer and warms it up with a command the guard refuses (a list campaigns use), which builds its campaign index; its calls are reported apart. Then the workload: batches of 10 (a backlog the event source mapping hands over 10 at a time), a batch of 1 back to back (the next command sent when the last is handled), one command every 60 s or 600 s (the first one period after the warm-up), the sweep burst (the live sweep queues, the consumer drains), and the whole life (the sweep queues idle lists, a consumer archives them; GRACE_DAYS + 1 days later a new container deletes what the sweep queues again). Every Kore call the emulator received in the window is counted. The peer runs the same delete workloads through the same event source mapping, on the same clock (its backoff and Retry-After waits included).',
    `Two consumers: the deployed maximumConcurrency (${d.maxConcurrency}), both cold, on one account and one clock, a backlog of list.expired and a minute in the live sweep; the most calls in any 60 s is counted the way Kore's window counts them. Memory: the deployed bundles in plain node processes with Lambda's heap flags (bench/invoke-child.ts), the consumer invoked on 5 batches of 10 in one process (one cold start), the sweep once per size; Kore's window off and the consumer's share raised out of the way there, since memory does not depend on the pace.`,
  );
}

function sizeOfLabel(r: AccountsResults, x: Workload): string {
  const c = r.cells.find((y) => y.workload === x.key && y.profile.lists !== r.profiles[0]!.lists);
  return String(c?.lists ?? x.lists);
}
