import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Message } from '@aws-sdk/client-sqs';
import { QUEUE_SIZES } from '../../local/stack';
import { BAD_INPUT } from '../fixtures/bad-input';
import { ConsumerHarness } from '../helpers/harness';

const attr = (m: Message | undefined, name: string) => m?.MessageAttributes?.[name]?.StringValue;
const errorOf = (o: Record<string, unknown> | undefined) => String((o?.error as { message?: unknown } | undefined)?.message ?? '');

describe('bad input', () => {
  let h: ConsumerHarness;
  const sent = new Map<string, string>();
  let dlq: Message[] = [];
  // Every case is sent and drained once; each test then reads its own case's message.
  beforeAll(async () => {
    h = await ConsumerHarness.start({ kore: { seed: { lists: [{ _id: 'cl-free-1', name: 'Free one' }] }, rateLimit: { perMinute: 0 } } });
    for (const c of BAD_INPUT) sent.set(c.name, await h.sendOne(c.body));
    await h.drain(30_000);
    dlq = await h.dlqMessages();
  }, 60_000);
  afterAll(() => h.stop());

  it(`calls Kore 0 times for all ${BAD_INPUT.length} malformed messages and leaves the queue empty and the list in place`, async () => {
    expect(new Set(BAD_INPUT.map((c) => c.name)).size).toBe(BAD_INPUT.length);
    expect(h.stack.kore.apiCalls()).toEqual([]);
    expect(await h.depth(h.stack.queueUrl)).toBe(0);
    expect(h.stack.kore.state.lists.has('cl-free-1')).toBe(true);
    expect(dlq).toHaveLength(BAD_INPUT.length);
  });

  it.each(BAD_INPUT.map((c) => [c.name, c] as const))(
    'parks "%s" on its first receive, body unchanged, with ErrorCode invalid-message and a reason naming the problem',
    (_name, c) => {
      const id = sent.get(c.name)!;
      const parked = dlq.filter((m) => attr(m, 'SourceMessageId') === id);
      expect(parked).toHaveLength(1);
      expect(parked[0]!.Body).toBe(c.body);
      expect({ code: attr(parked[0], 'ErrorCode'), receiveCount: attr(parked[0], 'ReceiveCount') }).toEqual({ code: 'invalid-message', receiveCount: '1' });
      expect(attr(parked[0], 'ErrorMessage')).toMatch(c.why);
      const outcome = h.outcomeOf(id);
      expect({ outcome: outcome?.outcome, reason: outcome?.reason, koreCalls: outcome?.koreCalls, receiveCount: outcome?.receiveCount }).toEqual({
        outcome: 'rejected',
        reason: 'invalid-message',
        koreCalls: 0,
        receiveCount: 1,
      });
      expect(errorOf(outcome)).toMatch(c.why);
    },
  );
});

/** A body of exactly `bytes` UTF-8 bytes: the command's JSON, then spaces before its closing brace. */
function padded(command: Record<string, unknown>, bytes: number): string {
  const open = JSON.stringify(command).slice(0, -1);
  const body = `${open}${' '.repeat(bytes - Buffer.byteLength(open) - 1)}}`;
  if (Buffer.byteLength(body) !== bytes) throw new Error(`padded: ${Buffer.byteLength(body)} bytes, wanted ${bytes}`);
  return body;
}

describe("bodies at the queues' size limits", () => {
  const CAP = 16 * 1024;
  let h: ConsumerHarness;
  const occurredAt = new Date().toISOString();
  beforeAll(async () => {
    const lists = ['cl-edge-1', 'cl-edge-2', 'cl-edge-3', 'cl-edge-4'].map((_id) => ({
      _id,
      name: `Edge ${_id}`,
      updatedAt: new Date(Date.now() - 86_400_000).toISOString(),
    }));
    h = await ConsumerHarness.start({ kore: { seed: { lists }, rateLimit: { perMinute: 0 } } });
  });
  afterAll(() => h.stop());

  async function sendAndDrain(body: string) {
    const id = await h.sendOne(body);
    await h.drain(20_000);
    return { id, outcome: h.outcomeOf(id), parked: (await h.dlqMessages()).find((m) => attr(m, 'SourceMessageId') === id) };
  }

  it('processes a command of exactly 16 KiB: the cap is not off by one', async () => {
    const { outcome, parked } = await sendAndDrain(padded({ type: 'list.expired', contactListId: 'cl-edge-1', occurredAt }, CAP));
    expect(outcome?.outcome).toBe('done');
    expect(h.stack.kore.apiCalls({ pathIncludes: '/contactList/cl-edge-1' }).map((c) => c.method)).toEqual(['GET', 'DELETE']);
    expect(parked).toBeUndefined();
    expect(h.stack.kore.state.lists.has('cl-edge-1')).toBe(false);
  });

  it('parks a command of 16 KiB + 1 byte at once, naming its size, with 0 Kore calls', async () => {
    const body = padded({ type: 'list.expired', contactListId: 'cl-edge-2', occurredAt }, CAP + 1);
    const { outcome, parked } = await sendAndDrain(body);
    expect({ outcome: outcome?.outcome, koreCalls: outcome?.koreCalls }).toEqual({ outcome: 'rejected', koreCalls: 0 });
    expect(attr(parked, 'ErrorCode')).toBe('invalid-message');
    expect(attr(parked, 'ErrorMessage')).toBe(`message body is ${CAP + 1} bytes; commands are at most ${CAP}`);
    expect(parked?.Body).toBe(body);
    expect(h.stack.kore.state.lists.has('cl-edge-2')).toBe(true);
  });

  it('counts bytes, not characters: 16,300 UTF-16 units with 128 emoji (16,556 bytes) are over the cap', async () => {
    const command = { type: 'list.expired', contactListId: 'cl-edge-3', occurredAt, eventId: '🎉'.repeat(128) };
    const open = JSON.stringify(command).slice(0, -1);
    const body = `${open}${' '.repeat(16_300 - open.length - 1)}}`;
    expect({ units: body.length, bytes: Buffer.byteLength(body) }).toEqual({ units: 16_300, bytes: 16_556 });
    const { outcome, parked } = await sendAndDrain(body);
    expect({ outcome: outcome?.outcome, koreCalls: outcome?.koreCalls }).toEqual({ outcome: 'rejected', koreCalls: 0 });
    expect(attr(parked, 'ErrorMessage')).toBe(`message body is 16556 bytes; commands are at most ${CAP}`);
    expect(parked?.Body).toBe(body);
  });

  it("has the body one byte over the lifecycle queue's 64 KiB refused by SQS itself", async () => {
    const body = padded({ type: 'list.expired', contactListId: 'cl-edge-4', occurredAt }, QUEUE_SIZES.lifecycle + 1);
    await expect(h.stack.sqs.send(new SendMessageCommand({ QueueUrl: h.stack.queueUrl, MessageBody: body }))).rejects.toThrow(
      /Message must be shorter than 65536 bytes/,
    );
    expect(await h.depth(h.stack.queueUrl)).toBe(0);
  });

  it('parks a 64 KiB body of raw emoji (the largest the lifecycle queue takes) in the 256 KiB DLQ, unchanged, with its ErrorCode', async () => {
    const head = `{"type":"list.expired","contactListId":"cl-edge-4","occurredAt":"${occurredAt}","note":"`;
    const room = QUEUE_SIZES.lifecycle - Buffer.byteLength(head) - 2;
    const body = `${head}${'🎉'.repeat(Math.floor(room / 4))}${'x'.repeat(room % 4)}"}`;
    expect(Buffer.byteLength(body)).toBe(QUEUE_SIZES.lifecycle);
    const { outcome, parked } = await sendAndDrain(body);
    expect({ outcome: outcome?.outcome, koreCalls: outcome?.koreCalls }).toEqual({ outcome: 'rejected', koreCalls: 0 });
    expect(attr(parked, 'ErrorCode')).toBe('invalid-message');
    expect(attr(parked, 'ErrorMessage')).toBe(`message body is ${QUEUE_SIZES.lifecycle} bytes; commands are at most ${CAP}`);
    expect(parked?.Body).toBe(body);
    expect(h.stack.kore.state.lists.has('cl-edge-4')).toBe(true);
  });
});
