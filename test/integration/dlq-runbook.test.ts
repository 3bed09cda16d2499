import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { LOCAL_MAPPING_UUID } from '../../local/ports';
import { peekAll } from '../../local/queues';
import { demoSeed } from '../../local/seed';
import { section } from '../docs/markdown';
import { bashBlocks, parseShell } from '../docs/readme-commands';
import { startFakeCloudFormation } from '../helpers/fake-cloudformation';
import type { FakeCloudFormation } from '../helpers/fake-cloudformation';
import { ConsumerHarness } from '../helpers/harness';

const root = join(__dirname, '../..');

/**
 * docs/operations.md's "Runbook: the DLQ alarm fires", run as written (`--stage prod --region
 * eu-west-1` included) against the local stack: a CloudFormation stand-in gives the stage's
 * outputs, which name the local queues, and the real consumer parks and runs the commands.
 */
describe('the DLQ runbook of docs/operations.md, as written', () => {
  const block = bashBlocks(section('docs/operations.md', 'Runbook: the DLQ alarm fires'))[0]!;
  const commands = parseShell(block).map((c) => c.text);
  let h: ConsumerHarness;
  let cfn: FakeCloudFormation;

  beforeAll(async () => {
    // The demo account: cl-survey-old-0005 is an idle list the consumer may delete.
    h = await ConsumerHarness.start({ kore: { seed: demoSeed(), rateLimit: { perMinute: 0 } } });
    cfn = await startFakeCloudFormation({
      'kore-campaign-lifecycle-prod': {
        LifecycleQueueUrl: h.stack.queueUrl,
        DeadLetterQueueUrl: h.stack.dlqUrl,
        KoreSecretName: h.stack.secretId,
        ConsumerEventSourceMappingUuid: LOCAL_MAPPING_UUID,
      },
    });
  });
  afterAll(async () => {
    await cfn?.stop();
    await h?.stop();
  });

  /** A command of the block in a shell, as a person pastes it, with the stage's endpoints pointed at the local stack. */
  const sh = (command: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        'sh',
        ['-c', command],
        {
          cwd: root,
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            AWS_ACCESS_KEY_ID: 'local',
            AWS_SECRET_ACCESS_KEY: 'local',
            AWS_ENDPOINT_URL_CLOUDFORMATION: cfn.url,
            AWS_ENDPOINT_URL_SQS: h.stack.env.AWS_ENDPOINT_URL_SQS,
          },
          timeout: 60_000,
        },
        (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) || 1 : 0, stdout, stderr }),
      ),
    );

  it('lists, deletes the message that can never succeed, redrives the rest and finds the DLQ empty; the redriven command then runs', async () => {
    expect(commands.map((c) => c.replace(/ --stage prod --region eu-west-1$/, ''))).toEqual([
      'npm run cli -- dlq list',
      'npm run cli -- dlq delete <sourceMessageId>',
      'npm run cli -- dlq redrive',
      'npm run cli -- dlq tasks',
      'npm run cli -- dlq list',
    ]);
    // A producer's malformed command: the consumer parks it, with the id its outcome line prints.
    const [invalid] = await h.send({ type: 'list.expired', contactListId: 'cl-survey-old-0005', occurredAt: new Date().toISOString(), colour: 'red' });
    await h.drain();
    expect(h.outcomeOf(invalid!)).toMatchObject({ outcome: 'rejected', reason: 'invalid-message' });
    // A good command parked after an outage (as parking leaves it), to go back once Kore is fixed.
    const good = JSON.stringify({ type: 'list.expired', contactListId: 'cl-survey-old-0005', occurredAt: new Date().toISOString() });
    await h.stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: h.stack.dlqUrl,
        MessageBody: good,
        MessageAttributes: {
          ErrorCode: { DataType: 'String', StringValue: 'kore-server' },
          ErrorMessage: { DataType: 'String', StringValue: 'still failing after 5 receives: Kore answered 503' },
          SourceMessageId: { DataType: 'String', StringValue: 'b7e0c1d2-0000-4000-8000-00000000beef' },
        },
      }),
    );

    const [list, del, redrive, tasks, check] = commands.map((c) => c.replace('<sourceMessageId>', invalid!));
    const listed = await sh(list!);
    expect({ code: listed.code, stderr: listed.stderr }).toEqual({ code: 0, stderr: '' });
    expect(listed.stdout).toMatch(
      new RegExp(
        `^${invalid}\\s+invalid-message\\s+1\\s+\\d+s\\s+list\\.expired cl-survey-old-0005\\s+invalid list\\.expired: unknown field\\(s\\): colour`,
        'm',
      ),
    );
    expect(listed.stdout).toMatch(/^b7e0c1d2-0000-4000-8000-00000000beef\s+kore-server\s+/m);

    const deleted = await sh(del!);
    expect({ code: deleted.code, stderr: deleted.stderr }).toEqual({ code: 0, stderr: '' });
    expect(deleted.stdout).toContain(`(SourceMessageId ${invalid}, invalid-message, list.expired cl-survey-old-0005)`);

    const moved = await sh(redrive!);
    expect({ code: moved.code, stderr: moved.stderr }).toEqual({ code: 0, stderr: '' });
    expect(moved.stdout).toMatch(/^Redrive by receive → send → delete \(this SQS endpoint has no message move tasks/m);
    expect(moved.stdout).toMatch(/^Moved 1 of 1 message\(s\)/m);

    const followed = await sh(tasks!);
    expect({ code: followed.code, stderr: followed.stderr }).toEqual({ code: 0, stderr: '' });
    expect(followed.stdout).toMatch(/^No message move tasks: .*The DLQ holds 0 message\(s\)/m);

    const checked = await sh(check!);
    expect({ code: checked.code, stdout: checked.stdout.trim().split('\n').pop() }).toEqual({ code: 0, stdout: 'The DLQ is empty.' });
    expect(cfn.calls.every((c) => c.Action === 'DescribeStacks' && c.StackName === 'kore-campaign-lifecycle-prod')).toBe(true);

    // The redriven command runs: the list is deleted, with the DLQ's attributes still on the message.
    const [back] = await peekAll(h.stack.sqs, h.stack.queueUrl);
    expect(back?.MessageAttributes?.SourceMessageId?.StringValue).toBe('b7e0c1d2-0000-4000-8000-00000000beef');
    await h.drain();
    expect(h.outcomeOf(back!.MessageId!)).toMatchObject({ outcome: 'done', contactListId: 'cl-survey-old-0005' });
    expect(h.stack.kore.state.lists.has('cl-survey-old-0005')).toBe(false);
    expect(await h.depth(h.stack.dlqUrl)).toBe(0);
  }, 120_000);
});
