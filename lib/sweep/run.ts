import { randomBytes } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { QueueSender } from '../aws/queue.js';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { Deadline } from '../deadline.js';
import { markKeyOf } from '../guard/archive-mark.js';
import { NO_DNC_REFERENCES } from '../guard/campaign-index.js';
import type { CredentialsSource } from '../kore/credentials.js';
import type { KoreClient } from '../kore/client.js';
import type { ListExpired } from '../lifecycle/commands/list-expired.js';
import type { SweepSettings } from './event.js';
import type { ExclusionReason } from './policy.js';
import { selectCandidates } from './policy.js';

export interface SweepCandidate {
  contactListId: string;
  name: string;
  updatedAt: string;
  /** `idle`: unused for minIdleDays (deleted or archived by DELETION_MODE); `grace`: archived by us for GRACE_DAYS, to be deleted. */
  kind: 'idle' | 'grace';
  /** Flags getAllListDetails did not carry: the consumer's GET proves them before any DELETE. */
  unverified?: string[];
}

/** A list archived by us, waiting out its grace period. */
export interface ArchivedList {
  contactListId: string;
  name: string;
  archivedAt: string;
  /** When the sweep may delete it (`archive-then-delete`); absent in `archive` mode and for a held list (never). */
  deleteAfter?: string;
  /** A restore could not put its name back (the name was taken): never deleted; restore it again. */
  held?: true;
}

export interface SweepReport {
  runId: string;
  dryRun: boolean;
  /** Lists returned by getAllListDetails. */
  seen: number;
  candidates: number;
  /** Of the candidates, archived lists whose grace period is over (queued for deletion). */
  graceElapsed: number;
  /** Candidates whose listing entry lacked a flag (isGlobalDNC, isDefault): the consumer verifies them. */
  toVerify: number;
  queued: number;
  /**
   * The sweep does not read the campaigns: a candidate a campaign names as its DNC list (under a
   * name that does not say so) is refused by the consumer's check before any write.
   */
  dncReferences: 'checked-by-consumer';
  excluded: Record<ExclusionReason, number>;
  koreCalls: number;
  sqsCalls: number;
  durationMs: number;
  settings: { maxLists: number; minIdleDays: number; namePattern?: string };
  /** The candidates, oldest first (what a dry run would have queued). */
  candidateLists: SweepCandidate[];
  /** Lists archived by us and still inside their grace period, with the date each may be deleted. */
  archived: ArchivedList[];
}

export interface SweepRunDeps {
  kore: KoreClient;
  /** The secret: the key our archive marks are signed with. */
  credentials: CredentialsSource;
  sender: QueueSender;
  queueUrl: string;
  logger?: Logger;
  metrics?: Metrics;
  clock?: Clock;
}

/**
 * Kore calls one sweep run makes, however many lists and campaigns there are: getAllListDetails.
 * The sweep does not read the campaigns: their DNC references cost a call per 100 campaigns,
 * which on a large account does not fit the sweep's share of the budget, and the consumer checks
 * every candidate against them before any write anyway (docs/safety-model.md). The package-time
 * budget check counts this (infra/settings.js).
 */
export const SWEEP_KORE_CALLS = 1;

export function newRunId(nowMs: number): string {
  return `sweep-${new Date(nowMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '')}-${randomBytes(3).toString('hex')}`;
}

/**
 * One getAllListDetails call, the pure policy (the guard plus idle days, pattern and cap; the
 * campaigns' DNC references are left to the consumer), then one list.expired per candidate
 * through SendMessageBatch. Never deletes: the consumer paces deletions and passes the guard
 * again on each list's freshest state. Each command carries the run's time as its evidence.
 */
export async function runSweep(deps: SweepRunDeps, settings: SweepSettings, deadline?: Deadline): Promise<SweepReport> {
  const clock = deps.clock ?? systemClock;
  const started = clock.now();
  const runId = newRunId(started);
  const stats = { koreCalls: 0 };
  const opts = { stats, deadline: deadline ?? Deadline.none(clock) };
  const markKey = markKeyOf(await deps.credentials.get(opts.deadline));
  const lists = await deps.kore.listContactLists(opts);
  // The campaigns' DNC references are the consumer's check, made fresh before each write.
  const { candidates, waiting, excluded } = selectCandidates(lists, NO_DNC_REFERENCES, settings, { markKey }, clock.now());
  const candidateLists: SweepCandidate[] = candidates.map(({ list: l, kind }) => ({
    contactListId: l.id,
    name: l.name,
    updatedAt: l.updatedAt,
    kind,
    ...(l.unverified.length ? { unverified: l.unverified } : {}),
  }));
  const archived: ArchivedList[] = waiting.map((w) => ({
    contactListId: w.list.id,
    name: w.list.name,
    archivedAt: w.record.at,
    ...(w.record.held ? { held: true } : {}),
    ...(w.deleteAfterMs !== undefined ? { deleteAfter: new Date(w.deleteAfterMs).toISOString() } : {}),
  }));
  const occurredAt = new Date(started).toISOString();

  let queued = 0;
  let sqsCalls = 0;
  if (!settings.dryRun && candidates.length > 0) {
    const res = await deps.sender.sendBatch(
      deps.queueUrl,
      candidateLists.map((c) => {
        // An idle list's fate is the consumer's DELETION_MODE; an archived one past its grace period is asked to go.
        const cmd: ListExpired = {
          type: 'list.expired',
          contactListId: c.contactListId,
          ...(c.kind === 'grace' ? { action: 'delete' as const, reason: 'grace-elapsed' } : { reason: 'sweep' }),
          occurredAt,
          runId,
          listUpdatedAt: c.updatedAt,
          eventId: `${runId}/${c.contactListId}`,
        };
        return { body: JSON.stringify(cmd) };
      }),
      { deadline: opts.deadline },
    );
    queued = res.sent;
    sqsCalls = res.calls;
  }

  const report: SweepReport = {
    runId,
    dryRun: settings.dryRun,
    seen: lists.length,
    candidates: candidates.length,
    graceElapsed: candidates.filter((c) => c.kind === 'grace').length,
    toVerify: candidates.filter((c) => c.list.unverified.length > 0).length,
    queued,
    dncReferences: 'checked-by-consumer',
    excluded,
    koreCalls: stats.koreCalls,
    sqsCalls,
    durationMs: clock.now() - started,
    settings: { maxLists: settings.maxLists, minIdleDays: settings.minIdleDays, ...(settings.namePattern ? { namePattern: settings.namePattern.source } : {}) },
    candidateLists,
    archived,
  };

  if (deps.metrics) {
    const m = deps.metrics;
    m.addMetric('sweep.seen', MetricUnit.Count, report.seen);
    m.addMetric('sweep.candidates', MetricUnit.Count, report.candidates);
    m.addMetric('sweep.queued', MetricUnit.Count, report.queued);
    m.addMetric('sweep.graceElapsed', MetricUnit.Count, report.graceElapsed);
    m.addMetric('sweep.archivedWaiting', MetricUnit.Count, report.archived.length);
    for (const [reason, n] of Object.entries(excluded)) m.addMetric(`sweep.excluded.${reason}`, MetricUnit.Count, n);
    m.addMetric('koreCalls', MetricUnit.Count, report.koreCalls);
    m.addMetric('sweep.durationMs', MetricUnit.Milliseconds, report.durationMs);
  }
  // The full candidate list goes to the return value; the log line keeps a sample.
  const { candidateLists: all, archived: waitingAll, ...summary } = report;
  deps.logger?.info('sweep report', {
    ...summary,
    archivedWaiting: waitingAll.length,
    candidateSample: all.slice(0, 20),
    archivedSample: waitingAll.slice(0, 20),
  });
  return report;
}
