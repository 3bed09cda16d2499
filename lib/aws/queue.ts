import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { MessageAttributeValue, SQSClient } from '@aws-sdk/client-sqs';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { QueueSendError } from '../errors.js';
import { backoffDelay } from '../retry.js';

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
}

/** SQS allows 10 entries per SendMessageBatch. */
const BATCH = 10;

/** Sends to SQS: batches of 10, failed entries retried, DLQ parking with the error as attributes. */
export class QueueSender {
  constructor(
    private readonly sqs: SQSClient,
    private readonly opts: { maxAttempts?: number; clock?: Clock; concurrency?: number } = {},
  ) {}

  /**
   * Sends every message or throws a (retryable) QueueSendError. Chunks of 10 go out with
   * bounded concurrency; entries SQS reports as failed are retried with backoff.
   */
  async sendBatch(queueUrl: string, messages: OutgoingMessage[]): Promise<{ sent: number; calls: number }> {
    const chunks: OutgoingMessage[][] = [];
    for (let i = 0; i < messages.length; i += BATCH) chunks.push(messages.slice(i, i + BATCH));
    let calls = 0;
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!;
        // Not `calls += await …`: that reads `calls` before the await and loses other workers' counts.
        const made = await this.sendChunk(queueUrl, chunk);
        calls += made;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency ?? 8, chunks.length) }, worker));
    return { sent: messages.length, calls };
  }

  private async sendChunk(queueUrl: string, chunk: OutgoingMessage[]): Promise<number> {
    const clock = this.opts.clock ?? systemClock;
    const maxAttempts = this.opts.maxAttempts ?? 4;
    // Entry ids only need to be unique within one request: use the index in the chunk.
    let pending = chunk.map((m, i) => ({ ...m, id: `m${i}` }));
    let calls = 0;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= maxAttempts) {
        throw new QueueSendError(`${pending.length} message(s) could not be sent to SQS after ${maxAttempts} attempts`);
      }
      if (attempt > 0) await clock.sleep(backoffDelay(attempt, { maxRetries: maxAttempts, baseDelayMs: 100, maxDelayMs: 2_000 }));
      calls++;
      let failedIds: Set<string>;
      try {
        const res = await this.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: pending.map((m) => ({ Id: m.id, MessageBody: m.body, DelaySeconds: m.delaySeconds })),
          }),
        );
        // An entry refused through the sender's fault (bad input) will fail again: stop at once.
        const senderFault = (res.Failed ?? []).find((f) => f.SenderFault);
        if (senderFault) throw new QueueSendError(`SQS refused a message: ${senderFault.Code ?? 'error'}`);
        failedIds = new Set((res.Failed ?? []).map((f) => f.Id ?? ''));
      } catch (err) {
        if (err instanceof QueueSendError) throw err;
        if (attempt + 1 >= maxAttempts) throw new QueueSendError(`SendMessageBatch failed: ${(err as Error)?.name ?? 'error'}`, { cause: err });
        continue;
      }
      pending = pending.filter((m) => failedIds.has(m.id));
    }
    return calls;
  }

  /** Parks a rejected message in the DLQ with the error as message attributes. */
  async park(dlqUrl: string, m: ParkedMessage): Promise<void> {
    const attrs: Record<string, MessageAttributeValue> = {
      ErrorCode: { DataType: 'String', StringValue: m.errorCode },
      // SQS attribute values may be large, but keep the DLQ readable.
      ErrorMessage: { DataType: 'String', StringValue: m.errorMessage.slice(0, 1024) || '(none)' },
      SourceMessageId: { DataType: 'String', StringValue: m.messageId },
      ReceiveCount: { DataType: 'Number', StringValue: String(m.receiveCount) },
      RejectedAt: { DataType: 'String', StringValue: new Date((this.opts.clock ?? systemClock).now()).toISOString() },
    };
    if (m.eventId) attrs.EventId = { DataType: 'String', StringValue: m.eventId.slice(0, 256) };
    try {
      await this.sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: m.body || '(empty body)', MessageAttributes: attrs }));
    } catch (err) {
      throw new QueueSendError(`could not park message ${m.messageId} in the DLQ: ${(err as Error)?.name ?? 'error'}`, { cause: err });
    }
  }
}
