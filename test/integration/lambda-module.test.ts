import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalEventSourceMapping, lambdaContext } from '../../local/event-source-mapping';
import { startLocalStack } from '../../local/stack';
import type { LocalStack } from '../../local/stack';
import { demoSeed } from '../../local/seed';
import { OutputCapture } from '../helpers/capture';

/**
 * The deployed entry point itself (functions/lifecycle-events.ts), configured only through
 * the environment, as Lambda does: AWS_ENDPOINT_URL_* send the real SDK to the local stack.
 */
describe('functions/lifecycle-events handler module', () => {
  let stack: LocalStack;
  const saved = { ...process.env };
  const out = new OutputCapture();
  beforeAll(async () => {
    stack = await startLocalStack({ kore: { seed: demoSeed(), rateLimit: { perMinute: 0 } } });
  });
  afterAll(async () => {
    out.stop();
    process.env = saved;
    await stack.stop();
  });

  it('wires config, Secrets Manager, Kore and SQS from the environment and reports partial failures', async () => {
    Object.assign(process.env, stack.env, { KORE_CALLS_PER_MINUTE: '600', FANOUT_DELAY_SECONDS: '0', POWERTOOLS_METRICS_NAMESPACE: 'Test' });
    let handler!: (e: SQSEvent, c: Context) => Promise<SQSBatchResponse>;
    await jest.isolateModulesAsync(async () => {
      handler = (await import('../../functions/lifecycle-events.js')).handler as unknown as typeof handler;
    });
    const esm = new LocalEventSourceMapping({ sqs: stack.sqs, queueUrl: stack.queueUrl, queueArn: stack.queueArn, handler });
    await stack.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: stack.queueUrl,
        Entries: [
          { Id: 'a', MessageBody: JSON.stringify({ type: 'list.expired', contactListId: 'cl-survey-old-0005', occurredAt: new Date().toISOString() }) },
          { Id: 'b', MessageBody: JSON.stringify({ type: 'list.expired', contactListId: 'cl-global-dnc-0001', occurredAt: new Date().toISOString() }) },
          { Id: 'c', MessageBody: '{"type":"nope"}' },
        ],
      }),
    );
    out.start();
    const report = await esm.pollOnce();
    out.stop();
    expect(report).toMatchObject({ received: 3, deleted: 3, failed: 0 });
    // The shipped default (DELETION_MODE archive-then-delete): archived now, deleted after its grace period.
    expect(stack.kore.state.lists.get('cl-survey-old-0005')!.name).toBe('[expired] NPS survey 2024');
    expect(stack.kore.state.lists.has('cl-global-dnc-0001')).toBe(true);
    expect(stack.secrets.calls.GetSecretValue).toBe(1);
    expect(
      out
        .outcomes()
        .map((o) => o.outcome)
        .sort(),
    ).toEqual(['done', 'rejected', 'skipped']);
    // Powertools added the Lambda context to every line.
    expect(out.outcomes()[0]).toMatchObject({ function_name: 'lifecycle-events', service: 'kore-campaign-lifecycle' });
  });

  it('functions/nightly-sweep runs a dry run by default from the environment alone', async () => {
    Object.assign(process.env, stack.env);
    delete process.env.SWEEP_DRY_RUN;
    let handler!: (e: unknown, c: Context) => Promise<import('../../lib/sweep/run').SweepReport>;
    await jest.isolateModulesAsync(async () => {
      handler = (await import('../../functions/nightly-sweep.js')).handler as unknown as typeof handler;
    });
    out.start();
    const report = await handler(JSON.parse(readFileSync(join(__dirname, '../../events/schedule.json'), 'utf8')), lambdaContext(60_000, 'nightly-sweep'));
    out.stop();
    expect(report.dryRun).toBe(true);
    expect(report.queued).toBe(0);
    expect(report.candidateLists.map((c) => c.contactListId)).toEqual(expect.arrayContaining(['cl-archive-me-0011', 'cl-promo-spring-0006']));
    expect(report.candidateLists.map((c) => c.contactListId)).not.toContain('cl-global-dnc-0001');
    expect(out.json().find((l) => l.message === 'sweep report')).toMatchObject({ runId: report.runId, function_name: 'nightly-sweep' });
  });
});
