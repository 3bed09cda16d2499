import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';

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
        MaxNumberOfMessages: 10,
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
