import { randomBytes } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import type { QueueSender } from '../aws/queue.js';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { ConfigError } from '../errors.js';
import type { KoreClient } from '../kore/client.js';
import type { ListExpired } from '../lifecycle/schema.js';
import type { ExclusionReason, SweepPolicy } from './policy.js';
import { selectCandidates } from './policy.js';

/** What the schedule's input (or an operator's invoke) may override; anything else is an error. */
export const sweepOverridesSchema = z.strictObject({
  dryRun: z.optional(z.boolean()),
  maxLists: z.optional(z.int().check(z.minimum(0), z.maximum(100_000))),
  minIdleDays: z.optional(z.int().check(z.minimum(0), z.maximum(3650))),
  namePattern: z.optional(z.string().check(z.maxLength(256))),
});
export type SweepOverrides = z.output<typeof sweepOverridesSchema>;

/**
 * Accepts an EventBridge/Scheduler "Scheduled Event" (no overrides), `{}`, or an overrides
 * object. Unknown keys are an error, not ignored: a typo (`dryrun: false`) must not run live.
 */
export function parseSweepEvent(event: unknown): SweepOverrides {
  if (event === undefined || event === null) return {};
  if (typeof event !== 'object' || Array.isArray(event)) throw new ConfigError('sweep event must be an object');
  const e = event as Record<string, unknown>;
  if (e['detail-type'] === 'Scheduled Event' && (e.source === 'aws.events' || e.source === 'aws.scheduler')) return {};
  const r = sweepOverridesSchema.safeParse(e);
  if (!r.success) {
    const msg = r.error.issues.map((i) => (i.code === 'unrecognized_keys' ? `unknown key(s): ${i.keys.join(', ')}` : `${i.path.join('.')}: ${i.message}`));
    throw new ConfigError(`invalid sweep event: ${msg.join('; ')} (allowed: dryRun, maxLists, minIdleDays, namePattern)`);
  }
  return r.data;
}

export interface SweepSettings extends SweepPolicy {
  dryRun: boolean;
}

export function resolveSettings(defaults: SweepSettings, o: SweepOverrides): SweepSettings {
  let namePattern = defaults.namePattern;
  if (o.namePattern !== undefined) {
    try {
      namePattern = new RegExp(o.namePattern);
    } catch {
      throw new ConfigError('invalid sweep event: namePattern is not a valid regular expression');
    }
  }
  return {
    dryRun: o.dryRun ?? defaults.dryRun,
    maxLists: o.maxLists ?? defaults.maxLists,
    minIdleDays: o.minIdleDays ?? defaults.minIdleDays,
    namePattern,
  };
}

export interface SweepCandidate {
  contactListId: string;
  name: string;
  updatedAt: string;
}

export interface SweepReport {
  runId: string;
  dryRun: boolean;
  /** Lists returned by getAllListDetails. */
  seen: number;
  candidates: number;
  queued: number;
  excluded: Record<ExclusionReason, number>;
  koreCalls: number;
  sqsCalls: number;
  durationMs: number;
  settings: { maxLists: number; minIdleDays: number; namePattern?: string };
  /** The candidates, oldest first (what a dry run would have queued). */
  candidateLists: SweepCandidate[];
}

export interface SweepDeps {
  kore: KoreClient;
  sender: QueueSender;
  queueUrl: string;
  logger?: Logger;
  metrics?: Metrics;
  clock?: Clock;
  /** Absolute epoch ms for the Kore call. */
  deadline?: number;
}

export function newRunId(nowMs: number): string {
  return `sweep-${new Date(nowMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '')}-${randomBytes(3).toString('hex')}`;
}

/**
 * One getAllListDetails call, the pure policy, then one list.expired per candidate through
 * SendMessageBatch. Never deletes: the consumer paces deletions and re-checks each list.
 */
export async function runSweep(deps: SweepDeps, settings: SweepSettings): Promise<SweepReport> {
  const clock = deps.clock ?? systemClock;
  const started = clock.now();
  const runId = newRunId(started);
  const stats = { koreCalls: 0 };
  const lists = await deps.kore.listContactLists({ stats, ...(deps.deadline ? { deadline: deps.deadline } : {}) });
  const { candidates, excluded } = selectCandidates(lists, settings, clock.now());
  const candidateLists = candidates.map((l) => ({ contactListId: l._id, name: l.name, updatedAt: String(l.updatedAt) }));

  let queued = 0;
  let sqsCalls = 0;
  if (!settings.dryRun && candidates.length > 0) {
    const res = await deps.sender.sendBatch(
      deps.queueUrl,
      candidateLists.map((c) => {
        const cmd: ListExpired = {
          type: 'list.expired',
          contactListId: c.contactListId,
          reason: 'sweep',
          runId,
          listUpdatedAt: c.updatedAt,
          eventId: `${runId}/${c.contactListId}`,
        };
        return { body: JSON.stringify(cmd) };
      }),
    );
    queued = res.sent;
    sqsCalls = res.calls;
  }

  const report: SweepReport = {
    runId,
    dryRun: settings.dryRun,
    seen: lists.length,
    candidates: candidates.length,
    queued,
    excluded,
    koreCalls: stats.koreCalls,
    sqsCalls,
    durationMs: clock.now() - started,
    settings: { maxLists: settings.maxLists, minIdleDays: settings.minIdleDays, ...(settings.namePattern ? { namePattern: settings.namePattern.source } : {}) },
    candidateLists,
  };

  if (deps.metrics) {
    const m = deps.metrics;
    m.addMetric('sweep.seen', MetricUnit.Count, report.seen);
    m.addMetric('sweep.candidates', MetricUnit.Count, report.candidates);
    m.addMetric('sweep.queued', MetricUnit.Count, report.queued);
    for (const [reason, n] of Object.entries(excluded)) m.addMetric(`sweep.excluded.${reason}`, MetricUnit.Count, n);
    m.addMetric('koreCalls', MetricUnit.Count, report.koreCalls);
    m.addMetric('sweep.durationMs', MetricUnit.Milliseconds, report.durationMs);
  }
  // The full candidate list goes to the return value; the log line keeps a sample.
  const { candidateLists: all, ...summary } = report;
  deps.logger?.info('sweep report', { ...summary, candidateSample: all.slice(0, 20) });
  return report;
}
