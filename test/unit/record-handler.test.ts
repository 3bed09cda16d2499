import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import type { OutgoingMessage, ParkedMessage, QueueSender, RequeuedMessage } from '../../lib/aws/queue';
import { Deadline } from '../../lib/deadline';
import { archiveDescription, archivedName, MarkKey } from '../../lib/guard/archive-mark';
import { CampaignIndex } from '../../lib/guard/campaign-index';
import { StaticCredentials } from '../../lib/kore/credentials';
import { KoreInUseError, KoreNotFoundError, KoreServerError, KoreThrottledError, KoreValidationError } from '../../lib/kore/errors';
import type { KoreObject } from '../../lib/kore/types';
import { RecordRetry } from '../../lib/lifecycle/errors';
import { KoreBreaker } from '../../lib/lifecycle/breaker';
import type { BrakeWatch } from '../../lib/aws/brake';
import { MAX_REQUEUES } from '../../lib/lifecycle/settle';
import { LISTING_MAX_BYTES, ListingCapability, ListSnapshot } from '../../lib/lifecycle/snapshot';
import type { ConsumerDeps, ConsumerSettings, Invocation } from '../../lib/lifecycle/record-handler';
import { ListingTooLargeError } from '../../lib/errors';
import { proveFromQueue } from '../../lib/lifecycle/handler';
import { createRecordHandler } from '../../lib/lifecycle/record-handler';
import { aCampaign, aList, credentials, TEST_CLIENT_SECRET } from '../helpers/factories';
import { FakeClock } from '../helpers/fake-clock';
import { FakeKore } from '../helpers/fake-kore';

/**
 * docs/contract.md's outcome table, one row per case, against a fake KoreClient: what each command
 * does, what reaches Kore, what is parked, what is logged. No sockets.
 */

type Line = Record<string, unknown> & { message: string; level: string };

function fakeLogger(lines: Line[]): Logger {
  const at = (level: string) => (message: string, attrs?: Record<string, unknown>) => lines.push({ level, message, ...attrs });
  return { info: at('INFO'), warn: at('WARN'), error: at('ERROR'), debug: at('DEBUG') } as unknown as Logger;
}

function fakeSender() {
  const sent: Array<{ url: string; messages: OutgoingMessage[] }> = [];
  const parked: ParkedMessage[] = [];
  const requeued: RequeuedMessage[] = [];
  const fail = { park: false, requeue: false };
  const sender = {
    sendBatch: jest.fn(async (url: string, messages: OutgoingMessage[]) => {
      sent.push({ url, messages });
      return { sent: messages.length, calls: Math.ceil(messages.length / 10) };
    }),
    park: jest.fn(async (_url: string, m: ParkedMessage) => {
      if (fail.park) throw new Error('SQS down');
      parked.push(m);
    }),
    changeVisibility: jest.fn(async () => 0),
    requeue: jest.fn(async (_url: string, m: RequeuedMessage) => {
      if (fail.requeue) throw new Error('SQS down');
      requeued.push(m);
    }),
  };
  return { sender: sender as unknown as QueueSender, sent, parked, requeued, fail };
}

const SETTINGS: ConsumerSettings = {
  lifecycleQueueUrl: 'https://sqs/q',
  lifecycleQueueArn: 'arn:aws:sqs:us-east-1:123456789012:q',
  overrideSenderIds: ['AROAOPERATOR1234567890'],
  deadLetterQueueUrl: 'https://sqs/dlq',
  deadlineMarginMs: 2_000,
  fanoutDelaySeconds: 30,
  fanoutMaxLists: 50,
  dryRun: false,
  maxCommandAgeHours: 168,
  allowedStreamIds: ['st-allowed'],
  maxReceiveCount: 5,
  deferredVisibilitySeconds: 15,
  snapshotMaxAgeSeconds: 0,
  writeEvidenceMaxAgeMs: 12_800,
  deletionMode: 'delete',
  graceDays: 7,
};

function setup(seed: { lists?: KoreObject[]; campaigns?: KoreObject[] } = {}, settings: Partial<ConsumerSettings> = {}, extra: { brake?: BrakeWatch } = {}) {
  const clock = new FakeClock();
  const kore = new FakeKore(seed);
  const lines: Line[] = [];
  const metrics: Array<[string, number]> = [];
  const s = fakeSender();
  const deps: ConsumerDeps = {
    kore,
    credentials: new StaticCredentials(credentials('https://platform.kore.ai', { streamId: 'st-own' })),
    campaigns: new CampaignIndex(kore, { deleteMaxAgeMs: 300_000, renameMaxAgeMs: 120_000, headroomMs: 10_000, fullReadEveryMs: 86_400_000, clock }),
    sender: s.sender,
    logger: fakeLogger(lines),
    metrics: { addMetric: (name: string, _u: unknown, v: number) => metrics.push([name, v]) } as unknown as Metrics,
    clock,
    settings: { ...SETTINGS, ...settings },
    breaker: new KoreBreaker(clock),
    ...(extra.brake ? { brake: extra.brake } : {}),
  };
  const handle = createRecordHandler(deps);
  const invocation: Invocation = { deadline: Deadline.at(clock.now() + 60_000, { clock }), deferred: [] };
  let n = 0;
  const run = async (body: object | string, over: { receiveCount?: number; attrs?: Record<string, string>; sentAt?: number; sender?: string } = {}) => {
    n++;
    const record = {
      messageId: `m-${n}`,
      receiptHandle: `rh-${n}`,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      attributes: {
        ApproximateReceiveCount: String(over.receiveCount ?? 1),
        ...(over.sentAt !== undefined ? { SentTimestamp: String(over.sentAt) } : {}),
        ...(over.sender !== undefined ? { SenderId: over.sender } : {}),
      },
      messageAttributes: Object.fromEntries(Object.entries(over.attrs ?? {}).map(([k, v]) => [k, { dataType: 'String', stringValue: v }])),
    } as unknown as SQSRecord;
    try {
      return { ...(await handle(record, invocation)), thrown: undefined as unknown };
    } catch (err) {
      return { outcome: 'retry', reason: (err as RecordRetry).code, thrown: err as unknown };
    }
  };
  const outcomeLine = () => lines.filter((l) => l.message === 'outcome').pop()!;
  const audit = () => lines.filter((l) => l.audit === true);
  return { clock, kore, lines, metrics, run, invocation, outcomeLine, audit, deps, ...s };
}

const now = () => new FakeClock().now();
const at = (msAgo = 60_000) => new Date(now() - msAgo).toISOString();
const OLD = '2025-01-01T00:00:00.000Z';
const expired = (id: string, extra: Record<string, unknown> = {}) => ({ type: 'list.expired', contactListId: id, occurredAt: at(), ...extra });
const free = (id: string, over: Record<string, unknown> = {}) => aList({ _id: id, name: `Free ${id}`, updatedAt: OLD, ...over });
/** The mark key of the test secret, as the consumer derives it (no archiveKey: the client secret). */
const KEY = new MarkKey(TEST_CLIENT_SECRET);
/** Kore calls other than the campaign index's pages. */
const ops = (kore: FakeKore) => kore.calls.map((c) => c.op).filter((op) => op !== 'campaignPage');

describe('outcome: done', () => {
  it('list.expired deletes a proven-free list between an intent and a result audit line', async () => {
    const t = setup({ lists: [free('cl-1')] });
    expect(await t.run(expired('cl-1'))).toMatchObject({ outcome: 'done', detail: { confirmed: true } });
    expect(t.kore.writes()).toEqual(['deleteContactList cl-1']);
    expect(t.audit().map((a) => `${a.phase}:${a.result ?? ''}`)).toEqual(['intent:', 'result:deleted']);
    expect(t.audit()[1]).toMatchObject({ action: 'deleteContactList', contactListId: 'cl-1', confirmed: true, object: { _id: 'cl-1', isActive: true } });
  });

  it('list.expired whose DELETE reply was lost and whose retry found 404 is done, confirmed: false, audited with the GET object', async () => {
    const t = setup({ lists: [free('cl-1')] });
    t.kore.deleteAfterLostReply = true;
    expect(await t.run(expired('cl-1'))).toMatchObject({ outcome: 'done', detail: { confirmed: false } });
    expect(t.audit()[1]).toMatchObject({ phase: 'result', result: 'unconfirmed', confirmed: false, object: { _id: 'cl-1', name: 'Free cl-1' } });
  });

  it('list.expired with action archive renames within the limits instead of deleting', async () => {
    const t = setup({ lists: [free('cl-1')] });
    expect(await t.run(expired('cl-1', { action: 'archive', reason: 'crm-expiry' }))).toMatchObject({
      outcome: 'done',
      detail: { newName: '[expired] Free cl-1' },
    });
    expect(t.kore.writes()).toEqual(['updateContactList cl-1']);
    expect(t.audit().map((a) => a.result ?? a.phase)).toEqual(['intent', 'archived']);
  });

  it('list.update renames a free list', async () => {
    const t = setup({ lists: [free('cl-1')] });
    expect(await t.run({ type: 'list.update', contactListId: 'cl-1', name: 'New', occurredAt: at() })).toMatchObject({
      outcome: 'done',
      detail: { changed: ['name'] },
    });
    expect(t.kore.lists.get('cl-1')!.name).toBe('New');
  });

  it('campaign.ended deletes a Completed campaign and queues only the lists no one else uses, never its DNC list', async () => {
    const camp = aCampaign({ _id: 'cd-1', dncLists: { id: 'cl-its-dnc', name: 'Holiday exclusions' }, updatedAt: OLD });
    const lists = [
      free('cl-only', { campaignInUse: [{ id: 'cd-1', name: 'C' }], isListInUse: true }),
      free('cl-shared', {
        campaignInUse: [
          { id: 'cd-1', name: 'C' },
          { id: 'cd-2', name: 'D' },
        ],
        isListInUse: true,
      }),
      free('cl-its-dnc', { name: 'Holiday exclusions', campaignInUse: [{ id: 'cd-1', name: 'C' }], isListInUse: true }),
      free('cl-other'),
    ];
    const t = setup({ lists, campaigns: [camp] });
    const o = await t.run({ type: 'campaign.ended', campaignId: 'cd-1', occurredAt: at(), eventId: 'crm-1' });
    expect(o).toMatchObject({
      outcome: 'done',
      detail: { listsQueued: 1, contactListIds: ['cl-only'], listsKept: { 'cl-shared': 'used-by-another-campaign', 'cl-its-dnc': 'dnc-of-campaign' } },
    });
    expect(t.kore.writes()).toEqual(['deleteCampaign cd-1?voice']);
    expect(ops(t.kore)).toEqual(['getCampaign', 'scanContactLists', 'getCampaign', 'deleteCampaign']);
    const followUp = JSON.parse(t.sent[0]!.messages[0]!.body);
    expect(followUp).toMatchObject({
      type: 'list.expired',
      contactListId: 'cl-only',
      reason: 'campaign-ended',
      campaignId: 'cd-1',
      eventId: 'crm-1/cl-only',
      listUpdatedAt: OLD,
    });
    expect(Date.parse(followUp.occurredAt)).toBe(t.clock.now());
    expect(t.sent[0]!.messages[0]!.delaySeconds).toBe(30);
  });
});

describe('outcome: already-done', () => {
  it('a list Kore says is gone, confirmed by its own listing, costs no DELETE', async () => {
    const t = setup();
    expect(await t.run(expired('cl-gone'))).toMatchObject({ outcome: 'already-done', reason: 'not-found' });
    expect(ops(t.kore)).toEqual(['getContactList', 'scanContactLists']);
  });

  it('a 404 that Kore\'s listing contradicts proves nothing: retry, never "done"', async () => {
    const t = setup({ lists: [free('cl-1')] });
    t.kore.overrides.getContactList = () => {
      throw new KoreNotFoundError('404', { status: 404 });
    };
    expect(await t.run(expired('cl-1'))).toMatchObject({ outcome: 'retry', reason: 'kore-unexpected-reply' });
    expect(t.kore.writes()).toEqual([]);
  });

  it('a list archived by us, an unchanged update, a campaign already gone', async () => {
    const archived = archiveDescription('cl-1', { name: 'Old', description: '' }, OLD, KEY)!.description;
    const t = setup({ lists: [free('cl-1', { name: archivedName('Old'), description: archived }), free('cl-2', { name: 'Same', description: 'd' })] });
    expect(await t.run(expired('cl-1', { action: 'archive' }))).toMatchObject({ outcome: 'already-done', reason: 'already-archived' });
    expect(await t.run({ type: 'list.update', contactListId: 'cl-2', name: 'Same', occurredAt: at() })).toMatchObject({
      outcome: 'already-done',
      reason: 'unchanged',
    });
    expect(await t.run({ type: 'campaign.ended', campaignId: 'cd-gone', occurredAt: at() })).toMatchObject({ outcome: 'already-done', reason: 'not-found' });
    expect(t.kore.writes()).toEqual([]);
  });
});

describe('outcome: skipped (the guard refuses, nothing is written)', () => {
  it.each<[string, KoreObject, Record<string, unknown>, string]>([
    ['protected: a global DNC list', free('cl-1', { isGlobalDNC: true }), {}, 'protected'],
    ['protected: a list named do-not-call', free('cl-1', { name: 'Callback do-not-call requests' }), {}, 'protected'],
    ['in-use: campaignInUse with isListInUse false', free('cl-1', { campaignInUse: [{ id: 'cd-9', name: 'X' }] }), {}, 'in-use'],
    ['unsettled: a list mid-import', free('cl-1', { status: 'Validating' }), {}, 'unsettled'],
    [
      'unverifiable: a reply without isDefault',
      (() => {
        const l: Record<string, unknown> = { ...free('cl-1') };
        delete l.isDefault;
        return l;
      })(),
      {},
      'unverifiable',
    ],
    [
      'changed-since-event: edited after the event',
      free('cl-1', { updatedAt: new Date(now()).toISOString() }),
      { occurredAt: at(3_600_000) },
      'changed-since-event',
    ],
    [
      'changed-since-event: changed since the sweep saw it',
      free('cl-1'),
      { reason: 'sweep', runId: 'r1', listUpdatedAt: '2024-12-01T00:00:00.000Z' },
      'changed-since-event',
    ],
  ])('%s', async (_name, list, extra, reason) => {
    const t = setup({ lists: [list] });
    expect(await t.run(expired('cl-1', extra))).toMatchObject({ outcome: 'skipped', reason });
    expect(t.kore.writes()).toEqual([]);
    expect(t.outcomeLine()).toMatchObject({ outcome: 'skipped', reason, rule: expect.any(String), why: expect.any(String) });
  });

  it('protected: a list a campaign names as its DNC list, whatever the list says about itself', async () => {
    const t = setup({
      lists: [free('cl-1', { name: 'Holiday exclusions' })],
      campaigns: [aCampaign({ _id: 'cd-5', status: 'Active', dncLists: { id: 'cl-1', name: 'Holiday exclusions' } })],
    });
    expect(await t.run(expired('cl-1'))).toMatchObject({ outcome: 'skipped', reason: 'protected', detail: { rule: 'not-dnc-of-campaign' } });
  });

  it('stale: a command older than MAX_COMMAND_AGE_HOURS costs no call, unless redriven with AllowStale by a sender OVERRIDE_SENDER_IDS lists', async () => {
    const t = setup({ lists: [free('cl-1')] });
    const old = expired('cl-1', { occurredAt: at(8 * 86_400_000) });
    expect(await t.run(old)).toMatchObject({ outcome: 'skipped', reason: 'stale' });
    expect(t.kore.calls).toEqual([]);
    // AllowStale from anyone else is ignored, and the outcome says so.
    expect(await t.run(old, { attrs: { AllowStale: 'true' }, sender: 'AROAPRODUCER123456789:crm' })).toMatchObject({ outcome: 'skipped', reason: 'stale' });
    expect(t.outcomeLine()).toMatchObject({ overrideIgnored: 'AllowStale', senderId: 'AROAPRODUCER123456789:crm' });
    expect(t.kore.calls).toEqual([]);
    expect(await t.run(old, { attrs: { AllowStale: 'true' }, sender: 'AROAOPERATOR1234567890:jane' })).toMatchObject({ outcome: 'done' });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an Active campaign', { status: 'Active' }, 'campaign-active'],
    ['a Paused campaign', { status: 'Paused' }, 'campaign-active'],
    ['a Scheduled campaign', { status: 'Scheduled' }, 'campaign-active'],
    ['a Ready campaign', { status: 'Ready' }, 'campaign-not-ended'],
    ['a Completed campaign that recurs', { schedule: { isSchedulingEnabled: true, isRecurrenceEnabled: true } }, 'campaign-recurring'],
    ['a campaign whose status we do not know', { status: 'Archived' }, 'unverifiable'],
  ])('campaign.ended for %s deletes nothing and queues nothing', async (_n, over, reason) => {
    const t = setup({
      lists: [free('cl-only', { campaignInUse: [{ id: 'cd-1', name: 'C' }] })],
      campaigns: [aCampaign({ _id: 'cd-1', updatedAt: OLD, ...over })],
    });
    expect(await t.run({ type: 'campaign.ended', campaignId: 'cd-1', occurredAt: at() })).toMatchObject({ outcome: 'skipped', reason });
    expect(t.kore.writes()).toEqual([]);
    expect(t.sent).toEqual([]);
  });

  it('list.update never renames a list a campaign uses (campaigns name their lists)', async () => {
    const t = setup({ lists: [free('cl-1', { isListInUse: true, campaignInUse: [{ id: 'cd-1', name: 'C' }] })] });
    expect(await t.run({ type: 'list.update', contactListId: 'cl-1', name: 'New', occurredAt: at() })).toMatchObject({ outcome: 'skipped', reason: 'in-use' });
    expect(await t.run({ type: 'list.update', contactListId: 'cl-none', name: 'New', occurredAt: at() })).toMatchObject({
      outcome: 'skipped',
      reason: 'not-found',
    });
    expect(t.kore.writes()).toEqual([]);
  });

  it("Kore's own in-use refusal of the DELETE is a skip, audited as refused", async () => {
    const t = setup({ lists: [free('cl-1')] });
    t.kore.overrides.deleteContactList = () => {
      throw new KoreInUseError('in use', { status: 409, koreMessage: 'list is associated with a campaign' });
    };
    expect(await t.run(expired('cl-1'))).toMatchObject({ outcome: 'skipped', reason: 'in-use', detail: { rule: 'kore-refused' } });
    expect(t.audit().map((a) => a.result ?? a.phase)).toEqual(['intent', 'refused']);
  });
});

describe('outcome: would-* (CONSUMER_DRY_RUN)', () => {
  it('decides every destructive step and writes nothing to Kore', async () => {
    const t = setup({ lists: [free('cl-1'), free('cl-2'), free('cl-3')], campaigns: [aCampaign({ _id: 'cd-1', updatedAt: OLD })] }, { dryRun: true });
    expect(await t.run(expired('cl-1'))).toMatchObject({ outcome: 'would-delete' });
    expect(await t.run(expired('cl-2', { action: 'archive' }))).toMatchObject({ outcome: 'would-archive' });
    expect(await t.run({ type: 'list.update', contactListId: 'cl-3', name: 'x', occurredAt: at() })).toMatchObject({ outcome: 'would-update' });
    expect(await t.run({ type: 'campaign.ended', campaignId: 'cd-1', occurredAt: at() })).toMatchObject({ outcome: 'would-delete' });
    expect(t.kore.writes()).toEqual([]);
    expect(t.sent).toEqual([]);
    expect(t.audit()).toEqual([]);
    expect(t.outcomeLine()).toMatchObject({ dryRun: true });
    expect(t.metrics).toContainEqual(['outcome.would-delete', 1]);
  });

  it('still refuses what the guard refuses', async () => {
    const t = setup({ lists: [free('cl-1', { isDefault: true })] }, { dryRun: true });
    expect(await t.run(expired('cl-1'))).toMatchObject({ outcome: 'skipped', reason: 'protected' });
  });
});

describe('outcome: retry', () => {
  it('a transient Kore failure is retried through SQS (listed in batchItemFailures), nothing parked', async () => {
    const t = setup({ lists: [free('cl-1')] });
    t.kore.overrides.getContactList = () => {
      throw new KoreServerError('503', { status: 503 });
    };
    const o = await t.run(expired('cl-1'));
    expect(o).toMatchObject({ outcome: 'retry', reason: 'kore-server' });
    expect(o.thrown).toBeInstanceOf(RecordRetry);
    expect(t.parked).toEqual([]);
  });

  it('a record that cannot fit its calls before the deadline gives way with 0 calls, and is marked for a short visibility', async () => {
    const t = setup({ lists: [free('cl-1')] });
    t.kore.fitsAnswer = false;
    expect(await t.run(expired('cl-1'))).toMatchObject({ outcome: 'retry', reason: 'deadline' });
    expect(t.kore.calls).toEqual([]);
    expect(t.invocation.deferred).toEqual(['rh-1']);
    expect(t.metrics).toContainEqual(['deferred', 1]);
  });

  it('still-attached: a follow-up whose list is still held by the campaign that ended is retried, then parked on the last receive', async () => {
    const list = free('cl-1', { isListInUse: true, campaignInUse: [{ id: 'cd-ended', name: 'Ended' }] });
    const t = setup({ lists: [list] });
    const cmd = expired('cl-1', { reason: 'campaign-ended', campaignId: 'cd-ended', listUpdatedAt: OLD });
    expect(await t.run(cmd, { receiveCount: 1 })).toMatchObject({ outcome: 'retry', reason: 'still-attached' });
    expect(await t.run(cmd, { receiveCount: 5 })).toMatchObject({ outcome: 'rejected', reason: 'still-attached', detail: { exhausted: true } });
    expect(t.parked).toEqual([expect.objectContaining({ errorCode: 'still-attached', receiveCount: 5 })]);
    expect(t.kore.writes()).toEqual([]);
    // Attached to another campaign as well: an ordinary in-use skip.
    const shared = setup({
      lists: [
        free('cl-1', {
          campaignInUse: [
            { id: 'cd-ended', name: 'E' },
            { id: 'cd-live', name: 'L' },
          ],
        }),
      ],
    });
    expect(await shared.run(cmd)).toMatchObject({ outcome: 'skipped', reason: 'in-use' });
  });
});

describe('outcome: rejected (parked in the DLQ at once, with the error)', () => {
  it.each<[string, object | string, string]>([
    ['malformed JSON', 'not json', 'invalid-message'],
    ['an unknown type', { type: 'list.purge', contactListId: 'cl-1', occurredAt: at() }, 'invalid-message'],
    ['no occurredAt', { type: 'list.expired', contactListId: 'cl-1' }, 'invalid-message'],
    ['a bot outside ALLOWED_STREAM_IDS', expired('cl-1', { streamId: 'st-someone-else' }), 'stream-not-allowed'],
  ])('%s, before any Kore call', async (_n, body, code) => {
    const t = setup({ lists: [free('cl-1')] });
    expect(await t.run(body)).toMatchObject({ outcome: 'rejected', reason: code });
    expect(t.kore.calls).toEqual([]);
    expect(t.parked).toEqual([expect.objectContaining({ errorCode: code, messageId: 'm-1', body: typeof body === 'string' ? body : JSON.stringify(body) })]);
  });

  it("accepts the secret's own bot and an allowlisted one as streamId", async () => {
    const t = setup({ lists: [free('cl-1'), free('cl-2')] });
    expect(await t.run(expired('cl-1', { streamId: 'st-own' }))).toMatchObject({ outcome: 'done' });
    expect(await t.run(expired('cl-2', { streamId: 'st-allowed' }))).toMatchObject({ outcome: 'done' });
  });

  it('fanout-cap: a campaign.ended that would queue more follow-ups than FANOUT_MAX_LISTS deletes nothing', async () => {
    const lists = Array.from({ length: 3 }, (_, i) => free(`cl-${i}`, { campaignInUse: [{ id: 'cd-1', name: 'C' }] }));
    const t = setup({ lists, campaigns: [aCampaign({ _id: 'cd-1', updatedAt: OLD })] }, { fanoutMaxLists: 2 });
    expect(await t.run({ type: 'campaign.ended', campaignId: 'cd-1', occurredAt: at() })).toMatchObject({ outcome: 'rejected', reason: 'fanout-cap' });
    expect(t.kore.writes()).toEqual([]);
    expect(t.sent).toEqual([]);
  });

  it('a Kore 4xx that is not in-use is parked with its code', async () => {
    const t = setup({ lists: [free('cl-1')] });
    t.kore.overrides.deleteContactList = () => {
      throw new KoreValidationError('400', { status: 400, koreMessage: 'nope' });
    };
    expect(await t.run(expired('cl-1'))).toMatchObject({ outcome: 'rejected', reason: 'kore-validation' });
    expect(t.audit().map((a) => a.result ?? a.phase)).toEqual(['intent', 'refused']);
  });

  it('a retry on the last receive is parked with its reason, so every DLQ message has an ErrorCode', async () => {
    const t = setup({ lists: [free('cl-1')] });
    t.kore.overrides.getContactList = () => {
      throw new KoreServerError('503', { status: 503 });
    };
    expect(await t.run(expired('cl-1'), { receiveCount: 5 })).toMatchObject({ outcome: 'rejected', reason: 'kore-server' });
    expect(t.parked[0]).toMatchObject({ errorCode: 'kore-server', errorMessage: expect.stringMatching(/still failing after 5 receives/) });
  });

  it('a rejection that cannot be parked is retried instead: nothing is lost', async () => {
    const t = setup();
    t.fail.park = true;
    expect(await t.run('not json')).toMatchObject({ outcome: 'retry' });
  });
});

describe("a batch's shared listing as evidence (SNAPSHOT_MAX_AGE_SECONDS)", () => {
  it("deletes on the listing's evidence with no GET: one listing for the batch, one DELETE per list", async () => {
    const t = setup({ lists: [free('cl-1'), free('cl-2'), free('cl-3')] });
    t.invocation.listSnapshot = new ListSnapshot(t.kore, t.clock, 30_000, ['cl-1', 'cl-2', 'cl-3']);
    for (const id of ['cl-1', 'cl-2', 'cl-3']) expect(await t.run(expired(id))).toMatchObject({ outcome: 'done', detail: { evidence: 'listing' } });
    expect(ops(t.kore)).toEqual(['scanContactLists', 'deleteContactList', 'deleteContactList', 'deleteContactList']);
  });

  it("refuses on the listing's evidence too (fail closed), and falls back to a GET when the listing cannot prove a flag", async () => {
    const noFlag: Record<string, unknown> = { ...free('cl-2') };
    delete noFlag.isDefault;
    const t = setup({ lists: [free('cl-1', { isListInUse: true }), noFlag] });
    t.invocation.listSnapshot = new ListSnapshot(t.kore, t.clock, 30_000, ['cl-1', 'cl-2', 'cl-3']);
    expect(await t.run(expired('cl-1'))).toMatchObject({ outcome: 'skipped', reason: 'in-use', detail: { evidence: 'listing' } });
    // The GET of cl-2 also lacks isDefault here: unverifiable, proven on its own reply.
    expect(await t.run(expired('cl-2'))).toMatchObject({ outcome: 'skipped', reason: 'unverifiable', detail: { evidence: 'get' } });
    expect(t.kore.calls.filter((c) => c.op === 'getContactList').map((c) => c.id)).toEqual(['cl-2']);
  });

  it('reads a listing past LISTING_MAX_BYTES no further, once: each list gets its own GET, and the container takes no listing for an hour', async () => {
    const t = setup({ lists: [free('cl-1'), free('cl-2'), free('cl-3')] });
    const capability = new ListingCapability(t.clock);
    t.kore.overrides.scanContactLists = () => {
      throw new ListingTooLargeError('scanContactLists: the listing is larger than 20971520 bytes: not read further');
    };
    t.invocation.listSnapshot = new ListSnapshot(t.kore, t.clock, 30_000, ['cl-1', 'cl-2', 'cl-3'], capability);
    for (const id of ['cl-1', 'cl-2', 'cl-3']) expect(await t.run(expired(id))).toMatchObject({ outcome: 'done', detail: { evidence: 'get' } });
    // The rest of the batch does not read it again: each try would be a Kore call and 20 MB for nothing.
    expect(t.kore.calls.filter((c) => c.op === 'scanContactLists').map((c) => c.body)).toEqual([{ maxBytes: LISTING_MAX_BYTES }]);
    expect(capability.usable()).toBe(false);
    t.clock.advance(3_600_000);
    expect(capability.usable()).toBe(true);
  });

  it("counts a listing's age from its request, not its last byte", async () => {
    const t = setup({ lists: [free('cl-1'), free('cl-2')] });
    const scan = t.kore.scanContactLists.bind(t.kore);
    t.kore.scanContactLists = async (...args) => {
      t.clock.advance(20_000); // a long stream
      return scan(...args);
    };
    t.invocation.listSnapshot = new ListSnapshot(t.kore, t.clock, 30_000, ['cl-1', 'cl-2']);
    expect(await t.run(expired('cl-1'))).toMatchObject({ detail: { evidence: 'listing' } });
    t.clock.advance(11_000); // 31 s after the request, 11 s after the last byte
    expect(await t.run(expired('cl-2'))).toMatchObject({ detail: { evidence: 'get' } });
  });

  it('uses its own GET when the listing is older than the bound, or lacks the list', async () => {
    const t = setup({ lists: [free('cl-1'), free('cl-2')] });
    t.invocation.listSnapshot = new ListSnapshot(t.kore, t.clock, 30_000, ['cl-1', 'cl-2', 'cl-3']);
    expect(await t.run(expired('cl-1'))).toMatchObject({ outcome: 'done', detail: { evidence: 'listing' } });
    t.clock.advance(31_000);
    expect(await t.run(expired('cl-2'))).toMatchObject({ outcome: 'done', detail: { evidence: 'get' } });
    t.kore.lists.set('cl-new', { ...free('cl-new') });
    expect(await t.run(expired('cl-new'))).toMatchObject({ outcome: 'done', detail: { evidence: 'get' } });
  });

  it('never acts twice on a list the batch has already written: its entry no longer speaks for it', async () => {
    const t = setup({ lists: [free('cl-1')] });
    t.invocation.listSnapshot = new ListSnapshot(t.kore, t.clock, 30_000, ['cl-1']);
    expect(await t.run(expired('cl-1'))).toMatchObject({ outcome: 'done', detail: { action: 'delete', evidence: 'listing' } });
    // The same event delivered twice (or two producers): the second reads the list fresh and finds it gone.
    expect(await t.run(expired('cl-1'))).toMatchObject({ outcome: 'already-done', reason: 'not-found' });
    expect(ops(t.kore)).toEqual(['scanContactLists', 'deleteContactList', 'getContactList', 'scanContactLists']);
  });

  it('never rests a rename on the listing: an archive reads its own GET right before its PUT, even in a batch that has a listing', async () => {
    const t = setup({ lists: [free('cl-1')] }, { deletionMode: 'archive-then-delete' });
    t.kore.now = () => t.clock.now();
    t.invocation.listSnapshot = new ListSnapshot(t.kore, t.clock, 30_000, ['cl-1']);
    // A grace-period deletion of a list that turns out not archived: the listing decided, the archive re-reads.
    expect(await t.run(expired('cl-1', { action: 'delete', reason: 'grace-elapsed' }))).toMatchObject({
      outcome: 'done',
      detail: { action: 'archive', evidence: 'get' },
    });
    expect(ops(t.kore)).toEqual(['scanContactLists', 'getContactList', 'updateContactList']);
    t.clock.advance(1_000);
    expect(await t.run(expired('cl-1', { action: 'archive', occurredAt: new Date(t.clock.now() - 500).toISOString() }))).toMatchObject({
      outcome: 'already-done',
      reason: 'already-archived',
      detail: { evidence: 'get' },
    });
    expect(t.kore.writes()).toEqual(['updateContactList cl-1']);
  });

  it('stops taking listings for a while once one arrives without the DNC flags: it would be a wasted call per batch', () => {
    const clock = new FakeClock();
    const cap = new ListingCapability(clock, 3_600_000);
    expect(cap.usable()).toBe(true);
    cap.observe([free('cl-1')]);
    expect(cap.usable()).toBe(true);
    const noFlag: Record<string, unknown> = { ...free('cl-2') };
    delete noFlag.isDefault;
    cap.observe([free('cl-1'), noFlag]);
    expect(cap.usable()).toBe(false);
    clock.advance(3_600_000);
    expect(cap.usable()).toBe(true);
  });

  it('falls back to GETs when the listing itself fails', async () => {
    const t = setup({ lists: [free('cl-1')] });
    t.invocation.listSnapshot = new ListSnapshot(t.kore, t.clock, 30_000, ['cl-1', 'cl-2', 'cl-3']);
    t.kore.overrides.scanContactLists = () => {
      throw new KoreServerError('503', { status: 503 });
    };
    expect(await t.run(expired('cl-1'))).toMatchObject({ outcome: 'done', detail: { evidence: 'get' } });
  });
});

describe('safety round 2: evidence that cannot be stale, forged or lost', () => {
  it('occurredAt never vouches for time after SQS received the message: a list edited after it was sent is changed-since-event', async () => {
    const sentAt = now() - 60_000;
    const t = setup({ lists: [free('cl-1', { updatedAt: new Date(now() - 30_000).toISOString() })] });
    // The producer's clock runs 4 minutes ahead: its occurredAt is after the edit, but the message was sent before it.
    const ahead = new Date(now() + 4 * 60_000).toISOString();
    expect(await t.run(expired('cl-1', { occurredAt: ahead }), { sentAt })).toMatchObject({ outcome: 'skipped', reason: 'changed-since-event' });
    expect(t.kore.writes()).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a name that starts with [expired]', { name: '[expired] Q4 VIP callers' }, /must not start with "\[expired\]"/],
    ['a name that starts with [Expired] after a space', { name: ' [Expired] x' }, /must not start with/],
    [
      'a description shaped like our record',
      { description: '{"kcl":"archived","at":"2026-01-01T00:00:00.000Z","name":"Q4 VIP callers","desc":""}' },
      /archive record/,
    ],
  ])('list.update may not write %s: rejected before any call', async (_n, fields, why) => {
    const t = setup({ lists: [free('cl-1')] });
    expect(await t.run({ type: 'list.update', contactListId: 'cl-1', occurredAt: at(), ...fields })).toMatchObject({
      outcome: 'rejected',
      reason: 'invalid-message',
    });
    expect(t.parked[0]?.errorMessage).toMatch(why);
    expect(t.kore.calls).toEqual([]);
  });

  it('list.update of a list we archived is skipped (archived: restore first), so our record of what it was is never erased', async () => {
    const record = archiveDescription('cl-1', { name: 'Old', description: 'desc' }, OLD, KEY)!.description;
    const t = setup({ lists: [free('cl-1', { name: archivedName('Old'), description: record })] });
    expect(await t.run({ type: 'list.update', contactListId: 'cl-1', description: 'changed', occurredAt: at() })).toMatchObject({
      outcome: 'skipped',
      reason: 'archived',
    });
    expect(t.kore.writes()).toEqual([]);
  });

  it('an archive refuses a list whose reply has no description (the undo would lose it): unverifiable, nothing written', async () => {
    const l: Record<string, unknown> = { ...free('cl-1') };
    delete l.description;
    const t = setup({ lists: [l] }, { deletionMode: 'archive-then-delete' });
    expect(await t.run(expired('cl-1'))).toMatchObject({
      outcome: 'skipped',
      reason: 'unverifiable',
      detail: { why: expect.stringMatching(/description missing/) },
    });
    expect(t.kore.writes()).toEqual([]);
  });

  it('never deletes after a grace period a list whose record does not verify (written by hand or with another key): not-ours', async () => {
    const forged = archiveDescription(
      'cl-1',
      { name: 'Q4 VIP callers', description: '' },
      OLD,
      new MarkKey('someone-elses-key-of-thirty-two-chars'),
    )!.description;
    const t = setup({ lists: [free('cl-1', { name: archivedName('Q4 VIP callers'), description: forged })] }, { deletionMode: 'archive-then-delete' });
    expect(await t.run(expired('cl-1', { action: 'delete', reason: 'grace-elapsed' }))).toMatchObject({ outcome: 'skipped', reason: 'not-ours' });
    expect(t.kore.writes()).toEqual([]);
  });

  it('counts the grace period from the recorded archive time when Kore did not move updatedAt on the rename', async () => {
    const archivedAt = new Date(now() - 86_400_000).toISOString();
    const record = archiveDescription('cl-1', { name: 'Old', description: '' }, archivedAt, KEY)!.description;
    // updatedAt is 30 days old: Kore did not bump it on our rename yesterday.
    const t = setup(
      { lists: [free('cl-1', { name: archivedName('Old'), description: record, updatedAt: new Date(now() - 30 * 86_400_000).toISOString() })] },
      {
        deletionMode: 'archive-then-delete',
      },
    );
    expect(await t.run(expired('cl-1', { action: 'delete', reason: 'grace-elapsed' }))).toMatchObject({ outcome: 'skipped', reason: 'in-grace' });
    expect(t.kore.writes()).toEqual([]);
  });

  it('a list gone on a later receive of a deletion writes an unconfirmed audit result, which the deletions metric counts', async () => {
    const t = setup();
    expect(await t.run(expired('cl-gone'), { receiveCount: 2 })).toMatchObject({ outcome: 'already-done', reason: 'not-found', detail: { unconfirmed: true } });
    expect(t.audit()).toEqual([expect.objectContaining({ phase: 'result', action: 'deleteContactList', result: 'unconfirmed', contactListId: 'cl-gone' })]);
    const first = setup();
    expect(await first.run(expired('cl-gone'))).toMatchObject({ outcome: 'already-done', reason: 'not-found' });
    expect(first.audit()).toEqual([]);
  });

  describe('list.restore: the undo always holds', () => {
    const archived = () => {
      const record = archiveDescription('cl-1', { name: 'Spring promo leads', description: 'leads' }, OLD, KEY)!.description;
      return free('cl-1', { name: archivedName('Spring promo leads'), description: record });
    };
    const taken = () => new KoreValidationError('400', { status: 400, koreMessage: 'Contact list Spring promo leads already exists' });

    it('restores under "<name> (restored)" when another list took the name during the grace period, and says so', async () => {
      const t = setup({ lists: [archived()] });
      let puts = 0;
      t.kore.overrides.updateContactList = () => {
        if (puts++ === 0) throw taken();
        return undefined;
      };
      expect(await t.run({ type: 'list.restore', contactListId: 'cl-1' })).toMatchObject({
        outcome: 'done',
        detail: { restoredName: 'Spring promo leads (restored)', why: expect.stringMatching(/is taken/) },
      });
      expect(t.kore.calls.filter((c) => c.op === 'updateContactList').map((c) => (c.body as { name?: string }).name)).toEqual([
        'Spring promo leads',
        'Spring promo leads (restored)',
      ]);
    });

    it('when both names are taken, keeps it archived but held: a signed record no sweep deletes', async () => {
      const t = setup({ lists: [archived()] });
      let puts = 0;
      t.kore.overrides.updateContactList = (id) => {
        if (puts++ < 2) throw taken();
        const body = t.kore.calls.at(-1)!.body as { description: string };
        Object.assign(t.kore.lists.get(id!)!, body);
        return undefined;
      };
      expect(await t.run({ type: 'list.restore', contactListId: 'cl-1' })).toMatchObject({ outcome: 'done', detail: { held: true } });
      const list = t.kore.lists.get('cl-1')!;
      expect(list.name).toBe(archivedName('Spring promo leads'));
      expect(JSON.parse(list.description as string)).toMatchObject({ held: true, name: 'Spring promo leads', desc: 'leads' });
      // A grace-period deletion now refuses it.
      const d = setup({ lists: [list] }, { deletionMode: 'archive-then-delete' });
      expect(await d.run(expired('cl-1', { action: 'delete', reason: 'grace-elapsed' }))).toMatchObject({
        outcome: 'skipped',
        reason: 'in-grace',
        detail: { held: true },
      });
    });
  });

  describe('campaign.ended', () => {
    it('looks at the campaign again right before its DELETE: restarted in between, it is refused and kept', async () => {
      const t = setup({ campaigns: [aCampaign({ _id: 'cd-1', updatedAt: OLD })] });
      let gets = 0;
      t.kore.overrides.getCampaign = () => ({ ...t.kore.campaigns.get('cd-1')!, ...(gets++ > 0 ? { status: 'Active' } : {}) });
      expect(await t.run({ type: 'campaign.ended', campaignId: 'cd-1', occurredAt: at() })).toMatchObject({
        outcome: 'skipped',
        reason: 'campaign-active',
        detail: { recheck: true },
      });
      expect(t.kore.writes()).toEqual([]);
    });

    it('deletes an SMS campaign with campaignType=sms, the type the listing it was found in says', async () => {
      const t = setup({ campaigns: [aCampaign({ _id: 'cd-sms', campaignType: 'sms', updatedAt: OLD })] });
      expect(await t.run({ type: 'campaign.ended', campaignId: 'cd-sms', occurredAt: at() })).toMatchObject({
        outcome: 'done',
        detail: { campaignType: 'sms' },
      });
      expect(t.kore.writes()).toEqual(['deleteCampaign cd-sms?sms']);
    });

    it('refuses a campaign whose type no listing proves, instead of deleting it as voice', async () => {
      const t = setup({ campaigns: [aCampaign({ _id: 'cd-1', updatedAt: OLD })] });
      t.kore.overrides.campaignPage = () => ({ results: [], hasMore: false, totalResults: 0 });
      expect(await t.run({ type: 'campaign.ended', campaignId: 'cd-1', occurredAt: at() })).toMatchObject({
        outcome: 'skipped',
        reason: 'unverifiable',
        detail: { rule: 'campaign-verifiable', why: expect.stringMatching(/type/) },
      });
      expect(t.kore.writes()).toEqual([]);
    });

    it('a campaign gone on a later receive writes an unconfirmed deleteCampaign result', async () => {
      const t = setup();
      expect(await t.run({ type: 'campaign.ended', campaignId: 'cd-gone', occurredAt: at() }, { receiveCount: 3 })).toMatchObject({
        outcome: 'already-done',
        detail: { unconfirmed: true },
      });
      expect(t.audit()).toEqual([expect.objectContaining({ action: 'deleteCampaign', result: 'unconfirmed' })]);
    });
  });

  it('reason is free text up to 128 characters, never parsed: "Campaign ended by user" is accepted, a longer one refused', async () => {
    const t = setup({ lists: [free('cl-1')] });
    expect(await t.run(expired('cl-1', { reason: 'Campaign ended by user' }))).toMatchObject({ outcome: 'done' });
    expect(await t.run(expired('cl-1', { reason: 'x'.repeat(129) }))).toMatchObject({ outcome: 'rejected', reason: 'invalid-message' });
  });
});

describe('the brake, Kore outages and time: put back without spending receives', () => {
  const down = () => new KoreServerError('503', { status: 503 });

  it('opens the circuit breaker after 5 records in a row fail on Kore: the next records are requeued (delayed copies), not run', async () => {
    const t = setup({ lists: ['cl-1', 'cl-2', 'cl-3', 'cl-4', 'cl-5', 'cl-6', 'cl-7'].map((id) => free(id)) });
    t.kore.overrides.getContactList = () => {
      throw down();
    };
    for (const id of ['cl-1', 'cl-2', 'cl-3', 'cl-4', 'cl-5']) expect(await t.run(expired(id))).toMatchObject({ outcome: 'retry', reason: 'kore-server' });
    const callsBefore = t.kore.calls.length;
    const o = await t.run(expired('cl-6'), { attrs: { AllowStale: 'true' }, sender: 'AROAPRODUCER123456789:crm', sentAt: now() - 5_000 });
    expect(o).toMatchObject({ outcome: 'requeued', reason: 'kore-unavailable', detail: { delaySeconds: 60, requeues: 1 } });
    expect(t.kore.calls.length).toBe(callsBefore);
    // The copy keeps the body and its attributes, and says where and when the message first came from.
    expect(t.requeued[0]).toMatchObject({ body: JSON.stringify(expired('cl-6')), delaySeconds: 60 });
    expect(t.requeued[0]!.attributes).toMatchObject({ AllowStale: { StringValue: 'true' } });
    expect(JSON.parse(t.requeued[0]!.origin)).toEqual({ senderId: 'AROAPRODUCER123456789:crm', sentAtMs: now() - 5_000, messageId: 'm-6', requeues: 1 });
    // After the cool-down the breaker asks Kore for what the last failing record failed on (cl-5's
    // GET); Kore answers, it closes, records run.
    delete t.kore.overrides.getContactList;
    t.clock.advance(60_000);
    t.invocation.deadline = Deadline.at(t.clock.now() + 60_000, { clock: t.clock }); // a later invocation
    const before = t.kore.calls.length;
    expect(await t.run(expired('cl-7'))).toMatchObject({ outcome: 'done' });
    expect(t.kore.calls[before]).toEqual({ op: 'getContactList', id: 'cl-5' });
    expect(await t.run(expired('cl-1'))).toMatchObject({ outcome: 'done' });
    expect(t.kore.calls.filter((c) => c.op === 'getContactList' && c.id === 'cl-5')).toHaveLength(2); // its own failed GET, and the probe
  });

  it('after the cool-down, a probe Kore fails opens it for twice as long: no record is the test, none spends a receive, none is parked', async () => {
    const t = setup({ lists: ['cl-1', 'cl-2', 'cl-3', 'cl-4', 'cl-5', 'cl-6'].map((id) => free(id)) });
    t.kore.overrides.getContactList = () => {
      throw down();
    };
    for (const id of ['cl-1', 'cl-2', 'cl-3', 'cl-4', 'cl-5']) await t.run(expired(id));
    // Only the contact-list routes fail (a partial outage): campaign pages answer, but the probe
    // reads what failed, so the breaker does not close.
    t.clock.advance(60_000);
    t.invocation.deadline = Deadline.at(t.clock.now() + 60_000, { clock: t.clock });
    expect(await t.run(expired('cl-6'), { receiveCount: 5 })).toMatchObject({ outcome: 'requeued', reason: 'kore-unavailable', detail: { delaySeconds: 120 } });
    expect(t.kore.calls.filter((c) => c.op === 'getContactList' && c.id === 'cl-6')).toEqual([]);
    expect(t.parked).toEqual([]);
  });

  it('one list whose every read fails, alone, does not hold the breaker open for everyone: the probe finds the rest of Kore answering', async () => {
    const t = setup({ lists: ['cl-bad', 'cl-1'].map((id) => free(id)) });
    t.kore.overrides.getContactList = (id) => {
      if (id === 'cl-bad') throw down();
      return t.kore.lists.get(id!);
    };
    for (let receive = 1; receive <= 5; receive++) await t.run(expired('cl-bad'), { receiveCount: receive });
    t.clock.advance(60_000);
    t.invocation.deadline = Deadline.at(t.clock.now() + 60_000, { clock: t.clock });
    const before = t.kore.calls.length;
    expect(await t.run(expired('cl-1'))).toMatchObject({ outcome: 'done' });
    // The probe: cl-bad's GET (fails), then a campaign page (answers): closed.
    expect(t.kore.calls.slice(before, before + 2).map((c) => `${c.op}:${c.id}`)).toEqual(['getContactList:cl-bad', 'campaignPage:voice']);
  });

  it('a command that fails on its own (Kore answers others) is parked on its last receive, not taken for an outage', async () => {
    const t = setup({ lists: ['cl-bad', 'cl-1'].map((id) => free(id)) });
    t.kore.overrides.deleteContactList = (id) => {
      if (id === 'cl-bad') throw down();
      return { deleted: true };
    };
    // Alone in the queue, it opens the breaker after 5 receives; the probe finds Kore up; it runs and fails.
    for (let receive = 1; receive <= 5; receive++) {
      const o = await t.run(expired('cl-bad'), { receiveCount: receive });
      expect(o.outcome).toBe(receive < 5 ? 'retry' : 'rejected');
    }
    expect(t.parked).toHaveLength(1);
    t.clock.advance(60_000);
    t.invocation.deadline = Deadline.at(t.clock.now() + 60_000, { clock: t.clock });
    expect(await t.run(expired('cl-bad'), { receiveCount: 5 })).toMatchObject({ outcome: 'rejected', reason: 'kore-server' });
    expect(await t.run(expired('cl-1'))).toMatchObject({ outcome: 'done' });
    expect(t.requeued).toEqual([]);
  });

  it('opens again for twice as long each time the probe after the cool-down fails, up to 15 minutes', async () => {
    const clock = new FakeClock();
    const b = new KoreBreaker(clock);
    for (let i = 0; i < 5; i++) b.failure();
    expect(b.openForMs()).toBe(60_000);
    b.failure(); // a record that started before it opened
    expect(b.openForMs()).toBe(60_000);
    for (const expected of [120_000, 240_000, 480_000, 900_000, 900_000]) {
      clock.advance(b.openForMs());
      expect(b.probeDue).toBe(true);
      await b.probe(async () => {
        throw down();
      });
      expect(b.openForMs()).toBe(expected);
    }
    // A 429 or a refusal is Kore answering: closed.
    clock.advance(b.openForMs());
    await b.probe(async () => {
      throw new KoreThrottledError('429');
    });
    expect(b.openForMs()).toBe(0);
    expect(b.probeDue).toBe(false);
    expect(b.probes).toBe(6);
    b.success();
    expect(b.openForMs()).toBe(0);
    expect(KoreBreaker.isOutage(new KoreThrottledError('429'))).toBe(false);
    expect(KoreBreaker.isOutage(new KoreValidationError('400'))).toBe(false);
  });

  it('requeues a record out of time on its last receive instead of parking it: no command reaches the DLQ for lack of time', async () => {
    const t = setup({ lists: [free('cl-1')] });
    t.kore.fitsAnswer = false;
    expect(await t.run(expired('cl-1'), { receiveCount: 5 })).toMatchObject({ outcome: 'requeued', reason: 'deadline' });
    expect(t.parked).toEqual([]);
    expect(t.requeued).toHaveLength(1);
    // Not its last receive: an ordinary deferral (visibility shortened), no copy.
    expect(await t.run(expired('cl-1'), { receiveCount: 2 })).toMatchObject({ outcome: 'retry', reason: 'deadline' });
    expect(t.requeued).toHaveLength(1);
  });

  it('parks a record requeued a thousand times, and one whose copy cannot be sent on its last receive: never lost', async () => {
    const t = setup({ lists: [free('cl-1')] }, { consumerSenderId: 'AROACONSUMER12345678' });
    t.kore.fitsAnswer = false;
    const origin = JSON.stringify({ senderId: 'AROAPRODUCER123456789:crm', requeues: MAX_REQUEUES });
    expect(await t.run(expired('cl-1'), { receiveCount: 5, sender: 'AROACONSUMER12345678:lambda', attrs: { KclOrigin: origin } })).toMatchObject({
      outcome: 'rejected',
      reason: 'deadline',
    });
    // Written before copies said which message they stand for: the copy's own MessageId stands in.
    expect(t.parked[0]!.attributes?.KclOrigin?.StringValue).toBe(
      JSON.stringify({ senderId: 'AROAPRODUCER123456789:crm', messageId: 'm-1', requeues: MAX_REQUEUES }),
    );
    t.fail.requeue = true;
    expect(await t.run(expired('cl-1'), { receiveCount: 5 })).toMatchObject({ outcome: 'rejected', reason: 'deadline', detail: { requeueFailed: 'internal' } });
    expect(t.parked).toHaveLength(2);
  });

  it('believes KclOrigin only on a copy the consumer sent: from a producer it is ignored', async () => {
    const old = expired('cl-1', { occurredAt: at(8 * 86_400_000) });
    const claim = JSON.stringify({ senderId: 'AROAOPERATOR1234567890:jane', requeues: 0 });
    const t = setup({ lists: [free('cl-1')] }, { consumerSenderId: 'AROACONSUMER12345678' });
    // A producer claims to be the operator: its own SenderId counts, so AllowStale is ignored.
    expect(await t.run(old, { attrs: { AllowStale: 'true', KclOrigin: claim }, sender: 'AROAPRODUCER123456789:crm' })).toMatchObject({
      outcome: 'skipped',
      reason: 'stale',
    });
    expect(t.outcomeLine()).toMatchObject({ senderId: 'AROAPRODUCER123456789:crm', overrideIgnored: 'AllowStale' });
    // The consumer's own copy of the operator's redrive keeps the operator as its sender.
    expect(await t.run(old, { attrs: { AllowStale: 'true', KclOrigin: claim }, sender: 'AROACONSUMER12345678:lambda' })).toMatchObject({ outcome: 'done' });
    expect(t.outcomeLine()).toMatchObject({ senderId: 'AROAOPERATOR1234567890:jane' });
    // A copy names the message it stands for, in its outcome and audit lines; a producer's claim is not believed.
    const copy = JSON.stringify({ senderId: 'AROAPRODUCER123456789:crm', messageId: 'first-1', requeues: 2 });
    await t.run(expired('cl-2'), { attrs: { KclOrigin: copy }, sender: 'AROACONSUMER12345678:lambda' });
    expect(t.outcomeLine()).toMatchObject({ firstMessageId: 'first-1', messageId: expect.stringMatching(/^m-/) });
    await t.run(expired('cl-3'), { attrs: { KclOrigin: copy }, sender: 'AROAPRODUCER123456789:crm' });
    expect(t.outcomeLine().firstMessageId).toBeUndefined();
  });

  it('runs nothing while the brake is on: the record is put back (deferred), and requeued on its last receive', async () => {
    const brake = { state: async () => ({ on: true, note: 'jane: runaway CRM' }) } as unknown as BrakeWatch;
    const t = setup({ lists: [free('cl-1')] }, {}, { brake });
    expect(await t.run(expired('cl-1'))).toMatchObject({ outcome: 'retry', reason: 'brake' });
    expect(t.invocation.deferred).toEqual(['rh-1']);
    expect(await t.run(expired('cl-1'), { receiveCount: 5 })).toMatchObject({ outcome: 'requeued', reason: 'brake' });
    expect(t.kore.calls).toEqual([]);
    expect(t.parked).toEqual([]);
  });

  it('writes who sent a command in its outcome and audit lines: SQS SenderId and the envelope source', async () => {
    const t = setup({ lists: [free('cl-1')] });
    const eb = { 'detail-type': 'list.expired', source: 'crm.campaigns', id: 'e-1', time: at(), detail: { contactListId: 'cl-1' } };
    expect(await t.run(eb, { sender: 'AROAEVENTS123456789:events' })).toMatchObject({ outcome: 'done' });
    expect(t.outcomeLine()).toMatchObject({ senderId: 'AROAEVENTS123456789:events', source: 'crm.campaigns' });
    expect(t.audit().every((a) => a.senderId === 'AROAEVENTS123456789:events' && a.source === 'crm.campaigns')).toBe(true);
  });
});

describe('the invocation proves its records came from the queue before any runs', () => {
  const records = (...handles: string[]) => handles.map((h, i) => ({ messageId: `m-${i}`, receiptHandle: h }) as unknown as SQSRecord);
  const withProof = (answer: (handles: string[]) => Promise<string[]>, settings: Partial<ConsumerSettings> = {}) => {
    const t = setup({}, settings);
    const proveReceived = jest.fn(async (_url: string, handles: string[]) => answer(handles));
    (t.deps.sender as unknown as { proveReceived: typeof proveReceived }).proveReceived = proveReceived;
    return { t, proveReceived, deadline: Deadline.at(t.clock.now() + 10_000, { clock: t.clock }) };
  };

  it('asks SQS about every receipt handle, and refuses the whole invocation when it does not know one', async () => {
    const { t, proveReceived, deadline } = withProof(async (handles) => handles.filter((h) => h === 'forged'));
    await expect(proveFromQueue(t.deps, records('AQEBreal', 'forged'), deadline)).rejects.toThrow(/SQS does not know 1 of the 2 records' receipt handles/);
    expect(proveReceived).toHaveBeenCalledWith('https://sqs/q', ['AQEBreal', 'forged'], { deadline });
    await expect(proveFromQueue(t.deps, records('AQEBreal'), deadline)).resolves.toBeUndefined();
  });

  it('fails closed when SQS cannot be asked: source-unverified, retried as a whole', async () => {
    const { t, deadline } = withProof(async () => {
      throw new Error('SQS down');
    });
    await expect(proveFromQueue(t.deps, records('AQEBreal'), deadline)).rejects.toMatchObject({ code: 'source-unverified', retryable: true });
  });

  it("takes the CLI's local receipt handles without asking only on the local stack", async () => {
    const local = 'local-receipt-0b5f3c1e-7a0d-4f7e-9a52-3f1c2d4e5f60';
    const onAws = withProof(async (handles) => handles);
    await expect(proveFromQueue(onAws.t.deps, records(local), onAws.deadline)).rejects.toThrow(/SQS does not know/);
    const onLocal = withProof(async (handles) => handles, { acceptLocalReceipts: true });
    await expect(proveFromQueue(onLocal.t.deps, records(local), onLocal.deadline)).resolves.toBeUndefined();
    expect(onLocal.proveReceived).not.toHaveBeenCalled();
    // Not when a real-looking handle is among them.
    await expect(proveFromQueue(onLocal.t.deps, records(local, 'forged'), onLocal.deadline)).rejects.toThrow(/SQS does not know 2 of the 2/);
  });
});
