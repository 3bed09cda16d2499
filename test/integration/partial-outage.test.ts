import { systemClock } from '../../lib/clock';
import { createLocalConsumer } from '../../local/consumer';
import { LocalEventSourceMapping } from '../../local/event-source-mapping';
import { queueDepth } from '../../local/queues';
import { startLocalStack } from '../../local/stack';
import type { LocalStack } from '../../local/stack';
import { daysAgo } from '../../local/seed';
import { OutputCapture } from '../helpers/capture';

/**
 * A partial Kore outage: only the contact-list routes answer 503, the campaign pages still work.
 * The circuit breaker's probe after each cool-down reads what the last failing record failed on
 * (its list), not an unrelated route, so it stays open for as long as the outage lasts and no
 * command reaches the DLQ: only the records that opened it spent a receive. Found by an adversarial
 * review (a probe on the campaign pages closed the breaker at every cool-down). The shipped code,
 * cool-downs compressed as in trust-boundary.test.ts.
 */
describe('an outage of the contact-list routes only', () => {
  let stack: LocalStack;
  const out = new OutputCapture();
  afterEach(async () => {
    out.stop();
    await stack.stop();
  });

  it('leaves every command in the queue, none in the DLQ, and deletes them all once the routes answer', async () => {
    stack = await startLocalStack({
      visibilityTimeout: 1,
      maxReceiveCount: 3,
      kore: {
        seed: { lists: Array.from({ length: 8 }, (_, i) => ({ _id: `cl-idle-${i}`, name: `Idle ${i}`, updatedAt: daysAgo(200) })) },
        rateLimit: { perMinute: 0 },
      },
    });
    let down = true;
    const partial: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (down && url.includes('/contactList/')) {
        return new Response(JSON.stringify({ errors: [{ msg: 'Service Unavailable', code: 503 }] }), {
          status: 503,
          headers: { 'content-type': 'application/json' },
        });
      }
      return fetch(input, init);
    };
    const consumer = createLocalConsumer(
      stack,
      {
        KORE_CALLS_PER_MINUTE: '60000',
        KORE_TIMEOUT_MS: '2000',
        DEADLINE_MARGIN_MS: '500',
        FANOUT_DELAY_SECONDS: '0',
        MAX_RECEIVE_COUNT: '3',
        DEFERRED_VISIBILITY_SECONDS: '0',
        DELETION_MODE: 'delete',
      },
      {
        fetch: partial,
        clock: systemClock,
        retryPolicy: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 },
        breaker: { threshold: 2, firstOpenMs: 1_000, maxOpenMs: 1_000 },
      },
    );
    const esm = new LocalEventSourceMapping({
      sqs: stack.sqs,
      queueUrl: stack.queueUrl,
      queueArn: stack.queueArn,
      handler: consumer.handler,
      batchSize: 10,
      functionTimeoutMs: 20_000,
    });
    out.start();
    const { SendMessageBatchCommand } = await import('@aws-sdk/client-sqs');
    await stack.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: stack.queueUrl,
        Entries: Array.from({ length: 8 }, (_, i) => ({
          Id: `e${i}`,
          MessageBody: JSON.stringify({ type: 'list.expired', contactListId: `cl-idle-${i}`, occurredAt: new Date().toISOString() }),
        })),
      }),
    );
    const until = Date.now() + 6_000;
    while (Date.now() < until) {
      if (!(await esm.pollOnce())) await new Promise((r) => setTimeout(r, 100));
    }
    const parked = await queueDepth(stack.sqs, stack.dlqUrl);
    const reasons = out
      .outcomes()
      .reduce<Record<string, number>>((acc, o) => ({ ...acc, [`${o.outcome}:${o.reason}`]: (acc[`${o.outcome}:${o.reason}`] ?? 0) + 1 }), {});
    down = false;
    expect({ parked, rejected: Object.keys(reasons).filter((r) => r.startsWith('rejected')) }).toEqual({ parked: 0, rejected: [] });
    expect(reasons['requeued:kore-unavailable']).toBeGreaterThan(8);
    // The routes answer again: the next probe closes the breaker and every list goes.
    const back = Date.now() + 15_000;
    while (Date.now() < back && stack.kore.state.lists.size > 0) {
      if (!(await esm.pollOnce())) await new Promise((r) => setTimeout(r, 100));
    }
    expect(stack.kore.state.lists.size).toBe(0);
    expect(await queueDepth(stack.sqs, stack.dlqUrl)).toBe(0);
  });
});
