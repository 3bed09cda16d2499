import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { writeBrake } from '../../lib/aws/brake';
import { loadSweepConfig } from '../../lib/config';
import { createSweepDeps } from '../../lib/deps';
import { KoreBreaker } from '../../lib/lifecycle/breaker';
import { createSweepHandler } from '../../lib/sweep/handler';
import { lambdaContext, toSqsRecord } from '../../local/event-source-mapping';
import { daysAgo } from '../../local/seed';
import { ConsumerHarness } from '../helpers/harness';

/**
 * Who may command a deletion (issue 22), through SQS against the Kore emulator: the queue is the
 * only way in, overrides come only from named senders, the audit trail survives a quieted log
 * level, the brake stops a consumer mid-stream and a long Kore outage leaves every message in the
 * queue. Each asserts on what reached Kore and what is left in the queues.
 */

const now = () => new Date().toISOString();
const expired = (contactListId: string, extra: Record<string, unknown> = {}) => ({ type: 'list.expired', contactListId, occurredAt: now(), ...extra });
const seed = () => ({
  lists: Array.from({ length: 6 }, (_, i) => ({ _id: `cl-idle-${i}`, name: `Idle list ${i}`, description: `List ${i}`, updatedAt: daysAgo(200) })),
});

describe('who may command a deletion', () => {
  let h: ConsumerHarness;
  afterEach(() => h.stop());

  it('refuses an invocation whose records did not come from the lifecycle queue, before any Kore call', async () => {
    h = await ConsumerHarness.start({ kore: { seed: seed(), rateLimit: { perMinute: 0 } } });
    const forged = toSqsRecord(
      { MessageId: 'forged-1', ReceiptHandle: 'rh', Body: JSON.stringify(expired('cl-idle-0')), Attributes: { ApproximateReceiveCount: '1' } },
      'arn:aws:sqs:us-east-1:000000000000:someone-elses-queue',
      'us-east-1',
    );
    await expect(h.handler({ Records: [forged] }, lambdaContext(20_000))).rejects.toThrow(
      /eventSourceARN is arn:aws:sqs:us-east-1:000000000000:someone-elses-queue, not the lifecycle queue/,
    );
    // One forged record among real ones is enough: nothing runs.
    const real = toSqsRecord({ MessageId: 'real-1', ReceiptHandle: 'rh', Body: JSON.stringify(expired('cl-idle-1')) }, h.stack.queueArn, 'us-east-1');
    await expect(h.handler({ Records: [real, forged] }, lambdaContext(20_000))).rejects.toThrow(/foreign|not the lifecycle queue/);
    expect(h.stack.kore.apiCalls()).toEqual([]);
    expect(h.stack.kore.state.lists.size).toBe(6);
  });

  it("refuses a hand-made event that copies the queue's ARN and names an operator as sender: SQS does not know its receipt handle", async () => {
    h = await ConsumerHarness.start({
      kore: { seed: seed(), rateLimit: { perMinute: 0 } },
      env: { OVERRIDE_SENDER_IDS: 'AROAOPERATOR1234567890' },
    });
    const forged = toSqsRecord(
      {
        MessageId: 'hand-made-1',
        ReceiptHandle: 'AQEBhandmade',
        Body: JSON.stringify(expired('cl-idle-0', { occurredAt: daysAgo(30) })),
        Attributes: { ApproximateReceiveCount: '1', SenderId: 'AROAOPERATOR1234567890:jane', SentTimestamp: String(Date.parse(daysAgo(30))) },
        MessageAttributes: { AllowStale: { DataType: 'String', StringValue: 'true' } },
      },
      h.stack.queueArn, // the queue's ARN is no secret: a stack output
      'us-east-1',
    );
    await expect(h.handler({ Records: [forged] }, lambdaContext(20_000))).rejects.toThrow(/SQS does not know 1 of the 1 records' receipt handles/);
    // A real message beside it does not lend it its handle: nothing runs.
    const [real] = await h.send(expired('cl-idle-1'));
    const received = await h.stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: h.stack.queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }));
    const m = received.Messages![0]!;
    expect(m.MessageId).toBe(real);
    const genuine = toSqsRecord(m, h.stack.queueArn, 'us-east-1');
    await expect(h.handler({ Records: [genuine, forged] }, lambdaContext(20_000))).rejects.toThrow(/SQS does not know 1 of the 2/);
    expect(h.stack.kore.apiCalls()).toEqual([]);
    // The genuine record alone runs.
    const res = await h.handler({ Records: [genuine] }, lambdaContext(20_000));
    expect(res.batchItemFailures).toEqual([]);
    expect(h.stack.kore.state.lists.has('cl-idle-1')).toBe(false);
    expect(h.stack.kore.state.lists.has('cl-idle-0')).toBe(true);
  });

  it('ignores AllowStale from a sender OVERRIDE_SENDER_IDS does not list, and honours it from one it does', async () => {
    const old = expired('cl-idle-0', { occurredAt: daysAgo(30) });
    const withAllowStale = async () => {
      await h.stack.sqs.send(
        new (await import('@aws-sdk/client-sqs')).SendMessageCommand({
          QueueUrl: h.stack.queueUrl,
          MessageBody: JSON.stringify(old),
          MessageAttributes: { AllowStale: { DataType: 'String', StringValue: 'true' } },
        }),
      );
      await h.drain();
    };
    // The local SQS sends as 000000000000: not listed here.
    h = await ConsumerHarness.start({ kore: { seed: seed(), rateLimit: { perMinute: 0 } }, env: { OVERRIDE_SENDER_IDS: 'AROAOPERATOR1234567890' } });
    await withAllowStale();
    expect(h.out.outcomes().pop()).toMatchObject({ outcome: 'skipped', reason: 'stale', senderId: '000000000000', overrideIgnored: 'AllowStale' });
    expect(h.stack.kore.apiCalls()).toEqual([]);
    await h.stop();
    h = await ConsumerHarness.start({ kore: { seed: seed(), rateLimit: { perMinute: 0 } }, env: { OVERRIDE_SENDER_IDS: '000000000000' } });
    await withAllowStale();
    expect(h.out.outcomes().pop()).toMatchObject({ outcome: 'done', senderId: '000000000000' });
    expect(h.stack.kore.state.lists.has('cl-idle-0')).toBe(false);
  });

  it('writes every audit line with the log level raised to ERROR (the outcome lines go, the audit trail stays)', async () => {
    const saved = process.env.POWERTOOLS_LOG_LEVEL;
    process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
    try {
      h = await ConsumerHarness.start({ kore: { seed: seed(), rateLimit: { perMinute: 0 } } });
    } finally {
      if (saved === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
      else process.env.POWERTOOLS_LOG_LEVEL = saved;
    }
    await h.send(expired('cl-idle-0'), expired('cl-idle-1'));
    await h.drain();
    expect(h.stack.kore.state.lists.has('cl-idle-0')).toBe(false);
    // INFO lines of the ordinary logger are gone...
    expect(h.out.outcomes().filter((o) => o.outcome === 'done')).toEqual([]);
    // ...the audit lines are all there: an intent and a result for each deletion.
    const audit = h.out.json().filter((l) => l.audit === true);
    expect(audit.map((a) => `${a.contactListId}:${a.phase}:${a.result ?? ''}`).sort()).toEqual([
      'cl-idle-0:intent:',
      'cl-idle-0:result:deleted',
      'cl-idle-1:intent:',
      'cl-idle-1:result:deleted',
    ]);
  });

  it('the brake stops a consumer mid-batch: the records after it wait in the queue, nothing is lost, and all run once it is released', async () => {
    h = await ConsumerHarness.start({ kore: { seed: seed(), rateLimit: { perMinute: 0 } }, maxReceiveCount: 5 });
    const k = h.stack.kore;
    // Right after the first DELETE of the batch, an operator pulls the brake (the queue's tag).
    const off = k.onApiCall((c) => {
      if (c.method !== 'DELETE') return;
      off();
      void writeBrake(h.stack.sqs, h.stack.queueUrl, true, 'test: stop');
    });
    const ids = await h.send(...[0, 1, 2, 3, 4, 5].map((i) => expired(`cl-idle-${i}`)));
    // The consumer's view of the brake is at most 15 s old: a fresh one reads it on its next record.
    const brake = h.deps.brake!;
    (brake as unknown as { checkMs: number }).checkMs = 0;
    await h.esm.pollOnce();
    const deletesWhileBraked = k.apiCalls({ method: 'DELETE' }).length;
    expect(deletesWhileBraked).toBeLessThanOrEqual(2);
    expect(h.out.outcomes().filter((o) => o.reason === 'brake').length).toBeGreaterThanOrEqual(4);
    expect(await h.depth(h.stack.queueUrl)).toBeGreaterThanOrEqual(4);
    expect(await h.depth(h.stack.dlqUrl)).toBe(0);
    // Released: every command runs, each list deleted once, nothing parked.
    await writeBrake(h.stack.sqs, h.stack.queueUrl, false);
    await h.drain();
    expect(new Set(ids.map((id) => h.outcomeOf(id)?.outcome))).toEqual(new Set(['done']));
    expect(k.state.lists.size).toBe(0);
    expect(k.apiCalls({ method: 'DELETE' }).length).toBe(6);
    expect(await h.depth(h.stack.dlqUrl)).toBe(0);
  });

  it('a Kore outage many times longer than maxReceiveCount × visibility leaves every command in the queue, never the DLQ, and it resumes by itself', async () => {
    h = await ConsumerHarness.start({
      kore: { seed: seed(), rateLimit: { perMinute: 0 } },
      maxReceiveCount: 2,
      retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 },
    });
    // The breaker of the shipped code, with its cool-down compressed (60 s → 1 s, 15 min → 1 s).
    h.deps.breaker = new KoreBreaker(h.deps.clock, { threshold: 2, firstOpenMs: 1_000, maxOpenMs: 1_000 });
    const k = h.stack.kore;
    k.setFaults({ serverErrorRate: 1 });
    const ids = await h.send(...[0, 1, 2, 3].map((i) => expired(`cl-idle-${i}`)));
    // Kore stays down for 8 s: without the breaker, every message would have used its 2 receives (visibility 1 s) in about 2 s.
    const until = Date.now() + 8_000;
    while (Date.now() < until) {
      if (!(await h.esm.pollOnce())) await new Promise((r) => setTimeout(r, 100));
    }
    expect(await h.depth(h.stack.dlqUrl)).toBe(0);
    const requeued = h.out.outcomes().filter((o) => o.outcome === 'requeued' && o.reason === 'kore-unavailable');
    expect(Math.max(...requeued.map((o) => Number(o.requeues)))).toBeGreaterThan(2);
    k.setFaults({ serverErrorRate: 0 });
    await h.drain(30_000);
    expect(k.state.lists.has('cl-idle-0') || k.state.lists.has('cl-idle-1') || k.state.lists.has('cl-idle-2') || k.state.lists.has('cl-idle-3')).toBe(false);
    expect(await h.depth(h.stack.dlqUrl)).toBe(0);
    // Each command ended done once (through its requeued copies), found by its eventId-less body.
    expect(h.out.outcomes().filter((o) => o.outcome === 'done').length).toBe(4);
    expect(ids).toHaveLength(4);
  });

  it('a sweep event cannot make a dry-run deployment queue anything, nor widen a live one', async () => {
    h = await ConsumerHarness.start({ kore: { seed: seed(), rateLimit: { perMinute: 0 } } });
    const sweep = (env: Record<string, string>) =>
      createSweepHandler(createSweepDeps(loadSweepConfig({ ...h.stack.env, KORE_CALLS_PER_MINUTE: '60000', ...env }), { aws: h.stack.aws }));
    await expect(sweep({})({ dryRun: false }, lambdaContext(60_000, 'nightly-sweep'))).rejects.toThrow(
      /only narrow a run: dryRun false on a dry-run deployment/,
    );
    await expect(sweep({ SWEEP_DRY_RUN: 'false', SWEEP_MAX_LISTS: '2' })({ maxLists: 5 }, lambdaContext(60_000, 'nightly-sweep'))).rejects.toThrow(
      /maxLists 5 above/,
    );
    expect(await h.depth(h.stack.queueUrl)).toBe(0);
    expect(h.stack.kore.apiCalls()).toEqual([]);
    // Narrowing a live one is fine: dry, or fewer lists.
    const report = await sweep({ SWEEP_DRY_RUN: 'false', SWEEP_MAX_LISTS: '2' })({ maxLists: 1 }, lambdaContext(60_000, 'nightly-sweep'));
    expect(report).toMatchObject({ dryRun: false, queued: 1 });
  });
});
