import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import fc from 'fast-check';
import type { QueueSender } from '../../lib/aws/queue';
import type { DeletionMode } from '../../lib/config';
import { Deadline } from '../../lib/deadline';
import { archiveDescription, MarkKey, readArchive } from '../../lib/guard/archive-mark';
import { CampaignIndex, NO_DNC_REFERENCES } from '../../lib/guard/campaign-index';
import { StaticCredentials } from '../../lib/kore/credentials';
import type { KoreObject } from '../../lib/kore/types';
import type { ConsumerDeps } from '../../lib/lifecycle/record-handler';
import { createRecordHandler } from '../../lib/lifecycle/record-handler';
import type { Outcome } from '../../lib/lifecycle/outcome';
import { selectCandidates } from '../../lib/sweep/policy';
import { aList, credentials, TEST_CLIENT_SECRET } from '../helpers/factories';
import { FakeClock } from '../helpers/fake-clock';
import { FakeKore } from '../helpers/fake-kore';

/** The recovery window, with the real record handler, guard and sweep policy over a fake Kore. */

const DAY = 86_400_000;
const GRACE = 7;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as unknown as Logger;
const noMetrics = { addMetric: () => undefined } as unknown as Metrics;
const sender = { sendBatch: async () => ({ sent: 0, calls: 0 }), park: async () => undefined, changeVisibility: async () => 0 } as unknown as QueueSender;

function world(mode: DeletionMode, lists: KoreObject[]) {
  const clock = new FakeClock();
  const kore = new FakeKore({ lists });
  kore.now = () => clock.now();
  const deps: ConsumerDeps = {
    kore,
    credentials: new StaticCredentials(credentials('https://platform.kore.ai')),
    campaigns: new CampaignIndex(kore, { deleteMaxAgeMs: 0, renameMaxAgeMs: 0, headroomMs: 0, fullReadEveryMs: DAY, clock }),
    sender,
    logger: quiet,
    metrics: noMetrics,
    clock,
    settings: {
      lifecycleQueueUrl: 'q',
      lifecycleQueueArn: 'arn:aws:sqs:us-east-1:123456789012:q',
      overrideSenderIds: [],
      deadLetterQueueUrl: 'dlq',
      deadlineMarginMs: 0,
      fanoutDelaySeconds: 0,
      fanoutMaxLists: 50,
      dryRun: false,
      maxCommandAgeHours: 24 * 365,
      allowedStreamIds: [],
      maxReceiveCount: 5,
      deferredVisibilitySeconds: 0,
      snapshotMaxAgeSeconds: 0,
      writeEvidenceMaxAgeMs: 12_800,
      deletionMode: mode,
      graceDays: GRACE,
    },
  };
  const handler = createRecordHandler(deps);
  let n = 0;
  const run = async (cmd: Record<string, unknown>): Promise<Outcome> => {
    const record = {
      messageId: `m${++n}`,
      receiptHandle: 'r',
      body: JSON.stringify({ occurredAt: new Date(clock.now()).toISOString(), ...cmd }),
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: {},
    } as unknown as SQSRecord;
    try {
      return await handler(record, { deadline: Deadline.at(clock.now() + 60_000, { clock }), deferred: [] });
    } catch (e) {
      return { outcome: 'retry', reason: String((e as { code?: string }).code) };
    }
  };
  /** The nightly sweep: the real policy, each candidate run through the consumer as its queued command. */
  const sweep = async () => {
    const { candidates } = selectCandidates(
      await kore.listContactLists(),
      NO_DNC_REFERENCES,
      { minIdleDays: 30, maxLists: 1000, deletion: { mode, graceDays: GRACE } },
      { markKey: KEY },
      clock.now(),
    );
    for (const c of candidates) {
      await run({
        type: 'list.expired',
        contactListId: c.list.id,
        listUpdatedAt: c.list.updatedAt,
        ...(c.kind === 'grace' ? { action: 'delete', reason: 'grace-elapsed' } : { reason: 'sweep' }),
      });
    }
  };
  return { clock, kore, run, sweep };
}

const OLD = '2025-06-01T00:00:00.000Z';
/** The key the consumer signs marks with here (the test secret has no archiveKey: the client secret). */
const KEY = new MarkKey(TEST_CLIENT_SECRET);
const ours = (id: string, l: Record<string, unknown>) =>
  readArchive({ id, name: String(l.name), description: String(l.description ?? '') }, KEY)?.ours === true;
const list = (id: string, over: Record<string, unknown> = {}) => aList({ _id: id, name: `List ${id}`, description: `About ${id}`, updatedAt: OLD, ...over });

describe('the recovery window (archive-then-delete)', () => {
  it('archives on list.expired, keeps the list through its grace period, and the sweep deletes it after', async () => {
    const w = world('archive-then-delete', [list('cl-1')]);
    expect(await w.run({ type: 'list.expired', contactListId: 'cl-1', reason: 'crm-expiry' })).toMatchObject({
      outcome: 'done',
      detail: { action: 'archive', newName: '[expired] List cl-1', metric: 'archived' },
    });
    expect(w.kore.writes()).toEqual(['updateContactList cl-1']);
    // Asked to delete before the grace period is over: refused.
    expect(await w.run({ type: 'list.expired', contactListId: 'cl-1', action: 'delete' })).toMatchObject({ outcome: 'skipped', reason: 'in-grace' });
    w.clock.advance(6 * DAY);
    await w.sweep();
    expect(w.kore.lists.has('cl-1')).toBe(true);
    w.clock.advance(1 * DAY + 1);
    await w.sweep();
    expect(w.kore.lists.has('cl-1')).toBe(false);
  });

  it('restores the exact name and description; a restored list is never deleted by a later sweep', async () => {
    const w = world('archive-then-delete', [list('cl-1', { name: 'Spring "VIP" leads ✓', description: 'Imported from CRM, 2026' })]);
    await w.run({ type: 'list.expired', contactListId: 'cl-1' });
    expect(await w.run({ type: 'list.restore', contactListId: 'cl-1' })).toMatchObject({
      outcome: 'done',
      detail: { restoredName: 'Spring "VIP" leads ✓', metric: 'restored' },
    });
    expect(w.kore.lists.get('cl-1')).toMatchObject({ name: 'Spring "VIP" leads ✓', description: 'Imported from CRM, 2026' });
    w.clock.advance(20 * DAY);
    await w.sweep();
    expect(w.kore.lists.has('cl-1')).toBe(true);
    expect(w.kore.writes().filter((x) => x.startsWith('delete'))).toEqual([]);
    expect(await w.run({ type: 'list.restore', contactListId: 'cl-1' })).toMatchObject({ outcome: 'skipped', reason: 'not-archived' });
    expect(await w.run({ type: 'list.restore', contactListId: 'cl-gone' })).toMatchObject({ outcome: 'skipped', reason: 'not-found' });
  });

  it('never touches a list someone named "[expired] …" by hand', async () => {
    const w = world('archive-then-delete', [list('cl-1', { name: '[expired] Keep me', description: 'archived by Jane' })]);
    w.clock.advance(400 * DAY);
    await w.sweep();
    expect(await w.run({ type: 'list.expired', contactListId: 'cl-1' })).toMatchObject({ outcome: 'skipped', reason: 'not-ours' });
    expect(await w.run({ type: 'list.expired', contactListId: 'cl-1', action: 'delete' })).toMatchObject({ outcome: 'skipped', reason: 'not-ours' });
    expect(await w.run({ type: 'list.restore', contactListId: 'cl-1' })).toMatchObject({ outcome: 'skipped', reason: 'not-ours' });
    expect(w.kore.writes()).toEqual([]);
  });

  it('never deletes an archived list a campaign took up during its grace period', async () => {
    const w = world('archive-then-delete', [list('cl-1')]);
    await w.run({ type: 'list.expired', contactListId: 'cl-1' });
    const l = w.kore.lists.get('cl-1')!;
    l.campaignInUse = [{ id: 'cd-new', name: 'New' }];
    w.clock.advance(30 * DAY);
    await w.sweep();
    expect(await w.run({ type: 'list.expired', contactListId: 'cl-1', action: 'delete' })).toMatchObject({ outcome: 'skipped', reason: 'in-use' });
    expect(w.kore.lists.has('cl-1')).toBe(true);
  });

  it('in archive mode never deletes, whatever the command asks', async () => {
    const w = world('archive', [list('cl-1')]);
    expect(await w.run({ type: 'list.expired', contactListId: 'cl-1', action: 'delete' })).toMatchObject({ outcome: 'done', detail: { action: 'archive' } });
    w.clock.advance(400 * DAY);
    await w.sweep();
    expect(await w.run({ type: 'list.expired', contactListId: 'cl-1', action: 'delete' })).toMatchObject({
      outcome: 'already-done',
      reason: 'already-archived',
    });
    expect(w.kore.writes().filter((x) => x.startsWith('delete'))).toEqual([]);
  });

  it('archives a list whose description is too long to keep whole, flagged as cut; restore puts back what was kept', async () => {
    const long = 'd'.repeat(256);
    const w = world('archive-then-delete', [list('cl-1', { name: 'n'.repeat(48), description: long })]);
    expect(await w.run({ type: 'list.expired', contactListId: 'cl-1' })).toMatchObject({ outcome: 'done', detail: { descriptionCut: true } });
    const restored = await w.run({ type: 'list.restore', contactListId: 'cl-1' });
    expect(restored).toMatchObject({ outcome: 'done', detail: { descriptionCut: true } });
    const back = w.kore.lists.get('cl-1')!;
    expect(back.name).toBe('n'.repeat(48));
    expect(long.startsWith(back.description as string)).toBe(true);
  });

  it('whatever sequence of archive, restore, edits, campaigns, sweeps and days, deletes only what carried our mark unchanged for GRACE_DAYS (property)', async () => {
    const ids = ['cl-0', 'cl-1', 'cl-2', 'cl-3'];
    type Model = { markedSince: Map<string, number> };
    type Real = ReturnType<typeof world>;
    const step = (label: string, check: (m: Model, r: Real) => boolean, act: (m: Model, r: Real) => Promise<void>): fc.AsyncCommand<Model, Real> => ({
      check: () => true,
      toString: () => label,
      run: async (m, r) => {
        if (check(m, r)) await act(m, r);
      },
    });
    /** After a consumer step, the model learns what Kore now shows: our mark (and since when) or none. */
    const observe = (m: Model, r: Real, id: string) => {
      const l = r.kore.lists.get(id);
      const marked = l && ours(id, l);
      if (!marked) m.markedSince.delete(id);
      else if (!m.markedSince.has(id)) m.markedSince.set(id, Date.parse(String(l.updatedAt)));
    };
    const arbId = fc.constantFrom(...ids);
    const expireDelete = arbId.map((id) =>
      step(
        `expire-delete(${id})`,
        () => true,
        async (m, r) => {
          await r.run({ type: 'list.expired', contactListId: id, action: 'delete' });
          observe(m, r, id);
        },
      ),
    );
    const sweep = fc.constant(
      step(
        'sweep',
        () => true,
        async (m, r) => {
          await r.sweep();
          for (const id of ids) observe(m, r, id);
        },
      ),
    );
    // Small steps of time and frequent delete requests, so that deletions inside and just past a
    // grace period are tried often.
    const commands = [
      expireDelete,
      expireDelete,
      sweep,
      arbId.map((id) =>
        step(
          `expire(${id})`,
          () => true,
          async (m, r) => {
            await r.run({ type: 'list.expired', contactListId: id });
            observe(m, r, id);
          },
        ),
      ),
      arbId.map((id) =>
        step(
          `restore(${id})`,
          () => true,
          async (m, r) => {
            await r.run({ type: 'list.restore', contactListId: id });
            observe(m, r, id);
          },
        ),
      ),
      arbId.map((id) =>
        step(
          `edit(${id})`,
          (_m, r) => r.kore.lists.has(id),
          async (m, r) => {
            // Someone edits the list by hand: Kore moves updatedAt; a new grace period starts if it is still marked.
            const l = r.kore.lists.get(id)!;
            l.updatedAt = new Date(r.clock.now()).toISOString();
            m.markedSince.delete(id);
            observe(m, r, id);
          },
        ),
      ),
      arbId.map((id) =>
        step(
          `attach(${id})`,
          (_m, r) => r.kore.lists.has(id),
          async (_m, r) => {
            r.kore.lists.get(id)!.campaignInUse = [{ id: 'cd-x', name: 'X' }];
          },
        ),
      ),
      arbId.map((id) =>
        step(
          `detach(${id})`,
          (_m, r) => r.kore.lists.has(id),
          async (_m, r) => {
            r.kore.lists.get(id)!.campaignInUse = [];
          },
        ),
      ),
      fc.integer({ min: 0, max: 3 }).map((d) =>
        step(
          `advance(${d}d)`,
          () => true,
          async (_m, r) => r.clock.advance(d * DAY),
        ),
      ),
      fc.integer({ min: 0, max: 3 }).map((d) =>
        step(
          `advance(${d}d)`,
          () => true,
          async (_m, r) => r.clock.advance(d * DAY),
        ),
      ),
      fc.integer({ min: 1, max: 9 }).map((d) =>
        step(
          `advance(${d}d)`,
          () => true,
          async (_m, r) => r.clock.advance(d * DAY),
        ),
      ),
    ];
    let deletions = 0;
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 60, size: 'large' }), async (cmds) => {
        const real = world(
          'archive-then-delete',
          ids.map((id) => list(id)),
        );
        const model: Model = { markedSince: new Map() };
        // Every DELETE that reaches Kore is checked against the model before it is applied. The
        // check records what it finds (a throw here would be caught by the consumer as a failure).
        const violations: string[] = [];
        const del = real.kore.deleteContactList.bind(real.kore);
        real.kore.deleteContactList = async (id, opts) => {
          const since = model.markedSince.get(id);
          const l = real.kore.lists.get(id)!;
          if (!ours(id, l)) violations.push(`${id} deleted without our archive mark`);
          else if (since === undefined || real.clock.now() - since < GRACE * DAY)
            violations.push(`${id} deleted ${since === undefined ? 'with no record of its mark' : `${(real.clock.now() - since) / DAY} days after its mark`}`);
          if ((l.campaignInUse as unknown[]).length > 0) violations.push(`${id} deleted while in use`);
          deletions++;
          return del(id, opts);
        };
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        expect(violations).toEqual([]);
      }),
      { numRuns: 300 },
    );
    // Not vacuous: many deletions happened across the runs.
    expect(deletions).toBeGreaterThan(50);
  });
});

it('an archived record written by our own archive is what the grace rule reads (sanity)', () => {
  expect(
    readArchive({ id: 'cl-a', name: '[expired] A', description: archiveDescription('cl-a', { name: 'A', description: '' }, OLD, KEY)!.description }, KEY),
  ).toMatchObject({
    ours: true,
    record: { name: 'A' },
  });
});
