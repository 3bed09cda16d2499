import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Message } from '@aws-sdk/client-sqs';
import { lambdaContext, toSqsRecord } from '../../local/event-source-mapping';
import type { Seed } from '../../local/kore-emulator/state';
import { daysAgo } from '../../local/seed';
import { LOCAL_CLIENT_SECRET } from '../../local/stack';
import { emfSum, JWT_PATTERN } from '../helpers/capture';
import { ConsumerHarness } from '../helpers/harness';

/** Every command carries the time its event happened: now, unless a test says otherwise. */
const now = () => new Date().toISOString();
const expired = (contactListId: string, extra: Record<string, unknown> = {}) => ({ type: 'list.expired', contactListId, occurredAt: now(), ...extra });

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
    { _id: 'cd-ended', name: 'Ended campaign', contactLists: ['Only ended campaign', 'Shared with another'], status: 'Completed', updatedAt: OLD },
    { _id: 'cd-running', name: 'Running campaign', contactLists: ['Shared with another', 'In use'], status: 'Active' },
    { _id: 'cd-quirk', name: 'Quirk campaign', contactLists: ['Quirk in use'], status: 'Paused' },
  ],
};

/** The ids of DELETEs Kore applied. */
const deletes = (h: ConsumerHarness) =>
  h.stack.kore
    .apiCalls({ method: 'DELETE' })
    .filter((c) => c.status === 200)
    .map((c) => c.path.split('/').pop());
/** Every GET/PUT/DELETE/POST that reached Kore, as "METHOD last-path-segment status". */
const calls = (h: ConsumerHarness) => h.stack.kore.apiCalls().map((c) => `${c.method} ${c.path.split('/').pop()} ${c.status}`);

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

    it("list.expired: GETs the list, reads the campaigns' DNC lists once, DELETEs it, audits it, and empties the queue", async () => {
      const [id] = await h.send({ ...expired('cl-free-1'), eventId: 'evt-1' });
      await h.drain();
      expect(calls(h)).toEqual(['POST getAllCampaignDetails 200', 'POST getAllCampaignDetails 200', 'GET cl-free-1 200', 'DELETE cl-free-1 200']);
      expect(h.stack.kore.state.lists.has('cl-free-1')).toBe(false);
      expect(h.outcomeOf(id!)).toMatchObject({
        outcome: 'done',
        type: 'list.expired',
        eventId: 'evt-1',
        contactListId: 'cl-free-1',
        koreCalls: 4,
        confirmed: true,
        level: 'INFO',
      });
      const audit = h.out.json().filter((l) => l.audit === true);
      expect(audit.map((a) => a.phase)).toEqual(['intent', 'result']);
      expect(audit[1]).toMatchObject({
        action: 'deleteContactList',
        result: 'deleted',
        confirmed: true,
        messageId: id,
        object: { _id: 'cl-free-1', name: 'Free one', isActive: true },
      });
      expect(h.out.metric('outcome.done')).toBe(1);
      expect(h.out.metric('koreCalls')).toBe(4);
      expect(await h.depth(h.stack.dlqUrl)).toBe(0);
    });

    it('reuses the campaigns it read: the next deletion is a GET and a DELETE', async () => {
      await h.send(expired('cl-free-1'));
      await h.drain();
      h.stack.kore.resetCalls();
      const [id] = await h.send(expired('cl-free-2'));
      await h.drain();
      expect(calls(h)).toEqual(['GET cl-free-2 200', 'DELETE cl-free-2 200']);
      expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'done', koreCalls: 2 });
    });

    it('list.expired with action archive renames within 48 characters and records what it was, instead of deleting', async () => {
      const [id] = await h.send(expired('cl-free-2', { action: 'archive', reason: 'crm-expiry' }));
      await h.drain();
      const list = h.stack.kore.state.lists.get('cl-free-2')!;
      expect(list.name).toBe('[expired] Free two');
      expect(JSON.parse(list.description)).toMatchObject({ kcl: 'archived', why: 'crm-expiry', name: 'Free two', desc: '' });
      expect(h.stack.kore.apiCalls({ method: 'DELETE' })).toHaveLength(0);
      expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'done', action: 'archive' });
    });

    it('list.update PUTs the new name; a repeat is already-done without a PUT', async () => {
      const [a] = await h.send({ type: 'list.update', contactListId: 'cl-free-1', name: 'Renamed list', description: 'New text', occurredAt: now() });
      await h.drain();
      const [b] = await h.send({ type: 'list.update', contactListId: 'cl-free-1', name: 'Renamed list', occurredAt: now() });
      await h.drain();
      expect(h.stack.kore.state.lists.get('cl-free-1')).toMatchObject({ name: 'Renamed list', description: 'New text' });
      expect(h.outcomeOf(a!)).toMatchObject({ outcome: 'done' });
      expect(h.outcomeOf(b!)).toMatchObject({ outcome: 'already-done', reason: 'unchanged' });
      expect(h.stack.kore.apiCalls({ method: 'PUT' })).toHaveLength(1);
    });

    it('campaign.ended deletes a Completed campaign and fans out list.expired for lists no other campaign uses', async () => {
      const [id] = await h.send({ type: 'campaign.ended', campaignId: 'cd-ended', eventId: 'crm-77', occurredAt: now() });
      await h.drain();
      expect(h.stack.kore.state.campaigns.has('cd-ended')).toBe(false);
      expect(h.outcomeOf(id!)).toMatchObject({
        outcome: 'done',
        campaignId: 'cd-ended',
        listsQueued: 1,
        contactListIds: ['cl-only-ended'],
        listsKept: { 'cl-shared': 'used-by-another-campaign' },
        // GET, the campaign index (one page per type: its type), the listing, the GET again, DELETE.
        koreCalls: 6,
      });
      expect(calls(h).slice(0, 6)).toEqual([
        'GET cd-ended 200',
        'POST getAllCampaignDetails 200',
        'POST getAllCampaignDetails 200',
        'POST getAllListDetails 200',
        'GET cd-ended 200',
        'DELETE cd-ended 200',
      ]);
      // The fanned-out command was processed too: only the list no other campaign uses is gone.
      expect(h.stack.kore.state.lists.has('cl-only-ended')).toBe(false);
      expect(h.stack.kore.state.lists.has('cl-shared')).toBe(true);
      const child = h.out.outcomes().find((o) => o.contactListId === 'cl-only-ended');
      expect(child).toMatchObject({ outcome: 'done', type: 'list.expired', eventId: 'crm-77/cl-only-ended' });
      expect(deletes(h)).toEqual(['cd-ended', 'cl-only-ended']);
    });

    it('campaign.ended with keepContactLists deletes only the campaign', async () => {
      await h.send({ type: 'campaign.ended', campaignId: 'cd-ended', keepContactLists: true, occurredAt: now() });
      await h.drain();
      expect(deletes(h)).toEqual(['cd-ended']);
      expect(h.stack.kore.apiCalls({ pathIncludes: 'getAllListDetails' })).toHaveLength(0);
    });

    it('never deletes or renames in-use (either flag), DNC or default lists: skipped with the reason and rule', async () => {
      const ids = await h.send(...['cl-in-use', 'cl-quirk', 'cl-shared', 'cl-dnc', 'cl-default', 'cl-default-only'].map((id) => expired(id)), {
        type: 'list.update',
        contactListId: 'cl-default',
        name: 'Renamed DNC',
        occurredAt: now(),
      });
      await h.drain();
      expect(h.stack.kore.apiCalls({ method: 'DELETE' })).toHaveLength(0);
      expect(h.stack.kore.apiCalls({ method: 'PUT' })).toHaveLength(0);
      expect(ids.map((id) => h.outcomeOf(id)).map((o) => `${o?.outcome}:${o?.reason}:${o?.rule}`)).toEqual([
        'skipped:in-use:not-in-use',
        'skipped:in-use:not-in-use',
        'skipped:in-use:not-in-use',
        'skipped:protected:not-global-dnc',
        'skipped:protected:not-global-dnc',
        'skipped:protected:not-default',
        'skipped:protected:not-global-dnc',
      ]);
      expect(h.stack.kore.state.lists.size).toBe(seed.lists!.length);
    });

    it("takes a list gone only when Kore's listing agrees: already-done", async () => {
      const [a] = await h.send(expired('cl-never-existed'));
      await h.drain();
      expect(h.outcomeOf(a!)).toMatchObject({ outcome: 'already-done', reason: 'not-found', koreCalls: 4 });
      expect(calls(h).slice(2)).toEqual(['GET cl-never-existed 404', 'POST getAllListDetails 200']);
      const [b] = await h.send({ type: 'campaign.ended', campaignId: 'cd-gone', keepContactLists: true, occurredAt: now() });
      await h.drain();
      expect(h.outcomeOf(b!)).toMatchObject({ outcome: 'already-done', reason: 'not-found' });
      expect(await h.depth(h.stack.dlqUrl)).toBe(0);
    });

    it('skips a list changed since the sweep saw it', async () => {
      const [id] = await h.send(expired('cl-free-1', { reason: 'sweep', runId: 'r1', listUpdatedAt: daysAgo(500) }));
      await h.drain();
      expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'skipped', reason: 'changed-since-event', rule: 'unchanged' });
      expect(h.stack.kore.state.lists.has('cl-free-1')).toBe(true);
    });

    it('accepts the EventBridge and SNS envelopes, taking their ids as eventId and their times as occurredAt', async () => {
      const eb = {
        version: '0',
        id: 'eb-123',
        'detail-type': 'list.expired',
        source: 'crm',
        account: '1',
        time: now(),
        region: 'us-east-1',
        resources: [],
        detail: { contactListId: 'cl-free-1' },
      };
      const sns = {
        Type: 'Notification',
        MessageId: 'sns-456',
        TopicArn: 'arn:aws:sns:us-east-1:1:t',
        Message: JSON.stringify({ type: 'list.expired', contactListId: 'cl-free-2' }),
        Timestamp: now(),
      };
      const [a, b] = await h.send(eb, sns);
      await h.drain();
      expect(h.outcomeOf(a!)).toMatchObject({ outcome: 'done', envelope: 'eventbridge', eventId: 'eb-123' });
      expect(h.outcomeOf(b!)).toMatchObject({ outcome: 'done', envelope: 'sns', eventId: 'sns-456' });
    });
  });

  describe('the batch listing as evidence', () => {
    it('stops taking listings once one arrives without the DNC flags: each list then costs its GET and DELETE, no wasted listing', async () => {
      h = await ConsumerHarness.start({ kore: { seed, rateLimit: { perMinute: 0 }, realism: { omitListFields: { list: ['isGlobalDNC', 'isDefault'] } } } });
      await h.send(expired('cl-free-1'), expired('cl-free-2'));
      await h.drain();
      await h.send(expired('cl-only-ended'), expired('cl-shared'));
      await h.drain();
      expect(h.stack.kore.apiCalls({ pathIncludes: 'getAllListDetails' })).toHaveLength(1);
      expect(h.out.outcomes().map((o) => o.evidence)).toEqual(['get', 'get', 'get', 'get']);
      expect(h.stack.kore.state.lists.has('cl-free-1')).toBe(false);
    });
  });

  describe('consumer dry run (CONSUMER_DRY_RUN=true)', () => {
    it('decides every step and writes nothing to Kore or the queue', async () => {
      h = await ConsumerHarness.start({ kore: { seed, rateLimit: { perMinute: 0 } }, env: { CONSUMER_DRY_RUN: 'true' } });
      const ids = await h.send(
        expired('cl-free-1'),
        expired('cl-free-2', { action: 'archive' }),
        { type: 'campaign.ended', campaignId: 'cd-ended', occurredAt: now() },
        expired('cl-dnc'),
      );
      await h.drain();
      expect(ids.map((id) => h.outcomeOf(id)?.outcome)).toEqual(['would-delete', 'would-archive', 'would-delete', 'skipped']);
      expect(h.stack.kore.apiCalls().filter((c) => c.method === 'DELETE' || c.method === 'PUT')).toEqual([]);
      expect(h.stack.kore.state.lists.size).toBe(seed.lists!.length);
      expect(h.stack.kore.state.campaigns.has('cd-ended')).toBe(true);
      expect(emfSum(h.out.json(), 'outcome.would-delete')).toBe(2);
    });
  });

  describe('transient failures', () => {
    it('waits out a 429 with Retry-After and then succeeds', async () => {
      h = await ConsumerHarness.start({ kore: { seed, rateLimit: { perMinute: 0 }, faults: { failNext: 1, failStatus: 429 } } });
      const [id] = await h.send(expired('cl-free-1'));
      await h.drain();
      const seen = h.stack.kore.apiCalls();
      expect(seen.map((c) => c.status)).toEqual([429, 200, 200, 200, 200]);
      expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(1000); // Retry-After: 1
      expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'done', koreCalls: 5 });
    });

    it('reports a 429 whose Retry-After does not fit as retry; the records after it give way with 0 calls, then all succeed', async () => {
      // Kore's first answer is a 429 asking for 3 s, longer than the invocation has left.
      h = await ConsumerHarness.start({
        kore: { seed, rateLimit: { perMinute: 0 }, faults: { failNext: 1, failStatus: 429, throttleRetryAfterSeconds: 3 } },
        functionTimeoutMs: 2_500,
        deadlineMarginMs: 500,
        koreTimeoutMs: 1_000,
        maxReceiveCount: 10,
      });
      const ids = await h.send(...['cl-free-1', 'cl-free-2', 'cl-only-ended', 'cl-in-use', 'cl-quirk'].map((id) => expired(id)));
      await h.esm.pollOnce();
      const first = h.out.outcomes();
      expect(first.filter((o) => o.reason === 'kore-throttled')).toHaveLength(1);
      // The other four did not spend a call on a certain 429: they waited for the pause.
      expect(first.filter((o) => o.reason === 'deadline').map((o) => o.koreCalls)).toEqual([0, 0, 0, 0]);
      expect(h.stack.kore.apiCalls()).toHaveLength(1);
      expect(h.esm.invocations[0]).toMatchObject({ timedOut: false, failed: 5 });
      await h.drain(30_000);
      for (const id of ids) expect(['done', 'skipped']).toContain(h.outcomeOf(id)?.outcome);
      expect(h.stack.kore.apiCalls().filter((c) => c.status === 429)).toHaveLength(1);
    });

    it('retries 5xx in-function and then succeeds', async () => {
      h = await ConsumerHarness.start({ kore: { seed, rateLimit: { perMinute: 0 }, faults: { failNext: 2, failStatus: 503 } } });
      const [id] = await h.send(expired('cl-free-1'));
      await h.drain();
      expect(h.stack.kore.apiCalls().map((c) => c.status)).toEqual([503, 503, 200, 200, 200, 200]);
      expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'done', koreCalls: 6 });
    });

    it('parks a message that keeps failing on its last receive, with its reason as ErrorCode, never deleting the list', async () => {
      h = await ConsumerHarness.start({ kore: { seed, rateLimit: { perMinute: 0 }, faults: { serverErrorRate: 1 } }, maxReceiveCount: 3 });
      const [id] = await h.send(expired('cl-free-1'));
      await h.drain(30_000);
      const seen = h.out.outcomes().filter((o) => o.messageId === id);
      expect(seen.map((o) => `${o.outcome}:${o.receiveCount}`)).toEqual(['retry:1', 'retry:2', 'rejected:3']);
      const dlq = await h.dlqMessages();
      expect(dlq).toHaveLength(1);
      expect(dlq[0]!.MessageAttributes).toMatchObject({ ErrorCode: { StringValue: 'kore-server' }, SourceMessageId: { StringValue: id } });
      expect(h.stack.kore.state.lists.has('cl-free-1')).toBe(true);
    });

    it('a whole batch of retries is reported item by item, and nothing is deleted from the queue', async () => {
      h = await ConsumerHarness.start({ kore: { seed, rateLimit: { perMinute: 0 } } });
      h.stack.kore.outage(60_000);
      const ids = await h.send(expired('cl-free-1'), expired('cl-free-2'), expired('cl-only-ended'));
      let msgs: Message[] = [];
      while (msgs.length < 3) {
        const r = await h.stack.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: h.stack.queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }),
        );
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
      const [a] = await h.send(expired('cl-free-1'));
      await h.drain();
      await h.stack.rotateSecret('rotated-secret-9a8b7c');
      const [b] = await h.send(expired('cl-free-2'));
      await h.drain();
      expect(h.outcomeOf(a!)).toMatchObject({ outcome: 'done' });
      expect(h.outcomeOf(b!)).toMatchObject({ outcome: 'done', koreCalls: 3 });
      // First record: the campaigns (2), GET, DELETE; after the rotation: GET 401, one refresh, GET, DELETE.
      expect(h.stack.kore.apiCalls().map((c) => c.status)).toEqual([200, 200, 200, 200, 401, 200, 200]);
      expect(h.stack.secrets.calls.GetSecretValue).toBe(2);
      expect(h.out.text).not.toContain('rotated-secret-9a8b7c');
    });

    it('reports records that cannot finish before the deadline as retry with 0 calls, never cut off', async () => {
      h = await ConsumerHarness.start({
        kore: { seed, rateLimit: { perMinute: 0 }, faults: { latencyMs: 200 } },
        functionTimeoutMs: 4_000,
        deadlineMarginMs: 500,
        koreTimeoutMs: 1_000,
        callsPerMinute: 120, // one call every 500 ms: five lists need ~6 s, one invocation has 3.5
        maxReceiveCount: 10,
      });
      const ids = await h.send(...['cl-free-1', 'cl-free-2', 'cl-only-ended', 'cl-in-use', 'cl-quirk'].map((id) => expired(id)));
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

    it('treats a secret fetch failure as retry, keeping its cause in the outcome line', async () => {
      h = await ConsumerHarness.start({ kore: { seed, rateLimit: { perMinute: 0 } } });
      h.stack.secrets.failNextGets = 1;
      const [id] = await h.send(expired('cl-free-1'));
      await h.drain(20_000);
      const seen = h.out.outcomes().filter((o) => o.messageId === id);
      expect(seen[0]).toMatchObject({ outcome: 'retry', reason: 'secret-fetch', koreCalls: 0 });
      expect((seen[0]!.error as { message: string }).message).toMatch(/could not read secret .+: \w+/);
      expect(seen.pop()).toMatchObject({ outcome: 'done' });
    });
  });
});
