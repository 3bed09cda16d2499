import { ChangeMessageVisibilityBatchCommand, GetQueueAttributesCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { MessageAttributeValue, SQSClient } from '@aws-sdk/client-sqs';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { Deadline } from '../deadline.js';
import { DeadlineError } from '../errors.js';
import { backoffDelay } from '../retry.js';
import { credentialsHint, QueueSendError } from './errors.js';

export interface OutgoingMessage {
  body: string;
  delaySeconds?: number;
}

export interface ParkedMessage {
  body: string;
  messageId: string;
  receiveCount: number;
  errorCode: string;
  errorMessage: string;
  eventId?: string;
  /** The message's own attributes (AllowStale, KclOrigin, a producer's): kept, so a redrive restores them. */
  attributes?: Record<string, MessageAttributeValue>;
}

/** A message the consumer sends again in place of the one it received (lib/lifecycle/origin.ts). */
export interface RequeuedMessage {
  body: string;
  /** The message's own attributes, kept. */
  attributes: Record<string, MessageAttributeValue>;
  /** Where and when it first came from (the KclOrigin attribute). */
  origin: string;
  delaySeconds: number;
}

/** SQS takes at most 10 message attributes per message. */
const MAX_ATTRIBUTES = 10;

/** `first` whole, then as many of `rest` as the limit leaves room for (their order kept). */
function withinLimit(first: Record<string, MessageAttributeValue>, rest: Record<string, MessageAttributeValue> = {}): Record<string, MessageAttributeValue> {
  const out = { ...first };
  for (const [k, v] of Object.entries(rest)) {
    if (Object.keys(out).length >= MAX_ATTRIBUTES) break;
    if (!(k in out)) out[k] = v;
  }
  return out;
}

export interface SendOptions {
  deadline?: Deadline;
}

export interface QueueSenderOptions {
  clock?: Clock;
  random?: () => number;
  /** One SQS request's timeout, cut to the time the invocation has left. */
  attemptTimeoutMs?: number;
  /** Attempts per request. The SDK client is built with maxAttempts 1: retries happen here only, inside the deadline. */
  maxAttempts?: number;
  /** SendMessageBatch requests in flight at once. */
  concurrency?: number;
}

/** SQS allows 10 entries per batch request. */
const BATCH = 10;

/**
 * Sends to SQS: batches of 10, failed entries retried, DLQ parking with the error as message
 * attributes, and visibility changes. Every request carries the invocation's abort signal and
 * a timeout cut to the time left, and retries stop when the next attempt would not fit.
 */
export class QueueSender {
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly attemptTimeoutMs: number;
  private readonly maxAttempts: number;

  constructor(
    private readonly sqs: SQSClient,
    private readonly opts: QueueSenderOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.attemptTimeoutMs = opts.attemptTimeoutMs ?? 3_000;
    this.maxAttempts = opts.maxAttempts ?? 3;
  }

  /** Sends every message or throws a (retryable) QueueSendError or DeadlineError. */
  async sendBatch(queueUrl: string, messages: OutgoingMessage[], o: SendOptions = {}): Promise<{ sent: number; calls: number }> {
    const deadline = o.deadline ?? Deadline.none(this.clock);
    const chunks: OutgoingMessage[][] = [];
    for (let i = 0; i < messages.length; i += BATCH) chunks.push(messages.slice(i, i + BATCH));
    let calls = 0;
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!;
        // Not `calls += await …`: that reads `calls` before the await and loses other workers' counts.
        const made = await this.sendChunk(queueUrl, chunk, deadline);
        calls += made;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency ?? 8, chunks.length) }, worker));
    return { sent: messages.length, calls };
  }

  private async sendChunk(queueUrl: string, chunk: OutgoingMessage[], deadline: Deadline): Promise<number> {
    // Entry ids only need to be unique within one request: use the index in the chunk.
    let pending = chunk.map((m, i) => ({ ...m, id: `m${i}` }));
    let calls = 0;
    let lastError: unknown;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= this.maxAttempts) {
        throw new QueueSendError(`${pending.length} message(s) could not be sent to SQS in ${this.maxAttempts} attempts: ${describe(lastError)}`, {
          cause: lastError,
        });
      }
      if (attempt > 0) {
        const delay = backoffDelay(attempt, { baseDelayMs: 100, maxDelayMs: 2_000 }, this.random);
        if (!deadline.fits(delay + this.attemptTimeoutMs))
          throw new QueueSendError(`SendMessageBatch: no time left to retry: ${describe(lastError)}`, { cause: lastError });
        await this.clock.sleep(delay, deadline.cancelled);
      }
      calls++;
      try {
        const entries = pending.map((m) => ({ Id: m.id, MessageBody: m.body, DelaySeconds: m.delaySeconds }));
        const res = await this.timed(deadline, 'SendMessageBatch', (abortSignal) =>
          this.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }), { abortSignal }),
        );
        // An entry refused through the sender's fault (bad input) will fail again: stop at once.
        const senderFault = (res.Failed ?? []).find((f) => f.SenderFault);
        if (senderFault) throw new QueueSendError(`SQS refused a message: ${senderFault.Code ?? 'error'}`);
        const failedIds = new Set((res.Failed ?? []).map((f) => f.Id ?? ''));
        lastError = failedIds.size ? new Error(`${failedIds.size} entries failed`) : undefined;
        pending = pending.filter((m) => failedIds.has(m.id));
      } catch (err) {
        if (err instanceof QueueSendError || err instanceof DeadlineError) throw err;
        // No reply in time: SQS is not answering; another attempt would spend the invocation on it.
        if (isNoReply(err)) throw new QueueSendError(`SendMessageBatch: ${describe(err)}`, { cause: err });
        lastError = err;
      }
    }
    return calls;
  }

  /** Parks a rejected message in the DLQ with the error as message attributes (one attempt per try, within the deadline). */
  async park(dlqUrl: string, m: ParkedMessage, o: SendOptions = {}): Promise<void> {
    const deadline = o.deadline ?? Deadline.none(this.clock);
    const attrs: Record<string, MessageAttributeValue> = {
      ErrorCode: { DataType: 'String', StringValue: m.errorCode },
      // Kept short: the DLQ must accept the body plus these (docs/deploy.md, "Fixed in the template").
      ErrorMessage: { DataType: 'String', StringValue: m.errorMessage.slice(0, 1024) || '(none)' },
      SourceMessageId: { DataType: 'String', StringValue: m.messageId },
      ReceiveCount: { DataType: 'Number', StringValue: String(m.receiveCount) },
      RejectedAt: { DataType: 'String', StringValue: new Date(this.clock.now()).toISOString() },
    };
    if (m.eventId) attrs.EventId = { DataType: 'String', StringValue: m.eventId.slice(0, 256) };
    // The message's own attributes go with it (AllowStale and KclOrigin first: a redrive needs them).
    const own = m.attributes ?? {};
    const { AllowStale, KclOrigin, ...others } = own;
    const attributes = withinLimit(attrs, { ...(AllowStale ? { AllowStale } : {}), ...(KclOrigin ? { KclOrigin } : {}), ...others });
    try {
      // A send without a reply may have gone through: not sent again (a second copy in the DLQ).
      await this.retried(
        deadline,
        'park',
        (abortSignal) =>
          this.sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: m.body || '(empty body)', MessageAttributes: attributes }), { abortSignal }),
        { stopOnNoReply: true },
      );
      return;
    } catch (err) {
      if (err instanceof DeadlineError) throw err;
      throw new QueueSendError(`could not park message ${m.messageId} in the DLQ: ${describe(err)}`, { cause: err });
    }
  }

  /**
   * Sends a message again, delayed, in place of the one received (the caller then lets SQS delete
   * that one): its receive count starts over, which a long Kore outage or the brake would otherwise
   * use up. One attempt per try, within the deadline; throws a QueueSendError when it cannot.
   */
  async requeue(queueUrl: string, m: RequeuedMessage, o: SendOptions = {}): Promise<void> {
    const deadline = o.deadline ?? Deadline.none(this.clock);
    const attributes = withinLimit({ KclOrigin: { DataType: 'String', StringValue: m.origin } }, m.attributes);
    try {
      await this.retried(
        deadline,
        'requeue',
        (abortSignal) =>
          this.sqs.send(
            new SendMessageCommand({
              QueueUrl: queueUrl,
              MessageBody: m.body,
              MessageAttributes: attributes,
              DelaySeconds: Math.max(0, Math.min(900, Math.round(m.delaySeconds))),
            }),
            { abortSignal },
          ),
        { stopOnNoReply: true },
      );
      return;
    } catch (err) {
      if (err instanceof DeadlineError) throw err;
      throw new QueueSendError(`could not requeue a message: ${describe(err)}`, { cause: err });
    }
  }

  /**
   * Sets the visibility of received messages (records deferred for lack of time come back after
   * `seconds` instead of the full visibility timeout). Best effort: returns how many were changed.
   */
  async changeVisibility(queueUrl: string, receiptHandles: string[], seconds: number, o: SendOptions = {}): Promise<number> {
    const deadline = o.deadline ?? Deadline.none(this.clock);
    let changed = 0;
    for (let i = 0; i < receiptHandles.length; i += BATCH) {
      const chunk = receiptHandles.slice(i, i + BATCH);
      try {
        const entries = chunk.map((h, j) => ({ Id: `v${j}`, ReceiptHandle: h, VisibilityTimeout: seconds }));
        const res = await this.timed(deadline, 'ChangeMessageVisibilityBatch', (abortSignal) =>
          this.sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }), { abortSignal }),
        );
        changed += res.Successful?.length ?? 0;
      } catch {
        // The message then comes back after the full visibility timeout: slower, nothing lost.
      }
    }
    return changed;
  }

  /**
   * Proves that each receipt handle is one SQS gave out for `queueUrl` and that the message is
   * still in flight: a ChangeMessageVisibilityBatch to the queue's own visibility timeout (read once
   * per container), which SQS refuses for a handle it did not issue. Returns the handles it
   * refused; throws a QueueSendError when SQS could not be asked (nothing is then proven).
   */
  async proveReceived(queueUrl: string, receiptHandles: string[], o: SendOptions = {}): Promise<string[]> {
    const deadline = o.deadline ?? Deadline.none(this.clock);
    try {
      if (this.visibility === undefined) {
        const r = await this.retried(deadline, 'GetQueueAttributes', (abortSignal) =>
          this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['VisibilityTimeout'] }), { abortSignal }),
        );
        this.visibility = Number(r.Attributes?.VisibilityTimeout ?? '30');
      }
      const seconds = this.visibility;
      const refused: string[] = [];
      for (let i = 0; i < receiptHandles.length; i += BATCH) {
        const chunk = receiptHandles.slice(i, i + BATCH);
        const entries = chunk.map((h, j) => ({ Id: `p${j}`, ReceiptHandle: h, VisibilityTimeout: seconds }));
        // Each attempt asks about every handle again (the call is idempotent); SQS's own fault on an entry (not the handle's) is asked again.
        const res = await this.retried(deadline, 'ChangeMessageVisibilityBatch', async (abortSignal) => {
          const r = await this.sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }), { abortSignal });
          const theirs = (r.Failed ?? []).filter((f) => f.SenderFault === false);
          if (theirs.length) throw new Error(`SQS failed on ${theirs.length} entries (${theirs[0]!.Code ?? 'error'})`);
          return r;
        });
        const ok = new Set((res.Successful ?? []).map((e) => e.Id));
        chunk.forEach((h, j) => {
          if (!ok.has(`p${j}`)) refused.push(h);
        });
      }
      return refused;
    } catch (err) {
      if (err instanceof DeadlineError) throw err;
      throw new QueueSendError(`could not ask SQS whether the records came from the queue: ${describe(err)}`, { cause: err });
    }
  }

  /**
   * Up to maxAttempts tries of one SQS request, backing off, each within the deadline; throws the
   * last error. `stopOnNoReply`: a send whose reply never came may have gone through, so it is not
   * sent again.
   */
  private async retried<T>(deadline: Deadline, what: string, call: (abortSignal: AbortSignal) => Promise<T>, o: { stopOnNoReply?: boolean } = {}): Promise<T> {
    let lastError: unknown;
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      if (attempt > 0) {
        const delay = backoffDelay(attempt, { baseDelayMs: 100, maxDelayMs: 1_000 }, this.random);
        if (!deadline.fits(delay + this.attemptTimeoutMs)) break;
        await this.clock.sleep(delay, deadline.cancelled);
      }
      try {
        return await this.timed(deadline, what, call);
      } catch (err) {
        if (err instanceof DeadlineError) throw err;
        lastError = err;
        if (o.stopOnNoReply && isNoReply(err)) break;
      }
    }
    throw lastError ?? new DeadlineError(`no time left to ask SQS (${what})`);
  }

  private visibility: number | undefined;

  /** One SQS request with a timeout cut to the time left and the invocation's abort signal. */
  private timed<T>(deadline: Deadline, what: string, call: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const timeoutMs = deadline.attemptTimeout(this.attemptTimeoutMs, what);
    return call(deadline.signal(timeoutMs));
  }
}

function isNoReply(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return name === 'TimeoutError' || name === 'AbortError' || name === 'RequestTimeout';
}

function describe(err: unknown): string {
  if (err === undefined) return 'error';
  const e = err as { name?: string; message?: string; code?: string };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'no reply in time';
  return (e?.name && e.name !== 'Error' ? e.name : (e?.message ?? String(err))) + credentialsHint(err);
}
