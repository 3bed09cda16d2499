import type { SQSClient } from '@aws-sdk/client-sqs';
import { QueueSendError } from '../../lib/aws/errors';
import { Deadline } from '../../lib/deadline';
import { DeadlineError } from '../../lib/errors';
import { QueueSender } from '../../lib/aws/queue';
import { FakeClock } from '../helpers/fake-clock';

type Entry = { Id: string; MessageBody: string; DelaySeconds?: number };

/** An SQS client double injected through the constructor: answers SendMessageBatch from a script. */
function fakeSqs(answer: (entries: Entry[], call: number) => { Failed?: Array<{ Id: string; SenderFault: boolean; Code: string }> } | Error) {
  const calls: Entry[][] = [];
  const client = {
    send: jest.fn(async (cmd: { input: { Entries?: Entry[] } }) => {
      const entries = cmd.input.Entries ?? [];
      calls.push(entries);
      await new Promise((r) => setImmediate(r)); // let concurrent workers interleave
      const a = answer(entries, calls.length);
      if (a instanceof Error) throw a;
      return { Successful: entries.filter((e) => !(a.Failed ?? []).some((f) => f.Id === e.Id)).map((e) => ({ Id: e.Id })), Failed: a.Failed ?? [] };
    }),
  };
  return { client: client as unknown as SQSClient, calls };
}

const msgs = (n: number) => Array.from({ length: n }, (_, i) => ({ body: `m${i}` }));

describe('QueueSender.sendBatch', () => {
  it('sends in batches of 10 and counts every call, even with concurrent workers', async () => {
    const { client, calls } = fakeSqs(() => ({}));
    const res = await new QueueSender(client, { concurrency: 8 }).sendBatch('q', msgs(1000));
    expect(res).toEqual({ sent: 1000, calls: 100 });
    expect(calls).toHaveLength(100);
    expect(calls.every((c) => c.length === 10)).toBe(true);
    expect(new Set(calls.flat().map((e) => e.MessageBody)).size).toBe(1000);
  });

  it('retries only the entries SQS reported as failed', async () => {
    const { client, calls } = fakeSqs((entries, call) => (call === 1 ? { Failed: [{ Id: entries[3]!.Id, SenderFault: false, Code: 'InternalError' }] } : {}));
    const res = await new QueueSender(client, { clock: new FakeClock() }).sendBatch('q', msgs(10));
    expect(res.calls).toBe(2);
    expect(calls[1]!.map((e) => e.MessageBody)).toEqual(['m3']);
  });

  it('stops at once on a sender fault, and gives up after maxAttempts on transient failures', async () => {
    const fault = fakeSqs(() => ({ Failed: [{ Id: 'm0', SenderFault: true, Code: 'InvalidMessageContents' }] }));
    await expect(new QueueSender(fault.client).sendBatch('q', msgs(1))).rejects.toThrow(/InvalidMessageContents/);
    expect(fault.calls).toHaveLength(1);
    const down = fakeSqs(() => Object.assign(new Error('down'), { name: 'ServiceUnavailable' }));
    const err = await new QueueSender(down.client, { maxAttempts: 3, clock: new FakeClock() }).sendBatch('q', msgs(5)).catch((e) => e);
    expect(err).toBeInstanceOf(QueueSendError);
    expect(err.retryable).toBe(true);
    expect(down.calls).toHaveLength(3);
  });

  it('does not start a request (or a retry) that cannot finish before the deadline', async () => {
    const clock = new FakeClock();
    const down = fakeSqs(() => {
      clock.advance(1_000); // the failing attempt took a second
      return Object.assign(new Error('down'), { name: 'ServiceUnavailable' });
    });
    // 3.5 s left: one 3 s attempt fits; after it, a retry (backoff + 3 s) does not.
    const err = await new QueueSender(down.client, { clock, attemptTimeoutMs: 3_000, random: () => 0.99 })
      .sendBatch('q', msgs(1), { deadline: Deadline.at(clock.now() + 3_500, { clock }) })
      .catch((e) => e);
    expect(err).toBeInstanceOf(QueueSendError);
    expect(down.calls).toHaveLength(1);
    const none = fakeSqs(() => ({}));
    await expect(
      new QueueSender(none.client, { clock }).sendBatch('q', msgs(1), { deadline: Deadline.at(clock.now() + 100, { clock }) }),
    ).rejects.toBeInstanceOf(DeadlineError);
    expect(none.calls).toHaveLength(0);
  });

  it('passes an abort signal to every request', async () => {
    const { client } = fakeSqs(() => ({}));
    await new QueueSender(client).sendBatch('q', msgs(3));
    const opts = (client.send as jest.Mock).mock.calls[0]![1] as { abortSignal?: AbortSignal };
    expect(opts.abortSignal).toBeInstanceOf(AbortSignal);
  });
});
