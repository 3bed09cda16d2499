/**
 * What each Kore call buys, on the sweep's workload: the shipped sweep (live) queues one
 * `list.expired` per idle list, then a consumer deletes them while the account's other caller
 * keeps calling. Five consumers, each on a fresh local stack, in one run:
 *
 * - shipped: the real handler built by the shipped factory (limiter, campaign index, the
 *   batch's listing as evidence: lib/lifecycle/snapshot.ts);
 * - shipped with SNAPSHOT_MAX_AGE_SECONDS=0: the previous design, a GET and a DELETE per list,
 *   from the same code;
 * - shipped, with a listing that carries only Kore's documented fields (no isGlobalDNC or
 *   isDefault: the emulator's `omitListFields.list`);
 * - the competent peer (bench/competent-consumer.ts) and the naive one (bench/naive-consumer.ts).
 *
 * Time runs 10× faster than Kore's: the account allows 60 calls per 6 s window (Kore: 60 per
 * minute), the other caller makes 300 calls a minute (30 at Kore's pace), this deployment's share
 * is 250 a minute (25), and every duration the consumer reads from its environment that the pace
 * touches is divided by 10 too (SNAPSHOT_MAX_AGE_SECONDS 3 for 30, DNC_MAX_AGE_SECONDS 30 for
 * 300, DNC_RENAME_MAX_AGE_SECONDS 12 for 120, DEFERRED_VISIBILITY_SECONDS 6 for 60), so that calls per deleted list are those at
 * Kore's pace. The consumers run with DELETION_MODE=delete: this measures the DELETE path (the
 * default, archive-then-delete, spends the same calls on a PUT now and a DELETE after the grace
 * period).
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { loadSweepConfig } from '../../lib/config.js';
import { createSweepDeps } from '../../lib/deps.js';
import { createSweepHandler } from '../../lib/sweep/handler.js';
import { createLocalConsumer } from '../../local/consumer.js';
import { LocalEventSourceMapping, lambdaContext } from '../../local/event-source-mapping.js';
import type { Realism } from '../../local/kore-emulator/realism.js';
import { LogTap } from '../../local/log-tap.js';
import { daysAgo } from '../../local/seed.js';
import { startLocalStack } from '../../local/stack.js';
import { competentHandler } from '../competent-consumer.js';
import { naiveHandler } from '../naive-consumer.js';
import { startOtherCaller } from '../other-caller.js';
import type { Bench } from '../report.js';

/** How much faster than Kore's clock the benchmark runs. */
const SPEED = 10;
/** Kore: 60 calls per minute per account. */
const ACCOUNT_CALLS_PER_WINDOW = 60;
const WINDOW_MS = 60_000 / SPEED;
/** This deployment's share (KORE_CALLS_PER_MINUTE), at Kore's pace. */
const REAL_SHARE = 25;
const SHARE = REAL_SHARE * SPEED;
const OTHER_PER_MINUTE = 30 * SPEED;
const BACKLOG = 10_000;

type Kind = 'shipped' | 'get-per-list' | 'documented-listing' | 'competent' | 'naive';

interface Spec {
  kind: Kind;
  label: string;
  /** The shipped consumer's environment beyond the time-scaled base. */
  env?: Record<string, string>;
  realism?: Partial<Realism>;
}

const SPECS: Spec[] = [
  { kind: 'shipped', label: "shipped (the batch's listing as evidence)" },
  { kind: 'get-per-list', label: 'shipped, SNAPSHOT_MAX_AGE_SECONDS=0 (the previous design: GET + DELETE)', env: { SNAPSHOT_MAX_AGE_SECONDS: '0' } },
  {
    kind: 'documented-listing',
    label: "shipped, the listing without isGlobalDNC / isDefault (Kore's documented fields)",
    realism: { omitListFields: { list: ['isGlobalDNC', 'isDefault'] } },
  },
  { kind: 'competent', label: 'competent peer (backoff with jitter, Retry-After, no shared limiter)' },
  { kind: 'naive', label: 'naive (no limiter, a secret read per message, immediate retries)' },
];

/** The shipped consumer's environment, time-scaled (see the top of this file). */
const SHIPPED_ENV = {
  KORE_CALLS_PER_MINUTE: String(SHARE),
  DELETION_MODE: 'delete',
  SNAPSHOT_MAX_AGE_SECONDS: String(30 / SPEED),
  DNC_MAX_AGE_SECONDS: String(300 / SPEED),
  DNC_RENAME_MAX_AGE_SECONDS: String(120 / SPEED),
  DEFERRED_VISIBILITY_SECONDS: String(60 / SPEED),
};

const SCHEDULED_EVENT = { 'detail-type': 'Scheduled Event', source: 'aws.scheduler', detail: {} };

export interface ConsumerRun {
  kind: Kind;
  label: string;
  lists: number;
  deleted: number;
  minutes: number;
  listsPerMinute: number;
  /** Every Kore call but the other caller's: the sweep's and the consumer's, 429s included. */
  calls: number;
  sweepCalls: number;
  callsPerDeleted: number;
  /** The consumer's calls per minute ÷ its share (above 1: it took calls that were not its own). */
  budgetUse: number;
  share429: number;
  otherCaller429s: number;
  otherCallerCalls: number;
  secretReads: number;
  /** Calls by kind: listings, campaign pages, GETs, DELETEs, 429s (of all of them), the sweep's included. */
  breakdown: { listings: number; campaignPages: number; gets: number; deletes: number; throttled: number };
  /** Deletions whose evidence was the batch's listing / the list's own GET (shipped consumers). */
  evidence?: { listing: number; get: number };
  /** Hours to delete a 10,000-list backlog at 25 calls a minute, at this budget use and cost per list. */
  backlogHours?: number;
}

export async function budget(b: Bench): Promise<void> {
  const lists = b.scaled(150, 20);
  const shippedSeconds = ((lists * 1.1) / SHARE) * 60;
  if (shippedSeconds < 4 * (WINDOW_MS / 1000)) {
    b.warn(
      `budget: ${lists} lists keep the shipped consumer busy for about ${shippedSeconds.toFixed(0)} s, under 4 rate windows of ${WINDOW_MS / 1000} s: budget use, 429 share and the 10,000-list estimate are dominated by the first batches (full scale: 150 lists)`,
    );
  }
  const runs: ConsumerRun[] = [];
  for (const spec of SPECS) {
    b.log(`budget: ${spec.label}…`);
    runs.push(await runOne(spec, lists));
  }
  b.record('budget', {
    speed: SPEED,
    accountCallsPerWindow: ACCOUNT_CALLS_PER_WINDOW,
    windowMs: WINDOW_MS,
    sharePerMinute: SHARE,
    otherCallerPerMinute: OTHER_PER_MINUTE,
    runs,
  });
  report(b, runs);
}

async function runOne(spec: Spec, lists: number): Promise<ConsumerRun> {
  const ids = Array.from({ length: lists }, (_, i) => `cl-b-${i}`);
  const otherList = 'cl-other';
  const stack = await startLocalStack({
    kore: {
      seed: {
        lists: [
          ...ids.map((id, i) => ({ _id: id, name: `Budget ${i}`, updatedAt: daysAgo(400) })),
          // The other caller's list: updated today, so the sweep never picks it.
          { _id: otherList, name: 'In daily use', updatedAt: new Date().toISOString() },
        ],
      },
      rateLimit: { perMinute: ACCOUNT_CALLS_PER_WINDOW, windowMs: WINDOW_MS, retryAfter: true },
      ...(spec.realism ? { realism: spec.realism } : {}),
    },
    // Short, so that the peers' failed records come back soon (generous to them: a deployed queue
    // waits 6 × the consumer timeout).
    visibilityTimeout: 2,
    maxReceiveCount: 1000,
  });
  const tap = new LogTap().start();
  try {
    const other = startOtherCaller(stack, otherList, OTHER_PER_MINUTE);
    // The producer: the shipped sweep, live, built by the shipped factory. SWEEP_MAX_LISTS_CEILING
    // is raised through the environment only when the run has more lists than its default 1,000.
    const sweepDeps = createSweepDeps(
      loadSweepConfig({
        ...stack.env,
        ...SHIPPED_ENV,
        SWEEP_DRY_RUN: 'false',
        SWEEP_MAX_LISTS: String(lists),
        ...(lists > 1000 ? { SWEEP_MAX_LISTS_CEILING: String(lists) } : {}),
      }),
      { aws: stack.aws },
    );
    const sweep = await createSweepHandler(sweepDeps)(SCHEDULED_EVENT, lambdaContext(300_000, 'nightly-sweep'));
    sweepDeps.sqs.destroy();
    sweepDeps.secretsClient.destroy();
    if (sweep.queued !== lists) throw new Error(`budget: the sweep queued ${sweep.queued} of ${lists} lists`);

    const stats = { secretReads: 0 };
    let handler: (e: SQSEvent, c: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse | void>;
    let deps: ReturnType<typeof createLocalConsumer>['deps'] | undefined;
    if (spec.kind === 'competent') handler = competentHandler(stack.secretsClient, stack.secretId, stats);
    else if (spec.kind === 'naive') handler = naiveHandler(stack.secretsClient, stack.secretId, stats);
    else ({ handler, deps } = createLocalConsumer(stack, { ...SHIPPED_ENV, ...spec.env }));
    const esm = new LocalEventSourceMapping({
      sqs: stack.sqs,
      queueUrl: stack.queueUrl,
      queueArn: stack.queueArn,
      handler,
      batchSize: 10,
      functionTimeoutMs: 60_000,
    });

    const left = () => ids.filter((id) => stack.kore.state.lists.has(id)).length;
    const t0 = Date.now();
    const cap = t0 + Math.max(60_000, ((4 * lists * 2) / SHARE) * 60_000);
    while (Date.now() < cap && left() > 0) {
      const r = await esm.pollOnce();
      if (!r) await new Promise((res) => setTimeout(res, 100));
    }
    const statuses = await other.stop();
    deps?.sqs.destroy();
    deps?.secretsClient.destroy();

    const ours = stack.kore.apiCalls().filter((c) => !c.path.startsWith(other.path));
    const consumerCalls = ours.filter((c) => c.at >= t0);
    const deleted = lists - left();
    const deletes = consumerCalls.filter((c) => c.method === 'DELETE' && c.status === 200).map((c) => c.at);
    const minutes = (Math.max(t0, ...deletes) - t0) / 60_000;
    const callsPerDeleted = ours.length / Math.max(1, deleted);
    const budgetUse = consumerCalls.length / Math.max(1e-9, SHARE * minutes);
    const done = tap.outcomes().filter((o) => o.outcome === 'done');
    const shipped = spec.kind !== 'competent' && spec.kind !== 'naive';
    return {
      kind: spec.kind,
      label: spec.label,
      lists,
      deleted,
      minutes: round(minutes, 2),
      listsPerMinute: round(deleted / Math.max(minutes, 1e-9), 1),
      calls: ours.length,
      sweepCalls: ours.length - consumerCalls.length,
      callsPerDeleted: round(callsPerDeleted, 3),
      budgetUse: round(budgetUse, 3),
      share429: round(ours.filter((c) => c.status === 429).length / Math.max(1, ours.length), 4),
      breakdown: {
        listings: ours.filter((c) => c.path.endsWith('/getAllListDetails')).length,
        campaignPages: ours.filter((c) => c.path.endsWith('/getAllCampaignDetails')).length,
        gets: ours.filter((c) => c.method === 'GET').length,
        deletes: ours.filter((c) => c.method === 'DELETE').length,
        throttled: ours.filter((c) => c.status === 429).length,
      },
      otherCaller429s: statuses.filter((s) => s === 429).length,
      otherCallerCalls: statuses.length,
      secretReads: shipped ? (stack.secrets.calls.GetSecretValue ?? 0) : stats.secretReads,
      ...(shipped
        ? {
            evidence: { listing: done.filter((o) => o.evidence === 'listing').length, get: done.filter((o) => o.evidence === 'get').length },
            backlogHours: round((BACKLOG * callsPerDeleted) / (REAL_SHARE * Math.min(1, budgetUse)) / 60, 1),
          }
        : {}),
    };
  } finally {
    tap.stop();
    await stack.stop();
  }
}

const explain = (r: ConsumerRun) =>
  `${r.breakdown.listings} listings, ${r.breakdown.campaignPages} campaign pages, ${r.breakdown.gets} GETs, ${r.breakdown.deletes} DELETEs${r.breakdown.throttled ? ` (${r.breakdown.throttled} answered 429)` : ''}`;

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
const pct = (n: number) => `${(n * 100).toFixed(n > 0 && n < 0.01 ? 2 : 1)} %`;

function report(b: Bench, runs: ConsumerRun[]): void {
  const by = (k: Kind) => runs.find((r) => r.kind === k)!;
  const shipped = by('shipped');
  const old = by('get-per-list');
  const documented = by('documented-listing');
  b.row({
    section: 'budget',
    metric: `Kore calls per deleted list, sweep workload (${shipped.deleted} lists, DELETION_MODE=delete, the sweep's call included)`,
    goal: '≤ 1.25',
    value: `${shipped.callsPerDeleted} (GET + DELETE: ${old.callsPerDeleted})`,
    met: shipped.callsPerDeleted <= 1.25,
    why: `The shipped consumer and the sweep spent ${shipped.calls} calls on ${shipped.deleted} lists: ${explain(shipped)}. The fixed calls (the sweep's, the campaign index's first read and its deltas) weigh more on a short run.`,
  });
  b.row({
    section: 'budget',
    metric: "budget use: the consumer's calls per minute ÷ its share",
    goal: '≥ 0.95',
    value: `${shipped.budgetUse}`,
    met: shipped.budgetUse >= 0.95,
    why: `The shipped consumer used ${pct(shipped.budgetUse)} of its share.`,
  });
  b.row({
    section: 'budget',
    metric: 'share of calls answered 429',
    goal: '≤ 1 %',
    value: pct(shipped.share429),
    met: shipped.share429 <= 0.01,
    why: `${pct(shipped.share429)} of the shipped consumer's calls were refused.`,
  });
  b.row({
    section: 'budget',
    metric: "429s inflicted on the account's other caller",
    goal: '0',
    value: `${shipped.otherCaller429s} of ${shipped.otherCallerCalls}`,
    met: shipped.otherCaller429s === 0,
    why: 'The other caller was refused while the shipped consumer ran.',
  });
  b.row({
    section: 'budget',
    metric: `a ${BACKLOG.toLocaleString('en')}-list backlog at ${REAL_SHARE} calls/min: listing as evidence vs GET + DELETE`,
    goal: 'report',
    value: `${shipped.backlogHours} h vs ${old.backlogHours} h`,
  });
  b.row({
    section: 'budget',
    metric: 'Kore calls per deleted list when the listing lacks isGlobalDNC / isDefault (Kore documents neither there)',
    goal: '≤ 1.25',
    value: `${documented.callsPerDeleted} (${documented.evidence?.get ?? 0} of ${documented.deleted} needed their own GET)`,
    met: documented.callsPerDeleted <= 1.25,
    why: `Kore's documentation of getAllListDetails does not list \`isGlobalDNC\` or \`isDefault\` (docs/kore-api.md). The guard will not take a flag it cannot see as false, so when Kore leaves them out every list needs its own GET, and the batch's listing becomes one more call per batch (${explain(documented)}): ${documented.callsPerDeleted} calls per deleted list against ${old.callsPerDeleted} for a GET per list. With the emulator's default, a listing that carries both flags, the goal is met (${shipped.callsPerDeleted}). The safe figure on a real account therefore depends on what Kore's listing actually returns, which only a call to a real tenant can show.`,
  });

  const fmt = (r: ConsumerRun) => [
    r.label,
    `${r.deleted} / ${r.lists}`,
    `${r.minutes}`,
    `${r.listsPerMinute}`,
    `${r.callsPerDeleted}`,
    `${r.budgetUse}`,
    pct(r.share429),
    `${r.otherCaller429s} of ${r.otherCallerCalls}`,
    `${r.secretReads}`,
    r.evidence ? `${r.evidence.listing} / ${r.evidence.get}` : '—',
    r.backlogHours !== undefined ? `${r.backlogHours} h` : '— (keeps to no share)',
  ];
  b.table({
    section: 'The consumers side by side',
    title: 'The consumers side by side (budget benchmark, one run)',
    header: [
      'consumer',
      'deleted',
      'minutes',
      'lists/min',
      'Kore calls per deleted list',
      'budget use',
      '429 share',
      "other caller's 429s",
      'secret reads',
      'evidence: listing / GET',
      `${BACKLOG.toLocaleString('en')} lists at ${REAL_SHARE}/min`,
    ],
    rows: runs.map(fmt),
    notes: [
      `Budget use is the consumer's Kore calls per minute divided by its share (${SHARE}/min here, ${REAL_SHARE} at Kore's pace); above 1, a consumer spent calls that were not its own. Calls per deleted list count every call but the other caller's, 429s included, and the sweep's. The last column is ${BACKLOG.toLocaleString('en')} × calls per deleted list ÷ (${REAL_SHARE} × budget use) for one consumer; the peers keep to no share, so it does not apply to them.`,
    ],
  });
  b.describe(
    'budget',
    `The sweep's workload: the shipped sweep (live, \`DELETION_MODE=delete\`) queues one \`list.expired\` per idle list (${shipped.lists} lists), then one consumer (batches of 10, as Lambda's event source mapping delivers them) deletes them while the account's other caller makes one GET every ${60_000 / OTHER_PER_MINUTE} ms. Five consumers run one after another, each on a fresh local stack: the shipped one; the same code with \`SNAPSHOT_MAX_AGE_SECONDS=0\` (the previous design, a GET and a DELETE per list); the same code against a listing that carries only the fields Kore documents (no \`isGlobalDNC\`, \`isDefault\`); the competent peer (\`bench/competent-consumer.ts\`); the naive one (\`bench/naive-consumer.ts\`).`,
    `Time runs ${SPEED}× faster than Kore's so that a run takes about a minute: the emulator allows ${ACCOUNT_CALLS_PER_WINDOW} calls per ${WINDOW_MS / 1000} s window for the account (Kore: 60 per minute), the other caller makes ${OTHER_PER_MINUTE}/min (30), this deployment's share is ${SHARE}/min (25), and the consumer's durations that meet the pace are divided by ${SPEED} too: \`SNAPSHOT_MAX_AGE_SECONDS=3\`, \`DNC_MAX_AGE_SECONDS=30\`, \`DNC_RENAME_MAX_AGE_SECONDS=12\`, \`DEFERRED_VISIBILITY_SECONDS=6\`. Calls per deleted list are therefore those at Kore's pace. The consumers run with \`DELETION_MODE=delete\` to measure the DELETE path; the default, \`archive-then-delete\`, spends the same on a PUT now and the same again on the DELETE after the grace period.`,
    "The competent peer is what a careful engineer writes without this project: partial batch responses, one record at a time, a GET (a list in use is left alone) and a DELETE, 429 and 5xx retried up to 3 times with exponential backoff and full jitter (200 ms base, 5 s cap, as ours), Retry-After honoured, the secret cached for 5 minutes, and no limiter shared by its calls. The naive one reads the secret per message, runs a batch's records at once, retries 429s at once and has no limiter. The queue's visibility timeout is 2 s, so their failed records come back soon.",
  );
}
