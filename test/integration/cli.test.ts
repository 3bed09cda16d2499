import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { cli } from '../../local/cli';
import { LogTap } from '../../local/log-tap';
import { demoSeed } from '../../local/seed';
import { startLocalStack } from '../../local/stack';
import type { LocalStack } from '../../local/stack';
import { peekAll, purgeQueues, queueDepth, queueDepthDetail } from '../../local/queues';
import { SqsFaultProxy } from '../../local/sqs-fault-proxy';
import type { AnswerReply } from '../../local/sqs-fault-proxy';
import { LOCAL_MAPPING_UUID } from '../../local/ports';
import { startFakeCloudFormation } from '../helpers/fake-cloudformation';
import type { FakeCloudFormation } from '../helpers/fake-cloudformation';

/** The operator CLI through its "AWS environment" path: env vars point the real SDK at the local stack. */
describe('operator CLI', () => {
  let stack: LocalStack;
  const saved = { ...process.env };
  beforeAll(async () => {
    stack = await startLocalStack({ kore: { seed: demoSeed(), rateLimit: { perMinute: 0 } } });
    // The pace an operator may set too: the emulator's rate limit is off here.
    Object.assign(process.env, stack.env, { KORE_CALLS_PER_MINUTE: '6000' });
  });
  afterAll(async () => {
    process.env = saved;
    await stack.stop();
  });

  async function run(...argv: string[]): Promise<{ code: number; out: string }> {
    const tap = new LogTap().start();
    try {
      const code = await cli(argv);
      return { code, out: tap.text };
    } finally {
      tap.stop();
    }
  }
  const depth = (url: string) => queueDepth(stack.sqs, url);

  beforeEach(async () => {
    await purgeQueues(stack.sqs, [stack.queueUrl, stack.dlqUrl]);
    stack.kore.reset();
  });

  it('prints help for every command', async () => {
    for (const argv of [['--help'], ['send', '--help'], ['event', '--help'], ['sweep', '--help'], ['dlq', '--help'], ['reset', '--help']]) {
      const r = await run(...argv);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/Usage: npm run (-s )?cli --/);
    }
  });

  it('send validates with the consumer schema: a good command is queued, a bad one is not', async () => {
    const bad = await run('send', 'list.update', '--contactListId', 'cl-promo-spring-0006', '--name', 'x'.repeat(49));
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/Not sent: .*name is 49 characters.*at most 48/);
    expect(await depth(stack.queueUrl)).toBe(0);
    const good = await run('send', 'campaign.ended', '--campaignId', 'cd-winback-0002', '--keepContactLists', 'true');
    expect(good.code).toBe(0);
    expect(good.out).toMatch(/Queued campaign.ended as message/);
    expect(await depth(stack.queueUrl)).toBe(1);
  });

  it('send --wait is refused before anything is sent where no consumer’s outcome lines can be read: AWS, or queues without a kept-running stack', async () => {
    const local = await run('send', 'list.expired', '--contactListId', 'cl-promo-spring-0006', '--wait');
    expect(local.code).toBe(2);
    expect(local.out).toMatch(/^--wait reads the outcome log of `npm start -- --keep-running`, which its endpoints file names; LIFECYCLE_QUEUE_URL names none/);
    process.env.AWS_ENDPOINT_URL_SQS = 'https://sqs.eu-west-1.amazonaws.com';
    try {
      const aws = await run('send', 'list.expired', '--contactListId', 'cl-promo-spring-0006', '--wait', '10');
      expect(aws.code).toBe(2);
      expect(aws.out).toMatch(/^--wait works on the local stack only: .*CloudWatch Logs Insights: filter message = "outcome" and messageId = /);
    } finally {
      process.env.AWS_ENDPOINT_URL_SQS = stack.env.AWS_ENDPOINT_URL_SQS;
    }
    for (const [wait, message] of [
      [['--wait', '0'], /^--wait needs a whole number from 1 to 900 \(got "0"\)$/m],
      [['--wait=forever'], /^--wait needs a whole number from 1 to 900 \(got "forever"\)$/m],
      [['--wait', '901'], /^--wait needs a whole number from 1 to 900/],
    ] as const) {
      const r = await run('send', 'list.expired', '--contactListId', 'cl-promo-spring-0006', ...wait);
      expect({ wait, code: r.code }).toEqual({ wait, code: 2 });
      expect(r.out).toMatch(message);
    }
    expect(await depth(stack.queueUrl)).toBe(0);
  });

  it('sweep is a dry run by default: it prints the candidate table and queues nothing', async () => {
    for (const argv of [['sweep'], ['sweep', '--dry-run']]) {
      const r = await run(...argv);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/cl-archive-me-0011\s+Old partner referrals/);
      expect(r.out).not.toMatch(/cl-global-dnc-0001/);
      expect(r.out).toMatch(/candidates \(dry run: nothing queued/);
      expect(await depth(stack.queueUrl)).toBe(0);
    }
  });

  it('sweep --live on a local stack queues one list.expired per candidate, within the same limits as the Lambda', async () => {
    const r = await run('sweep', '--live', '--max-lists', '2');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/2 list.expired queued \(run sweep-/);
    expect(await depth(stack.queueUrl)).toBe(2);
    const tooWide = await run('sweep', '--live', '--min-idle-days', '1');
    expect(tooWide.code).toBe(1);
    expect(tooWide.out).toMatch(/SWEEP_MIN_IDLE_DAYS must not be below SWEEP_MIN_IDLE_DAYS_FLOOR when SWEEP_DRY_RUN is false/);
    expect(await depth(stack.queueUrl)).toBe(2);
  });

  it('sweep --live says what the consumer will do with what it queued, by DELETION_MODE: archive, delete, or delete after the grace period', async () => {
    const idle = await run('sweep', '--live', '--name-pattern', 'webinar');
    expect(idle.out).toMatch(/1 list\.expired queued \(run sweep-[^)]+\): the consumer re-checks each list, then archives 1\.$/m);
    const grace = await run('sweep', '--live', '--name-pattern', '^Autumn 2025');
    expect(grace.out).toMatch(
      /1 list\.expired queued \(run sweep-[^)]+\): the consumer re-checks each list, then deletes 1 archived by us whose grace period is over\.$/m,
    );
    process.env.DELETION_MODE = 'delete';
    try {
      const deleting = await run('sweep', '--live', '--name-pattern', 'webinar');
      expect(deleting.out).toMatch(/1 list\.expired queued \(run sweep-[^)]+\): the consumer re-checks each list, then deletes 1\.$/m);
    } finally {
      delete process.env.DELETION_MODE;
    }
    expect(await depth(stack.queueUrl)).toBe(3);
  });

  it('sweep --live is refused when the queues are not local', async () => {
    process.env.AWS_ENDPOINT_URL_SQS = 'https://sqs.eu-west-1.amazonaws.com';
    try {
      const r = await run('sweep', '--live');
      expect(r.code).toBe(2);
      expect(r.out).toMatch(/sweep --live works on the local stack only/);
    } finally {
      process.env.AWS_ENDPOINT_URL_SQS = stack.env.AWS_ENDPOINT_URL_SQS;
    }
  });

  it('archived --json prints the lists waiting in the recovery window and those past it, as JSON', async () => {
    const r = await run('archived', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { waiting: Array<Record<string, unknown>>; pastGracePeriod: Array<Record<string, unknown>> };
    // The demo account's one archived list is past its grace period; none waits.
    expect(report).toEqual({
      waiting: [],
      pastGracePeriod: [
        { contactListId: 'cl-autumn-survey-0017', name: '[expired] Autumn 2025 satisfaction survey', updatedAt: expect.stringMatching(/^\d{4}-/) },
      ],
    });
  });

  it('event prints an SQS event stamped now that the consumer schema accepts, and refuses an invalid one', async () => {
    const before = Date.now();
    const r = await run('event', 'list.expired', '--contactListId', 'cl-promo-spring-0006');
    expect(r.code).toBe(0);
    const event = JSON.parse(r.out) as SQSEvent;
    expect(event.Records).toHaveLength(1);
    expect(event.Records[0]).toMatchObject({ eventSource: 'aws:sqs', attributes: { ApproximateReceiveCount: '1' } });
    const body = JSON.parse(event.Records[0]!.body) as { type: string; contactListId: string; occurredAt: string };
    expect(body).toMatchObject({ type: 'list.expired', contactListId: 'cl-promo-spring-0006' });
    expect(Date.parse(body.occurredAt)).toBeGreaterThanOrEqual(before - 1000);
    const bad = await run('event', 'list.expired', '--contactListId', 'not-an-id');
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/^Not printed: .*contactListId/m);
  });

  it('event --from restamps a sample file of events/, keeping its bodies otherwise', async () => {
    const before = Date.now();
    const r = await run('event', '--from', 'events/sqs-mixed-batch.json');
    expect(r.code).toBe(0);
    const event = JSON.parse(r.out) as SQSEvent;
    expect(event.Records.map((x) => x.body)[2]).toBe('not json');
    const first = JSON.parse(event.Records[0]!.body) as { contactListId: string; occurredAt: string };
    expect(first.contactListId).toBe('cl-survey-old-0005');
    expect(Date.parse(first.occurredAt)).toBeGreaterThanOrEqual(before - 1000);
  });

  /** A message as the consumer parks it (lib/aws/queue.ts `park`): the error, where it came from, its own attributes. */
  async function park(
    body: string,
    o: { sourceMessageId?: string; errorCode?: string; receiveCount?: number; origin?: Record<string, unknown>; extra?: Record<string, string> } = {},
  ) {
    const attrs: Record<string, { DataType: string; StringValue: string }> = {};
    const put = (k: string, v: string, type = 'String') => (attrs[k] = { DataType: type, StringValue: v });
    if (o.errorCode !== undefined) put('ErrorCode', o.errorCode);
    if (o.errorCode !== undefined) put('ErrorMessage', `${o.errorCode}: it failed`);
    if (o.sourceMessageId !== undefined) put('SourceMessageId', o.sourceMessageId);
    if (o.receiveCount !== undefined) put('ReceiveCount', String(o.receiveCount), 'Number');
    if (o.origin) put('KclOrigin', JSON.stringify(o.origin));
    for (const [k, v] of Object.entries(o.extra ?? {})) put(k, v);
    const r = await stack.sqs.send(new SendMessageCommand({ QueueUrl: stack.dlqUrl, MessageBody: body, MessageAttributes: attrs }));
    return r.MessageId!;
  }
  const command = (contactListId: string) => JSON.stringify({ type: 'list.expired', contactListId, occurredAt: new Date().toISOString() });

  it('dlq list shows each message by the SourceMessageId the outcome lines print, with its error, receives, age, first message id and command; the messages stay', async () => {
    const own = await park(command('cl-a'), {
      sourceMessageId: 'src-0001',
      errorCode: 'kore-validation',
      receiveCount: 3,
      origin: { senderId: 'AROAPRODUCER:crm', sentAtMs: 1, messageId: 'first-0001', requeues: 2 },
    });
    // Moved by SQS after maxReceiveCount: no attributes, and its own id is the one the outcome lines printed.
    const moved = await park('not json');
    const r = await run('dlq', 'list');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^sourceMessageId\s+error\s+receives\s+age\s+firstMessageId\s+command\s+message$/m);
    expect(r.out).toMatch(/^src-0001\s+kore-validation\s+3\s+\d+s\s+first-0001\s+list\.expired cl-a\s+kore-validation: it failed$/m);
    expect(r.out).toMatch(new RegExp(`^${moved}\\s+\\(maxReceiveCount\\)\\s+~\\d+\\s+\\d+s\\s+not json$`, 'm'));
    expect(r.out).not.toContain(own);
    expect(r.out).toMatch(/2 message\(s\) in the DLQ, read and handed back\. Delete one: npm run cli -- dlq delete <sourceMessageId>/);
    // Handed back at once: visible to the next reader, not hidden for the hold.
    const again = await stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.dlqUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
    expect(again.Messages?.length).toBe(2);

    const json = await run('dlq', 'list', '--json');
    expect(json.code).toBe(0);
    const entries = JSON.parse(json.out) as Array<Record<string, unknown>>;
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          messageId: own,
          sourceMessageId: 'src-0001',
          firstMessageId: 'first-0001',
          errorCode: 'kore-validation',
          receiveCount: 3,
          command: { type: 'list.expired', contactListId: 'cl-a' },
          attributes: ['ErrorCode', 'ErrorMessage', 'KclOrigin', 'ReceiveCount', 'SourceMessageId'],
          sentAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
          ageSeconds: expect.any(Number),
        }),
        expect.objectContaining({ messageId: moved, sourceMessageId: moved, body: 'not json', receiveCountApproximate: true }),
      ]),
    );
  });

  it('dlq list reads a DLQ larger than one receive (25 messages) whole, and hands every message back', async () => {
    for (let i = 0; i < 25; i++) await park(command(`cl-${i}`), { sourceMessageId: `src-${i}`, errorCode: 'kore-server' });
    const r = await run('dlq', 'list', '--json');
    expect((JSON.parse(r.out) as Array<{ sourceMessageId: string }>).map((e) => e.sourceMessageId).sort()).toEqual(
      Array.from({ length: 25 }, (_, i) => `src-${i}`).sort(),
    );
    expect(await queueDepthDetail(stack.sqs, stack.dlqUrl)).toEqual({ visible: 25, inFlight: 0, delayed: 0 });
  });

  it('dlq delete deletes exactly the message named by its SourceMessageId or its own id, and nothing else', async () => {
    await park(command('cl-keep'), { sourceMessageId: 'src-keep', errorCode: 'invalid-message' });
    await park(command('cl-go'), { sourceMessageId: 'src-go', errorCode: 'invalid-message' });
    const byOwnId = await park('not json');
    const r = await run('dlq', 'delete', 'src-go');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Deleted from the DLQ: message \S+ \(SourceMessageId src-go, invalid-message, list\.expired cl-go\)\.$/m);
    expect(r.out).toMatch(/The DLQ now holds 2 message\(s\) \(2 visible, 0 in flight, 0 delayed\)/);
    expect((await run('dlq', 'delete', byOwnId)).code).toBe(0);
    const left = JSON.parse((await run('dlq', 'list', '--json')).out) as Array<{ sourceMessageId: string }>;
    expect(left.map((e) => e.sourceMessageId)).toEqual(['src-keep']);

    const unknown = await run('dlq', 'delete', 'src-nope');
    expect(unknown.code).toBe(1);
    expect(unknown.out).toMatch(/^no message in the DLQ has the id or SourceMessageId src-nope \(1 read\)/);
    // Two copies of one command (a park whose reply was lost, then parked again): refused, each named.
    await park(command('cl-twice'), { sourceMessageId: 'src-twice', errorCode: 'kore-server' });
    await park(command('cl-twice'), { sourceMessageId: 'src-twice', errorCode: 'kore-server' });
    const ambiguous = await run('dlq', 'delete', 'src-twice');
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.out).toMatch(/^2 messages in the DLQ have SourceMessageId src-twice \(copies of one command\): delete each by its own id/);
    expect(await queueDepthDetail(stack.sqs, stack.dlqUrl)).toEqual({ visible: 3, inFlight: 0, delayed: 0 });
    for (const [argv, message] of [
      [['dlq', 'delete'], /^dlq delete takes one id/],
      [['dlq', 'delete', 'a', 'b'], /^dlq delete takes one id/],
      [['dlq', 'delete', '../x?y'], /^"\.\.\/x\?y" is not a message id/],
    ] as const) {
      const bad = await run(...argv);
      expect({ argv, code: bad.code }).toEqual({ argv, code: 2 });
      expect(bad.out).toMatch(message);
    }
  });

  it('dlq purge deletes every message with --yes, and without it refuses (exit 2) and deletes nothing', async () => {
    for (let i = 0; i < 3; i++) await park(command(`cl-${i}`), { errorCode: 'invalid-message' });
    const refused = await run('dlq', 'purge');
    expect(refused.code).toBe(2);
    expect(refused.out).toMatch(/^dlq purge deletes every message in the DLQ for good \(PurgeQueue\): add --yes to do it/);
    expect(await depth(stack.dlqUrl)).toBe(3);
    const r = await run('dlq', 'purge', '--yes');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Purged the DLQ \S+ \(PurgeQueue\)\. It held 3 message\(s\)/);
    expect(await depth(stack.dlqUrl)).toBe(0);
  });

  it('dlq redrive moves a DLQ larger than one receive (25) back by receive → send → delete where SQS has no move task, each with its attributes, and checks the DLQ is empty', async () => {
    for (let i = 0; i < 25; i++) {
      await park(command(`cl-${i}`), {
        sourceMessageId: `src-${i}`,
        errorCode: 'kore-server',
        receiveCount: 3,
        origin: { senderId: 'AROAPRODUCER:crm', sentAtMs: 1, messageId: `first-${i}`, requeues: 1 },
        extra: { AllowStale: 'true', CrmTraceId: `trace-${i}` },
      });
    }
    const r = await run('dlq', 'redrive');
    expect(r.code).toBe(0);
    // fauxqs answers InvalidAction "Unknown action: ListMessageMoveTasks": it has none.
    expect(r.out).toMatch(
      /^Redrive by receive → send → delete \(this SQS endpoint has no message move tasks \(InvalidAction: Unknown action: \w+MessageMoveTasks?\)\)\.$/m,
    );
    expect(r.out).toMatch(/^Moved 25 of 25 message\(s\) to \S+kore-lifecycle, each with its message attributes\.$/m);
    expect(r.out).toMatch(/^The DLQ now holds 0 message\(s\) \(0 visible, 0 in flight, 0 delayed\)\.$/m);
    expect(await queueDepthDetail(stack.sqs, stack.dlqUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    const moved = await peekAll(stack.sqs, stack.queueUrl);
    expect(moved).toHaveLength(25);
    const seven = moved.find((m) => m.MessageAttributes?.SourceMessageId?.StringValue === 'src-7');
    expect(JSON.parse(seven!.Body!)).toMatchObject({ contactListId: 'cl-7' });
    expect(Object.fromEntries(Object.entries(seven!.MessageAttributes!).map(([k, v]) => [k, v.StringValue]))).toEqual({
      ErrorCode: 'kore-server',
      ErrorMessage: 'kore-server: it failed',
      SourceMessageId: 'src-7',
      ReceiveCount: '3',
      KclOrigin: JSON.stringify({ senderId: 'AROAPRODUCER:crm', sentAtMs: 1, messageId: 'first-7', requeues: 1 }),
      AllowStale: 'true',
      CrmTraceId: 'trace-7',
    });
  });

  it('dlq redrive reports a message the lifecycle queue refuses as not moved, leaves it in the DLQ and exits 1', async () => {
    await park(command('cl-ok'), { sourceMessageId: 'src-ok', errorCode: 'kore-server' });
    // The DLQ takes 256 KB, the lifecycle queue 64 KB (serverless.yml): this one cannot go back.
    await park(JSON.stringify({ type: 'list.update', contactListId: 'cl-big', description: 'x'.repeat(70_000) }), {
      sourceMessageId: 'src-big',
      errorCode: 'invalid-message',
    });
    const r = await run('dlq', 'redrive');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^Moved 1 of 2 message\(s\)/m);
    expect(r.out).toMatch(/^Not moved, left in the DLQ: 1 message\(s\):\n {2}\S+ \(SourceMessageId src-big\): InvalidParameterValue: .*65536 bytes/m);
    expect(r.out).toMatch(/^The DLQ now holds 1 message\(s\) \(1 visible, 0 in flight, 0 delayed\): `npm run cli -- dlq list` shows them\.$/m);
    expect(r.out).not.toMatch(/Moved 2/);
    const left = await peekAll(stack.sqs, stack.dlqUrl);
    expect(left.map((m) => m.MessageAttributes?.SourceMessageId?.StringValue)).toEqual(['src-big']);
    expect(await depth(stack.queueUrl)).toBe(1);
  });

  it('dlq redrive --allow-stale moves by receive → send → delete, adds AllowStale=true to each message and says who the consumer honours it from', async () => {
    await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.dlqUrl,
        MessageBody: '{"type":"list.expired","contactListId":"cl-survey-old-0005","occurredAt":"2020-01-01T00:00:00Z"}',
        MessageAttributes: { ErrorCode: { DataType: 'String', StringValue: 'kore-server' } },
      }),
    );
    const r = await run('dlq', 'redrive', '--allow-stale');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Redrive by receive → send → delete \(a move task cannot add the attribute AllowStale\)\.$/m);
    expect(r.out).toMatch(/Moved 1 of 1 message\(s\) .* and AllowStale=true/);
    expect(r.out).toMatch(/AllowStale=true is honoured only for a sender in OVERRIDE_SENDER_IDS/);
    const got = await stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.queueUrl, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }));
    expect(got.Messages?.[0]?.MessageAttributes).toMatchObject({
      AllowStale: { DataType: 'String', StringValue: 'true' },
      ErrorCode: { StringValue: 'kore-server' },
    });
    expect(await depth(stack.dlqUrl)).toBe(0);
  });

  it('dlq redrive on an empty DLQ says so and exits 0', async () => {
    const r = await run('dlq', 'redrive');
    expect(r).toEqual({ code: 0, out: 'The DLQ is empty: nothing to redrive.\n' });
  });

  describe('through an SQS endpoint that has message move tasks (a stand-in for them in front of the local SQS)', () => {
    let proxy: SqsFaultProxy;
    let moveTasks: { list: Record<string, unknown>; start: AnswerReply };
    beforeAll(async () => {
      proxy = await new SqsFaultProxy({
        target: stack.env.AWS_ENDPOINT_URL_SQS!,
        answer: (op) => (op === 'ListMessageMoveTasks' ? { result: moveTasks.list } : op === 'StartMessageMoveTask' ? moveTasks.start : undefined),
      }).start();
    });
    afterAll(() => proxy.stop());
    beforeEach(() => {
      moveTasks = { list: { Results: [] }, start: { result: { TaskHandle: 'task-handle-1' } } };
      proxy.calls.length = 0;
      process.env.AWS_ENDPOINT_URL_SQS = proxy.url;
    });
    afterEach(() => (process.env.AWS_ENDPOINT_URL_SQS = stack.env.AWS_ENDPOINT_URL_SQS));
    const ops = () => proxy.calls.map((c) => c.operation);

    it('starts a move task, prints its handle and how to follow it, and does not claim anything moved', async () => {
      for (let i = 0; i < 3; i++) await park(command(`cl-${i}`), { errorCode: 'kore-server' });
      const r = await run('dlq', 'redrive');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^Started an SQS message move task \(StartMessageMoveTask\) from the DLQ to \S+: about 3 message\(s\) to move\.$/m);
      expect(r.out).toMatch(/^Task handle: task-handle-1$/m);
      expect(r.out).toMatch(/this command has moved nothing itself/);
      expect(r.out).toMatch(/^ {2}npm run cli -- dlq tasks {3}\(ListMessageMoveTasks/m);
      expect(r.out).not.toMatch(/Moved \d/);
      expect(ops()).toContain('StartMessageMoveTask');
      expect(ops()).not.toContain('SendMessageBatch');
      // The stand-in moves nothing: the messages are still where they were.
      expect(await depth(stack.dlqUrl)).toBe(3);
      expect(await depth(stack.queueUrl)).toBe(0);

      moveTasks.list = {
        Results: [
          {
            TaskHandle: 'task-handle-1',
            Status: 'RUNNING',
            SourceArn: stack.dlqArn,
            ApproximateNumberOfMessagesMoved: 1,
            ApproximateNumberOfMessagesToMove: 3,
            StartedTimestamp: 1_700_000_000_000,
          },
        ],
      };
      const tasks = await run('dlq', 'tasks');
      expect(tasks.code).toBe(0);
      expect(tasks.out).toMatch(/^RUNNING\s+2023-11-14T22:13:20\.000Z\s+1\s+3\s+task-handle-1$/m);
      expect(tasks.out).toMatch(/The DLQ holds 3 message\(s\)/);
      // One at a time: a second redrive while it runs starts nothing.
      proxy.calls.length = 0;
      const again = await run('dlq', 'redrive');
      expect(again.code).toBe(0);
      expect(again.out).toMatch(/^A message move task is already running on the DLQ \(started 2023-11-14T22:13:20\.000Z, 1 of 3 moved\)/m);
      expect(ops()).not.toContain('StartMessageMoveTask');
    });

    it('stops at an error that does not mean "no move task here" (access denied, a bad ARN): nothing moved by hand, exit 1', async () => {
      await park(command('cl-a'), { errorCode: 'kore-server' });
      moveTasks.start = { error: 'AccessDenied', message: 'not authorized to perform sqs:StartMessageMoveTask', status: 403 };
      const denied = await run('dlq', 'redrive');
      expect(denied.code).toBe(1);
      expect(denied.out).toMatch(/^AWS refused the request \(AccessDenied\)/m);
      moveTasks.start = { error: 'InvalidParameterValue', message: 'Value arn:aws:sqs:x for parameter SourceArn is invalid.' };
      const badArn = await run('dlq', 'redrive');
      expect(badArn.code).toBe(1);
      expect(ops()).not.toContain('SendMessageBatch');
      expect(await depth(stack.dlqUrl)).toBe(1);
    });

    it('moves by hand, and says why, when SQS says the queue has no move task (not a DLQ)', async () => {
      await park(command('cl-a'), { errorCode: 'kore-server' });
      moveTasks.start = { error: 'InvalidParameterValue', message: 'Source queue must be configured as a Dead Letter Queue.' };
      const r = await run('dlq', 'redrive');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(
        /^Redrive by receive → send → delete \(SQS has no move task for a queue that is no dead-letter queue \(InvalidParameterValue: Source queue must be configured as a Dead Letter Queue\.\)\)\.$/m,
      );
      expect(r.out).toMatch(/^Moved 1 of 1 message/m);
      expect(await depth(stack.dlqUrl)).toBe(0);
    });

    it('leaves every message in the DLQ and says so when the send to the lifecycle queue fails, exit 1', async () => {
      for (let i = 0; i < 12; i++) await park(command(`cl-${i}`), { sourceMessageId: `src-${i}`, errorCode: 'kore-server' });
      moveTasks.start = { error: 'UnsupportedOperation', message: 'Redrive is not supported for this queue.' };
      proxy.faults = { SendMessageBatch: { serverErrorRate: 1 } };
      try {
        const r = await run('dlq', 'redrive');
        expect(r.code).toBe(1);
        expect(r.out).toMatch(/^Redrive by receive → send → delete \(SQS supports no move task for this queue \(UnsupportedOperation: /m);
        expect(r.out).toMatch(/^Moved 0 of 12 message\(s\)/m);
        expect(r.out).toMatch(/^Not moved, left in the DLQ: 12 message\(s\):$/m);
        expect(r.out.match(/^ {2}\S+ \(SourceMessageId src-\d+\): (InternalError|ServiceUnavailable)/gm)).toHaveLength(12);
        expect(r.out).toMatch(/^The DLQ now holds 12 message\(s\) \(12 visible, 0 in flight, 0 delayed\)/m);
        expect(proxy.calls.filter((c) => c.operation === 'SendMessageBatch').map((c) => c.result)).toEqual(['server-error', 'server-error']);
      } finally {
        proxy.faults = {};
      }
      expect(await queueDepthDetail(stack.sqs, stack.dlqUrl)).toEqual({ visible: 12, inFlight: 0, delayed: 0 });
      expect(await depth(stack.queueUrl)).toBe(0);
    });
  });

  describe('--stage <name> --region <r>: the settings from the stack outputs', () => {
    let cfn: FakeCloudFormation;
    const outputs = () => ({
      LifecycleQueueUrl: stack.queueUrl,
      DeadLetterQueueUrl: stack.dlqUrl,
      KoreSecretName: stack.secretId,
      ConsumerEventSourceMappingUuid: LOCAL_MAPPING_UUID,
      AlarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:kore-campaign-lifecycle-prod-alarms',
    });
    beforeAll(async () => {
      cfn = await startFakeCloudFormation({ 'kore-campaign-lifecycle-prod': outputs() });
      process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = cfn.url;
    });
    afterAll(async () => {
      delete process.env.AWS_ENDPOINT_URL_CLOUDFORMATION;
      await cfn.stop();
    });
    beforeEach(() => (cfn.calls.length = 0));

    it('reads the stack kore-campaign-lifecycle-<stage> with the real SDK client and works on its queues, whatever the environment says', async () => {
      // The environment names another queue: --stage wins.
      process.env.LIFECYCLE_QUEUE_URL = `${stack.env.AWS_ENDPOINT_URL_SQS}/000000000000/not-this-one`;
      try {
        const r = await run('send', 'list.expired', '--stage', 'prod', '--contactListId', 'cl-promo-spring-0006', '--region', 'eu-west-1');
        expect(r.code).toBe(0);
        expect(r.out).toContain(`on ${stack.queueUrl}`);
      } finally {
        process.env.LIFECYCLE_QUEUE_URL = stack.queueUrl;
      }
      expect(cfn.calls).toEqual([expect.objectContaining({ Action: 'DescribeStacks', StackName: 'kore-campaign-lifecycle-prod' })]);
      expect(await depth(stack.queueUrl)).toBe(1);
      // The sweep takes the secret's name from the output KoreSecretName.
      const sweep = await run('sweep', '--stage=prod', '--region=eu-west-1', '--max-lists', '1');
      expect(sweep.code).toBe(0);
      expect(sweep.out).toMatch(/lists seen, 1 candidates \(dry run/);
    });

    it('names every output the command needs that the stack lacks, at once', async () => {
      cfn.stacks['kore-campaign-lifecycle-old'] = { LifecycleQueueUrl: stack.queueUrl };
      const r = await run('dlq', 'redrive', '--stage', 'old', '--region', 'eu-west-1');
      expect(r.code).toBe(2);
      expect(r.out).toMatch(/^missing setting: the dead-letter queue \(output DeadLetterQueueUrl\) is not among the outputs of kore-campaign-lifecycle-old/);
      const sweep = await run('sweep', '--stage', 'old', '--region', 'eu-west-1');
      expect(sweep.code).toBe(0); // KORE_SECRET_ID from the environment stands in for a missing KoreSecretName
      delete process.env.KORE_SECRET_ID;
      try {
        const noSecret = await run('sweep', '--stage', 'old', '--region', 'eu-west-1');
        expect(noSecret.code).toBe(2);
        expect(noSecret.out).toMatch(/missing setting: the Kore secret \(output KoreSecretName, or KORE_SECRET_ID\)/);
      } finally {
        process.env.KORE_SECRET_ID = stack.env.KORE_SECRET_ID;
      }
    });

    it('says when the stage has no stack in that region, or the region is missing or malformed, and sends nothing', async () => {
      const none = await run('send', 'list.expired', '--contactListId', 'cl-x', '--stage', 'staging', '--region', 'eu-west-1');
      expect(none).toMatchObject({ code: 1 });
      expect(none.out).toMatch(
        /^there is no stack kore-campaign-lifecycle-staging in eu-west-1 \(CloudFormation: Stack with id kore-campaign-lifecycle-staging does not exist\): check --stage and --region/,
      );
      const saved = process.env.AWS_REGION;
      delete process.env.AWS_REGION;
      try {
        const noRegion = await run('send', 'list.expired', '--contactListId', 'cl-x', '--stage', 'prod');
        expect(noRegion.code).toBe(2);
        expect(noRegion.out).toMatch(/^--stage prod needs --region \(or AWS_REGION\)/);
      } finally {
        process.env.AWS_REGION = saved;
      }
      for (const [argv, message] of [
        [['--stage', 'prod', '--region', 'Europe'], /^--region "Europe" is not an AWS region/],
        [['--stage', 'prod/../x', '--region', 'eu-west-1'], /^--stage "prod\/\.\.\/x" is not a stage name/],
        [['--region', 'eu-west-1'], /^--region goes with --stage/],
        [['--stage'], /^--stage needs a value/],
      ] as const) {
        const r = await run('dlq', 'list', ...argv);
        expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
        expect(r.out).toMatch(message);
      }
      // CloudFormation out of reach: named, with what to check.
      process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = 'http://127.0.0.1:1';
      try {
        const unreachable = await run('dlq', 'list', '--stage', 'prod', '--region', 'eu-west-1');
        expect(unreachable.code).toBe(1);
        expect(unreachable.out).toMatch(/^could not reach CloudFormation in eu-west-1 to read the stack kore-campaign-lifecycle-prod \(ECONNREFUSED\)/);
      } finally {
        process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = cfn.url;
      }
      const event = await run('event', 'list.expired', '--contactListId', 'cl-x', '--stage', 'prod');
      expect(event.code).toBe(2);
      expect(event.out).toMatch(/^event talks to no stack/);
      expect(await depth(stack.queueUrl)).toBe(0);
    });
  });

  it('reset restores the starting account and purges both queues (local endpoints with KORE_EMULATOR_URL)', async () => {
    await run('send', 'list.expired', '--contactListId', 'cl-promo-spring-0006');
    await stack.sqs.send(new SendMessageCommand({ QueueUrl: stack.dlqUrl, MessageBody: 'parked' }));
    stack.kore.state.lists.delete('cl-survey-old-0005');
    const refused = await run('reset');
    expect(refused.code).toBe(2);
    expect(refused.out).toMatch(/reset works on the local stack only/);
    process.env.KORE_EMULATOR_URL = stack.kore.url;
    try {
      const r = await run('reset');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/back to the starting account \(17 lists, 4 campaigns\)/);
      expect(r.out).toMatch(/Queues purged: lifecycle queue 1 message\(s\), DLQ 1/);
    } finally {
      delete process.env.KORE_EMULATOR_URL;
    }
    expect(stack.kore.state.lists.has('cl-survey-old-0005')).toBe(true);
    expect(await depth(stack.queueUrl)).toBe(0);
    expect(await depth(stack.dlqUrl)).toBe(0);
  });
});
