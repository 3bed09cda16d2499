import type { Context } from 'aws-lambda';
import { loadSweepConfig } from '../../lib/config';
import { createSweepDeps } from '../../lib/deps';
import { MarkKey, readArchive } from '../../lib/guard/archive-mark';
import { systemClock } from '../../lib/clock';
import { createSweepHandler } from '../../lib/sweep/handler';
import type { SweepHandler } from '../../lib/sweep/handler';
import { lambdaContext } from '../../local/event-source-mapping';
import { STRICT_REALISM } from '../../local/kore-emulator/server';
import type { Seed } from '../../local/kore-emulator/state';
import { daysAgo, LOCAL_ARCHIVE_KEY } from '../../local/seed';
import { ConsumerHarness } from '../helpers/harness';

/**
 * The recovery window end to end: the consumer archives in `archive-then-delete` mode, the live
 * sweep deletes what stayed archived and unchanged for GRACE_DAYS, `list.restore` undoes an
 * archive. Days pass on Kore's clock (the emulator writes the archive time in the past).
 */

const DAY = 86_400_000;
/** Days that have passed in this test, on Kore's clock, the consumer's and the sweep's alike. */
let offset = 0;
const now = () => new Date(Date.now() + offset).toISOString();
const expired = (contactListId: string, extra: Record<string, unknown> = {}) => ({ type: 'list.expired', contactListId, occurredAt: now(), ...extra });

const seed: Seed = {
  lists: [
    { _id: 'cl-a', name: 'Spring promo leads', description: 'Imported from the CRM, March', updatedAt: daysAgo(200) },
    { _id: 'cl-b', name: 'Webinar leads', description: 'Summer webinar', updatedAt: daysAgo(200) },
    { _id: 'cl-hand', name: '[expired] Keep me', description: 'renamed by Jane, keep until audit', updatedAt: daysAgo(400) },
    { _id: 'cl-long', name: '🎉'.repeat(24), description: 'd'.repeat(256), updatedAt: daysAgo(200) },
  ],
};

describe('the recovery window, through SQS and the emulator', () => {
  let h: ConsumerHarness;
  let sweep: SweepHandler;
  const ctx = (): Context => lambdaContext(60_000, 'nightly-sweep');
  const start = async (realism = {}) => {
    offset = 0;
    h = await ConsumerHarness.start({
      kore: { seed, rateLimit: { perMinute: 0 }, realism },
      env: { DELETION_MODE: 'archive-then-delete', GRACE_DAYS: '7', MAX_COMMAND_AGE_HOURS: '720' },
    });
    sweep = createSweepHandler(
      createSweepDeps(
        loadSweepConfig({ ...h.stack.env, KORE_CALLS_PER_MINUTE: '60000', DELETION_MODE: 'archive-then-delete', GRACE_DAYS: '7', SWEEP_DRY_RUN: 'false' }),
        {
          aws: h.stack.aws,
          clock: { now: () => Date.now() + offset, sleep: systemClock.sleep },
        },
      ),
    );
  };
  /**
   * `days` pass: on Kore's clock, the consumer's and the sweep's (forward only: limiters must not
   * see time run back). SQS's clock does not move, so a command's SentTimestamp, which caps its
   * occurredAt, looks `days` old: MAX_COMMAND_AGE_HOURS is raised above the days a test lets pass.
   */
  const pass = (days: number) => {
    offset += days * DAY;
    h.clockOffsetMs = offset;
    h.stack.kore.setClockOffset(offset);
  };
  /** Archives `id` now, then lets `days` pass. */
  const archiveDaysAgo = async (id: string, days: number) => {
    const [m] = await h.send(expired(id, { reason: 'crm-expiry' }));
    await h.drain();
    pass(days);
    return h.outcomeOf(m!);
  };
  afterEach(() => h.stop());

  it('archive → grace → delete: the list waits out GRACE_DAYS, then the live sweep deletes it', async () => {
    await start();
    expect(await archiveDaysAgo('cl-a', 3)).toMatchObject({ outcome: 'done', action: 'archive', newName: '[expired] Spring promo leads' });
    // Three days in: the sweep reports it as waiting, with its deletion date, and queues nothing for it.
    const early = await sweep({ minIdleDays: 30 }, ctx());
    expect(early.archived.map((a) => a.contactListId)).toEqual(['cl-a']);
    // GRACE_DAYS after the later of the recorded archive time and Kore's updatedAt (a few ms after it).
    const wait = Date.parse(early.archived[0]!.deleteAfter!) - Date.parse(early.archived[0]!.archivedAt);
    expect(wait).toBeGreaterThanOrEqual(7 * DAY);
    expect(wait).toBeLessThan(7 * DAY + 60_000);
    expect(early.candidateLists.map((c) => c.contactListId)).not.toContain('cl-a');
    await h.drain();
    expect(h.stack.kore.state.lists.has('cl-a')).toBe(true);
    // A producer asking for the DELETE early is refused: in-grace.
    const [asked] = await h.send(expired('cl-a', { action: 'delete' }));
    await h.drain();
    expect(h.outcomeOf(asked!)).toMatchObject({ outcome: 'skipped', reason: 'in-grace', rule: 'archived-for-grace' });
    // Eight days after the archive: the sweep queues it for deletion, and the consumer deletes it.
    await h.stop();
    await start();
    await archiveDaysAgo('cl-b', 8);
    // Kore does not say that a rename moves updatedAt: the grace period also counts from the time our record holds.
    const late = await sweep({ minIdleDays: 30 }, ctx());
    expect(late.candidateLists.find((c) => c.contactListId === 'cl-b')).toMatchObject({ kind: 'grace' });
    expect(late.graceElapsed).toBe(1);
    await h.drain();
    expect(h.stack.kore.state.lists.has('cl-b')).toBe(false);
    expect(h.out.outcomes().find((o) => o.contactListId === 'cl-b' && o.action === 'delete')).toMatchObject({ outcome: 'done', metric: 'deletedAfterGrace' });
    expect(
      h.out
        .json()
        .filter((l) => l.audit === true && l.phase === 'result')
        .map((l) => `${l.action}:${l.result}`),
    ).toContain('deleteContactList:deleted');
  });

  it('archive → restore → never deleted', async () => {
    await start();
    await archiveDaysAgo('cl-a', 8);
    const [r] = await h.send({ type: 'list.restore', contactListId: 'cl-a' });
    await h.drain();
    expect(h.outcomeOf(r!)).toMatchObject({ outcome: 'done', restoredName: 'Spring promo leads' });
    expect(h.outcomeOf(r!)).not.toHaveProperty('idleAgain');
    expect(h.stack.kore.state.lists.get('cl-a')).toMatchObject({ name: 'Spring promo leads', description: 'Imported from the CRM, March' });
    const report = await sweep({ minIdleDays: 30 }, ctx());
    expect(report.candidateLists.map((c) => c.contactListId)).not.toContain('cl-a');
    await h.drain();
    expect(h.stack.kore.state.lists.has('cl-a')).toBe(true);
  });

  it('archive → restore on a Kore that keeps updatedAt on a rename: the restore says the list looks idle again, and how to keep it (the sweep would archive it again)', async () => {
    await start({ renameBumpsUpdatedAt: false });
    await archiveDaysAgo('cl-a', 8);
    const [r] = await h.send({ type: 'list.restore', contactListId: 'cl-a' });
    await h.drain();
    expect(h.outcomeOf(r!)).toMatchObject({
      outcome: 'done',
      restoredName: 'Spring promo leads',
      idleAgain: true,
      warning: expect.stringMatching(/Kore kept the list's updatedAt .*: to the sweep it is as idle as before, so a live sweep archives it again/),
    });
    // What the warning says, measured: the next live sweep takes it again (the list is idle by Kore's data).
    const report = await sweep({ minIdleDays: 30 }, ctx());
    expect(report.candidateLists.map((c) => c.contactListId)).toContain('cl-a');
  });

  it('never touches a list named "[expired] …" by hand', async () => {
    await start();
    const report = await sweep({ minIdleDays: 30 }, ctx());
    expect(report.excluded['not-ours']).toBe(1);
    const ids = await h.send(expired('cl-hand'), expired('cl-hand', { action: 'delete' }), { type: 'list.restore', contactListId: 'cl-hand' });
    await h.drain();
    expect(ids.map((id) => h.outcomeOf(id)?.reason)).toEqual(['not-ours', 'not-ours', 'not-ours']);
    expect(h.stack.kore.state.lists.get('cl-hand')).toMatchObject({ name: '[expired] Keep me', description: 'renamed by Jane, keep until audit' });
    expect(h.stack.kore.apiCalls().filter((c) => (c.method === 'PUT' || c.method === 'DELETE') && c.path.endsWith('cl-hand'))).toEqual([]);
  });

  it('never deletes an archived list a campaign took up during its grace period', async () => {
    await start();
    await archiveDaysAgo('cl-a', 8);
    h.stack.kore.state.addCampaign({ _id: 'cd-new', name: 'New campaign', contactLists: ['[expired] Spring promo leads'], status: 'Active' });
    const report = await sweep({ minIdleDays: 30 }, ctx());
    expect(report.candidateLists.map((c) => c.contactListId)).not.toContain('cl-a');
    const [asked] = await h.send(expired('cl-a', { action: 'delete' }));
    await h.drain();
    expect(h.outcomeOf(asked!)).toMatchObject({ outcome: 'skipped', reason: 'in-use' });
    expect(h.stack.kore.state.lists.has('cl-a')).toBe(true);
  });

  it("fits Kore's 48/256 limits counted strictly (UTF-16): a 48-unit emoji name and a full description are archived and restored", async () => {
    await start(STRICT_REALISM);
    const out = await archiveDaysAgo('cl-long', 1);
    expect(out).toMatchObject({ outcome: 'done', descriptionCut: true });
    const archived = h.stack.kore.state.lists.get('cl-long')!;
    expect(archived.name.length).toBeLessThanOrEqual(48);
    expect(archived.description.length).toBeLessThanOrEqual(256);
    expect(readArchive({ id: 'cl-long', ...archived }, new MarkKey(LOCAL_ARCHIVE_KEY))).toMatchObject({
      ours: true,
      record: { name: '🎉'.repeat(24), cut: true },
    });
    const [r] = await h.send({ type: 'list.restore', contactListId: 'cl-long' });
    await h.drain();
    expect(h.outcomeOf(r!)).toMatchObject({ outcome: 'done', descriptionCut: true });
    const back = h.stack.kore.state.lists.get('cl-long')!;
    expect(back.name).toBe('🎉'.repeat(24));
    expect('d'.repeat(256).startsWith(back.description)).toBe(true);
    // The full original description is in the archive's audit intent line.
    const intent = h.out.json().find((l) => l.audit === true && l.phase === 'intent' && l.action === 'archiveContactList');
    expect((intent!.object as { description: string }).description).toBe('d'.repeat(256));
  });
});
