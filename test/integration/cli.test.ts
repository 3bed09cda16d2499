import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { cli } from '../../local/cli';
import { LogTap } from '../../local/log-tap';
import { demoSeed } from '../../local/seed';
import { startLocalStack } from '../../local/stack';
import type { LocalStack } from '../../local/stack';
import { queueDepth } from '../../local/queues';

/** The operator CLI through its "AWS environment" path: env vars point the real SDK at the local stack. */
describe('operator CLI', () => {
  let stack: LocalStack;
  const saved = { ...process.env };
  beforeAll(async () => {
    stack = await startLocalStack({ kore: { seed: demoSeed(), rateLimit: { perMinute: 0 } } });
    Object.assign(process.env, stack.env);
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

  it('prints help for every command', async () => {
    for (const argv of [['--help'], ['send', '--help'], ['sweep', '--help'], ['dlq', '--help']]) {
      const r = await run(...argv);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/Usage: npm run cli --/);
    }
  });

  it('send validates with the consumer schema: a good command is queued, a bad one is not', async () => {
    const bad = await run('send', 'list.update', '--contactListId', 'cl-promo-spring-0006', '--name', 'x'.repeat(49));
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/Not sent: .*at most 48 characters/);
    expect(await depth(stack.queueUrl)).toBe(0);
    const good = await run('send', 'campaign.ended', '--campaignId', 'cd-winback-0002', '--keepContactLists', 'true');
    expect(good.code).toBe(0);
    expect(good.out).toMatch(/Queued campaign.ended as message/);
    expect(await depth(stack.queueUrl)).toBe(1);
  });

  it('sweep --dry-run prints the candidate table and queues nothing', async () => {
    const before = await depth(stack.queueUrl);
    const r = await run('sweep', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/cl-archive-me-0011\s+Old partner referrals/);
    expect(r.out).not.toMatch(/cl-global-dnc-0001/);
    expect(r.out).toMatch(/candidates \(dry run: nothing queued\)/);
    expect(await depth(stack.queueUrl)).toBe(before);
    expect((await run('sweep')).code).toBe(2);
  });

  it('dlq list shows the error attributes; dlq redrive moves every message back', async () => {
    await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.dlqUrl,
        MessageBody: '{"type":"list.expired","contactListId":"cl-x"}',
        MessageAttributes: {
          ErrorCode: { DataType: 'String', StringValue: 'kore-validation' },
          ErrorMessage: { DataType: 'String', StringValue: 'Kore refused it' },
          ReceiveCount: { DataType: 'Number', StringValue: '1' },
        },
      }),
    );
    const list = await run('dlq', 'list');
    expect(list.out).toMatch(/kore-validation\s+Kore refused it\s+1\s+\{"type":"list.expired"/);
    const before = await depth(stack.queueUrl);
    const redrive = await run('dlq', 'redrive');
    expect(redrive.code).toBe(0);
    expect(redrive.out).toMatch(/Moved 1 of 1 message/);
    expect(await depth(stack.dlqUrl)).toBe(0);
    expect(await depth(stack.queueUrl)).toBe(before + 1);
  });
});
