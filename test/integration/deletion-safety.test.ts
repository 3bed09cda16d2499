import { loadSweepConfig } from '../../lib/config';
import { createSweepDeps } from '../../lib/deps';
import { createSweepHandler } from '../../lib/sweep/handler';
import { lambdaContext } from '../../local/event-source-mapping';
import type { Realism } from '../../local/kore-emulator/server';
import { LENIENT_REALISM, STRICT_REALISM } from '../../local/kore-emulator/server';
import { daysAgo, demoSeed } from '../../local/seed';
import { emfSum } from '../helpers/capture';
import { ConsumerHarness } from '../helpers/harness';

/**
 * The six reproductions of "Deletion safety by construction", each run through SQS against the
 * Kore emulator seeded with the `npm start` account, under Kore's lenient reading of every
 * undocumented behaviour and under the strict one (no detach on campaign delete, DNC lists not
 * flagged in use, 409 in-use wording, single-use jti, HTML for unknown routes, ...). Each ends in
 * a refusal with a clear reason: nothing deleted, nothing lost.
 */

const now = () => new Date().toISOString();
const expired = (contactListId: string, extra: Record<string, unknown> = {}) => ({ type: 'list.expired', contactListId, occurredAt: now(), ...extra });
const ended = (campaignId: string, extra: Record<string, unknown> = {}) => ({ type: 'campaign.ended', campaignId, occurredAt: now(), ...extra });

/** DELETEs and PUTs that Kore applied, whatever the client saw. */
const writes = (h: ConsumerHarness) => h.stack.kore.apiCalls().filter((c) => c.committed && (c.method === 'DELETE' || c.method === 'PUT'));

async function start(realism: Partial<Realism>, env: Record<string, string> = {}, extra: Parameters<typeof ConsumerHarness.start>[0] = {}) {
  return ConsumerHarness.start({ kore: { seed: demoSeed(), rateLimit: { perMinute: 0 }, realism }, env, ...extra });
}

describe.each([
  ['lenient', LENIENT_REALISM],
  ['strict', STRICT_REALISM],
])('deletion safety, Kore read %s', (_name, realism) => {
  let h: ConsumerHarness;
  afterEach(() => h.stop());

  it('1. campaign.ended for a running campaign deletes nothing: not the campaign, not its DNC list, not its lists', async () => {
    h = await start(realism);
    const [id] = await h.send(ended('cd-renewal-outreach-0001'));
    await h.drain();
    expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'skipped', reason: 'campaign-active', rule: 'campaign-ended', status: 'Active' });
    expect(writes(h)).toEqual([]);
    expect(h.stack.kore.state.campaigns.has('cd-renewal-outreach-0001')).toBe(true);
    for (const list of ['cl-campaign-dnc-0002', 'cl-renewals-2025-0003', 'cl-shared-list-0010']) expect(h.stack.kore.state.lists.has(list)).toBe(true);
    expect(h.out.outcomes()).toHaveLength(1); // nothing was fanned out
  });

  it('1b. a Completed campaign that recurs is never deleted', async () => {
    h = await start(realism);
    const [id] = await h.send(ended('cd-weekly-reminders-0004'));
    await h.drain();
    expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'skipped', reason: 'campaign-recurring' });
    expect(writes(h)).toEqual([]);
  });

  it("2. the consumer's last check is the guard: a do-not-call name, a list mid-import, a campaign's DNC list", async () => {
    h = await start(realism);
    const ids = await h.send(expired('cl-callback-dnc-0015'), expired('cl-validating-0008'), expired('cl-campaign-dnc-0002'));
    await h.drain();
    expect(ids.map((id) => h.outcomeOf(id)).map((o) => `${o?.reason}/${o?.rule}`)).toEqual([
      'protected/not-dnc-name',
      'unsettled/settled',
      'protected/not-dnc-name',
    ]);
    expect(writes(h)).toEqual([]);
  });

  it('2c. a GET reply that lacks a flag the guard needs is unverifiable, never read as false', async () => {
    h = await start({ ...realism, omitListFields: { get: ['isDefault'] } });
    const [id] = await h.send(expired('cl-survey-old-0005'));
    await h.drain();
    expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'skipped', reason: 'unverifiable', rule: 'verifiable', why: 'isDefault missing' });
    expect(h.stack.kore.state.lists.has('cl-survey-old-0005')).toBe(true);
  });

  it('3. freshness is required: no updatedAt, a command from last year, a list edited after the event', async () => {
    h = await start({ ...realism, omitListFields: { get: ['updatedAt'] } });
    const [noTime] = await h.send(expired('cl-survey-old-0005'));
    await h.drain();
    expect(h.outcomeOf(noTime!)).toMatchObject({ outcome: 'skipped', reason: 'unverifiable', why: 'updatedAt missing' });
    h.stack.kore.setRealism({ omitListFields: {} });
    const callsBefore = h.stack.kore.apiCalls().length;
    const [stale] = await h.send(expired('cl-survey-old-0005', { occurredAt: daysAgo(365) }));
    await h.drain();
    expect(h.outcomeOf(stale!)).toMatchObject({ outcome: 'skipped', reason: 'stale', rule: 'fresh', koreCalls: 0 });
    expect(h.stack.kore.apiCalls().length).toBe(callsBefore);
    // The list is edited now; the event is an hour old.
    h.stack.kore.state.touch(h.stack.kore.state.lists.get('cl-promo-spring-0006')!);
    const [changed] = await h.send(expired('cl-promo-spring-0006', { occurredAt: new Date(Date.now() - 3_600_000).toISOString() }));
    await h.drain();
    expect(h.outcomeOf(changed!)).toMatchObject({ outcome: 'skipped', reason: 'changed-since-event', rule: 'unchanged' });
    expect(writes(h)).toEqual([]);
  });

  it('4. a 404 that proves nothing is never "done": a bot not allowed, a bot Kore does not know, an HTML 404', async () => {
    h = await start({ ...realism, notFoundStyle: 'html' }, { ALLOWED_STREAM_IDS: 'st-another-bot-of-ours' }, { maxReceiveCount: 2 });
    const [notAllowed] = await h.send(expired('cl-survey-old-0005', { streamId: 'st-someone-elses-bot' }));
    await h.drain();
    expect(h.outcomeOf(notAllowed!)).toMatchObject({ outcome: 'rejected', reason: 'stream-not-allowed', koreCalls: 0 });
    const [unknownBot, htmlGone] = await h.send(expired('cl-survey-old-0005', { streamId: 'st-another-bot-of-ours' }), expired('cl-not-on-kore'));
    await h.drain(20_000);
    expect(h.outcomeOf(unknownBot!)).toMatchObject({ outcome: 'rejected', reason: 'kore-unexpected-reply', exhausted: true });
    expect(h.outcomeOf(htmlGone!)).toMatchObject({ outcome: 'rejected', reason: 'kore-unexpected-reply', exhausted: true });
    expect(h.out.outcomes().filter((o) => o.outcome === 'already-done' || o.outcome === 'done')).toEqual([]);
    const dlq = await h.dlqMessages();
    expect(dlq.map((m) => m.MessageAttributes?.ErrorCode?.StringValue).sort()).toEqual([
      'kore-unexpected-reply',
      'kore-unexpected-reply',
      'stream-not-allowed',
    ]);
    expect(h.stack.kore.state.lists.has('cl-survey-old-0005')).toBe(true);
  });

  it('5. a DELETE that Kore applied but whose reply was lost is done, unconfirmed, with its audit lines', async () => {
    h = await start(realism);
    h.stack.kore.setFaults({ commitThenDropRate: 1 });
    const [id] = await h.send(expired('cl-survey-old-0005'));
    await h.drain();
    expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'done', confirmed: false });
    expect(writes(h).map((c) => c.path.split('/').pop())).toEqual(['cl-survey-old-0005']);
    const audit = h.out.json().filter((l) => l.audit === true);
    expect(audit.map((a) => `${a.phase}:${a.result ?? ''}`)).toEqual(['intent:', 'result:unconfirmed']);
    expect(audit[1]).toMatchObject({ action: 'deleteContactList', confirmed: false, object: { _id: 'cl-survey-old-0005', name: 'NPS survey 2024' } });
  });
});

describe('deletion safety: fan-out follow-ups are never dropped silently', () => {
  let h: ConsumerHarness;
  afterEach(() => h.stop());

  it('6. Kore does not detach a deleted campaign: each follow-up is retried, then parked as still-attached', async () => {
    h = await ConsumerHarness.start({ kore: { seed: demoSeed(), rateLimit: { perMinute: 0 }, realism: STRICT_REALISM }, maxReceiveCount: 3 });
    const [id] = await h.send(ended('cd-black-friday-0003'));
    await h.drain(20_000);
    expect(h.outcomeOf(id!)).toMatchObject({
      outcome: 'done',
      contactListIds: ['cl-ended-campaign-0009'],
      listsKept: { 'cl-shared-list-0010': 'used-by-another-campaign' },
    });
    const followUp = h.out.outcomes().filter((o) => o.contactListId === 'cl-ended-campaign-0009');
    expect(followUp.map((o) => `${o.outcome}:${o.reason}`)).toEqual(['retry:still-attached', 'retry:still-attached', 'rejected:still-attached']);
    const dlq = await h.dlqMessages();
    expect(dlq.map((m) => m.MessageAttributes?.ErrorCode?.StringValue)).toEqual(['still-attached']);
    expect(h.stack.kore.state.lists.has('cl-ended-campaign-0009')).toBe(true);
    expect(emfSum(h.out.json(), 'reason.still-attached')).toBe(3);
  });

  it('6b. when Kore detaches, the follow-up deletes the list the ended campaign alone used', async () => {
    h = await ConsumerHarness.start({ kore: { seed: demoSeed(), rateLimit: { perMinute: 0 } } });
    await h.send(ended('cd-black-friday-0003'));
    await h.drain(20_000);
    expect(h.stack.kore.state.lists.has('cl-ended-campaign-0009')).toBe(false);
    expect(h.stack.kore.state.lists.has('cl-shared-list-0010')).toBe(true);
  });
});

describe('deletion safety: a listing that does not carry the DNC flags', () => {
  let h: ConsumerHarness;
  afterEach(() => h.stop());

  it("the sweep queues what the listing cannot rule out, and the consumer's GET proves each list before deleting it", async () => {
    // Strict: getAllListDetails omits isGlobalDNC and isDefault (Kore does not document them there).
    h = await ConsumerHarness.start({ kore: { seed: demoSeed(), rateLimit: { perMinute: 0 }, realism: STRICT_REALISM } });
    const sweep = createSweepHandler(
      createSweepDeps(loadSweepConfig({ ...h.stack.env, KORE_CALLS_PER_MINUTE: '60000', DELETION_MODE: 'delete', SWEEP_DRY_RUN: 'false' }), {
        aws: h.stack.aws,
      }),
    );
    const report = await sweep({}, lambdaContext(60_000, 'nightly-sweep'));
    // In delete mode the list the demo archived ten days ago is an ordinary list, idle for only ten days.
    const expected = ['cl-archive-me-0011', 'cl-webinar-2024-0012', 'cl-survey-old-0005', 'cl-tradeshow-0013', 'cl-promo-spring-0006', 'cl-reactivation-0014'];
    expect(report.candidateLists.map((c) => c.contactListId)).toEqual(expected);
    expect(report).toMatchObject({ candidates: 6, toVerify: 6, queued: 6 });
    expect(report.excluded).toMatchObject({ protected: 3, 'in-use': 5, unsettled: 1, 'too-recent': 2, unverifiable: 0 });
    await h.drain();
    expect(h.out.outcomes().map((o) => o.outcome)).toEqual(Array(6).fill('done'));
    for (const id of expected) expect(h.stack.kore.state.lists.has(id)).toBe(false);
    // The GETs carried the flags: each deletion was proven on them.
    expect(h.stack.kore.apiCalls({ method: 'GET' }).every((c) => c.status === 200)).toBe(true);
  });
});
