import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import type { BatchHandler } from './event-source-mapping.js';
import { invokeWithTimeout, lambdaContext, toSqsRecord } from './event-source-mapping.js';

/**
 * The event source mapping of the chaos run: what local/event-source-mapping.ts does (receive a
 * batch, invoke with a Lambda context whose time runs out, delete what succeeded), but through
 * an SQS endpoint that fails. A receive that fails is simply tried again; a delete that fails
 * leaves its messages to come back after the visibility timeout (at-least-once delivery, as
 * with Lambda). It remembers which messages that happened to, because their extra receive is
 * the harness's doing, not the consumer's.
 */

export interface ChaosInvocation {
  /** The Lambda context's request id: the handler's `invocation` log line carries it as `function_request_id`. */
  requestId: string;
  messageIds: string[];
  /** The handler was still running at the function timeout (Lambda would have killed it). */
  timedOut: boolean;
  invocationError?: string;
  durationMs: number;
}

export interface ChaosPollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  handler: BatchHandler;
  batchSize: number;
  functionTimeoutMs: number;
  region?: string;
}

function receiveCountOf(m: Message): number {
  return Number(m.Attributes?.ApproximateReceiveCount ?? '1') || 1;
}

export class ChaosPoller {
  readonly invocations: ChaosInvocation[] = [];
  /** Messages whose DeleteMessageBatch failed (or may have), with the receive it was: they may be received again. */
  readonly deleteFailed = new Map<string, number>();
  receiveErrors = 0;
  deleteErrors = 0;
  /** An invocation is running (its follow-ups may not be in the queue yet). */
  busy = false;

  constructor(private readonly o: ChaosPollerOptions) {}

  /** One poll; true when a batch was received and the handler invoked. */
  async pollOnce(): Promise<boolean> {
    const { sqs, queueUrl, queueArn, handler, batchSize, functionTimeoutMs } = this.o;
    let messages;
    try {
      const res = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: batchSize,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      messages = res.Messages ?? [];
    } catch {
      this.receiveErrors++;
      return false;
    }
    if (messages.length === 0) return false;
    this.busy = true;
    try {
      const event: SQSEvent = { Records: messages.map((m) => toSqsRecord(m, queueArn, this.o.region ?? 'us-east-1')) };
      const context = lambdaContext(functionTimeoutMs);
      const started = Date.now();
      const { response, invocationError, timedOut } = await invokeWithTimeout(handler, event, context, functionTimeoutMs);
      this.invocations.push({
        requestId: context.awsRequestId,
        messageIds: messages.map((m) => m.MessageId!),
        timedOut,
        ...(invocationError ? { invocationError } : {}),
        durationMs: Date.now() - started,
      });
      if (invocationError) return true;
      const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      const ok = messages.filter((m) => !failed.has(m.MessageId!));
      for (let i = 0; i < ok.length; i += 10) {
        const chunk = ok.slice(i, i + 10);
        try {
          const res = await sqs.send(
            new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: chunk.map((m, j) => ({ Id: `d${j}`, ReceiptHandle: m.ReceiptHandle! })) }),
          );
          for (const f of res.Failed ?? []) {
            const m = chunk[Number(f.Id?.slice(1))];
            if (m) this.deleteFailed.set(m.MessageId!, receiveCountOf(m));
          }
        } catch {
          this.deleteErrors++;
          for (const m of chunk) this.deleteFailed.set(m.MessageId!, receiveCountOf(m));
        }
      }
      return true;
    } finally {
      this.busy = false;
    }
  }
}
