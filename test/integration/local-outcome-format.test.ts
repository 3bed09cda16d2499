import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createServer } from 'node:net';
import { createLocalConsumer } from '../../local/consumer';
import { LocalEventSourceMapping } from '../../local/event-source-mapping';
import { LogTap } from '../../local/log-tap';
import { formatOutcome } from '../../local/outcome-format';
import { purgeQueues } from '../../local/queues';
import { demoSeed } from '../../local/seed';
import { LOCAL_CLIENT_SECRET, startLocalStack } from '../../local/stack';
import type { LocalStack } from '../../local/stack';

const line = (o: Record<string, unknown>) => formatOutcome({ messageId: '0123456789abcdef', koreCalls: 2, receiveCount: 1, ...o });

describe('the readable outcome line (npm start, --keep-running)', () => {
  it('says what was done, with the ids, the list name, the Kore calls and the message', () => {
    expect(line({ outcome: 'done', type: 'list.expired', contactListId: 'cl-a', listName: 'Old leads', action: 'delete' })).toBe(
      '✔ done         list.expired cl-a "Old leads"  deleted  · 2 Kore calls, msg 01234567',
    );
    expect(line({ outcome: 'done', type: 'list.expired', contactListId: 'cl-a', action: 'archive', newName: '[expired] A' })).toMatch(
      /archived as "\[expired\] A"/,
    );
    expect(
      line({ outcome: 'done', type: 'campaign.ended', campaignId: 'cd-b', contactListIds: ['cl-1'], listsKept: { 'cl-2': 'used-by-another-campaign' } }),
    ).toMatch(/campaign\.ended cd-b {2}campaign deleted; 1 list\(s\) queued \(cl-1\); kept cl-2/);
    expect(line({ outcome: 'would-delete', reason: 'dry-run', type: 'list.expired', contactListId: 'cl-a', dryRun: true })).toMatch(
      /~ would-delete .* dry-run .*dry run/,
    );
  });

  it('gives a refusal its reason, rule and why', () => {
    expect(
      line({
        outcome: 'skipped',
        reason: 'campaign-recurring',
        rule: 'campaign-not-recurring',
        why: 'schedule.isRecurrenceEnabled is true',
        type: 'campaign.ended',
        campaignId: 'cd-w',
        koreCalls: 1,
      }),
    ).toBe(
      '⊘ skipped      campaign.ended cd-w  campaign-recurring (rule campaign-not-recurring: schedule.isRecurrenceEnabled is true)  · 1 Kore call, msg 01234567',
    );
  });

  it('gives a failure its reason and error, and says where the message goes', () => {
    expect(line({ outcome: 'retry', reason: 'kore-server', receiveCount: 2, error: { name: 'KoreServerError', message: 'Kore answered 503' } })).toMatch(
      /↻ retry .* kore-server: Kore answered 503; SQS redelivers it after the visibility timeout {2}· 2 Kore calls, receive 2/,
    );
    expect(line({ outcome: 'rejected', reason: 'invalid-message', koreCalls: 0, error: { message: 'message body is not valid JSON' } })).toMatch(
      /✖ rejected +\(no command\) {2}invalid-message: message body is not valid JSON → parked in the DLQ {2}· 0 Kore calls/,
    );
  });

  it('names the type and id a refused body claims, bare or in an envelope, instead of "(no command)"', () => {
    const rejected = { outcome: 'rejected', reason: 'invalid-message', koreCalls: 0, error: { message: 'name: at most 48 characters' } };
    const update = JSON.stringify({ type: 'list.update', contactListId: 'cl-promo-spring-0006', name: 'x'.repeat(49) });
    expect(formatOutcome({ messageId: 'm1', ...rejected }, { body: update })).toMatch(
      /^✖ rejected +list\.update cl-promo-spring-0006 {2}invalid-message: name: at most 48 characters → parked in the DLQ/,
    );
    const eventBridge = JSON.stringify({ 'detail-type': 'campaign.ended', source: 'crm', detail: { campaignId: 'cd-x', bogus: 1 } });
    expect(formatOutcome({ messageId: 'm2', ...rejected }, { body: eventBridge })).toMatch(/^✖ rejected +campaign\.ended cd-x {2}invalid-message/);
    // Only text of an id's shape reaches the terminal: no escape sequences, no newlines.
    const hostile = JSON.stringify({ type: 'list.expired\u001b[2J', contactListId: 'cl-ok\nforged line' });
    expect(formatOutcome({ messageId: 'm3', ...rejected }, { body: hostile })).toMatch(/^✖ rejected +\(no command\) {2}invalid-message/);
    expect(formatOutcome({ messageId: 'm4', ...rejected }, { body: 'not json' })).toMatch(/^✖ rejected +\(no command\)/);
    // A line that has its command keeps it, whatever the body says.
    expect(formatOutcome({ messageId: 'm5', outcome: 'done', type: 'list.expired', contactListId: 'cl-a', action: 'delete' }, { body: update })).toMatch(
      /^✔ done +list\.expired cl-a {2}deleted/,
    );
  });
});

/** A secret that cannot be read: the printed line keeps the cause, never the secret's value. */
describe('the readable outcome line of a secret read failure', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ kore: { seed: demoSeed(), rateLimit: { perMinute: 0 } }, visibilityTimeout: 30 });
  });
  afterAll(() => stack.stop());
  beforeEach(() => purgeQueues(stack.sqs, [stack.queueUrl, stack.dlqUrl]));

  async function outcomeWith(env: Record<string, string>, endpoints?: { secretsManager: string }): Promise<string> {
    const { handler } = createLocalConsumer(
      stack,
      { KORE_CALLS_PER_MINUTE: '6000', KORE_TIMEOUT_MS: '1000', ...env },
      endpoints ? { aws: { ...stack.aws, endpoints: { ...stack.aws.endpoints, ...endpoints } } } : {},
    );
    const esm = new LocalEventSourceMapping({ sqs: stack.sqs, queueUrl: stack.queueUrl, queueArn: stack.queueArn, handler, functionTimeoutMs: 20_000 });
    await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.queueUrl,
        MessageBody: JSON.stringify({ type: 'list.expired', contactListId: 'cl-survey-old-0005', occurredAt: new Date().toISOString() }),
      }),
    );
    const tap = new LogTap().start();
    try {
      await esm.pollOnce({ waitTimeSeconds: 1 });
    } finally {
      tap.stop();
    }
    const [outcome] = tap.outcomes();
    expect(tap.text).not.toContain(LOCAL_CLIENT_SECRET);
    return formatOutcome(outcome!);
  }

  it('names ResourceNotFoundException when the secret does not exist', async () => {
    const printed = await outcomeWith({ KORE_SECRET_ID: 'kore/no-such-secret' });
    expect(printed).toMatch(
      /↻ retry\s+list\.expired cl-survey-old-0005 {2}secret-fetch: could not read secret kore\/no-such-secret: ResourceNotFoundException/,
    );
    expect(printed).not.toContain(LOCAL_CLIENT_SECRET);
  });

  it('keeps the cause when Secrets Manager does not answer', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    const printed = await outcomeWith({}, { secretsManager: `http://127.0.0.1:${closed}` });
    // Outside Jest the SDK keeps the socket error's code and the line says ECONNREFUSED. Under
    // Jest it wraps errors from another realm ("AWS SDK error wrapper for Error: connect
    // ECONNREFUSED …") without the code, and lib/aws/secrets.ts's fetchCause then says "error".
    expect(printed).toMatch(/↻ retry\s+list\.expired cl-survey-old-0005 {2}secret-fetch: could not read secret \S+: (ECONNREFUSED|error); SQS redelivers it/);
  });
});
