/**
 * Memory at 100,000 lists, as deployed: the consumer's and the sweep's bundles, each cold-started
 * in a plain node process of its own with the heap flags Lambda's Node.js runtime derives from
 * the function's memory (bench/invoke-child.ts), against the local stack (the Kore emulator and
 * fauxqs in this process, so only the function's memory is measured).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import type { SweepReport } from '../../lib/sweep/run.js';
import { startLocalStack } from '../../local/stack.js';
import { buildFunction, invokeBundle } from '../bundles.js';
import type { Bench } from '../report.js';
import { buildAccount } from './account.js';
import { deployed } from './deployed.js';

export interface ConsumerMemory {
  lists: number;
  campaigns: number;
  memoryMB: number;
  batches: number;
  /** Environment beyond the deployed one (SNAPSHOT_MAX_AGE_SECONDS=0: a GET per list, no listing). */
  env: Record<string, string>;
  deleted: number;
  maxRssMB: number;
  /** The process's peak RSS after each invocation (the first builds the campaign index). */
  rssAfterEachMB: number[];
  /** getAllListDetails calls (one per batch of deletions, read as a stream). */
  listings: number;
  invokeSeconds: number;
}

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

function sqsEvent(ids: string[], now: number): SQSEvent {
  const at = new Date(now).toISOString();
  return {
    Records: ids.map((id) => ({
      messageId: randomUUID(),
      // What `npm run cli -- event` prints: taken without asking SQS on the local stack only (KORE_ALLOW_LOOPBACK_HTTP).
      receiptHandle: `local-receipt-${randomUUID()}`,
      body: JSON.stringify({ type: 'list.expired', contactListId: id, occurredAt: at, eventId: `mem-${id}` }),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(now), SenderId: 'bench', ApproximateFirstReceiveTimestamp: String(now) },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:kore-lifecycle',
      awsRegion: 'us-east-1',
    })),
  };
}

/**
 * The consumer's bundle handling `batches` batches of 10 list.expired (delete mode: each batch
 * reads the account's listing) against an account of `lists` lists and `campaigns` campaigns,
 * with the deployed memory's heap flags. The share is raised out of the way
 * (KORE_CALLS_PER_MINUTE) and Kore's window is off, so the run takes seconds: memory does not
 * depend on the pace.
 */
export async function consumerMemory(b: Bench, lists: number, campaigns: number, batches: number, env: Record<string, string> = {}): Promise<ConsumerMemory> {
  const d = deployed();
  const account = buildAccount({ lists, campaigns }, Date.now());
  const stack = await startLocalStack({ kore: { rateLimit: { perMinute: 0 }, seed: account.seed }, visibilityTimeout: 1080, maxReceiveCount: 5 });
  try {
    const bundle = await buildFunction('lifecycle-events', b.outDir);
    const ids = account.idleIds.slice(0, batches * 10);
    const now = Date.now();
    const events = Array.from({ length: batches }, (_, i) => sqsEvent(ids.slice(i * 10, i * 10 + 10), now));
    const r = await invokeBundle<{ batchItemFailures: unknown[] }>({
      bundle: bundle.file,
      event: events,
      env: { ...stack.env, ...d.consumerEnv, DELETION_MODE: 'delete', KORE_CALLS_PER_MINUTE: '100000', ...env },
      memoryMB: d.consumerMemoryMB,
      timeoutMs: d.consumerTimeoutMs,
      outDir: b.outDir,
      tag: `consumer-memory-${lists}`,
    });
    const deleted = ids.filter((id) => !stack.kore.state.lists.has(id)).length;
    return {
      lists,
      campaigns,
      memoryMB: d.consumerMemoryMB,
      batches,
      env,
      deleted,
      maxRssMB: round(r.maxRssMB),
      rssAfterEachMB: (r.invocations ?? []).map((x) => round(x.maxRssMB)),
      listings: stack.kore.calls.filter((c) => c.path.endsWith('/getAllListDetails')).length,
      invokeSeconds: round(r.invokeMs / 1000),
    };
  } finally {
    await stack.stop();
  }
}

export interface SweepMemory {
  lists: number;
  memoryMB: number;
  ok: boolean;
  maxRssMB?: number;
  /** When one size was run several times: each run's peak. */
  peaksMB?: number[];
  queued?: number;
  invokeSeconds?: number;
  /** Why the process ended, when it did not answer (e.g. V8's heap limit). */
  failure?: string;
}

/** The sweep's bundle, live with the deployed cap, at `lists` lists with the heap flags of `memoryMB`. */
export async function sweepMemory(b: Bench, lists: number, memoryMB: number): Promise<SweepMemory> {
  const d = deployed();
  const now = Date.now();
  const stack = await startLocalStack({
    kore: {
      rateLimit: { perMinute: 0 },
      seed: {
        lists: Array.from({ length: lists }, (_, i) => ({
          _id: `cl-sweep-${i}`,
          name: `Sweep ${i}`,
          updatedAt: new Date(now - (40 + (i % 300)) * 86_400_000).toISOString(),
        })),
      },
    },
  });
  const tag = `sweep-memory-${lists}-${memoryMB}`;
  try {
    const bundle = await buildFunction('nightly-sweep', b.outDir);
    const r = await invokeBundle<SweepReport>({
      bundle: bundle.file,
      event: { 'detail-type': 'Scheduled Event', source: 'aws.scheduler', detail: {} },
      env: { ...stack.env, ...d.sweepEnv, SWEEP_DRY_RUN: 'false' },
      memoryMB,
      timeoutMs: d.sweepTimeoutMs,
      outDir: b.outDir,
      tag,
    });
    return { lists, memoryMB, ok: true, maxRssMB: round(r.maxRssMB), queued: r.result.queued, invokeSeconds: round(r.invokeMs / 1000) };
  } catch (err) {
    const log = join(b.outDir, `${tag}.log`);
    const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
    const oom = /heap out of memory|Reached heap limit/i.test(text);
    return { lists, memoryMB, ok: false, failure: oom ? "V8's heap limit (JavaScript heap out of memory)" : (err as Error).message.slice(0, 200) };
  } finally {
    await stack.stop();
  }
}
