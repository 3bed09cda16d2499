import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import type { Message, MessageAttributeValue, QueueAttributeName, SQSClient } from '@aws-sdk/client-sqs';

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

/** A queue's depth by state (GetQueueAttributes: ApproximateNumberOfMessages, …NotVisible, …Delayed). */
export interface Depth {
  visible: number;
  inFlight: number;
  delayed: number;
}

export async function queueDepthDetail(sqs: SQSClient, url: string): Promise<Depth> {
  const a = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  const n = (k: QueueAttributeName) => Number(a.Attributes?.[k] ?? 0) || 0;
  return { visible: n('ApproximateNumberOfMessages'), inFlight: n('ApproximateNumberOfMessagesNotVisible'), delayed: n('ApproximateNumberOfMessagesDelayed') };
}

/** How long a message read to be listed, deleted or moved stays hidden from other readers at most (it is handed back sooner). */
export const HOLD_SECONDS = 120;
/**
 * Long polls: WaitTimeSeconds > 0 makes SQS ask all of its servers, where a short poll asks a
 * sample and can come back empty from a queue that has messages. 1 s is enough for that, and is
 * what the last, empty receive costs.
 */
export const LONG_POLL_SECONDS = 1;
/** Messages one read takes at most: a queue larger than this is read in parts (`dlq list` says so). */
export const READ_LIMIT = 10_000;

/**
 * Reads every visible message of a queue: long polls, each message held (hidden) for
 * `holdSeconds` so each receive brings new ones, until a receive brings none. A receive with
 * VisibilityTimeout 0 would leave them visible, but then SQS may answer the same ten every time.
 * The caller deletes what it must and hands the rest back (`release`).
 */
export async function holdAll(
  sqs: SQSClient,
  url: string,
  opts: { holdSeconds?: number; waitSeconds?: number; limit?: number; onBatch?: (batch: Message[]) => Promise<void> } = {},
): Promise<Message[]> {
  const seen = new Map<string, Message>();
  const limit = opts.limit ?? READ_LIMIT;
  while (seen.size < limit) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: Math.min(SQS_BATCH_MAX, limit - seen.size),
        VisibilityTimeout: opts.holdSeconds ?? HOLD_SECONDS,
        WaitTimeSeconds: opts.waitSeconds ?? LONG_POLL_SECONDS,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const fresh = (r.Messages ?? []).filter((m) => !seen.has(m.MessageId!));
    if (fresh.length === 0) break;
    for (const m of fresh) seen.set(m.MessageId!, m);
    await opts.onBatch?.(fresh);
  }
  return [...seen.values()];
}

/** Hands held messages back at once (visibility 0); returns how many SQS confirmed. Best effort: the hold expires anyway. */
export async function release(sqs: SQSClient, url: string, messages: readonly Message[]): Promise<number> {
  let released = 0;
  for (const chunk of batches(messages)) {
    try {
      const r = await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: url,
          Entries: chunk.map((m, j) => ({ Id: `v${j}`, ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
        }),
      );
      released += r.Successful?.length ?? 0;
    } catch {
      // They come back when the hold expires.
    }
  }
  return released;
}

/** Every visible message, read and handed back: a look that leaves them where they are (each hidden for a moment while it is read). */
export async function peekAll(sqs: SQSClient, url: string, opts: { limit?: number } = {}): Promise<Message[]> {
  const held = await holdAll(sqs, url, opts);
  await release(sqs, url, held);
  return held;
}

/** SQS takes at most 10 message attributes per message. */
export const MAX_MESSAGE_ATTRIBUTES = 10;
/**
 * What parking added to a message for the person reading the DLQ, in the order it may give way
 * when an added attribute (AllowStale) would take a message past SQS's 10: the error itself
 * (ErrorCode, ErrorMessage), where it came from (SourceMessageId, KclOrigin) and the producer's
 * own attributes are kept.
 */
const DROPPABLE = ['RejectedAt', 'ReceiveCount', 'EventId'];

/**
 * A message's attributes as SQS takes them back (a receive also returns list fields SQS does not
 * accept), with `add` on top. Past SQS's 10 attributes, parking's bookkeeping gives way first.
 */
export function attributesToSend(
  received: Record<string, MessageAttributeValue> | undefined,
  add: Record<string, MessageAttributeValue> = {},
): { attributes: Record<string, MessageAttributeValue>; dropped: string[] } {
  const attributes = { ...plainAttributes(received), ...add };
  const dropped: string[] = [];
  for (const name of DROPPABLE) {
    if (Object.keys(attributes).length <= MAX_MESSAGE_ATTRIBUTES) break;
    if (name in attributes && !(name in add)) {
      delete attributes[name];
      dropped.push(name);
    }
  }
  return { attributes, dropped };
}

export interface NotMoved {
  messageId: string;
  sourceMessageId?: string;
  /** Why SQS refused it (an entry's code and message, or the request's error). */
  reason: string;
}

export interface RedriveReport {
  /** Messages read from the source. */
  received: number;
  /** Sent to the destination and deleted from the source. */
  moved: number;
  /** Left in the source, with why. */
  notMoved: NotMoved[];
  /** Sent, but the delete from the source failed: a copy in both queues (every command is idempotent). */
  sentNotDeleted: number;
  /** Parked again by the consumer while this ran (a copy this redrive sent): left in the source. */
  cameBack: number;
  /** Attributes that gave way to `addAttributes` under SQS's limit of 10, by name. */
  dropped: string[];
}

/**
 * Moves every message from one queue to another by receive → send → delete, in that order: a
 * crash in between leaves a copy in both queues (every command is idempotent), never none. Each
 * message keeps its message attributes (AllowStale, KclOrigin, a producer's own, the DLQ's
 * ErrorCode…), as SQS's StartMessageMoveTask does; `addAttributes` adds some (AllowStale), which a
 * move task cannot. A message the destination refuses stays in the source, handed back at once,
 * and is reported with SQS's reason; nothing is counted as moved that was not deleted from the
 * source after a confirmed send.
 */
export async function redriveByHand(
  sqs: SQSClient,
  from: string,
  to: string,
  opts: { addAttributes?: Record<string, MessageAttributeValue>; holdSeconds?: number; waitSeconds?: number } = {},
): Promise<RedriveReport> {
  const report: RedriveReport = { received: 0, moved: 0, notMoved: [], sentNotDeleted: 0, cameBack: 0, dropped: [] };
  const sentIds = new Set<string>();
  const handBack: Message[] = [];
  await holdAll(sqs, from, {
    ...(opts.holdSeconds !== undefined ? { holdSeconds: opts.holdSeconds } : {}),
    ...(opts.waitSeconds !== undefined ? { waitSeconds: opts.waitSeconds } : {}),
    onBatch: async (batch) => {
      report.received += batch.length;
      // A copy this run sent, parked again by the consumer: moving it again would go round for ever.
      const returned = batch.filter((m) => sentIds.has(m.MessageAttributes?.SourceMessageId?.StringValue ?? ''));
      report.cameBack += returned.length;
      handBack.push(...returned);
      const chunk = batch.filter((m) => !returned.includes(m));
      if (chunk.length === 0) return;
      const entries = chunk.map((m, j) => {
        const { attributes, dropped } = attributesToSend(m.MessageAttributes, opts.addAttributes);
        for (const d of dropped) if (!report.dropped.includes(d)) report.dropped.push(d);
        return { Id: `m${j}`, MessageBody: m.Body!, MessageAttributes: attributes };
      });
      let ok: Message[] = [];
      try {
        const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl: to, Entries: entries }));
        for (const s of sent.Successful ?? []) if (s.MessageId) sentIds.add(s.MessageId);
        const okIds = new Set((sent.Successful ?? []).map((x) => x.Id));
        ok = chunk.filter((_, j) => okIds.has(`m${j}`));
        for (const f of sent.Failed ?? []) {
          const m = chunk[Number(f.Id?.slice(1))];
          if (m) refused(m, `${f.Code ?? 'refused'}${f.Message ? `: ${f.Message}` : ''}`);
        }
        // An entry SQS answered neither way: not confirmed, so not moved.
        for (const m of chunk) if (!ok.includes(m) && !handBack.includes(m)) refused(m, 'no answer for this entry');
      } catch (err) {
        for (const m of chunk) refused(m, `${(err as Error)?.name ?? 'Error'}: ${(err as Error)?.message ?? String(err)}`.slice(0, 300));
      }
      const deleted = await deleteMessages(sqs, from, ok).catch(() => 0);
      report.moved += deleted;
      report.sentNotDeleted += ok.length - deleted;
    },
  });
  await release(sqs, from, handBack);
  return report;

  function refused(m: Message, reason: string) {
    handBack.push(m);
    report.notMoved.push({
      messageId: m.MessageId!,
      ...(m.MessageAttributes?.SourceMessageId?.StringValue ? { sourceMessageId: m.MessageAttributes.SourceMessageId.StringValue } : {}),
      reason,
    });
  }
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
