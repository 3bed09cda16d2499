import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { Message } from '@aws-sdk/client-sqs';
import { createLocalConsumer } from './consumer.js';
import { LocalEventSourceMapping } from './event-source-mapping.js';
import type { SeedList } from './kore-emulator/state.js';
import { JWT_PATTERN, LogTap } from './log-tap.js';
import { queueDepth, receiveAll } from './queues.js';
import { daysAgo } from './seed.js';
import { LOCAL_CLIENT_SECRET, startLocalStack } from './stack.js';

/**
 * The chaos run (issue 6): N commands over a seeded account while the Kore emulator injects
 * 5xx, 429, dropped connections and replies slower than the client timeout; the secret is
 * rotated mid-run and Kore goes fully down for a while. Returns what the assertions need.
 */

export interface ChaosOptions {
  commands: number;
  /** Concurrent consumers (Lambda execution environments), each with its own handler. */
  concurrency?: number;
  outageMs?: number;
  koreTimeoutMs?: number;
  functionTimeoutMs?: number;
  visibilityTimeout?: number;
  maxReceiveCount?: number;
  timeoutMs?: number;
  onProgress?: (s: string) => void;
}

export interface ChaosReport {
  sent: number;
  final: Record<string, number>;
  inDlq: number;
  accountedFor: number;
  /** Message ids both finished and in the DLQ, or neither: must be empty. */
  unaccounted: string[];
  doubleCounted: string[];
  /** List ids with more than one successful DELETE. */
  deletedTwice: string[];
  /** Protected or in-use lists that received any DELETE or PUT. */
  protectedTouched: string[];
  /** Lists that should be gone, are still there, and have no command in the DLQ. */
  shouldBeGoneButAreNot: string[];
  leaked: boolean;
  cutOff: number;
  invocations: number;
  koreCalls: number;
  faults: Record<string, number>;
  secretReads: number;
  durationMs: number;
}


export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const say = o.onProgress ?? (() => undefined);
  const n = o.commands;
  const OLD = daysAgo(400);
  // The account: lists to delete, lists in use, protected lists; some campaigns.
  const deletable = Math.round(n * 0.85);
  const inUse = Math.round(n * 0.04);
  const protectedN = Math.round(n * 0.02);
  const lists: Array<SeedList & { _id: string }> = [];
  for (let i = 0; i < deletable; i++) lists.push({ _id: `cl-del-${i}`, name: `Deletable ${i}`, updatedAt: OLD });
  for (let i = 0; i < inUse; i++) lists.push({ _id: `cl-use-${i}`, name: `In use ${i}`, updatedAt: OLD, ...(i % 2 ? { isListInUse: false } : {}) });
  for (let i = 0; i < protectedN; i++) lists.push({ _id: `cl-dnc-${i}`, name: `Protected ${i}`, isGlobalDNC: i % 2 === 0, isDefault: i % 2 === 1, updatedAt: OLD });
  const campaigns = [{ _id: 'cd-running', name: 'Running', contactLists: lists.filter((l) => l._id.startsWith('cl-use-')).map((l) => l.name) }];
  const campaignsToEnd = Math.max(1, Math.round(n * 0.01));
  for (let i = 0; i < campaignsToEnd; i++) campaigns.push({ _id: `cd-end-${i}`, name: `Ended ${i}`, contactLists: [] });

  const stack = await startLocalStack({
    kore: { seed: { lists, campaigns }, rateLimit: { perMinute: 0 }, randomSeed: 1234, faults: { serverErrorRate: 0.2, throttleRate: 0.1, dropRate: 0.05, slowRate: 0.05, slowMs: (o.koreTimeoutMs ?? 600) + 400 } },
    // Visibility must exceed the function timeout (AWS: 6×), or SQS hands a message still being
    // worked on to a second consumer. Compressed here so redeliveries come back within the run.
    visibilityTimeout: o.visibilityTimeout ?? 2 * Math.ceil((o.functionTimeoutMs ?? 3_000) / 1000),
    maxReceiveCount: o.maxReceiveCount ?? 5,
  });
  const protectedIds = new Set(lists.filter((l) => !l._id.startsWith('cl-del-')).map((l) => l._id));
  const tap = new LogTap().start();
  const started = Date.now();
  try {
    // Commands: one list.expired per deletable list, duplicates, in-use and protected lists,
    // campaign.ended, and a few malformed ones.
    const bodies: string[] = [];
    const occurredAt = new Date().toISOString();
    for (let i = 0; i < deletable; i++) bodies.push(JSON.stringify({ type: 'list.expired', contactListId: `cl-del-${i}`, eventId: `chaos-${i}`, occurredAt }));
    for (let i = 0; i < inUse; i++) bodies.push(JSON.stringify({ type: 'list.expired', contactListId: `cl-use-${i}`, occurredAt }));
    for (let i = 0; i < protectedN; i++) bodies.push(JSON.stringify({ type: 'list.expired', contactListId: `cl-dnc-${i}`, occurredAt }));
    for (let i = 0; i < campaignsToEnd; i++) bodies.push(JSON.stringify({ type: 'campaign.ended', campaignId: `cd-end-${i}`, occurredAt }));
    while (bodies.length < n - Math.max(1, Math.round(n * 0.01))) bodies.push(JSON.stringify({ type: 'list.expired', contactListId: `cl-del-${bodies.length % deletable}`, occurredAt }));
    while (bodies.length < n) bodies.push(bodies.length % 2 ? 'not json' : JSON.stringify({ type: 'list.expired', contactListId: 'cl-../../etc' }));
    const sentIds: string[] = [];
    for (let i = 0; i < bodies.length; i += 10) {
      const r = await stack.sqs.send(
        new SendMessageBatchCommand({ QueueUrl: stack.queueUrl, Entries: bodies.slice(i, i + 10).map((b, j) => ({ Id: `e${j}`, MessageBody: b })) }),
      );
      sentIds.push(...(r.Successful ?? []).map((s) => s.MessageId!));
    }
    say(`sent ${sentIds.length} commands`);

    const koreTimeoutMs = o.koreTimeoutMs ?? 600;
    const esms = Array.from({ length: o.concurrency ?? 8 }, () => {
      const { handler } = createLocalConsumer(
        stack,
        { KORE_CALLS_PER_MINUTE: '600000', KORE_TIMEOUT_MS: String(koreTimeoutMs), DEADLINE_MARGIN_MS: '500', FANOUT_DELAY_SECONDS: '0', MAX_RECEIVE_COUNT: String(o.maxReceiveCount ?? 5) },
        { retryPolicy: { maxRetries: 2, baseDelayMs: 50, maxDelayMs: 400 } },
      );
      return new LocalEventSourceMapping({
        sqs: stack.sqs,
        queueUrl: stack.queueUrl,
        queueArn: stack.queueArn,
        handler,
        batchSize: 10,
        functionTimeoutMs: o.functionTimeoutMs ?? 3_000,
      });
    });

    // Rotate the secret a third of the way in, and take Kore down fully for a while at half.
    let rotated = false;
    let outaged = false;
    const done = () => tap.outcomes().length;
    const chaosTimer = setInterval(() => {
      const d = done();
      if (!rotated && d >= n / 3) {
        rotated = true;
        void stack.rotateSecret('rotated-chaos-secret-5e6f');
        say(`rotated the secret after ${d} outcomes`);
      }
      if (!outaged && d >= n / 2) {
        outaged = true;
        stack.kore.outage(o.outageMs ?? 10_000);
        say(`Kore outage for ${(o.outageMs ?? 10_000) / 1000} s after ${d} outcomes`);
      }
    }, 50);
    const deadline = Date.now() + (o.timeoutMs ?? 110_000);
    let empty = 0;
    try {
      await Promise.all(
        esms.map(async (esm) => {
          while (Date.now() < deadline && empty < 3) {
            const r = await esm.pollOnce();
            if (!r) {
              if ((await queueDepth(stack.sqs, stack.queueUrl)) === 0) empty++;
              await new Promise((res) => setTimeout(res, 200));
            } else empty = 0;
          }
        }),
      );
    } finally {
      clearInterval(chaosTimer);
    }

    // Account for every message.
    const last = new Map<string, string>();
    for (const l of tap.outcomes()) last.set(String(l.messageId), String(l.outcome));
    // Parked messages carry their source id; redriven ones keep their own.
    const dlq = new Map<string, Message>(
      (await receiveAll(stack.sqs, stack.dlqUrl, 300)).map((m) => [m.MessageAttributes?.SourceMessageId?.StringValue ?? m.MessageId!, m]),
    );
    const finished = new Set([...last.entries()].filter(([, v]) => ['done', 'already-done', 'skipped'].includes(v)).map(([k]) => k));
    const final: Record<string, number> = {};
    for (const id of sentIds) {
      const k = finished.has(id) ? last.get(id)! : dlq.has(id) ? (dlq.get(id)!.MessageAttributes?.ErrorCode ? 'dlq:rejected' : 'dlq:redriven') : `unfinished:${last.get(id) ?? 'never-seen'}`;
      final[k] = (final[k] ?? 0) + 1;
    }
    const calls = stack.kore.apiCalls();
    const okDeletes = new Map<string, number>();
    for (const c of calls) {
      if (c.method === 'DELETE' && c.status === 200) {
        const id = decodeURIComponent(c.path.split('/').pop()!);
        okDeletes.set(id, (okDeletes.get(id) ?? 0) + 1);
      }
    }
    const dlqBodies = [...dlq.values()].map((m) => m.Body ?? '');
    const faults: Record<string, number> = {};
    for (const c of calls) faults[c.result] = (faults[c.result] ?? 0) + 1;
    return {
      sent: sentIds.length,
      final,
      inDlq: dlq.size,
      accountedFor: sentIds.filter((id) => finished.has(id) || dlq.has(id)).length,
      unaccounted: sentIds.filter((id) => !finished.has(id) && !dlq.has(id)),
      doubleCounted: sentIds.filter((id) => finished.has(id) && dlq.has(id)),
      deletedTwice: [...okDeletes.entries()].filter(([, k]) => k > 1).map(([id]) => id),
      protectedTouched: [...new Set(calls.filter((c) => (c.method === 'DELETE' || c.method === 'PUT') && protectedIds.has(decodeURIComponent(c.path.split('/').pop()!))).map((c) => c.path))],
      shouldBeGoneButAreNot: lists
        .filter((l) => l._id.startsWith('cl-del-') && stack.kore.state.lists.has(l._id))
        .map((l) => l._id)
        .filter((id) => !dlqBodies.some((b) => b.includes(`"${id}"`))),
      leaked: tap.text.includes(LOCAL_CLIENT_SECRET) || tap.text.includes('rotated-chaos-secret-5e6f') || JWT_PATTERN.test(tap.text),
      cutOff: esms.reduce((s, e) => s + e.invocations.filter((i) => i.timedOut).length, 0),
      invocations: esms.reduce((s, e) => s + e.invocations.length, 0),
      koreCalls: calls.length,
      faults,
      secretReads: stack.secrets.calls.GetSecretValue ?? 0,
      durationMs: Date.now() - started,
    };
  } finally {
    tap.stop();
    await stack.stop();
  }
}
