import { systemClock } from '../../lib/clock';
import { loadSweepConfig } from '../../lib/config';
import { createSweepDeps } from '../../lib/deps';
import { archiveDescription, archivedName, MarkKey } from '../../lib/guard/archive-mark';
import { createSweepHandler } from '../../lib/sweep/handler';
import { lambdaContext } from '../../local/event-source-mapping';
import type { Realism, RecordedCall, Seed } from '../../local/kore-emulator/server';
import { LENIENT_REALISM, STRICT_REALISM } from '../../local/kore-emulator/server';
import { daysAgo } from '../../local/seed';
import { createLocalConsumer } from '../../local/consumer';
import { ConsumerHarness } from '../helpers/harness';
import type { ConsumerHarnessOptions } from '../helpers/harness';

/**
 * Safety round 2: the ten reproductions of issue 20, each run through SQS against the Kore
 * emulator under Kore's lenient and its strict reading of what it does not document. Each ends in
 * a refusal with its reason, or in an exact undo, and nothing is lost. "Someone else" (a person in
 * Kore's UI, a CRM, another consumer) changes the account at an exact point with the emulator's
 * `onApiCall` hook.
 */

const DAY = 86_400_000;
let offset = 0;
const now = () => new Date(Date.now() + offset).toISOString();
const expired = (contactListId: string, extra: Record<string, unknown> = {}) => ({ type: 'list.expired', contactListId, occurredAt: now(), ...extra });

const seed = (): Seed => ({
  lists: [
    { _id: 'cl-a', name: 'Autumn leads', description: 'Autumn', updatedAt: daysAgo(200) },
    { _id: 'cl-b', name: 'Winter leads', description: 'Winter', updatedAt: daysAgo(200) },
    { _id: 'cl-c', name: 'Spring leads', description: 'Spring', updatedAt: daysAgo(200) },
    { _id: 'cl-d', name: 'West region callers', description: 'West region opt-outs', updatedAt: daysAgo(200) },
    { _id: 'cl-dnc-underscore', name: 'DNC_Optouts_2024', description: '', updatedAt: daysAgo(200) },
    { _id: 'cl-vip', name: 'Q4 VIP callers', description: 'VIPs', updatedAt: daysAgo(10) },
  ],
  campaigns: [{ _id: 'cd-done', name: 'Done', contactLists: [], status: 'Completed' }],
});

/** DELETEs and PUTs that Kore applied, whatever the client saw. */
const writes = (h: ConsumerHarness, id?: string) =>
  h.stack.kore.apiCalls().filter((c) => c.committed && (c.method === 'DELETE' || c.method === 'PUT') && (!id || c.path.endsWith(`/${id}`)));

describe.each([
  ['lenient', LENIENT_REALISM],
  ['strict', STRICT_REALISM],
])('safety round 2, Kore read %s', (name, realism) => {
  const strict = name === 'strict';
  let h: ConsumerHarness;
  const start = async (env: Record<string, string> = {}, opts: ConsumerHarnessOptions = {}, r: Partial<Realism> = realism) => {
    offset = 0;
    h = await ConsumerHarness.start({ kore: { seed: seed(), rateLimit: { perMinute: 0 }, realism: r }, env, ...opts });
  };
  /** Time passes for Kore, the consumer and the sweep (forward only). */
  const pass = (ms: number) => {
    offset += ms;
    h.clockOffsetMs = offset;
    h.stack.kore.setClockOffset(offset);
  };
  const sweep = (env: Record<string, string>) =>
    createSweepHandler(
      createSweepDeps(loadSweepConfig({ ...h.stack.env, KORE_CALLS_PER_MINUTE: '60000', ...env }), {
        aws: h.stack.aws,
        clock: { now: () => Date.now() + offset, sleep: systemClock.sleep },
      }),
    );
  /** Runs `fn` once, after the first API call that matches. */
  const once = (match: (c: RecordedCall) => boolean, fn: () => void) => {
    const off = h.stack.kore.onApiCall((c) => {
      if (!match(c)) return;
      off();
      fn();
    });
  };
  afterEach(() => h.stop());

  it('1. renames act on their own fresh GET: a list taken by a campaign, edited or named a DNC list after the batch began is refused or undone exactly', async () => {
    await start({ DELETION_MODE: 'archive-then-delete' });
    const k = h.stack.kore;
    // Right after the batch's first evidence read (A's GET): a campaign takes B, C is edited, an SMS campaign names D as its DNC list.
    once(
      (c) => c.method === 'GET',
      () => {
        k.state.addCampaign({ _id: 'cd-live', name: 'Live', contactLists: ['Winter leads'], status: 'Active' });
        k.state.touch(k.state.lists.get('cl-c')!);
        k.state.addCampaign({ _id: 'cd-sms-west', name: 'SMS west', campaignType: 'sms', dncList: 'West region callers', status: 'Ready' });
      },
    );
    const at = new Date(Date.now() - 60_000).toISOString();
    const ids = await h.send(...['cl-a', 'cl-b', 'cl-c', 'cl-d'].map((id) => expired(id, { occurredAt: at })));
    await h.drain();
    const o = ids.map((id) => h.outcomeOf(id)!);
    expect(o.slice(0, 3).map((x) => `${x.outcome}:${x.reason ?? x.action}`)).toEqual(['done:archive', 'skipped:in-use', 'skipped:changed-since-event']);
    expect(o.every((x) => x.evidence === 'get')).toBe(true);
    expect(writes(h, 'cl-b')).toEqual([]);
    expect(writes(h, 'cl-c')).toEqual([]);
    if (!strict) {
      // Kore shows a campaign's DNC list as in use: D's own GET refuses it.
      expect(o[3]).toMatchObject({ outcome: 'skipped', reason: 'in-use' });
      expect(writes(h, 'cl-d')).toEqual([]);
    } else {
      // Kore does not show it: the DNC references (bounded by DNC_RENAME_MAX_AGE_SECONDS, 120 s) were
      // read before the SMS campaign existed. The stated blind spot; the archive is undone exactly.
      expect(o[3]).toMatchObject({ outcome: 'done', action: 'archive' });
      const [r] = await h.send({ type: 'list.restore', contactListId: 'cl-d' });
      await h.drain();
      expect(h.outcomeOf(r!)).toMatchObject({ outcome: 'done', restoredName: 'West region callers' });
      expect(k.state.lists.get('cl-d')).toMatchObject({ name: 'West region callers', description: 'West region opt-outs' });
    }
  });

  it('1b. a campaign that named a list its DNC list longer than DNC_RENAME_MAX_AGE_SECONDS ago is always seen: the references are read again before the rename', async () => {
    // 2 s timeout at 60,000 calls per minute: the least bound is 2 × 1 ms + 2 s, so 3 s.
    await start({ DELETION_MODE: 'archive-then-delete', DNC_RENAME_MAX_AGE_SECONDS: '3' });
    const k = h.stack.kore;
    const [a] = await h.send(expired('cl-a'));
    await h.drain();
    expect(h.outcomeOf(a!)).toMatchObject({ outcome: 'done', action: 'archive' }); // the references are read
    k.state.addCampaign({ _id: 'cd-sms-west', name: 'SMS west', campaignType: 'sms', dncList: 'West region callers', status: 'Ready' });
    pass(3_000); // the campaign is now as old as the bound: it must be seen
    const pagesBefore = k.apiCalls().filter((c) => c.path.endsWith('/getAllCampaignDetails')).length;
    const [d] = await h.send(expired('cl-d'));
    await h.drain();
    expect(h.outcomeOf(d!)).toMatchObject({ outcome: 'skipped', reason: 'protected', rule: 'not-dnc-of-campaign' });
    expect(writes(h, 'cl-d')).toEqual([]);
    // Seen through a delta (a page per type), not a full read. Strict Kore's SMS results carry no
    // updatedAt (as documented): the SMS page cannot be a delta, so the SMS campaigns are read whole
    // again (1 page here), the voice ones stay a delta.
    expect(k.apiCalls().filter((c) => c.path.endsWith('/getAllCampaignDetails')).length - pagesBefore).toBe(strict ? 3 : 2);
  });

  it('1b (0). with DNC_RENAME_MAX_AGE_SECONDS=0 every rename reads the references again: a list named a DNC list after the batch began is refused, and the others are archived', async () => {
    await start({ DELETION_MODE: 'archive-then-delete', DNC_RENAME_MAX_AGE_SECONDS: '0' });
    const k = h.stack.kore;
    once(
      () => true,
      () => k.state.addCampaign({ _id: 'cd-sms-west', name: 'SMS west', campaignType: 'sms', dncList: 'West region callers', status: 'Ready' }),
    );
    const ids = await h.send(expired('cl-a'), expired('cl-d'));
    await h.drain();
    expect(h.outcomeOf(ids[0]!)).toMatchObject({ outcome: 'done', action: 'archive' });
    expect(h.outcomeOf(ids[1]!)).toMatchObject({ outcome: 'skipped', reason: 'protected', rule: 'not-dnc-of-campaign' });
    expect(writes(h, 'cl-d')).toEqual([]);
    expect(h.out.outcomes().filter((o) => o.outcome !== 'done' && o.outcome !== 'skipped')).toEqual([]);
  });

  it('1c. a DNC_RENAME_MAX_AGE_SECONDS no write could meet is refused at cold start, before any record runs', async () => {
    await start();
    expect(() => createLocalConsumer(h.stack, { KORE_CALLS_PER_MINUTE: '60000', KORE_TIMEOUT_MS: '2000', DNC_RENAME_MAX_AGE_SECONDS: '2' })).toThrow(
      /DNC_RENAME_MAX_AGE_SECONDS \(2\) must be 0 \(read the DNC references again before every write\) or at least 3 s/,
    );
  });

  it('2a. the DNC references cannot miss a campaign when another consumer deletes campaigns between pages', async () => {
    // 150 voice campaigns: more than one page; the 121st names D as its DNC list. After each page
    // Kore ends its first campaign (another consumer's campaign.ended): a fixed skip would miss it.
    const s = seed();
    s.campaigns = Array.from({ length: 150 }, (_, i) => ({
      _id: `cd-v-${String(i).padStart(3, '0')}`,
      name: `Voice ${i}`,
      status: 'Completed',
      ...(i === 120 ? { dncList: 'West region callers' } : {}),
    }));
    offset = 0;
    h = await ConsumerHarness.start({ kore: { seed: s, rateLimit: { perMinute: 0 }, realism: { ...realism, campaignSetShift: 1 } } });
    const [id] = await h.send(expired('cl-d'));
    await h.drain();
    expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'skipped', reason: 'protected', rule: 'not-dnc-of-campaign', why: 'DNC list of cd-v-120' });
    expect(writes(h)).toEqual([]);
  });

  it('2b. an SMS campaign created after the index was read protects its DNC list once the index is older than its bound', async () => {
    await start({ DNC_MAX_AGE_SECONDS: '300' });
    const [first] = await h.send(expired('cl-a'));
    await h.drain();
    expect(h.outcomeOf(first!)).toMatchObject({ outcome: 'done' });
    // It names the list by name only, in its own spelling: matched trimmed and case-insensitively.
    const sms = h.stack.kore.state.addCampaign({ _id: 'cd-sms-west', name: 'SMS west', campaignType: 'sms', status: 'Ready' });
    sms.dncLists = { id: '', name: ' west REGION callers ' };
    pass(301_000);
    const [id] = await h.send(expired('cl-d'));
    await h.drain();
    expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'skipped', reason: 'protected', rule: 'not-dnc-of-campaign' });
    expect(writes(h, 'cl-d')).toEqual([]);
  });

  it('2b (the window). within DNC_MAX_AGE_SECONDS a DELETE does not see a DNC reference made since: only Kore refuses it, where it does', async () => {
    await start({ DNC_MAX_AGE_SECONDS: '300' });
    const [first] = await h.send(expired('cl-a'));
    await h.drain();
    expect(h.outcomeOf(first!)).toMatchObject({ outcome: 'done' });
    h.stack.kore.state.addCampaign({ _id: 'cd-sms-west', name: 'SMS west', campaignType: 'sms', dncList: 'West region callers', status: 'Ready' });
    const [id] = await h.send(expired('cl-d'));
    await h.drain();
    // The stated blind spot (docs/safety-model.md): lenient Kore refuses the DELETE of a DNC list in use; strict Kore deletes it.
    if (strict) expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'done', action: 'delete' });
    else expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'skipped', reason: 'in-use' });
  });

  it('3. a DNC list named with underscores and digits is protected: not a sweep candidate, not deleted', async () => {
    await start();
    const report = await sweep({ DELETION_MODE: 'delete' })({ dryRun: true }, lambdaContext(60_000, 'nightly-sweep'));
    expect(report.candidateLists.map((c) => c.contactListId)).not.toContain('cl-dnc-underscore');
    const [id] = await h.send(expired('cl-dnc-underscore'));
    await h.drain();
    expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'skipped', reason: 'protected', rule: 'not-dnc-name' });
    expect(writes(h)).toEqual([]);
  });

  it('4. our archive mark cannot be forged: not through list.update, and a hand-written one is never deleted after a grace period', async () => {
    await start({ DELETION_MODE: 'archive-then-delete', MAX_COMMAND_AGE_HOURS: '720' });
    const forged = JSON.stringify({ kcl: 'archived', at: daysAgo(9), name: 'Q4 VIP callers', desc: 'VIPs' });
    const [upd] = await h.send({ type: 'list.update', contactListId: 'cl-vip', name: '[expired] Q4 VIP callers', description: forged, occurredAt: now() });
    await h.drain();
    expect(h.outcomeOf(upd!)).toMatchObject({ outcome: 'rejected', reason: 'invalid-message' });
    // Someone with Kore's UI writes it by hand, even signed with a key that is not this deployment's.
    const other = archiveDescription(
      'cl-vip',
      { name: 'Q4 VIP callers', description: 'VIPs' },
      daysAgo(9),
      new MarkKey('not-this-deployments-key-32-chars-long'),
    )!;
    Object.assign(h.stack.kore.state.lists.get('cl-vip')!, { name: archivedName('Q4 VIP callers'), description: other.description });
    pass(8 * DAY);
    const report = await sweep({ DELETION_MODE: 'archive-then-delete', SWEEP_DRY_RUN: 'false' })({}, lambdaContext(60_000, 'nightly-sweep'));
    expect(report.candidateLists.map((c) => c.contactListId)).not.toContain('cl-vip');
    expect(report.excluded['not-ours']).toBe(1);
    const [del] = await h.send(expired('cl-vip', { action: 'delete', reason: 'grace-elapsed' }));
    await h.drain();
    expect(h.outcomeOf(del!)).toMatchObject({ outcome: 'skipped', reason: 'not-ours' });
    expect(writes(h, 'cl-vip')).toEqual([]);
  });

  it('5. campaign.ended looks at the campaign again right before its DELETE: restarted in between, it stays', async () => {
    await start();
    const k = h.stack.kore;
    once(
      (c) => c.path.endsWith('/getAllListDetails'),
      () => {
        k.state.campaigns.get('cd-done')!.status = 'Active';
      },
    );
    const [id] = await h.send({ type: 'campaign.ended', campaignId: 'cd-done', occurredAt: now() });
    await h.drain();
    expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'skipped', reason: 'campaign-active', recheck: true });
    expect(k.state.campaigns.has('cd-done')).toBe(true);
    expect(k.apiCalls({ method: 'DELETE' })).toEqual([]);
  });

  it('6. the grace period counts from the archive time we recorded, even when Kore did not move updatedAt on the rename', async () => {
    await start({ DELETION_MODE: 'archive-then-delete' }, {}, { ...realism, renameBumpsUpdatedAt: false });
    const before = h.stack.kore.state.lists.get('cl-a')!.updatedAt;
    const [a] = await h.send(expired('cl-a'));
    await h.drain();
    expect(h.outcomeOf(a!)).toMatchObject({ outcome: 'done', action: 'archive' });
    // 200 days idle by updatedAt, archived just now.
    expect(h.stack.kore.state.lists.get('cl-a')!.updatedAt).toBe(before);
    // The same night: the live sweep does not take it, and an early DELETE is refused.
    const report = await sweep({ DELETION_MODE: 'archive-then-delete', SWEEP_DRY_RUN: 'false' })({}, lambdaContext(60_000, 'nightly-sweep'));
    expect(report.candidateLists.map((c) => c.contactListId)).not.toContain('cl-a');
    expect(report.archived.map((x) => x.contactListId)).toContain('cl-a');
    const [del] = await h.send(expired('cl-a', { action: 'delete', reason: 'grace-elapsed' }));
    await h.drain();
    expect(h.outcomeOf(del!)).toMatchObject({ outcome: 'skipped', reason: 'in-grace' });
    expect(h.stack.kore.state.lists.has('cl-a')).toBe(true);
  });

  it('7a. an archive refuses a list whose reply has no description: the undo would lose it', async () => {
    await start({ DELETION_MODE: 'archive-then-delete' }, {}, { ...realism, omitListFields: { ...realism.omitListFields, get: ['description'] } });
    const [id] = await h.send(expired('cl-a'));
    await h.drain();
    expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'skipped', reason: 'unverifiable', why: expect.stringMatching(/description missing/) });
    expect(h.stack.kore.state.lists.get('cl-a')).toMatchObject({ name: 'Autumn leads', description: 'Autumn' });
  });

  it('7b. a restore whose name was taken meanwhile still takes the list out of the deletion path, and says how', async () => {
    await start({ DELETION_MODE: 'archive-then-delete', MAX_COMMAND_AGE_HOURS: '720' });
    const k = h.stack.kore;
    await h.send(expired('cl-a'), expired('cl-b'));
    await h.drain();
    // During the grace period, other lists take A's name, and B's name and its alternative.
    k.state.addList({ _id: 'cl-new-a', name: 'Autumn leads' });
    k.state.addList({ _id: 'cl-new-b', name: 'Winter leads' });
    k.state.addList({ _id: 'cl-new-b2', name: 'Winter leads (restored)' });
    const [ra, rb] = await h.send({ type: 'list.restore', contactListId: 'cl-a' }, { type: 'list.restore', contactListId: 'cl-b' });
    await h.drain();
    expect(h.outcomeOf(ra!)).toMatchObject({ outcome: 'done', restoredName: 'Autumn leads (restored)' });
    expect(k.state.lists.get('cl-a')).toMatchObject({ name: 'Autumn leads (restored)', description: 'Autumn' });
    expect(h.outcomeOf(rb!)).toMatchObject({ outcome: 'done', held: true });
    pass(8 * DAY);
    const report = await sweep({ DELETION_MODE: 'archive-then-delete', SWEEP_DRY_RUN: 'false' })({}, lambdaContext(60_000, 'nightly-sweep'));
    // Restored under another name, or held: neither is a grace deletion any more.
    expect(report.candidateLists.filter((c) => c.kind === 'grace')).toEqual([]);
    expect(report.archived).toContainEqual(expect.objectContaining({ contactListId: 'cl-b', held: true }));
    await h.drain();
    expect(k.state.lists.has('cl-a') && k.state.lists.has('cl-b')).toBe(true);
    // Once B's name is free again, a restore puts it back exactly.
    k.state.lists.delete('cl-new-b');
    const [again] = await h.send({ type: 'list.restore', contactListId: 'cl-b' });
    await h.drain();
    expect(h.outcomeOf(again!)).toMatchObject({ outcome: 'done', restoredName: 'Winter leads' });
    expect(k.state.lists.get('cl-b')).toMatchObject({ name: 'Winter leads', description: 'Winter' });
  });

  it('7c. list.update on a list we archived is refused (restore first): our record of what it was stays', async () => {
    await start({ DELETION_MODE: 'archive-then-delete' });
    await h.send(expired('cl-a'));
    await h.drain();
    const archived = { ...h.stack.kore.state.lists.get('cl-a')! };
    const [u] = await h.send({ type: 'list.update', contactListId: 'cl-a', description: 'new text', occurredAt: now() });
    await h.drain();
    expect(h.outcomeOf(u!)).toMatchObject({ outcome: 'skipped', reason: 'archived' });
    expect(h.stack.kore.state.lists.get('cl-a')).toMatchObject({ name: archived.name, description: archived.description });
    const [r] = await h.send({ type: 'list.restore', contactListId: 'cl-a' });
    await h.drain();
    expect(h.outcomeOf(r!)).toMatchObject({ outcome: 'done', restoredName: 'Autumn leads' });
  });

  it('8. a DELETE applied whose reply was lost, then 503s, then found gone on the next receive has an unconfirmed result line', async () => {
    await start({}, { maxReceiveCount: 4 });
    const k = h.stack.kore;
    k.setFaults({ commitThenDropRate: 1 });
    once(
      (c) => c.method === 'DELETE',
      () => setImmediate(() => k.setFaults({ commitThenDropRate: 0, failNext: 2 })),
    );
    const [id] = await h.send(expired('cl-a'));
    await h.drain();
    expect(k.state.lists.has('cl-a')).toBe(false);
    const lines = h.out.outcomes().filter((o) => o.messageId === id);
    expect(lines.map((o) => `${o.outcome}:${o.reason ?? ''}`)).toEqual(['retry:kore-server', 'already-done:not-found']);
    const audit = h.out.json().filter((l) => l.audit === true && l.contactListId === 'cl-a');
    expect(audit.map((a) => `${a.phase}:${a.result ?? ''}`)).toEqual(['intent:', 'result:unknown', 'result:unconfirmed']);
    // What the deletions metric filter counts (serverless.yml DeletionsMetricFilter): one.
    expect(audit.filter((a) => a.phase === 'result' && (a.result === 'deleted' || a.result === 'unconfirmed'))).toHaveLength(1);
  });

  it('9. an SMS campaign is deleted with campaignType=sms, the type of the listing that holds it', async () => {
    await start();
    h.stack.kore.state.addCampaign({ _id: 'cd-sms-done', name: 'SMS done', campaignType: 'sms', status: 'Completed', updatedAt: daysAgo(1) });
    const [id] = await h.send({ type: 'campaign.ended', campaignId: 'cd-sms-done', occurredAt: now() });
    await h.drain();
    expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'done', campaignType: 'sms', confirmed: true });
    expect(h.stack.kore.apiCalls({ method: 'DELETE' }).map((c) => c.query.campaignType)).toEqual(['sms']);
    expect(h.stack.kore.state.campaigns.has('cd-sms-done')).toBe(false);
  });

  it('10. occurredAt never vouches for time after the message was sent: a list edited after sending, stamped 4 minutes ahead, is kept', async () => {
    await start();
    const [id] = await h.send(expired('cl-a', { occurredAt: new Date(Date.now() + 4 * 60_000).toISOString() }));
    // The edit lands after SQS took the message.
    h.stack.kore.state.touch(h.stack.kore.state.lists.get('cl-a')!);
    await h.drain();
    expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'skipped', reason: 'changed-since-event' });
    expect(h.stack.kore.state.lists.has('cl-a')).toBe(true);
  });
});
