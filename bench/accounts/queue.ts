/**
 * The lifecycle queue, its DLQ and Lambda's SQS event source mapping, on the simulation's clock.
 *
 * The local SQS (fauxqs) keeps visibility timeouts, delays and receive counts on the host's
 * clock; the accounts benchmark runs hours of Kore time on a virtual one, so the queue is this
 * small in-memory SQS instead: messages with SentTimestamp, ApproximateReceiveCount, delays and
 * visibility on the simulation's clock, redrive to the DLQ past maxReceiveCount (as SQS does, at
 * the receive). The consumer's own sends (campaign fan-out, DLQ parking, shortened visibility of
 * deferred records) reach it through `QueueStandIn`, a QueueSender put in the consumer's and the
 * sweep's deps in place of the SDK-backed one (lib/deps.ts builds everything else).
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { OutgoingMessage, ParkedMessage, RequeuedMessage, SendOptions } from '../../lib/aws/queue.js';
import { QueueSender } from '../../lib/aws/queue.js';
import { lambdaContext } from '../../local/event-source-mapping.js';
import type { SimClock } from './clock.js';

export interface SimMessage {
  messageId: string;
  body: string;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  receipt?: string;
  attributes: Record<string, string>;
}

export interface Parked {
  body: string;
  /** `redrive`: SQS moved it past maxReceiveCount; else the consumer's ErrorCode. */
  errorCode: string;
  receiveCount: number;
  at: number;
}

export class SimQueue {
  readonly messages: SimMessage[] = [];
  readonly dlq: Parked[] = [];
  private seq = 0;
  private receipts = 0;
  private readonly wakers = new Set<() => void>();
  /** Every SQS request the consumer and the sweep made, by kind (SendMessageBatch, park, ChangeMessageVisibilityBatch). */
  readonly requests: Record<string, number> = {};

  constructor(
    private readonly clock: SimClock,
    readonly url: string,
    readonly dlqUrl: string,
    /** AWS: 6 × the function timeout. */
    readonly visibilityTimeoutSeconds: number,
    readonly maxReceiveCount: number,
  ) {}

  send(body: string, delaySeconds = 0, attributes: Record<string, string> = {}): string {
    const now = this.clock.now();
    const messageId = `m-${String(++this.seq).padStart(7, '0')}`;
    this.messages.push({ messageId, body, sentAt: now, visibleAt: now + delaySeconds * 1000, receiveCount: 0, attributes });
    this.wake();
    return messageId;
  }

  /** Wakes every poller waiting for a message (a send, or a poller told to stop). */
  wake(): void {
    for (const wake of [...this.wakers]) wake();
  }

  /** Messages visible now, oldest first. */
  visible(): SimMessage[] {
    const now = this.clock.now();
    return this.messages.filter((m) => m.visibleAt <= now);
  }

  /** The earliest time a message not visible now becomes visible (undefined: none waiting). */
  nextVisibleAt(): number | undefined {
    const now = this.clock.now();
    let at: number | undefined;
    for (const m of this.messages) if (m.visibleAt > now && (at === undefined || m.visibleAt < at)) at = m.visibleAt;
    return at;
  }

  /** ReceiveMessage: up to `max` visible messages, each made invisible for the visibility timeout; past maxReceiveCount, to the DLQ. */
  receive(max: number): SimMessage[] {
    const now = this.clock.now();
    const out: SimMessage[] = [];
    for (const m of this.visible()) {
      if (out.length >= max) break;
      if (m.receiveCount >= this.maxReceiveCount) {
        this.remove(m);
        this.dlq.push({ body: m.body, errorCode: 'redrive', receiveCount: m.receiveCount, at: now });
        continue;
      }
      m.receiveCount++;
      m.firstReceiveAt ??= now;
      m.receipt = `r-${++this.receipts}`;
      m.visibleAt = now + this.visibilityTimeoutSeconds * 1000;
      out.push(m);
    }
    return out;
  }

  delete(receipt: string): boolean {
    const m = this.messages.find((x) => x.receipt === receipt);
    if (!m) return false;
    this.remove(m);
    return true;
  }

  /** Is a message with this receipt handle received and not deleted? */
  inFlight(receipt: string): boolean {
    return this.messages.some((x) => x.receipt === receipt);
  }

  changeVisibility(receipt: string, seconds: number): boolean {
    const m = this.messages.find((x) => x.receipt === receipt);
    if (!m) return false;
    m.visibleAt = this.clock.now() + seconds * 1000;
    return true;
  }

  park(m: ParkedMessage): void {
    this.dlq.push({ body: m.body, errorCode: m.errorCode, receiveCount: m.receiveCount, at: this.clock.now() });
  }

  /** Waits until a message is sent or `at`, whichever comes first. */
  async waitForSendOr(at: number): Promise<void> {
    const ac = new AbortController();
    const wake = () => ac.abort();
    this.wakers.add(wake);
    try {
      await this.clock.until(at, ac.signal);
    } catch {
      // woken by a send
    } finally {
      this.wakers.delete(wake);
    }
  }

  count(kind: string, n = 1): void {
    this.requests[kind] = (this.requests[kind] ?? 0) + n;
  }

  private remove(m: SimMessage): void {
    const i = this.messages.indexOf(m);
    if (i >= 0) this.messages.splice(i, 1);
  }
}

/**
 * A QueueSender whose requests land in the simulated queues (no SQS client is ever called).
 * Same signatures and results as lib/aws/queue.ts: what the handler sees is what it would see
 * from SQS answering at once.
 */
export class QueueStandIn extends QueueSender {
  constructor(private readonly queue: SimQueue) {
    super(new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'sim', secretAccessKey: 'sim' } }));
  }

  override async sendBatch(queueUrl: string, messages: OutgoingMessage[], _o: SendOptions = {}): Promise<{ sent: number; calls: number }> {
    this.expect(queueUrl, this.queue.url);
    for (const m of messages) this.queue.send(m.body, m.delaySeconds ?? 0);
    const calls = Math.ceil(messages.length / 10);
    this.queue.count('SendMessageBatch', calls);
    return { sent: messages.length, calls };
  }

  override async park(dlqUrl: string, m: ParkedMessage, _o: SendOptions = {}): Promise<void> {
    this.expect(dlqUrl, this.queue.dlqUrl);
    this.queue.count('park');
    this.queue.park(m);
  }

  /** A copy sent again, delayed (the brake, Kore down, no time on the last receive): a new message, its receives from 0. */
  override async requeue(queueUrl: string, m: RequeuedMessage, _o: SendOptions = {}): Promise<void> {
    this.expect(queueUrl, this.queue.url);
    this.queue.count('SendMessage');
    const attributes = Object.fromEntries(Object.entries(m.attributes).flatMap(([k, v]) => (v.StringValue === undefined ? [] : [[k, v.StringValue]])));
    this.queue.send(m.body, m.delaySeconds, { ...attributes, KclOrigin: m.origin });
  }

  override async changeVisibility(queueUrl: string, receiptHandles: string[], seconds: number, _o: SendOptions = {}): Promise<number> {
    this.expect(queueUrl, this.queue.url);
    this.queue.count('ChangeMessageVisibilityBatch', Math.ceil(receiptHandles.length / 10));
    return receiptHandles.filter((h) => this.queue.changeVisibility(h, seconds)).length;
  }

  /** SQS confirms a receipt handle it gave out for a message still in flight: so does the stand-in. */
  override async proveReceived(queueUrl: string, receiptHandles: string[], _o: SendOptions = {}): Promise<string[]> {
    this.expect(queueUrl, this.queue.url);
    this.queue.count('ChangeMessageVisibilityBatch', Math.ceil(receiptHandles.length / 10));
    return receiptHandles.filter((h) => !this.queue.inFlight(h));
  }

  private expect(url: string, want: string): void {
    if (url !== want) throw new Error(`the stand-in queue is ${want}, not ${url}`);
  }
}

export type SimHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface InvocationRecord {
  consumer: string;
  at: number;
  records: number;
  failed: number;
  /** Virtual ms from the invocation's start to its answer. */
  durationMs: number;
  /** Past the function timeout: Lambda would have ended it and the whole batch returns. */
  timedOut: boolean;
  error?: string;
}

function toRecord(m: SimMessage, queueArn: string): SQSRecord {
  return {
    messageId: m.messageId,
    receiptHandle: m.receipt!,
    body: m.body,
    attributes: {
      ApproximateReceiveCount: String(m.receiveCount),
      SentTimestamp: String(m.sentAt),
      SenderId: 'AROAEXAMPLE:producer',
      ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt ?? m.sentAt),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(m.attributes).map(([k, v]) => [k, { dataType: 'String', stringValue: v, stringListValues: [], binaryListValues: [] }]),
    ),
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}

export interface EsmSettings {
  batchSize: number;
  /** MaximumBatchingWindowInSeconds: a batch short of batchSize waits this long for more. */
  batchWindowSeconds: number;
  functionTimeoutMs: number;
  /** An idle poller looks again after this long (a long poll returns at once when a message arrives). */
  idlePollMs: number;
}

/**
 * One consumer behind Lambda's SQS event source mapping: receive up to `batchSize` (waiting up to
 * the batching window for a full batch), invoke the handler with a Lambda context on the
 * simulation's clock, delete what the response does not list in batchItemFailures, leave the rest
 * for SQS (a throw or a timeout leaves the whole batch). Runs until `stop()` holds.
 */
export async function runEventSourceMapping(o: {
  name: string;
  clock: SimClock;
  queue: SimQueue;
  handler: SimHandler;
  settings: EsmSettings;
  stop: () => boolean;
  invocations: InvocationRecord[];
}): Promise<void> {
  const { clock, queue, settings } = o;
  const arn = `arn:aws:sqs:us-east-1:000000000000:${queue.url.split('/').pop()}`;
  while (!o.stop()) {
    const visible = queue.visible();
    if (visible.length === 0) {
      const next = queue.nextVisibleAt();
      await queue.waitForSendOr(Math.min(next ?? Number.POSITIVE_INFINITY, clock.now() + settings.idlePollMs));
      continue;
    }
    if (visible.length < settings.batchSize) {
      // The batching window counts from when the oldest visible message became visible.
      const oldest = Math.min(...visible.map((m) => Math.max(m.visibleAt, m.sentAt)));
      const windowEnd = oldest + settings.batchWindowSeconds * 1000;
      if (clock.now() < windowEnd) {
        await queue.waitForSendOr(windowEnd);
        if (queue.visible().length < settings.batchSize && clock.now() < windowEnd) continue;
      }
    }
    const batch = queue.receive(settings.batchSize);
    if (batch.length === 0) continue;
    const started = clock.now();
    const event: SQSEvent = { Records: batch.map((m) => toRecord(m, arn)) };
    let response: SQSBatchResponse | void = undefined;
    let error: string | undefined;
    try {
      response = await o.handler(event, lambdaContext(settings.functionTimeoutMs, o.name, clock));
    } catch (err) {
      error = (err as Error)?.message ?? String(err);
    }
    const durationMs = clock.now() - started;
    const timedOut = durationMs > settings.functionTimeoutMs;
    let failed = batch.length;
    if (!error && !timedOut) {
      const failedIds = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      for (const m of batch) if (!failedIds.has(m.messageId)) queue.delete(m.receipt!);
      failed = failedIds.size;
    }
    o.invocations.push({ consumer: o.name, at: started, records: batch.length, failed, durationMs, timedOut, ...(error ? { error } : {}) });
  }
}
