import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { queueDepth } from '../../local/queues';
import { SqsFaultProxy } from '../../local/sqs-fault-proxy';
import type { SqsFaultScript } from '../../local/sqs-fault-proxy';
import { startSqsServer } from '../../local/sqs-process';
import type { SqsServer } from '../../local/sqs-process';

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The SQS fault proxy the chaos run puts in front of fauxqs: each fault does what its name says. */
describe('SQS fault proxy', () => {
  let sqsServer: SqsServer;
  let direct: SQSClient;
  let queues = 0;
  const cfg = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 };

  beforeAll(async () => {
    sqsServer = await startSqsServer(0);
    direct = new SQSClient({ ...cfg, endpoint: sqsServer.url });
  });
  afterAll(async () => {
    direct.destroy();
    await sqsServer.stop();
  });

  /** A fresh queue (visibility 1 s) and a client that reaches it through a proxy with `script`. */
  async function through(script: SqsFaultScript) {
    const created = await direct.send(new CreateQueueCommand({ QueueName: `proxy-${++queues}`, Attributes: { VisibilityTimeout: '1' } }));
    // fauxqs names a host WHATWG URL refuses (sqs.<region>.127.0.0.1); it answers on its own host too.
    const queueUrl = `${sqsServer.url}${created.QueueUrl!.replace(/^https?:\/\/[^/]+/, '')}`;
    const proxy = await new SqsFaultProxy({ target: sqsServer.url, script }).start();
    const client = new SQSClient({ ...cfg, endpoint: proxy.url });
    return {
      queueUrl,
      proxy,
      client,
      async close() {
        client.destroy();
        await proxy.stop();
      },
    };
  }

  it('passes requests it has no fault for through untouched', async () => {
    const t = await through({});
    try {
      await t.client.send(new SendMessageCommand({ QueueUrl: t.queueUrl, MessageBody: 'hello' }));
      const got = await t.client.send(new ReceiveMessageCommand({ QueueUrl: t.queueUrl }));
      expect(got.Messages?.map((m) => m.Body)).toEqual(['hello']);
      expect(t.proxy.counts()).toEqual({ SendMessage: { ok: 1 }, ReceiveMessage: { ok: 1 } });
    } finally {
      await t.close();
    }
  });

  it('drops a request before SQS sees it: the client fails and nothing is queued', async () => {
    const t = await through({ SendMessage: ['dropped'] });
    try {
      await expect(t.client.send(new SendMessageCommand({ QueueUrl: t.queueUrl, MessageBody: 'x' }))).rejects.toThrow();
      expect(await queueDepth(direct, t.queueUrl)).toBe(0);
      expect(t.proxy.sent).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('answers a 5xx in the SQS error shape before SQS sees the request', async () => {
    const t = await through({ SendMessage: ['server-error'] });
    try {
      await expect(t.client.send(new SendMessageCommand({ QueueUrl: t.queueUrl, MessageBody: 'x' }))).rejects.toMatchObject({
        name: expect.stringMatching(/^(InternalError|ServiceUnavailable)$/),
        $metadata: { httpStatusCode: expect.any(Number) },
      });
      expect(await queueDepth(direct, t.queueUrl)).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('loses the reply to a send SQS applied: the client fails, the message is queued and recorded', async () => {
    const t = await through({ SendMessage: ['lost-reply'] });
    try {
      await expect(t.client.send(new SendMessageCommand({ QueueUrl: t.queueUrl, MessageBody: 'applied' }))).rejects.toThrow();
      expect(await queueDepth(direct, t.queueUrl)).toBe(1);
      expect(t.proxy.sent).toEqual([{ queue: t.queueUrl.split('/').pop(), body: 'applied', messageId: expect.any(String) }]);
    } finally {
      await t.close();
    }
  });

  it('loses the reply to a receive: the message was claimed, comes back after the visibility timeout with its receive count up', async () => {
    const t = await through({ ReceiveMessage: ['lost-reply'] });
    try {
      await direct.send(new SendMessageCommand({ QueueUrl: t.queueUrl, MessageBody: 'claimed' }));
      await expect(t.client.send(new ReceiveMessageCommand({ QueueUrl: t.queueUrl }))).rejects.toThrow();
      expect(t.proxy.lostReceives).toEqual([{ messageId: expect.any(String), body: 'claimed' }]);
      const again = await t.client.send(
        new ReceiveMessageCommand({ QueueUrl: t.queueUrl, WaitTimeSeconds: 3, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
      );
      expect(again.Messages?.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([['claimed', '2']]);
    } finally {
      await t.close();
    }
  });

  it('holds a slow request; one the client gave up on is never forwarded', async () => {
    const t = await through({ SendMessage: ['slow'] });
    t.proxy.faults = { SendMessage: { slowMs: 1_500 } };
    try {
      // The consumer's clients give up through an abort signal cut to the deadline (lib/aws/queue.ts).
      await expect(
        t.client.send(new SendMessageCommand({ QueueUrl: t.queueUrl, MessageBody: 'late' }), { abortSignal: AbortSignal.timeout(500) }),
      ).rejects.toThrow();
      await until(() => t.proxy.calls[0]?.result !== 'slow', 5_000);
      expect(t.proxy.calls.map((c) => c.result)).toEqual(['slow-abandoned']);
      expect(await queueDepth(direct, t.queueUrl)).toBe(0);
    } finally {
      await t.close();
    }
  });
});
