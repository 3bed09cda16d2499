import { GetEventSourceMappingCommand, LambdaClient, ResourceNotFoundException, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, ListQueueTagsCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { cli } from '../../local/cli';
import { LocalEventSourceMapping } from '../../local/event-source-mapping';
import { LocalLambdaApi } from '../../local/lambda-api';
import { LogTap } from '../../local/log-tap';
import { LOCAL_MAPPING_UUID } from '../../local/ports';
import { purgeQueues, queueDepth } from '../../local/queues';
import { startLocalStack } from '../../local/stack';
import type { LocalStack } from '../../local/stack';

/** Polls until `check` holds, or fails saying what it waited for. */
async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * The brake on the local stack: the local SQS takes no message for a long poll whose client left,
 * the local event source mapping stops polling when Lambda's API (the local stand-in, through the
 * real LambdaClient) disables it, and `npm run cli -- brake` drives both halves.
 */
describe('the brake on the local stack', () => {
  let stack: LocalStack;
  let api: LocalLambdaApi;
  let esm: LocalEventSourceMapping;
  let lambda: LambdaClient;
  const handled: string[] = [];
  const stop = new AbortController();
  let running: Promise<void>;

  beforeAll(async () => {
    stack = await startLocalStack({ visibilityTimeout: 30 });
    esm = new LocalEventSourceMapping({
      sqs: stack.sqs,
      queueUrl: stack.queueUrl,
      queueArn: stack.queueArn,
      handler: async (event: SQSEvent) => void handled.push(...event.Records.map((r) => r.body)),
    });
    api = await new LocalLambdaApi({ [LOCAL_MAPPING_UUID]: esm }).start();
    lambda = new LambdaClient({ region: 'us-east-1', endpoint: api.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
    running = esm.runContinuously({ signal: stop.signal, waitTimeSeconds: 20 });
  });
  afterAll(async () => {
    stop.abort();
    await running;
    lambda.destroy();
    await api.stop();
    await stack.stop();
  });
  beforeEach(async () => {
    await purgeQueues(stack.sqs, [stack.queueUrl, stack.dlqUrl]);
    handled.length = 0;
  });

  const send = (body: string) => stack.sqs.send(new SendMessageCommand({ QueueUrl: stack.queueUrl, MessageBody: body }));

  it('the local SQS takes no message for a long poll whose client has gone: its receive is not spent', async () => {
    const gone = new AbortController();
    const poll = stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.dlqUrl, WaitTimeSeconds: 5 }), { abortSignal: gone.signal });
    // The client must leave while its poll waits in the SQS, which nothing outside it shows: a
    // loopback request arrives within milliseconds, so a moment is ample.
    await new Promise((r) => setTimeout(r, 300));
    gone.abort();
    await expect(poll).rejects.toThrow();
    await stack.sqs.send(new SendMessageCommand({ QueueUrl: stack.dlqUrl, MessageBody: 'after' }));
    // Taken by the abandoned poll, it would be hidden for 30 s and come back with count 2.
    const got = await stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.dlqUrl, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
    expect(got.Messages?.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([['after', '1']]);
  });

  it('a mapping disabled through Lambda’s API receives nothing, its messages unspent; enabled again, it takes them at once', async () => {
    await send('first');
    await until('the first message handled', () => handled.includes('first'));

    const off = await lambda.send(new UpdateEventSourceMappingCommand({ UUID: LOCAL_MAPPING_UUID, Enabled: false }));
    expect(off).toMatchObject({ UUID: LOCAL_MAPPING_UUID, State: 'Disabled', EventSourceArn: stack.queueArn, BatchSize: 10 });
    expect(off.LastModified).toBeInstanceOf(Date);
    await send('while disabled');
    // Nothing to poll for: the message must simply stay. Two seconds is many polls of a live mapping.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(handled).toEqual(['first']);
    const attrs = await stack.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: stack.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    expect(attrs.Attributes).toEqual({ ApproximateNumberOfMessages: '1', ApproximateNumberOfMessagesNotVisible: '0' });
    expect((await lambda.send(new GetEventSourceMappingCommand({ UUID: LOCAL_MAPPING_UUID }))).State).toBe('Disabled');

    expect((await lambda.send(new UpdateEventSourceMappingCommand({ UUID: LOCAL_MAPPING_UUID, Enabled: true }))).State).toBe('Enabled');
    await until('the waiting message handled', () => handled.includes('while disabled'));
    expect(esm.invocations.at(-1)).toMatchObject({ received: 1, deleted: 1 });
    expect(await queueDepth(stack.sqs, stack.queueUrl)).toBe(0);
  });

  it('answers as Lambda does for a mapping it does not have, and refuses a change it cannot make', async () => {
    const other = '11111111-2222-4333-8444-555555555555';
    await expect(lambda.send(new GetEventSourceMappingCommand({ UUID: other }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(lambda.send(new UpdateEventSourceMappingCommand({ UUID: LOCAL_MAPPING_UUID, BatchSize: 5 }))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringMatching(/changes Enabled \(a boolean\) only, not BatchSize/),
    });
    expect(esm.state).toBe('Enabled');
  });

  it('npm run cli -- brake on | status | off drives both halves: the queue’s tag with its note, and the mapping', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, stack.env, { CONSUMER_EVENT_SOURCE_MAPPING_UUID: LOCAL_MAPPING_UUID, AWS_ENDPOINT_URL_LAMBDA: api.url });
    const run = async (...argv: string[]) => {
      const tap = new LogTap().start();
      try {
        return { code: await cli(argv), out: tap.text };
      } finally {
        tap.stop();
      }
    };
    const tags = async () => (await stack.sqs.send(new ListQueueTagsCommand({ QueueUrl: stack.queueUrl }))).Tags ?? {};
    try {
      const on = await run('brake', 'on', '--note', 'jane: runaway CRM');
      expect(on.code).toBe(0);
      expect(on.out).toMatch(/^Brake ON: tag kcl-brake on \S+: "jane: runaway CRM"\.$/m);
      expect(on.out).toMatch(new RegExp(`^Event source mapping ${LOCAL_MAPPING_UUID}: Disabled: no new batch is received\\.$`, 'm'));
      expect(await tags()).toEqual({ 'kcl-brake': 'jane: runaway CRM' });
      expect(esm.state).toBe('Disabled');

      const status = await run('brake', 'status');
      expect(status).toEqual({
        code: 0,
        out: `Brake: ON\n  tag kcl-brake on ${stack.queueUrl}: "jane: runaway CRM"\n  event source mapping ${LOCAL_MAPPING_UUID}: Disabled\n`,
      });
      const json = await run('brake', 'status', '--json');
      expect(JSON.parse(json.out)).toEqual({
        on: true,
        note: 'jane: runaway CRM',
        mapping: 'Disabled',
        queueUrl: stack.queueUrl,
        eventSourceMappingUuid: LOCAL_MAPPING_UUID,
      });

      const off = await run('brake', 'off');
      expect(off.code).toBe(0);
      expect(off.out).toMatch(/^Brake released: tag kcl-brake removed from \S+; event source mapping \S+: Enabled\.$/m);
      expect(await tags()).toEqual({});
      expect(esm.state).toBe('Enabled');
      expect((await run('brake', 'status')).out).toMatch(/^Brake: off\n {2}tag kcl-brake on \S+: \(none\)\n {2}event source mapping \S+: Enabled\n$/);

      for (const [argv, message] of [
        [['brake'], /^Usage: npm run cli -- brake on/],
        [['brake', 'pull'], /^unknown brake command "pull": expected on, off or status/],
        [['brake', 'on', '--note', ' '], /^--note needs text/],
        [['brake', 'off', '--note', 'x'], /^unknown option --note/],
      ] as const) {
        const r = await run(...argv);
        expect({ argv, code: r.code }).toEqual({ argv, code: argv.length === 1 ? 0 : 2 });
        expect(r.out).toMatch(message);
      }
      expect(esm.state).toBe('Enabled');

      // A mapping Lambda does not have: one line naming the setting to check, and the tag said to be on.
      process.env.CONSUMER_EVENT_SOURCE_MAPPING_UUID = '11111111-2222-4333-8444-555555555555';
      const wrong = await run('brake', 'on', '--note', 'x');
      expect(wrong.code).toBe(1);
      expect(wrong.out).toMatch(
        /^the tag kcl-brake is on \(each consumer stops at its next record\), but disabling the event source mapping failed: Lambda has no event source mapping 11111111-2222-4333-8444-555555555555 \(ResourceNotFoundException\): check CONSUMER_EVENT_SOURCE_MAPPING_UUID/,
      );
    } finally {
      process.env = saved;
    }
  });
});
