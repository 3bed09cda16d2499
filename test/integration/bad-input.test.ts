import { BAD_INPUT } from '../fixtures/bad-input';
import { ConsumerHarness } from '../helpers/harness';

describe('bad input', () => {
  let h: ConsumerHarness;
  beforeAll(async () => {
    h = await ConsumerHarness.start({ kore: { seed: { lists: [{ _id: 'cl-free-1', name: 'Free one' }] }, rateLimit: { perMinute: 0 } } });
  });
  afterAll(() => h.stop());

  it(`parks all ${BAD_INPUT.length} malformed messages in the DLQ on first receive, with the error, and calls Kore 0 times`, async () => {
    expect(BAD_INPUT.length).toBeGreaterThanOrEqual(30);
    const sent = new Map<string, string>();
    for (const [name, body] of BAD_INPUT) sent.set(await h.sendOne(body), name);
    await h.drain(30_000);

    expect(h.stack.kore.apiCalls()).toHaveLength(0);
    expect(await h.depth(h.stack.queueUrl)).toBe(0);
    expect(h.stack.kore.state.lists.has('cl-free-1')).toBe(true);

    const dlq = await h.dlqMessages();
    expect(dlq).toHaveLength(sent.size);
    const bySource = new Map(dlq.map((m) => [m.MessageAttributes?.SourceMessageId?.StringValue, m]));
    for (const [id, name] of sent) {
      const parked = bySource.get(id);
      expect({ name, parked: !!parked }).toEqual({ name, parked: true });
      expect(parked!.MessageAttributes!.ErrorCode!.StringValue).toBe('invalid-message');
      expect(parked!.MessageAttributes!.ErrorMessage!.StringValue!.length).toBeGreaterThan(5);
      expect(parked!.MessageAttributes!.ReceiveCount!.StringValue).toBe('1');
      const outcome = h.outcomeOf(id);
      expect({ name, outcome: outcome?.outcome, koreCalls: outcome?.koreCalls, receiveCount: outcome?.receiveCount }).toEqual({ name, outcome: 'rejected', koreCalls: 0, receiveCount: 1 });
    }
    // Every body arrives in the DLQ unchanged, so an operator can fix and redrive it.
    const bodies = new Set(dlq.map((m) => m.Body));
    for (const [, body] of BAD_INPUT) expect(bodies.has(body)).toBe(true);
  });

  it('explains each rejection clearly', async () => {
    const messages = h.out.outcomes().map((o) => (o.error as { message?: string } | undefined)?.message ?? '');
    expect(messages).toEqual(expect.arrayContaining([
      'message body is not valid JSON',
      'command must be a JSON object, got an array',
      expect.stringMatching(/unknown command type "list.deleted"/),
      expect.stringMatching(/contactListId must match/),
      expect.stringMatching(/name must be at most 48 characters/),
      expect.stringMatching(/unknown field\(s\): deleteEverything/),
      expect.stringMatching(/commands are at most 16384/),
      expect.stringMatching(/invalid SNS envelope/),
    ]));
  });
});
