import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Message } from '@aws-sdk/client-sqs';
import { systemClock } from '../../lib/clock';
import type { ConsumerRuntime } from '../../lib/deps';
import type { LifecycleHandler } from '../../lib/lifecycle/handler';
import { createLocalConsumer } from '../../local/consumer';
import { LocalEventSourceMapping } from '../../local/event-source-mapping';
import { queueDepth, receiveAll } from '../../local/queues';
import { startLocalStack } from '../../local/stack';
import type { LocalStack, LocalStackOptions } from '../../local/stack';
import { OutputCapture } from './capture';

export interface ConsumerHarnessOptions extends LocalStackOptions {
  callsPerMinute?: number;
  functionTimeoutMs?: number;
  deadlineMarginMs?: number;
  koreTimeoutMs?: number;
  secretTtlSeconds?: number;
  batchSize?: number;
  retry?: { maxRetries: number; baseDelayMs: number; maxDelayMs: number };
  /** Any other consumer environment variable (docs/deploy.md, "Params and variables"). */
  env?: Record<string, string>;
}

/**
 * A fresh local stack (real SQS via fauxqs, Secrets Manager and Kore emulators) with the
 * consumer wired to it through the real AWS SDK, driven by a local event source mapping.
 */
export class ConsumerHarness {
  stack!: LocalStack;
  handler!: LifecycleHandler;
  esm!: LocalEventSourceMapping;
  deps!: ConsumerRuntime;
  readonly out = new OutputCapture();
  /** The consumer's clock runs this far from the system's (set it with Kore's, to let days pass). */
  clockOffsetMs = 0;

  static async start(opts: ConsumerHarnessOptions = {}): Promise<ConsumerHarness> {
    const h = new ConsumerHarness();
    h.stack = await startLocalStack({ visibilityTimeout: 1, maxReceiveCount: 3, ...opts });
    // The shipped wiring (lib/deps.ts), configured by environment variables as the Lambda is;
    // only the limits a test needs differ from the defaults, and the backoff is shortened.
    const env: Record<string, string> = {
      KORE_CALLS_PER_MINUTE: String(opts.callsPerMinute ?? 60_000),
      KORE_TIMEOUT_MS: String(opts.koreTimeoutMs ?? 2_000),
      DEADLINE_MARGIN_MS: String(opts.deadlineMarginMs ?? 500),
      SECRET_TTL_SECONDS: String(opts.secretTtlSeconds ?? 300),
      FANOUT_DELAY_SECONDS: '0',
      MAX_RECEIVE_COUNT: String(opts.maxReceiveCount ?? 3),
      DEFERRED_VISIBILITY_SECONDS: '0',
      // These tests exercise the DELETE path; the recovery window has its own (recovery-window.test.ts).
      DELETION_MODE: 'delete',
      ...opts.env,
    };
    const clock = { now: () => Date.now() + h.clockOffsetMs, sleep: systemClock.sleep };
    const consumer = createLocalConsumer(h.stack, env, { retryPolicy: opts.retry ?? { maxRetries: 2, baseDelayMs: 20, maxDelayMs: 200 }, clock });
    h.handler = consumer.handler;
    h.deps = consumer.deps;
    h.esm = new LocalEventSourceMapping({
      sqs: h.stack.sqs,
      queueUrl: h.stack.queueUrl,
      queueArn: h.stack.queueArn,
      handler: h.handler,
      batchSize: opts.batchSize ?? 10,
      functionTimeoutMs: opts.functionTimeoutMs ?? 20_000,
    });
    h.out.start();
    return h;
  }

  async stop(): Promise<void> {
    this.out.stop();
    await this.stack.stop();
  }

  async send(...bodies: Array<string | object>): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < bodies.length; i += 10) {
      const chunk = bodies.slice(i, i + 10);
      const res = await this.stack.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.stack.queueUrl,
          Entries: chunk.map((b, j) => ({ Id: `e${j}`, MessageBody: typeof b === 'string' ? b : JSON.stringify(b) })),
        }),
      );
      if (res.Failed?.length) throw new Error(`send failed: ${JSON.stringify(res.Failed)}`);
      ids.push(...(res.Successful ?? []).map((s) => s.MessageId!));
    }
    return ids;
  }

  async sendOne(body: string): Promise<string> {
    const res = await this.stack.sqs.send(new SendMessageCommand({ QueueUrl: this.stack.queueUrl, MessageBody: body }));
    return res.MessageId!;
  }

  depth(url: string): Promise<number> {
    return queueDepth(this.stack.sqs, url);
  }

  /** Polls like Lambda until the lifecycle queue is empty. */
  drain(timeoutMs = 30_000): Promise<void> {
    return this.esm.drain({ timeoutMs, idleMs: 100 });
  }

  /** Reads every message in the DLQ, with all attributes (claimed for 30 s). */
  dlqMessages(): Promise<Message[]> {
    return receiveAll(this.stack.sqs, this.stack.dlqUrl, 30);
  }

  outcomeOf(messageId: string): Record<string, unknown> | undefined {
    return this.out
      .outcomes()
      .filter((o) => o.messageId === messageId)
      .pop();
  }
}
