import { DeleteMessageBatchCommand, GetQueueAttributesCommand, PurgeQueueCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { Message, MessageAttributeValue, SQSClient } from '@aws-sdk/client-sqs';

/**
 * Queue helpers shared by `npm start`, the CLI, the local event source mapping and the tests:
 * the one place that knows SQS's batch limit, how to look without claiming, and how to move a
 * message without ever losing it.
 */

/** SendMessageBatch, DeleteMessageBatch and ReceiveMessage take at most 10 entries (SQS quota). */
export const SQS_BATCH_MAX = 10;

/** Splits a list into SQS-sized batches. */
export function batches<T>(items: readonly T[], size = SQS_BATCH_MAX): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return a.Attributes!.QueueArn!;
}

/** Visible + in flight + delayed messages of a queue. */
export async function queueDepth(sqs: SQSClient, url: string): Promise<number> {
  const a = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return Object.values(a.Attributes ?? {}).reduce((s, v) => s + Number(v), 0);
}

/**
 * Receives every visible message once, with all attributes, until a round brings nothing new.
 * Visibility 0 is a look, not a claim (the messages stay for the next reader); note that each
 * receive still counts towards maxReceiveCount, as in SQS.
 */
export async function receiveAll(sqs: SQSClient, url: string, visibilityTimeout: number): Promise<Message[]> {
  const seen = new Map<string, Message>();
  for (;;) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: SQS_BATCH_MAX,
        VisibilityTimeout: visibilityTimeout,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const fresh = (r.Messages ?? []).filter((m) => !seen.has(m.MessageId!));
    if (fresh.length === 0) return [...seen.values()];
    for (const m of fresh) seen.set(m.MessageId!, m);
  }
}

/** Deletes received messages in batches of 10; returns how many SQS confirmed. */
export async function deleteMessages(sqs: SQSClient, url: string, messages: readonly Message[]): Promise<number> {
  let deleted = 0;
  for (const chunk of batches(messages)) {
    const r = await sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: url, Entries: chunk.map((m, j) => ({ Id: `d${j}`, ReceiptHandle: m.ReceiptHandle! })) }),
    );
    deleted += r.Successful?.length ?? 0;
  }
  return deleted;
}

export interface MoveResult {
  received: number;
  moved: number;
}

/**
 * Moves every message from one queue to another by receive → send → delete, in that order: a
 * crash in between leaves a copy in both queues (every command is idempotent), never none. The
 * message attributes travel with the body, as with SQS's own StartMessageMoveTask; `addAttributes`
 * adds or replaces some (e.g. AllowStale), which a move task cannot do.
 */
export async function moveMessages(
  sqs: SQSClient,
  from: string,
  to: string,
  opts: { addAttributes?: Record<string, MessageAttributeValue>; visibilityTimeout?: number } = {},
): Promise<MoveResult> {
  // A long visibility: nobody else takes them while they are being moved.
  const messages = await receiveAll(sqs, from, opts.visibilityTimeout ?? 120);
  let moved = 0;
  for (const chunk of batches(messages)) {
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: to,
        Entries: chunk.map((m, j) => ({
          Id: `m${j}`,
          MessageBody: m.Body!,
          MessageAttributes: { ...plainAttributes(m.MessageAttributes), ...opts.addAttributes },
        })),
      }),
    );
    const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
    moved += await deleteMessages(
      sqs,
      from,
      chunk.filter((_, j) => ok.has(`m${j}`)),
    );
  }
  return { received: messages.length, moved };
}

/** Received attributes as sendable ones (a receive also returns list fields SQS does not accept back). */
function plainAttributes(attrs: Record<string, MessageAttributeValue> | undefined): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [k, v] of Object.entries(attrs ?? {})) {
    out[k] = v.BinaryValue !== undefined ? { DataType: v.DataType, BinaryValue: v.BinaryValue } : { DataType: v.DataType, StringValue: v.StringValue };
  }
  return out;
}

/** Empties queues: PurgeQueue (SQS allows one per queue per 60 s; the local SQS has no such limit). */
export async function purgeQueues(sqs: SQSClient, urls: readonly string[]): Promise<void> {
  for (const url of urls) await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
}
