import { Deadline } from '../../lib/deadline';
import { DeadlineError } from '../../lib/errors';
import { CampaignIndex, CampaignSetMovedError, StaleIndexError } from '../../lib/guard/campaign-index';
import type { CampaignIndexOptions } from '../../lib/guard/campaign-index';
import type { CallOptions, CampaignPage, CampaignPageQuery } from '../../lib/kore/client';
import type { CampaignType } from '../../lib/kore/types';
import { aCampaign } from '../helpers/factories';
import { FakeClock } from '../helpers/fake-clock';
import { FakeKore } from '../helpers/fake-kore';

/**
 * The campaign index (lib/guard/campaign-index.ts) against a fake Kore: paging that cannot skip a
 * campaign when the set moves, a build that keeps its progress across invocations, deltas that
 * cost 2 calls whatever the account's size, and the age bound at a write.
 */

const MIN = 60_000;

function campaigns(n: number, type: CampaignType, clock: FakeClock, over: (i: number) => Record<string, unknown> = () => ({})) {
  return Array.from({ length: n }, (_, i) =>
    aCampaign({
      _id: `cd-${type}-${String(i).padStart(5, '0')}`,
      campaignType: type,
      createdAt: new Date(clock.now() - (n - i) * MIN).toISOString(),
      updatedAt: new Date(clock.now() - (n - i) * MIN).toISOString(),
      dncLists: { id: `cl-dnc-${type}-${i}`, name: `Opt-outs ${type} ${i}` },
      ...over(i),
    }),
  );
}

function setup(seed: { voice?: number; sms?: number } = {}, opts: Partial<CampaignIndexOptions> = {}) {
  const clock = new FakeClock();
  const kore = new FakeKore({ campaigns: [...campaigns(seed.voice ?? 0, 'voice', clock), ...campaigns(seed.sms ?? 0, 'sms', clock)] });
  kore.now = () => clock.now();
  const index = new CampaignIndex(kore, {
    deleteMaxAgeMs: 5 * MIN,
    renameMaxAgeMs: 2 * MIN,
    headroomMs: 10_000,
    fullReadEveryMs: 24 * 60 * MIN,
    clock,
    pageSize: 50,
    ...opts,
  });
  const pages = () => kore.calls.filter((c) => c.op === 'campaignPage').length;
  const stats = { koreCalls: 0 };
  return { clock, kore, index, pages, stats, opts: { stats } };
}

/** Campaigns created now, as a person in Kore's UI or a CRM would. */
function create(kore: FakeKore, clock: FakeClock, c: Record<string, unknown>) {
  const iso = new Date(clock.now()).toISOString();
  kore.campaigns.set(String(c._id), { createdAt: iso, updatedAt: iso, ...c });
}

describe('the campaign index: building it', () => {
  it('reads every campaign of both types, a probe and then 1 page per 45 campaigns (none when the probe held them all), and keeps their DNC references', async () => {
    const t = setup({ voice: 120, sms: 30 });
    const refs = await t.index.references(t.opts, 'delete');
    // voice: probe + ceil(120 / 45) pages = 4; sms: its 30 campaigns fit the probe's page = 1.
    expect(t.pages()).toBe(5);
    expect(t.stats.koreCalls).toBe(5);
    expect(refs.byId.get('cl-dnc-voice-119')).toEqual(['cd-voice-00119']);
    expect(refs.byName.get('opt-outs sms 29')).toEqual(['cd-sms-00029']);
    expect(t.index.typeOf('cd-sms-00003')).toBe('sms');
    expect(t.index.typeOf('cd-voice-00003')).toBe('voice');
  });

  it('does not miss a campaign when one already read is deleted between two pages (a fixed skip would)', async () => {
    // 200 campaigns: the probe page holds the 50 newest, so the one that slides lies in the paged part.
    const t = setup({ voice: 200 });
    // The other consumer ends the first campaign right after page 1 of the full read is sent.
    const page = t.kore.campaignPage.bind(t.kore);
    t.kore.campaignPage = async (type: CampaignType, q: CampaignPageQuery, o) => {
      const r = await page(type, q, o);
      if (q.sortBy && 'createdAt' in q.sortBy && q.skip === 0) t.kore.campaigns.delete('cd-voice-00000');
      return r;
    };
    const refs = await t.index.references(t.opts, 'delete');
    for (let i = 1; i < 200; i++) expect(refs.byId.has(`cl-dnc-voice-${i}`)).toBe(true);
  });

  it('steps back when so many campaigns before the cursor were deleted that the next page lost its anchors', async () => {
    const t = setup({ voice: 200 });
    const page = t.kore.campaignPage.bind(t.kore);
    let done = false;
    t.kore.campaignPage = async (type: CampaignType, q: CampaignPageQuery, o) => {
      const r = await page(type, q, o);
      if (!done && q.sortBy && 'createdAt' in q.sortBy && q.skip > 0) {
        done = true;
        for (let i = 0; i < 60; i++) t.kore.campaigns.delete(`cd-voice-${String(i).padStart(5, '0')}`);
      }
      return r;
    };
    const refs = await t.index.references(t.opts, 'delete');
    for (let i = 60; i < 200; i++) expect(refs.byId.has(`cl-dnc-voice-${i}`)).toBe(true);
  });

  it("reads a type again when it ends with fewer campaigns than Kore's own count, then fails (retryable) rather than keep a hole", async () => {
    const t = setup({ voice: 60 });
    const page = t.kore.campaignPage.bind(t.kore);
    t.kore.campaignPage = async (type: CampaignType, q: CampaignPageQuery, o) => ({ ...(await page(type, q, o)), totalResults: 61 });
    await expect(t.index.references(t.opts, 'delete')).rejects.toBeInstanceOf(CampaignSetMovedError);
    expect(new CampaignSetMovedError('x').retryable).toBe(true);
    expect(t.index.complete()).toBe(false);
  });

  it('keeps every page it read when the invocation runs out of time, and goes on from there on the next one', async () => {
    const t = setup({ voice: 300 });
    let budget = 3;
    t.kore.fits = () => budget-- > 0;
    const deadline = Deadline.at(t.clock.now() + 60_000, { clock: t.clock });
    await expect(t.index.references({ ...t.opts, deadline }, 'delete')).rejects.toBeInstanceOf(DeadlineError);
    expect(t.pages()).toBe(3);
    expect(t.index.complete()).toBe(false);
    // Kore's count is known now: what is left is estimated from it (for admission).
    expect(t.index.callsToEnsure(undefined, 'delete')).toBe(5 + 1);
    t.kore.fits = () => true;
    await t.index.references({ ...t.opts, deadline }, 'delete');
    // voice: probe + ceil(300/45) = 7 pages, sms: the probe alone: the same 9 calls a single run costs.
    expect(t.pages()).toBe(9);
    expect(t.index.complete()).toBe(true);
  });
});

describe('the campaign index: freshness at a write', () => {
  it('refreshes with a delta of 2 calls (one per type) whatever the account size, and sees a campaign created since', async () => {
    const t = setup({ voice: 400, sms: 400 });
    await t.index.references(t.opts, 'delete');
    const built = t.pages();
    t.clock.advance(6 * MIN);
    create(t.kore, t.clock, {
      _id: 'cd-new-sms',
      campaignType: 'sms',
      status: 'Ready',
      schedule: { isSchedulingEnabled: false },
      dncLists: { name: '  Opt-outs WEST ' },
    });
    expect(t.index.callsToEnsure(undefined, 'delete')).toBe(2);
    const refs = await t.index.references(t.opts, 'delete');
    expect(t.pages() - built).toBe(2);
    expect(refs.byName.get('opt-outs west')).toEqual(['cd-new-sms']);
    expect(t.index.typeOf('cd-new-sms')).toBe('sms');
  });

  it('holds each kind of write to its own bound: a rename refreshes sooner than a DELETE', async () => {
    const t = setup({ voice: 10 });
    await t.index.references(t.opts, 'delete');
    const built = t.pages();
    t.clock.advance(2 * MIN);
    expect(t.index.callsToEnsure(undefined, 'delete')).toBe(0);
    expect(t.index.callsToEnsure(undefined, 'rename')).toBe(2);
    await t.index.references(t.opts, 'delete');
    expect(t.pages()).toBe(built);
    await t.index.references(t.opts, 'rename');
    expect(t.pages()).toBe(built + 2);
  });

  it('refuses a write when the index has grown older than its bound since it was refreshed (StaleIndexError, retryable)', async () => {
    const t = setup({ voice: 10 });
    await t.index.references(t.opts, 'rename');
    expect(() => t.index.assertFresh(undefined, 'rename')).not.toThrow();
    t.clock.advance(2 * MIN + 1);
    expect(() => t.index.assertFresh(undefined, 'rename')).toThrow(StaleIndexError);
    expect(() => t.index.assertFresh(undefined, 'delete')).not.toThrow();
    expect(new StaleIndexError('x').retryable).toBe(true);
  });

  it('refreshes right after a full read that took longer than the bound allows, so the write that follows is not refused as stale', async () => {
    // A large account at Kore's pace: 3,000 campaigns, 50 a page, 2.4 s a call: the full read
    // takes 166 s, and its index is as of when it started, older than a rename's 120 s. Before,
    // references() handed it out as it was and the rename's write was refused (StaleIndexError:
    // the record deferred, its calls spent).
    const t = setup({ voice: 3_000 });
    const page = t.kore.campaignPage.bind(t.kore);
    t.kore.campaignPage = async (type: CampaignType, q: CampaignPageQuery, o) => {
      t.clock.advance(2_400);
      return page(type, q, o);
    };
    await t.index.references(t.opts, 'rename');
    expect(t.index.ageMs()).toBeLessThan(10_000);
    expect(() => t.index.assertFresh(undefined, 'rename')).not.toThrow();
  });

  it('counts, for admission, the delta that a full read already too old for the write will need', async () => {
    const t = setup({ voice: 300 });
    let budget = 3;
    t.kore.fits = () => budget-- > 0;
    const deadline = Deadline.at(t.clock.now() + 60_000, { clock: t.clock });
    await expect(t.index.references({ ...t.opts, deadline }, 'delete')).rejects.toBeInstanceOf(DeadlineError);
    // The rest of the read (5 pages, the sms probe); 3 minutes later it is too old for a rename: + a delta.
    expect(t.index.callsToEnsure(undefined, 'rename')).toBe(5 + 1);
    t.clock.advance(3 * MIN);
    expect(t.index.callsToEnsure(undefined, 'rename')).toBe(5 + 1 + 2);
    expect(t.index.callsToEnsure(undefined, 'delete')).toBe(5 + 1);
  });

  it('with a bound of 0 confirms before every write and lets the write through after its evidence read, within the headroom', async () => {
    // DNC_MAX_AGE_SECONDS=0 (docs: "a confirmation before every such write"). The confirmation
    // comes before the evidence GET, so at the write the index is at least the GET and the
    // write's slot old (2 × 2.4 s at 25 calls/min): a bound of 0 ms taken literally refuses
    // every write, and every command went to the DLQ as `deadline`.
    const t = setup({ voice: 10 }, { deleteMaxAgeMs: 0, renameMaxAgeMs: 0 });
    await t.index.references(t.opts, 'delete');
    t.clock.advance(60_000);
    expect(t.index.callsToEnsure(undefined, 'delete')).toBe(2);
    await t.index.references(t.opts, 'delete');
    t.clock.advance(4_800);
    expect(() => t.index.assertFresh(undefined, 'delete')).not.toThrow();
    expect(() => t.index.assertFresh(undefined, 'rename')).not.toThrow();
    // Later than the headroom after its confirmation, the write still waits for a new one.
    t.clock.advance(10_000);
    expect(() => t.index.assertFresh(undefined, 'rename')).toThrow(StaleIndexError);
  });

  it('falls back to a full read when Kore does not sort by updatedAt: a delta could not prove anything', async () => {
    const t = setup({ voice: 100 });
    const page = t.kore.campaignPage.bind(t.kore);
    // Kore ignores sortBy: insertion order, oldest first.
    t.kore.campaignPage = (type: CampaignType, q: CampaignPageQuery, o) => page(type, { skip: q.skip, limit: q.limit }, o);
    await t.index.references(t.opts, 'delete');
    const built = t.pages();
    t.clock.advance(6 * MIN);
    expect(t.index.callsToEnsure(undefined, 'delete')).toBeGreaterThan(2);
    await t.index.references(t.opts, 'delete');
    expect(t.pages() - built).toBe(built);
  });

  it('reads itself in full again after CAMPAIGN_FULL_READ_HOURS, a page per call alongside the work, and drops deleted campaigns', async () => {
    const t = setup({ voice: 90 }, { fullReadEveryMs: 60 * MIN, deleteMaxAgeMs: 120 * MIN });
    await t.index.references(t.opts, 'delete');
    t.kore.campaigns.delete('cd-voice-00005');
    t.clock.advance(61 * MIN);
    let calls = 0;
    while (t.index.has('cd-voice-00005') && calls++ < 20) await t.index.references(t.opts, 'delete');
    expect(t.index.has('cd-voice-00005')).toBe(false);
    // probe + 2 pages for voice, the probe for sms: a page each call.
    expect(calls).toBe(4);
  });
});

describe('the campaign index: proving a campaign gone', () => {
  it('believes a 404 for a campaign the built index never held, without a call', async () => {
    const t = setup({ voice: 5 });
    await t.index.references(t.opts, 'delete');
    const before = t.pages();
    expect(await t.index.confirmAbsent('cd-never', t.opts)).toBe(true);
    expect(t.pages()).toBe(before);
  });

  it('reads the campaigns in full again for one it held, and says whether it is still there', async () => {
    const t = setup({ voice: 5 });
    await t.index.references(t.opts, 'delete');
    expect(await t.index.confirmAbsent('cd-voice-00001', t.opts)).toBe(false);
    t.kore.campaigns.delete('cd-voice-00001');
    expect(await t.index.confirmAbsent('cd-voice-00001', t.opts)).toBe(true);
  });

  it('forgets a campaign we deleted ourselves, so a duplicate command finds it gone at no cost', async () => {
    const t = setup({ voice: 5 });
    await t.index.references(t.opts, 'delete');
    t.index.forget('cd-voice-00002');
    const before = t.pages();
    expect(await t.index.confirmAbsent('cd-voice-00002', t.opts)).toBe(true);
    expect(t.pages()).toBe(before);
  });

  it('counts an unreadable dncLists as "no reference can be ruled out"', async () => {
    const t = setup();
    create(t.kore, t.clock, { _id: 'cd-odd', dncLists: 'Opt-outs' });
    expect((await t.index.references(t.opts, 'delete')).unreadable).toEqual(['cd-odd']);
  });
});

describe('a type whose results Kore does not date (SMS, as documented)', () => {
  it('5,000 campaigns, the SMS ones without updatedAt (as documented), at 25 calls a minute: each rename refreshes with a voice delta and a read of the SMS campaigns alone, and passes', async () => {
    const clock = new FakeClock();
    const MIN = 60_000;
    const make = (n: number, type: CampaignType) =>
      Array.from({ length: n }, (_, i) =>
        aCampaign({
          _id: `cd-${type}-${i}`,
          campaignType: type,
          createdAt: new Date(clock.now() - (n - i) * MIN).toISOString(),
          ...(type === 'voice' ? { updatedAt: new Date(clock.now() - (n - i) * MIN).toISOString() } : { updatedAt: undefined }),
        }),
      );
    const kore = new FakeKore({ campaigns: [...make(2_800, 'voice'), ...make(2_200, 'sms')] });
    kore.now = () => clock.now();
    const page = kore.campaignPage.bind(kore);
    // Each call takes its pacing slot: 25 calls per minute.
    kore.campaignPage = async (type: CampaignType, q: CampaignPageQuery, o?: CallOptions): Promise<CampaignPage> => {
      clock.advance(2_400);
      return page(type, q, o);
    };
    const index = new CampaignIndex(kore, { deleteMaxAgeMs: 300_000, renameMaxAgeMs: 120_000, headroomMs: 12_800, fullReadEveryMs: 24 * 60 * MIN, clock });
    const opts = { stats: { koreCalls: 0 } };
    await index.references(opts, 'rename'); // built once (cold container)
    const results: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const before = kore.calls.length;
      await index.references(opts, 'rename');
      clock.advance(2 * 2_400); // the list's GET, then the PUT's slot
      try {
        index.assertFresh(undefined, 'rename');
        results.push('archived');
      } catch (err) {
        results.push(`${err instanceof StaleIndexError ? 'stale-evidence' : String(err)} after ${kore.calls.length - before} pages`);
      }
    }
    // Before: a full read of both types (56 pages, 134 s), older than the rename's 120 s bound when
    // it ended: every attempt was stale-evidence. Now: 1 voice page + 1 + ⌈2,200 / 95⌉ SMS pages.
    expect(results).toEqual(['archived', 'archived', 'archived']);
    expect(kore.calls.filter((c) => c.op === 'campaignPage').length).toBeGreaterThan(0);
  });

  it('a partial refresh does not count as the periodic full read', async () => {
    const clock = new FakeClock();
    const kore = new FakeKore({
      campaigns: [
        aCampaign({ _id: 'cd-v-1', campaignType: 'voice', updatedAt: new Date(clock.now() - 60_000).toISOString() }),
        aCampaign({ _id: 'cd-s-1', campaignType: 'sms', updatedAt: undefined }),
      ],
    });
    const index = new CampaignIndex(kore, { deleteMaxAgeMs: 300_000, renameMaxAgeMs: 120_000, headroomMs: 12_800, fullReadEveryMs: 3_600_000, clock });
    const opts = { stats: { koreCalls: 0 } };
    await index.references(opts, 'rename');
    clock.advance(40 * 60_000);
    await index.references(opts, 'rename'); // stale: voice delta + SMS read
    clock.advance(30 * 60_000); // 70 min after the first full read, 30 after the partial one
    const before = kore.calls.length;
    await index.references(opts, 'delete'); // fresh enough for a DELETE; the hourly full read is due
    expect(kore.calls.length - before).toBeGreaterThan(0);
  });
});
