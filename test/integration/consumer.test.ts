import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Message } from '@aws-sdk/client-sqs';
import { lambdaContext, toSqsRecord } from '../../local/event-source-mapping';
import { JWT_PATTERN } from '../helpers/capture';
import { ConsumerHarness } from '../helpers/harness';
import { LOCAL_CLIENT_SECRET } from '../../local/stack';
import type { Seed } from '../../local/kore-emulator/state';
import { daysAgo } from '../../local/seed';

const OLD = daysAgo(400);
const seed: Seed = {
  lists: [
    { _id: 'cl-free-1', name: 'Free one', updatedAt: OLD },
    { _id: 'cl-free-2', name: 'Free two', updatedAt: OLD },
    { _id: 'cl-only-ended', name: 'Only ended campaign', updatedAt: OLD },
    { _id: 'cl-shared', name: 'Shared with another', updatedAt: OLD },
    { _id: 'cl-in-use', name: 'In use', updatedAt: OLD },
    { _id: 'cl-quirk', name: 'Quirk in use', updatedAt: OLD, isListInUse: false },
    { _id: 'cl-dnc', name: 'Campaign DNC', isGlobalDNC: true, updatedAt: OLD },
    { _id: 'cl-default', name: 'Default Global DNC', isGlobalDNC: true, isDefault: true, updatedAt: OLD },
    { _id: 'cl-default-only', name: 'Default list', isDefault: true, updatedAt: OLD },
  ],
  campaigns: [
    { _id: 'cd-ended', name: 'Ended campaign', contactLists: ['Only ended campaign', 'Shared with another'] },
    { _id: 'cd-running', name: 'Running campaign', contactLists: ['Shared with another', 'In use'] },
    { _id: 'cd-quirk', name: 'Quirk campaign', contactLists: ['Quirk in use'] },
  ],
};

const deletes = (h: ConsumerHarness) => h.stack.kore.apiCalls({ method: 'DELETE' }).filter((c) => c.status === 200).map((c) => c.path.split('/').pop());

describe('lifecycle consumer, end to end through SQS', () => {
  let h: ConsumerHarness;
  afterEach(async () => {
    // No secret and no JWT in any log line, whatever the test did.
    expect(h.out.text).not.toContain(LOCAL_CLIENT_SECRET);
    expect(h.out.text).not.toMatch(JWT_PATTERN);
    await h.stop();
  });

  describe('commands', () => {
    beforeEach(async () => {
      h = await ConsumerHarness.start({ kore: { seed, rateLimit: { perMinute: 0 } } });
    });

    it('list.expired: GETs then DELETEs an unused list, logs done with an audit record, and empties the queue', async () => {
      const [id] = await h.send({ type: 'list.expired', contactListId: 'cl-free-1', eventId: 'evt-1' });
      await h.drain();
      expect(h.stack.kore.apiCalls().map((c) => `${c.method} ${c.status}`)).toEqual(['GET 200', 'DELETE 200']);
      expect(h.stack.kore.state.lists.has('cl-free-1')).toBe(false);
      expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'done', type: 'list.expired', eventId: 'evt-1', contactListId: 'cl-free-1', koreCalls: 2, level: 'INFO' });
      const audit = h.out.json().find((l) => l.audit === true);
      expect(audit).toMatchObject({ action: 'deleteContactList', messageId: id, deleted: { _id: 'cl-free-1', name: 'Free one', isActive: true } });
      expect(h.out.metric('outcome.done')).toBe(1);
      expect(h.out.metric('koreCalls')).toBe(2);
      expect(await h.depth(h.stack.dlqUrl)).toBe(0);
    });

    it('list.expired with action archive renames within 48 characters instead of deleting', async () => {
      const [id] = await h.send({ type: 'list.expired', contactListId: 'cl-free-2', action: 'archive', reason: 'crm-expiry' });
      await h.drain();
      const list = h.stack.kore.state.lists.get('cl-free-2')!;
      expect(list.name).toBe('[expired] Free two');
      expect(list.description).toMatch(/^Expired \d{4}-\d{2}-\d{2} \(crm-expiry\)\./);
      expect(h.stack.kore.apiCalls({ method: 'DELETE' })).toHaveLength(0);
      expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'done', action: 'archive' });
    });

    it('list.update PUTs the new name; a repeat is already-done without a PUT', async () => {
      const [a] = await h.send({ type: 'list.update', contactListId: 'cl-free-1', name: 'Renamed list', description: 'New text' });
      await h.drain();
      const [b] = await h.send({ type: 'list.update', contactListId: 'cl-free-1', name: 'Renamed list' });
      await h.drain();
      expect(h.stack.kore.state.lists.get('cl-free-1')).toMatchObject({ name: 'Renamed list', description: 'New text' });
      expect(h.outcomeOf(a!)).toMatchObject({ outcome: 'done' });
      expect(h.outcomeOf(b!)).toMatchObject({ outcome: 'already-done', reason: 'unchanged' });
      expect(h.stack.kore.apiCalls({ method: 'PUT' })).toHaveLength(1);
    });

    it('campaign.ended deletes the campaign and fans out list.expired for lists no other campaign uses', async () => {
      const [id] = await h.send({ type: 'campaign.ended', campaignId: 'cd-ended', eventId: 'crm-77' });
      await h.drain();
      expect(h.stack.kore.state.campaigns.has('cd-ended')).toBe(false);
      expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'done', campaignId: 'cd-ended', listsQueued: 1, contactListIds: ['cl-only-ended'], koreCalls: 2 });
      // The fanned-out command was processed too: only the list no other campaign uses is gone.
      expect(h.stack.kore.state.lists.has('cl-only-ended')).toBe(false);
      expect(h.stack.kore.state.lists.has('cl-shared')).toBe(true);
      const child = h.out.outcomes().find((o) => o.contactListId === 'cl-only-ended');
      expect(child).toMatchObject({ outcome: 'done', type: 'list.expired', eventId: 'crm-77/cl-only-ended' });
      expect(deletes(h)).toEqual(['cd-ended', 'cl-only-ended']);
    });

    it('campaign.ended with keepContactLists deletes only the campaign', async () => {
      await h.send({ type: 'campaign.ended', campaignId: 'cd-ended', keepContactLists: true });
      await h.drain();
      expect(deletes(h)).toEqual(['cd-ended']);
      expect(h.stack.kore.apiCalls({ pathIncludes: 'getAllListDetails' })).toHaveLength(0);
    });

    it('never deletes in-use (either flag), DNC or default lists: skipped with the reason', async () => {
      const ids = await h.send(
        ...['cl-in-use', 'cl-quirk', 'cl-shared', 'cl-dnc', 'cl-default', 'cl-default-only'].map((contactListId) => ({ type: 'list.expired', contactListId })),
        { type: 'list.update', contactListId: 'cl-default', name: 'Renamed DNC' },
      );
      await h.drain();
      expect(h.stack.kore.apiCalls({ method: 'DELETE' })).toHaveLength(0);
      expect(h.stack.kore.apiCalls({ method: 'PUT' })).toHaveLength(0);
      const reasons = ids.map((id) => h.outcomeOf(id));
      expect(reasons.map((o) => `${o?.outcome}:${o?.reason}`)).toEqual([
        'skipped:in-use',
        'skipped:in-use',
        'skipped:in-use',
        'skipped:protected',
        'skipped:protected',
        'skipped:protected',
        'skipped:protected',
      ]);
      expect(h.stack.kore.state.lists.size).toBe(seed.lists!.length);
    });

    it('treats a list already gone (404) as already-done, and a 404 on DELETE too', async () => {
      const [a] = await h.send({ type: 'list.expired', contactListId: 'cl-never-existed' });
      await h.drain();
      expect(h.outcomeOf(a!)).toMatchObject({ outcome: 'already-done', reason: 'not-found', koreCalls: 1 });
      // Deleted by someone else between our GET and DELETE.
      const [b] = await h.send({ type: 'campaign.ended', campaignId: 'cd-gone', keepContactLists: true });
      await h.drain();
      expect(h.outcomeOf(b!)).toMatchObject({ outcome: 'already-done', reason: 'not-found' });
      expect(await h.depth(h.stack.dlqUrl)).toBe(0);
    });

    it('skips a list changed since the sweep saw it', async () => {
      const [id] = await h.send({ type: 'list.expired', contactListId: 'cl-free-1', reason: 'sweep', runId: 'r1', listUpdatedAt: daysAgo(500) });
      await h.drain();
      expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'skipped', reason: 'changed-since-sweep' });
      expect(h.stack.kore.state.lists.has('cl-free-1')).toBe(true);
    });

    it('accepts the EventBridge and SNS envelopes, taking their ids as eventId', async () => {
      const eb = { version: '0', id: 'eb-123', 'detail-type': 'list.expired', source: 'crm', account: '1', time: OLD, region: 'us-east-1', resources: [], detail: { contactListId: 'cl-free-1' } };
      const sns = { Type: 'Notification', MessageId: 'sns-456', TopicArn: 'arn:aws:sns:us-east-1:1:t', Message: JSON.stringify({ type: 'list.expired', contactListId: 'cl-free-2' }), Timestamp: OLD };
      const [a, b] = await h.send(eb, sns);
      await h.drain();
      expect(h.outcomeOf(a!)).toMatchObject({ outcome: 'done', envelope: 'eventbridge', eventId: 'eb-123' });
      expect(h.outcomeOf(b!)).toMatchObject({ outcome: 'done', envelope: 'sns', eventId: 'sns-456' });
    });
  });

  describe('transient failures', () => {
    it('waits out a 429 with Retry-After and then succeeds', async () => {
      h = await ConsumerHarness.start({ kore: { seed, rateLimit: { perMinute: 0 }, faults: { failNext: 1, failStatus: 429 } } });
      const [id] = await h.send({ type: 'list.expired', contactListId: 'cl-free-1' });
      await h.drain();
      const calls = h.stack.kore.apiCalls();
      expect(calls.map((c) => c.status)).toEqual([429, 200, 200]);
      expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(1000); // Retry-After: 1
      expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'done', koreCalls: 3 });
    });

    it('reports a 429 whose Retry-After does not fit as retry; SQS redelivers and it succeeds', async () => {
      h = await ConsumerHarness.start({
        kore: { seed, rateLimit: { perMinute: 2, retryAfter: true } },
        functionTimeoutMs: 3_000,
        deadlineMarginMs: 500,
      });
      const ids = await h.send(...['cl-free-1', 'cl-free-2'].map((contactListId) => ({ type: 'list.expired', contactListId })));
      await h.esm.pollOnce();
      const first = h.out.outcomes();
      expect(first.filter((o) => o.outcome === 'retry').length).toBeGreaterThanOrEqual(1);
      expect(first.find((o) => o.outcome === 'retry')).toMatchObject({ reason: 'kore-throttled', level: 'WARN' });
      expect(h.esm.invocations[0]).toMatchObject({ timedOut: false });
      expect(h.stack.kore.apiCalls({ result: 'rate-limited' }).length).toBeGreaterThanOrEqual(1);
      // After the window frees up, the redelivered messages go through.
      h.stack.kore.rateLimit.perMinute = 0;
      await h.drain(20_000);
      for (const id of ids) expect(h.outcomeOf(id)).toMatchObject({ outcome: 'done' });
    });

    it('retries 5xx in-function and then succeeds', async () => {
      h = await ConsumerHarness.start({ kore: { seed, rateLimit: { perMinute: 0 }, faults: { failNext: 2, failStatus: 503 } } });
      const [id] = await h.send({ type: 'list.expired', contactListId: 'cl-free-1' });
      await h.drain();
      expect(h.stack.kore.apiCalls().map((c) => c.status)).toEqual([503, 503, 200, 200]);
      expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'done', koreCalls: 4 });
    });

    it('moves a message that keeps failing to the DLQ after maxReceiveCount (redrive), never deleting it', async () => {
      h = await ConsumerHarness.start({ kore: { seed, rateLimit: { perMinute: 0 }, faults: { serverErrorRate: 1 } }, maxReceiveCount: 3 });
      const [id] = await h.send({ type: 'list.expired', contactListId: 'cl-free-1' });
      await h.drain(30_000);
      const retries = h.out.outcomes().filter((o) => o.messageId === id);
      expect(retries.map((o) => o.outcome)).toEqual(['retry', 'retry', 'retry']);
      expect(retries.map((o) => o.receiveCount)).toEqual([1, 2, 3]);
      const dlq = await h.dlqMessages();
      expect(dlq.map((m) => m.MessageId)).toEqual([id]);
      expect(h.stack.kore.state.lists.has('cl-free-1')).toBe(true);
    });

    it('a whole batch of retries is reported item by item, and nothing is deleted from the queue', async () => {
      h = await ConsumerHarness.start({ kore: { seed, rateLimit: { perMinute: 0 } } });
      h.stack.kore.outage(60_000);
      const ids = await h.send(...['cl-free-1', 'cl-free-2', 'cl-only-ended'].map((contactListId) => ({ type: 'list.expired', contactListId })));
      let msgs: Message[] = [];
      while (msgs.length < 3) {
        const r = await h.stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: h.stack.queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }));
        msgs = msgs.concat(r.Messages ?? []);
      }
      const res = await h.handler({ Records: msgs.map((m) => toSqsRecord(m, h.stack.queueArn, 'us-east-1')) }, lambdaContext(20_000));
      expect(res.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([...ids].sort());
      expect(await h.depth(h.stack.queueUrl)).toBe(3);
      h.stack.kore.setFaults({ outageUntil: 0 });
      await h.drain(20_000);
      expect(h.stack.kore.state.lists.has('cl-free-1')).toBe(false);
    });

    it('refreshes the secret once after a 401 (rotation mid-run) and succeeds', async () => {
      h = await ConsumerHarness.start({ kore: { seed, rateLimit: { perMinute: 0 } } });
      const [a] = await h.send({ type: 'list.expired', contactListId: 'cl-free-1' });
      await h.drain();
      await h.stack.rotateSecret('rotated-secret-9a8b7c');
      const [b] = await h.send({ type: 'list.expired', contactListId: 'cl-free-2' });
      await h.drain();
      expect(h.outcomeOf(a!)).toMatchObject({ outcome: 'done' });
      expect(h.outcomeOf(b!)).toMatchObject({ outcome: 'done', koreCalls: 3 });
      const statuses = h.stack.kore.apiCalls().map((c) => c.status);
      expect(statuses).toEqual([200, 200, 401, 200, 200]);
      expect(h.stack.secrets.calls.GetSecretValue).toBe(2);
      expect(h.out.text).not.toContain('rotated-secret-9a8b7c');
    });

    it('reports records that cannot finish before the deadline as retry, never cut off', async () => {
      h = await ConsumerHarness.start({
        kore: { seed, rateLimit: { perMinute: 0 }, faults: { latencyMs: 400 } },
        functionTimeoutMs: 4_000,
        deadlineMarginMs: 500,
        koreTimeoutMs: 1_000,
        callsPerMinute: 120, // one call every 500 ms: five lists need ~5 s, one invocation has 3.5
        maxReceiveCount: 5,
      });
      const ids = await h.send(...['cl-free-1', 'cl-free-2', 'cl-only-ended', 'cl-in-use', 'cl-quirk'].map((contactListId) => ({ type: 'list.expired', contactListId })));
      const first = await h.esm.pollOnce();
      expect(first).toMatchObject({ received: 5, timedOut: false });
      expect(first!.failed).toBeGreaterThan(0);
      const retried = h.out.outcomes().filter((o) => o.outcome === 'retry');
      expect(retried.length).toBeGreaterThan(0);
      expect(retried.every((o) => o.reason === 'deadline' && o.koreCalls === 0)).toBe(true);
      await h.drain(30_000);
      expect(h.esm.invocations.every((i) => !i.timedOut && !i.invocationError)).toBe(true);
      for (const id of ids) expect(['done', 'skipped']).toContain(h.outcomeOf(id)?.outcome);
    });

    it('treats a secret fetch failure as retry', async () => {
      h = await ConsumerHarness.start({ kore: { seed, rateLimit: { perMinute: 0 } } });
      h.stack.secrets.failNextGets = 3; // the SDK retries too
      const [id] = await h.send({ type: 'list.expired', contactListId: 'cl-free-1' });
      await h.drain(20_000);
      const seen = h.out.outcomes().filter((o) => o.messageId === id);
      expect(seen[0]).toMatchObject({ outcome: 'retry', reason: 'secret-fetch', koreCalls: 0 });
      expect(seen.pop()).toMatchObject({ outcome: 'done' });
    });
  });
});
