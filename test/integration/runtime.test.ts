import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { join } from 'node:path';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lambdaContext, toSqsRecord } from '../../local/event-source-mapping';
import { createLocalConsumer } from '../../local/consumer';
import { STRICT_REALISM } from '../../local/kore-emulator/server';
import { receiveAll } from '../../local/queues';
import { SqsFaultProxy } from '../../local/sqs-fault-proxy';
import type { Seed } from '../../local/kore-emulator/state';
import { daysAgo } from '../../local/seed';
import { emfSum } from '../helpers/capture';
import { ConsumerHarness } from '../helpers/harness';

/**
 * The seven reproductions of "Lambda runtime robustness", each through the real handler and the
 * real AWS SDK: a timed-out invocation that must not leak into the next, SQS and Secrets Manager
 * endpoints that accept and never answer, a persistent 401, deferrals that come back soon,
 * classification, and `serverless invoke local` after a configuration error.
 */

const now = () => new Date().toISOString();
const expired = (contactListId: string, extra: Record<string, unknown> = {}) => ({ type: 'list.expired', contactListId, occurredAt: now(), ...extra });
const OLD = daysAgo(400);
const seed: Seed = { lists: ['a', 'b', 'c', 'd', 'e'].map((x) => ({ _id: `cl-${x}`, name: `List ${x}`, updatedAt: OLD })) };

/** A TCP server on 127.0.0.1 that accepts connections and never answers. */
async function blackHole(): Promise<{ url: string; connections: () => number; stop: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Receives `n` messages of the lifecycle queue as Lambda records (they stay in flight). */
async function receive(h: ConsumerHarness, n: number): Promise<SQSEvent> {
  const records = [];
  while (records.length < n) {
    const r = await h.stack.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: h.stack.queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }),
    );
    records.push(...(r.Messages ?? []).map((m) => toSqsRecord(m, h.stack.queueArn, 'us-east-1')));
  }
  return { Records: records };
}

/** Runs the handler and says how it ended, measured against the context's own deadline. */
async function invoke(handler: (e: SQSEvent, c: Context) => Promise<SQSBatchResponse>, event: SQSEvent, timeoutMs: number) {
  const ctx = lambdaContext(timeoutMs);
  const started = Date.now();
  const response = await handler(event, ctx);
  return { response, elapsedMs: Date.now() - started, remainingMs: ctx.getRemainingTimeInMillis() };
}

describe('runtime robustness', () => {
  let h: ConsumerHarness;
  afterEach(() => h.stop());

  it('1. a batch still running when the next invocation starts leaks nothing into it: each response lists only its own records', async () => {
    // After a timeout Lambda runs the next invocation in the same process while the old one's
    // records may still be in flight: a batch processor shared between them put the old batch's
    // failure into the new batch's response (an id Lambda does not know fails that whole batch).
    h = await ConsumerHarness.start({ kore: { seed, rateLimit: { perMinute: 0 } }, env: { ALLOWED_STREAM_IDS: 'st-a-bot-kore-does-not-know' } });
    const { handler } = createLocalConsumer(
      h.stack,
      { KORE_CALLS_PER_MINUTE: '60000', KORE_TIMEOUT_MS: '8000', ALLOWED_STREAM_IDS: 'st-a-bot-kore-does-not-know', DELETION_MODE: 'delete' },
      {
        retryPolicy: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 },
        fetch: async (input, init) => {
          const url = String(input);
          // cl-a is slow to answer; cl-d (the second invocation's) slower still.
          if (url.includes('/cl-a')) await new Promise((r) => setTimeout(r, 800));
          if (url.includes('/cl-d')) await new Promise((r) => setTimeout(r, 2_000));
          return fetch(input, init);
        },
      },
    );
    await h.send(expired('cl-a'), expired('cl-c', { streamId: 'st-a-bot-kore-does-not-know' }));
    const first = await receive(h, 2);
    first.Records.sort((x) => (x.body.includes('cl-a') ? -1 : 1)); // cl-a first, then the one that fails
    const failing = first.Records[1]!;
    const stillRunning = invoke(handler, first, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    await h.send(expired('cl-d'));
    const second = await receive(h, 1);
    const { response: r2 } = await invoke(handler, second, 20_000);
    const { response: r1, remainingMs } = await stillRunning;
    expect(r2.batchItemFailures).toEqual([]);
    expect(r1.batchItemFailures).toEqual([{ itemIdentifier: failing.messageId }]);
    expect(remainingMs).toBeGreaterThan(0);
    for (const id of ['cl-a', 'cl-d']) expect(h.stack.kore.state.lists.has(id)).toBe(false);
  });

  it('1b. an invocation middy gives up on makes no Kore call afterwards, and deletes nothing more', async () => {
    h = await ConsumerHarness.start({ kore: { seed, rateLimit: { perMinute: 0 } }, deadlineMarginMs: 0, koreTimeoutMs: 1_000 });
    // A reply that arrives late whatever the abort signal says (something our timeouts cannot cut):
    // the GET of cl-a reaches Kore at once, its answer comes back after 3 s.
    const { handler } = createLocalConsumer(
      h.stack,
      { KORE_CALLS_PER_MINUTE: '60000', KORE_TIMEOUT_MS: '1000', DEADLINE_MARGIN_MS: '0', SNAPSHOT_MAX_AGE_SECONDS: '0', DELETION_MODE: 'delete' },
      {
        fetch: async (input, init) => {
          const res = await fetch(input, init);
          if (init?.method === 'GET' && String(input).includes('/cl-a')) await new Promise((r) => setTimeout(r, 3_000));
          return res;
        },
      },
    );
    await h.send(expired('cl-a'), expired('cl-b'));
    const event = await receive(h, 2);
    const outcome = await handler(event, lambdaContext(2_500)).then(
      () => 'answered',
      (e: Error) => e.name,
    );
    expect(outcome).toBe('TimeoutError'); // middy gave up at the Lambda timeout and aborted the invocation
    const gaveUpAt = Date.now();
    await new Promise((r) => setTimeout(r, 2_000)); // the late reply arrives meanwhile
    expect(h.stack.kore.apiCalls().filter((c) => c.at > gaveUpAt)).toEqual([]);
    expect(h.stack.kore.apiCalls({ method: 'DELETE' })).toEqual([]);
    expect(h.stack.kore.state.lists.has('cl-a')).toBe(true);
    expect(h.stack.kore.state.lists.has('cl-b')).toBe(true);
  });

  it('2a. an SQS endpoint that never answers: the records cannot be proven to come from the queue, so none runs, each is retried, and the handler answers in time', async () => {
    h = await ConsumerHarness.start({ kore: { seed, rateLimit: { perMinute: 0 } } });
    const hole = await blackHole();
    try {
      const { handler } = createLocalConsumer(
        { ...h.stack, aws: { ...h.stack.aws, endpoints: { ...h.stack.aws.endpoints, sqs: hole.url } } },
        { KORE_CALLS_PER_MINUTE: '60000', KORE_TIMEOUT_MS: '2000', DEADLINE_MARGIN_MS: '500', DELETION_MODE: 'delete' },
      );
      await h.send(expired('cl-a'), 'not json');
      const event = await receive(h, 2);
      const { response, remainingMs } = await invoke(handler, event, 8_000);
      // Fail closed: nothing reached Kore, nothing was parked or requeued (an unproven record is never sent anywhere), both come back.
      expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(event.Records.map((r) => r.messageId).sort());
      expect(h.stack.kore.apiCalls()).toEqual([]);
      expect(h.stack.kore.state.lists.has('cl-a')).toBe(true);
      expect(remainingMs).toBeGreaterThan(0);
      expect(hole.connections()).toBeGreaterThan(1); // asked again before giving up
      expect(h.out.outcomes().map((o) => `${o.outcome}:${o.reason}`)).toEqual(['retry:source-unverified', 'retry:source-unverified']);
      expect(h.out.json().find((l) => l.message === 'invocation')).toMatchObject({ records: 2, failed: 2 });
    } finally {
      await hole.stop();
    }
  });

  it('2b. a Secrets Manager endpoint that never answers: every record is retried, one read is attempted, the handler answers in time', async () => {
    h = await ConsumerHarness.start({ kore: { seed, rateLimit: { perMinute: 0 } } });
    const hole = await blackHole();
    try {
      const { handler } = createLocalConsumer(
        { ...h.stack, aws: { ...h.stack.aws, endpoints: { ...h.stack.aws.endpoints, secretsManager: hole.url } } },
        { KORE_CALLS_PER_MINUTE: '60000', KORE_TIMEOUT_MS: '2000', DEADLINE_MARGIN_MS: '500', DELETION_MODE: 'delete' },
      );
      await h.send(expired('cl-a'), expired('cl-b'), expired('cl-c'));
      const event = await receive(h, 3);
      const { response, remainingMs } = await invoke(handler, event, 8_000);
      expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(event.Records.map((r) => r.messageId).sort());
      expect(remainingMs).toBeGreaterThan(0);
      expect(hole.connections()).toBe(1);
      expect(h.stack.kore.apiCalls()).toEqual([]);
      expect(h.out.outcomes().map((o) => o.reason)).toEqual(['secret-fetch', 'secret-fetch', 'secret-fetch']);
    } finally {
      await hole.stop();
    }
  });

  it('3. a persistent 401 costs at most 2 Kore calls per record per receive', async () => {
    h = await ConsumerHarness.start({ kore: { seed, rateLimit: { perMinute: 0 } }, maxReceiveCount: 10 });
    // Kore's app secret rotated; Secrets Manager still holds the old one.
    h.stack.kore.rotateSecret('cs-local-client', 'rotated-on-kore-only');
    await h.send(expired('cl-a'), expired('cl-b'), expired('cl-c'));
    await h.esm.pollOnce();
    const outcomes = h.out.outcomes();
    expect(outcomes.map((o) => `${o.outcome}:${o.reason}`)).toEqual(Array(3).fill('retry:kore-unauthorized'));
    expect(outcomes.every((o) => (o.koreCalls as number) <= 2)).toBe(true);
    expect(h.stack.kore.apiCalls().length).toBeLessThanOrEqual(6);
  });

  // 4. (a 429's Retry-After pauses the limiter, so the records after it spend no call on a
  // certain 429) is in consumer.test.ts: "reports a 429 whose Retry-After does not fit as retry".

  it('5. records deferred for lack of time come back after DEFERRED_VISIBILITY_SECONDS, not the visibility timeout, and are counted', async () => {
    h = await ConsumerHarness.start({
      kore: { seed, rateLimit: { perMinute: 0 } },
      visibilityTimeout: 60,
      callsPerMinute: 60, // one call a second: the campaigns and one list fit in 3 s, not five lists
      functionTimeoutMs: 4_000,
      koreTimeoutMs: 500,
      env: { DEFERRED_VISIBILITY_SECONDS: '1' },
    });
    await h.send(...['cl-a', 'cl-b', 'cl-c', 'cl-d', 'cl-e'].map((id) => expired(id)));
    const first = await h.esm.pollOnce();
    const deferred = h.out.outcomes().filter((o) => o.reason === 'deadline');
    expect(deferred.length).toBeGreaterThan(0);
    expect(first).toMatchObject({ timedOut: false });
    expect(emfSum(h.out.json(), 'deferred')).toBe(deferred.length);
    // They are receivable again within a few seconds, although the queue's visibility timeout is 60 s.
    const back = await h.stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: h.stack.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 5 }));
    expect((back.Messages ?? []).length).toBeGreaterThan(0);
  });

  it('5b. on their last receive, a record that failed is parked with its ErrorCode and one out of time is requeued, although a slow SQS send ate the work time', async () => {
    // Work ends at 5 s − 2 s margin = 3 s. The first record's fan-out (SendMessageBatch) hangs
    // until then; the second record then finds the work time over. Both are on their last
    // receive: settling (one SendMessage each) may use the margin. The failed one reaches the DLQ
    // with its ErrorCode now instead of by a redrive without one; the one that never ran is a
    // fresh copy in the queue (no command reaches the DLQ for lack of time).
    h = await ConsumerHarness.start({
      kore: {
        seed: { ...seed, campaigns: [{ _id: 'cd-done', name: 'Done', status: 'Completed', contactLists: ['List a'] }] },
        rateLimit: { perMinute: 0 },
      },
      visibilityTimeout: 60,
      maxReceiveCount: 1,
    });
    const proxy = await new SqsFaultProxy({ target: h.stack.aws.endpoints.sqs, faults: { SendMessageBatch: { slowRate: 1, slowMs: 30_000 } } }).start();
    try {
      const viaProxy = { ...h.stack, aws: { ...h.stack.aws, endpoints: { ...h.stack.aws.endpoints, sqs: proxy.url } } };
      const { handler } = createLocalConsumer(viaProxy, {
        AWS_ENDPOINT_URL_SQS: proxy.url,
        KORE_CALLS_PER_MINUTE: '60000',
        KORE_TIMEOUT_MS: '1000',
        DEADLINE_MARGIN_MS: '2000',
        MAX_RECEIVE_COUNT: '1',
        DELETION_MODE: 'delete',
        DEFERRED_VISIBILITY_SECONDS: '1',
      });
      await h.send({ type: 'campaign.ended', campaignId: 'cd-done', occurredAt: now() }, expired('cl-b'));
      const event = await receive(h, 2);
      const { response, remainingMs } = await invoke(handler, event, 5_000);
      expect(remainingMs).toBeGreaterThan(0);
      // Both settled (parked): nothing is left for SQS to redeliver and redrive without a reason.
      expect(response.batchItemFailures).toEqual([]);
      // The follow-ups go out before the campaign's DELETE: their send never got through, so
      // the campaign stays (deleting it would orphan its list); cl-b was never tried.
      expect(h.stack.kore.state.campaigns.has('cd-done')).toBe(true);
      expect(h.stack.kore.state.lists.has('cl-a')).toBe(true);
      expect(h.stack.kore.state.lists.has('cl-b')).toBe(true);
      const parked = await h.dlqMessages();
      expect(parked.map((m) => [JSON.parse(m.Body!).type, m.MessageAttributes?.ErrorCode?.StringValue]).sort()).toEqual([['campaign.ended', 'queue-send']]);
      await new Promise((r) => setTimeout(r, 1_500)); // the copy's delay
      const copies = await receiveAll(h.stack.sqs, h.stack.queueUrl, 0);
      expect(copies.map((m) => [JSON.parse(m.Body!).contactListId, JSON.parse(m.MessageAttributes?.KclOrigin?.StringValue ?? '{}').requeues])).toEqual([
        ['cl-b', 1],
      ]);
      expect(h.out.outcomes().find((o) => o.contactListId === 'cl-b')).toMatchObject({ outcome: 'requeued', reason: 'deadline' });
    } finally {
      await proxy.stop();
    }
  });

  it('6a. 408 and 425 are retried in the function, not parked', async () => {
    h = await ConsumerHarness.start({ kore: { seed, rateLimit: { perMinute: 0 }, faults: { failNext: 1, failStatus: 408 } } });
    const [id] = await h.send(expired('cl-a'));
    await h.drain();
    expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'done' });
    h.stack.kore.setFaults({ failNext: 1, failStatus: 425 });
    const [id2] = await h.send(expired('cl-b'));
    await h.drain();
    expect(h.outcomeOf(id2!)).toMatchObject({ outcome: 'done' });
    expect(await h.depth(h.stack.dlqUrl)).toBe(0);
  });

  it("6b. Kore's in-use refusal under 409 with other wording is skipped as in-use, not parked", async () => {
    h = await ConsumerHarness.start({
      kore: { seed: { ...seed, campaigns: [{ _id: 'cd-late', name: 'Late', status: 'Active' }] }, rateLimit: { perMinute: 0 }, realism: STRICT_REALISM },
    });
    // A campaign takes the list between our GET and our DELETE: Kore refuses with its 409 wording.
    const { handler } = createLocalConsumer(
      h.stack,
      { KORE_CALLS_PER_MINUTE: '60000', DELETION_MODE: 'delete' },
      {
        fetch: async (input, init) => {
          if (init?.method === 'DELETE') {
            const list = h.stack.kore.state.lists.get('cl-a')!;
            list.campaignInUse.push({ id: 'cd-late', name: 'Late' });
            list.isListInUse = true;
          }
          return fetch(input, init);
        },
      },
    );
    await h.send(expired('cl-a'));
    const event = await receive(h, 1);
    const { response } = await invoke(handler, event, 20_000);
    expect(response.batchItemFailures).toEqual([]);
    expect(h.out.outcomes()[0]).toMatchObject({
      outcome: 'skipped',
      reason: 'in-use',
      rule: 'kore-refused',
      why: expect.stringMatching(/associated with 1 campaign/),
    });
    expect(h.stack.kore.state.lists.has('cl-a')).toBe(true);
  });

  it("6c. a body near the lifecycle queue's size limit is parked in the DLQ with its ErrorCode", async () => {
    h = await ConsumerHarness.start({ kore: { seed, rateLimit: { perMinute: 0 } } });
    const body = JSON.stringify({ ...expired('cl-a'), reason: 'x'.repeat(62 * 1024) });
    await h.stack.sqs.send(new SendMessageCommand({ QueueUrl: h.stack.queueUrl, MessageBody: body }));
    await h.drain();
    const [parked] = await h.dlqMessages();
    expect(parked!.Body).toBe(body);
    expect(parked!.MessageAttributes?.ErrorCode?.StringValue).toBe('invalid-message');
    expect(parked!.MessageAttributes?.ErrorMessage?.StringValue).toMatch(/commands are at most 16384/);
  });

  it('7. `serverless invoke local` after a configuration error prints it and exits non-zero instead of hanging', async () => {
    const root = join(__dirname, '../..');
    const res = await new Promise<{ code: number | null; out: string }>((resolve) => {
      execFile(
        join(root, 'node_modules/.bin/serverless'),
        ['invoke', 'local', '-f', 'nightlySweep', '--stage', 'local', '-e', 'SWEEP_DRY_RUN=flase', '-p', 'events/schedule.json'],
        {
          cwd: root,
          timeout: 90_000,
          env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' },
        },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
      );
    });
    expect(res.code).not.toBe(0);
    expect(res.code).not.toBeNull(); // not killed by the timeout
    expect(res.out).toContain('SWEEP_DRY_RUN must be true or false');
  }, 120_000);
});
