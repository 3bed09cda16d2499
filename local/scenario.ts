import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import type { SweepReport } from '../lib/sweep/run.js';
import type { InvocationReport, LocalEventSourceMapping } from './event-source-mapping.js';
import { lambdaContext } from './event-source-mapping.js';
import { loadSamples, restamp } from './samples.js';
import type { LocalStack } from './stack.js';
import { formatTable } from './table.js';

export type SweepHandler = (event: unknown, context: Context) => Promise<SweepReport>;

export interface ScenarioIo {
  /** A step of the story (a heading). */
  step(s: string): void;
  /** A detail under it. */
  note(s: string): void;
  dim(s: string): string;
  bold(s: string): string;
}

const DAY_MS = 86_400_000;

/**
 * `npm start`'s story, told against a fresh stack: the sample commands of events/ as a CRM sends
 * them (restamped to now, so none is stale whatever the date), one Kore fault on the way, the
 * consumer run as Lambda's event source mapping runs it, then the nightly sweep, dry and live,
 * and the consumer deleting what the sweep queued. The summary is report.ts's.
 */
export async function runScenario(o: { root: string; stack: LocalStack; esm: LocalEventSourceMapping; sweep: SweepHandler; io: ScenarioIo }): Promise<void> {
  const { stack, esm, sweep, io } = o;
  const drain = async () => {
    let n = 0;
    await esm.drain({
      timeoutMs: 180_000,
      idleMs: 200,
      onInvocation: (r: InvocationReport) => io.note(io.dim(`  invocation ${++n}: ${describeInvocation(r)}`)),
    });
  };

  // 1. The sample commands, as a CRM would send them.
  const all = loadSamples(join(o.root, 'events'));
  // The restores come later, from an operator who noticed (the recovery window).
  const isRestore = (body: string) => body.includes('"list.restore"');
  const samples = all.filter((s) => !isRestore(s.body));
  io.step(`Sending ${samples.length} sample commands from events/ ${io.dim('(stamped now; one malformed, DNC lists, an active and a recurring campaign)')}`);
  const now = new Date().toISOString();
  for (const s of samples) await stack.sqs.send(new SendMessageCommand({ QueueUrl: stack.queueUrl, MessageBody: restamp(s.body, now) }));
  // One fault on the way: Kore's first answer is a 429 with Retry-After.
  stack.kore.setFaults({ failNext: 1, failStatus: 429 });

  io.step("Running the consumer as Lambda's SQS event source mapping would (batches, partial failures, redrive)");
  await drain();
  stack.kore.setFaults({ failNext: 0 });

  const restores = all.filter((s) => isRestore(s.body));
  io.step(`An operator restores a list archived by mistake ${io.dim('(list.restore: the original name and description come back)')}`);
  for (const s of restores) await stack.sqs.send(new SendMessageCommand({ QueueUrl: stack.queueUrl, MessageBody: restamp(s.body, new Date().toISOString()) }));
  await drain();

  // 2. The nightly sweep: a dry run first, then live.
  // The local deployment is live (SWEEP_DRY_RUN=false, local/start.ts); an event may only narrow it.
  io.step('Nightly sweep, dry run ({"dryRun": true}: an event may narrow the deployment, never widen it)');
  const dry = await sweep({ dryRun: true }, lambdaContext(300_000, 'nightly-sweep'));
  io.note(
    formatTable(
      dry.candidateLists.map((c) => ({
        list: c.contactListId,
        name: c.name,
        'idle days': Math.floor((Date.now() - Date.parse(c.updatedAt)) / DAY_MS),
        'would be': c.kind === 'grace' ? 'deleted (grace period over)' : 'archived (DELETION_MODE archive-then-delete)',
      })),
      { indent: '  ', header: io.bold, empty: io.dim('(none)') },
    ),
  );
  io.note(io.dim(`  ${dry.seen} lists seen, ${dry.candidates} candidates, ${dry.queued} queued; excluded ${describeExcluded(dry.excluded)}`));
  io.note(io.dim('  Archived, waiting out their grace period (npm run cli -- archived):'));
  io.note(
    formatTable(
      dry.archived.map((a) => ({
        list: a.contactListId,
        name: a.name,
        archived: a.archivedAt.slice(0, 10),
        'deleted after': a.deleteAfter?.slice(0, 10) ?? 'never (archive mode)',
      })),
      { indent: '  ', header: io.bold, empty: io.dim('(none)') },
    ),
  );

  io.step("Nightly sweep, live (the schedule's event on a deployment with sweepDryRun=false)");
  const schedule = JSON.parse(readFileSync(join(o.root, 'events/schedule.json'), 'utf8')) as unknown;
  const live = await sweep(schedule, lambdaContext(300_000, 'nightly-sweep'));
  io.note(io.dim(`  run ${live.runId}: ${live.queued} list.expired commands queued`));
  io.step('Consumer archives or deletes what the sweep queued, passing the guard on each list first');
  await drain();
}

export function describeInvocation(r: InvocationReport): string {
  return `${r.received} received, ${r.deleted} done or parked, ${r.failed} left for redelivery${r.timedOut ? ' (TIMED OUT)' : ''}${r.invocationError && !r.timedOut ? ` (handler threw: ${r.invocationError})` : ''}`;
}

export function describeExcluded(excluded: Record<string, number>): string {
  const parts = Object.entries(excluded)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`);
  return parts.length ? parts.join(', ') : 'none';
}
