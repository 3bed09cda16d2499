import type { SQSRecord } from 'aws-lambda';

/**
 * Who sent a record, and when: SQS's SenderId and SentTimestamp. A copy the consumer requeued
 * itself (lib/aws/queue.ts, `requeue`) carries the original's in the message attribute
 * `KclOrigin`, believed only when SQS says the consumer sent that copy: from anyone else the
 * attribute is ignored, so no producer can pass for another one (or for an operator allowed to
 * override).
 */

export const ORIGIN_ATTRIBUTE = 'KclOrigin';

export interface Origin {
  /** SQS's SenderId of the message as it first arrived (an IAM role or user unique id, `AROA…:session`). */
  senderId?: string;
  /** When SQS first took it (epoch ms). */
  sentAtMs?: number;
  /** The SQS MessageId of the message as it first arrived (a requeued copy has its own). */
  firstMessageId?: string;
  /** How often the consumer requeued it (the brake, the circuit breaker, a deadline on its last receive). */
  requeues: number;
}

interface OriginAttribute {
  senderId?: unknown;
  sentAtMs?: unknown;
  messageId?: unknown;
  requeues?: unknown;
}

/** Does this SenderId belong to `id` (a role's SenderId is `AROA…:session-name`)? */
export function senderMatches(senderId: string | undefined, id: string): boolean {
  return senderId !== undefined && (senderId === id || senderId.startsWith(`${id}:`));
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isShortString = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 256;

export function originOf(record: SQSRecord, consumerSenderId: string | undefined): Origin {
  const sqsSender = record.attributes?.SenderId;
  const sent = Number(record.attributes?.SentTimestamp);
  const own: Origin = {
    ...(sqsSender ? { senderId: sqsSender } : {}),
    ...(Number.isSafeInteger(sent) && sent > 0 ? { sentAtMs: sent } : {}),
    ...(record.messageId ? { firstMessageId: record.messageId } : {}),
    requeues: 0,
  };
  const raw = record.messageAttributes?.[ORIGIN_ATTRIBUTE]?.stringValue;
  if (!raw || consumerSenderId === undefined || !senderMatches(sqsSender, consumerSenderId)) return own;
  let v: OriginAttribute;
  try {
    v = JSON.parse(raw) as OriginAttribute;
  } catch {
    return own;
  }
  if (typeof v !== 'object' || v === null) return own;
  const sentAtMs = isCount(v.sentAtMs) ? v.sentAtMs : own.sentAtMs;
  const firstMessageId = isShortString(v.messageId) ? v.messageId : own.firstMessageId;
  return {
    ...(isShortString(v.senderId) ? { senderId: v.senderId } : {}),
    ...(sentAtMs !== undefined ? { sentAtMs } : {}),
    ...(firstMessageId !== undefined ? { firstMessageId } : {}),
    requeues: isCount(v.requeues) ? v.requeues : 0,
  };
}

export function originAttribute(o: Origin): string {
  return JSON.stringify({
    ...(o.senderId ? { senderId: o.senderId } : {}),
    ...(o.sentAtMs !== undefined ? { sentAtMs: o.sentAtMs } : {}),
    ...(o.firstMessageId ? { messageId: o.firstMessageId } : {}),
    requeues: o.requeues,
  });
}
