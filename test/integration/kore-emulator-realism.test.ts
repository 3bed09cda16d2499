import jwt from 'jsonwebtoken';
import { KoreProbe, PROBE_CLIENT_ID, PROBE_CLIENT_SECRET } from '../../local/kore-emulator/probe';
import { IN_USE_REFUSALS, KoreEmulator, LENIENT_REALISM, STRICT_REALISM } from '../../local/kore-emulator/server';
import type { EmulatorOptions, Realism, Seed } from '../../local/kore-emulator/server';

/**
 * Every realism switch, in its lenient default and its strict variant: the behaviours Kore's
 * documentation leaves open, where a client must not rely on the emulator's first guess.
 */

const seed = (): Seed => ({
  lists: [
    { _id: 'cl-free', name: 'Free list' },
    { _id: 'cl-used', name: 'Used list' },
    { _id: 'cl-shared', name: 'Shared list' },
    { _id: 'cl-dnc', name: 'DNC CL Dec 4' },
    { _id: 'cl-global', name: 'Default Global DNC', isGlobalDNC: true, isDefault: true },
  ],
  campaigns: [
    { _id: 'cd-ended', name: 'Ended', contactLists: ['Used list', 'Shared list'], dncList: 'DNC CL Dec 4', status: 'Completed' },
    { _id: 'cd-other', name: 'Other', contactLists: ['Shared list'], status: 'Stopped' },
  ],
});

type Errors = { errors: { msg: string; code: number }[] };
const msgOf = (json: unknown) => (json as Errors).errors[0]!.msg;

describe('Kore emulator realism switches', () => {
  let emu: KoreEmulator;
  let kore: KoreProbe;
  const start = async (realism?: Partial<Realism>, opts: EmulatorOptions = {}) => {
    emu = await new KoreEmulator({ rateLimit: { perMinute: 0 }, seed: seed(), ...(realism ? { realism } : {}), ...opts }).start();
    running.push(emu);
    kore = new KoreProbe(emu);
  };
  const running: KoreEmulator[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.stop()));
  });
  const getList = async (id: string) => ((await kore.call('GET', `/contactList/${id}`)).json as { data: Record<string, unknown> }).data;
  const allLists = async () =>
    (
      (await kore.call('POST', '/contactList/getAllListDetails', { query: `?accountId=${emu.accountId}&type=call`, body: {} })).json as {
        data: Record<string, unknown>[];
      }
    ).data;
  const deleteCampaign = (id: string) => kore.call('DELETE', `/${id}`, { query: `?accountId=${emu.accountId}&campaignType=voice` });

  it('STRICT_REALISM sets every switch to its strict variant, keeping entity 404s in JSON', () => {
    expect(STRICT_REALISM).toEqual({
      detachOnCampaignDelete: false,
      dncInUse: false,
      omitListFields: { list: ['isGlobalDNC', 'isDefault'] },
      notFoundStyle: 'json',
      unknownRouteStyle: 'html',
      limitCounting: 'utf16',
      inUseRefusal: IN_USE_REFUSALS.conflict409,
      singleUseJti: true,
      requireJti: true,
      maxTokenLifetimeSeconds: 3600,
      campaignDeleteRefusesRunning: true,
      renameBumpsUpdatedAt: false,
      campaignDeleteChecksType: true,
      campaignSetShift: 0,
      smsResultsWithoutDates: true,
    });
    expect(Object.keys(STRICT_REALISM).sort()).toEqual(Object.keys(LENIENT_REALISM).sort());
  });

  describe('renameBumpsUpdatedAt', () => {
    const rename = (name: string) => kore.call('PUT', '/contactList/cl-free', { body: { name } });
    it('lenient: a rename sets updatedAt to now', async () => {
      await start();
      const before = (await getList('cl-free')).updatedAt as string;
      emu.advanceClock(60_000);
      expect((await rename('Renamed')).status).toBe(200);
      expect(Date.parse((await getList('cl-free')).updatedAt as string)).toBeGreaterThanOrEqual(Date.parse(before) + 60_000);
    });

    it('strict: a rename leaves updatedAt as it was (a description-only PUT still moves it)', async () => {
      await start({ renameBumpsUpdatedAt: false });
      const before = (await getList('cl-free')).updatedAt;
      emu.advanceClock(60_000);
      expect((await rename('Renamed')).status).toBe(200);
      expect(await getList('cl-free')).toMatchObject({ name: 'Renamed', updatedAt: before });
      expect((await kore.call('PUT', '/contactList/cl-free', { body: { description: 'x' } })).status).toBe(200);
      expect((await getList('cl-free')).updatedAt).not.toBe(before);
    });
  });

  describe('smsResultsWithoutDates', () => {
    const page = (sortBy: Record<string, string>) =>
      kore
        .call('POST', '/getAllCampaignDetails', { body: { type: 'sms', skip: 0, limit: 10, sortBy } })
        .then((r) => r.json as { data: { results: Record<string, unknown>[] } });
    it('lenient: SMS results carry createdAt and updatedAt', async () => {
      await start();
      emu.state.addCampaign({ _id: 'cd-sms-1', name: 'SMS one', campaignType: 'sms', status: 'Ready' });
      const [r] = (await page({ updatedAt: 'desc' })).data.results;
      expect(r).toMatchObject({ id: 'cd-sms-1', createdAt: expect.any(String), updatedAt: expect.any(String) });
    });

    it('strict: SMS results as documented, without either, still sorted by them', async () => {
      await start({ smsResultsWithoutDates: true });
      emu.state.addCampaign({ _id: 'cd-sms-1', name: 'SMS one', campaignType: 'sms', status: 'Ready' });
      emu.advanceClock(60_000);
      emu.state.addCampaign({ _id: 'cd-sms-2', name: 'SMS two', campaignType: 'sms', status: 'Ready' });
      const results = (await page({ updatedAt: 'desc' })).data.results;
      expect(results.map((r) => r.id)).toEqual(['cd-sms-2', 'cd-sms-1']);
      for (const r of results) {
        expect(r).not.toHaveProperty('updatedAt');
        expect(r).not.toHaveProperty('createdAt');
      }
    });
  });

  describe('campaignDeleteChecksType', () => {
    const del = (type: string) => kore.call('DELETE', '/cd-ended', { query: `?accountId=${emu.accountId}&campaignType=${type}` });
    it('lenient: any valid campaignType deletes the campaign', async () => {
      await start();
      expect((await del('sms')).status).toBe(200);
      expect(emu.state.campaigns.has('cd-ended')).toBe(false);
    });

    it("strict: the other type's DELETE answers Kore's JSON 404 and deletes nothing", async () => {
      await start({ campaignDeleteChecksType: true });
      const r = await del('sms');
      expect(r.status).toBe(404);
      expect(msgOf(r.json)).toMatch(/not found/);
      expect(emu.state.campaigns.has('cd-ended')).toBe(true);
      expect((await del('voice')).status).toBe(200);
    });
  });

  describe('campaignSetShift', () => {
    const page = async (skip: number) =>
      ((await kore.call('POST', '/getAllCampaignDetails', { body: { type: 'voice', skip, limit: 1 } })).json as { data: { results: { _id: string }[] } }).data
        .results;
    it('0: pages are stable, a fixed skip reads every campaign', async () => {
      await start();
      expect([...(await page(0)), ...(await page(1))].map((c) => c._id)).toEqual(['cd-ended', 'cd-other']);
    });

    it('n: the first n campaigns of each page are deleted once it is sent, so a fixed skip misses the next one', async () => {
      await start({ campaignSetShift: 1 });
      emu.state.addCampaign({ _id: 'cd-third', name: 'Third', status: 'Completed' });
      const first = await page(0);
      const second = await page(1);
      expect(first.map((c) => c._id)).toEqual(['cd-ended']);
      // cd-other slid to position 0 when cd-ended went: skip 1 shows cd-third and never cd-other.
      expect(second.map((c) => c._id)).toEqual(['cd-third']);
      expect(emu.state.campaigns.has('cd-ended')).toBe(false);
    });
  });

  describe('detachOnCampaignDelete', () => {
    it('lenient: deleting a campaign frees its exclusive list, which can then be deleted', async () => {
      await start();
      expect((await deleteCampaign('cd-ended')).status).toBe(200);
      expect(await getList('cl-used')).toMatchObject({ campaignInUse: [], isListInUse: false });
      expect(await getList('cl-shared')).toMatchObject({ campaignInUse: [{ id: 'cd-other', name: 'Other' }], isListInUse: true });
      expect((await kore.call('DELETE', '/contactList/cl-used')).status).toBe(200);
    });

    it('strict: the deleted campaign stays in its lists, which stay undeletable', async () => {
      await start({ detachOnCampaignDelete: false });
      expect((await deleteCampaign('cd-ended')).status).toBe(200);
      expect(await getList('cl-used')).toMatchObject({ campaignInUse: [{ id: 'cd-ended', name: 'Ended' }], isListInUse: true });
      expect((await kore.call('DELETE', '/contactList/cl-used')).status).toBe(400);
      expect(emu.state.lists.has('cl-used')).toBe(true);
    });

    it('still honours the older campaignDeleteDetachesLists option', async () => {
      await start(undefined, { campaignDeleteDetachesLists: false });
      expect(emu.realism.detachOnCampaignDelete).toBe(false);
    });
  });

  describe('dncInUse', () => {
    it("lenient: a campaign's DNC list shows the campaign and Kore refuses its DELETE", async () => {
      await start();
      expect(await getList('cl-dnc')).toMatchObject({ campaignInUse: [{ id: 'cd-ended', name: 'Ended' }], isListInUse: true, isGlobalDNC: false });
      expect((await allLists()).find((l) => l._id === 'cl-dnc')).toMatchObject({ campaignInUse: [{ id: 'cd-ended', name: 'Ended' }], isListInUse: true });
      const res = await kore.call('DELETE', '/contactList/cl-dnc');
      expect(res.status).toBe(400);
      expect(emu.state.lists.has('cl-dnc')).toBe(true);
    });

    it("strict: the DNC list looks free and its DELETE succeeds; only the campaign's dncLists tells", async () => {
      await start({ dncInUse: false });
      expect(await getList('cl-dnc')).toMatchObject({ campaignInUse: [], isListInUse: false });
      expect((await allLists()).find((l) => l._id === 'cl-dnc')).toMatchObject({ campaignInUse: [], isListInUse: false });
      const campaign = ((await kore.call('GET', '/cd-ended')).json as { data: Record<string, unknown> }).data;
      expect(campaign.dncLists).toEqual({ id: 'cl-dnc', name: 'DNC CL Dec 4' });
      expect((await kore.call('DELETE', '/contactList/cl-dnc')).status).toBe(200);
      expect(emu.state.lists.has('cl-dnc')).toBe(false);
    });

    it('strict: a list that is both a contact list and the DNC list of a campaign stays in use', async () => {
      await start({ dncInUse: false });
      emu.state.campaigns.get('cd-other')!.dncLists = { id: 'cl-shared', name: 'Shared list' };
      expect(await getList('cl-shared')).toMatchObject({ isListInUse: true });
      expect((await kore.call('DELETE', '/contactList/cl-shared')).status).toBe(400);
    });
  });

  describe('omitListFields', () => {
    it('lenient: GET and getAllListDetails carry every flag', async () => {
      await start();
      const fields = ['isGlobalDNC', 'isDefault', 'isListInUse', 'campaignInUse', 'updatedAt', 'status'];
      for (const f of fields) expect(await getList('cl-free')).toHaveProperty(f);
      for (const l of await allLists()) for (const f of fields) expect(l).toHaveProperty(f);
    });

    it('strict: getAllListDetails leaves out isGlobalDNC and isDefault, GET still has them', async () => {
      await start({ omitListFields: STRICT_REALISM.omitListFields });
      const global = (await allLists()).find((l) => l._id === 'cl-global')!;
      expect(global).not.toHaveProperty('isGlobalDNC');
      expect(global).not.toHaveProperty('isDefault');
      expect(await getList('cl-global')).toMatchObject({ isGlobalDNC: true, isDefault: true });
    });

    it('leaves any chosen fields out of GET replies, at runtime too', async () => {
      await start();
      const res = await kore.admin('POST', '/realism', { omitListFields: { get: ['isListInUse', 'campaignInUse', 'updatedAt', 'status'] } });
      expect(res.status).toBe(200);
      const list = await getList('cl-used');
      for (const f of ['isListInUse', 'campaignInUse', 'updatedAt', 'status']) expect(list).not.toHaveProperty(f);
      expect(list).toHaveProperty('isGlobalDNC', false);
    });
  });

  describe('notFoundStyle and unknownRouteStyle', () => {
    it('lenient: an unknown id is a JSON 404 naming it; an unknown path or streamId is a JSON "No route"', async () => {
      await start();
      const list = await kore.call('GET', '/contactList/cl-nope');
      expect(list.status).toBe(404);
      expect(list.json).toEqual({ errors: [{ msg: 'Contact list cl-nope not found', code: 404 }] });
      const path = await kore.call('GET', '/contactList/cl-free/nothing-here');
      expect(path.status).toBe(404);
      expect(msgOf(path.json)).toMatch(/^No route for GET /);
      const stream = await kore.call('DELETE', '/contactList/cl-free', { root: '/campaign/api/v2/public/st-someone-else/campaign' });
      expect(stream.status).toBe(404);
      expect(msgOf(stream.json)).toMatch(/^No route for DELETE /);
      expect(emu.state.lists.has('cl-free')).toBe(true);
    });

    it('html: an unknown id is answered by an HTML page, not by Kore', async () => {
      await start({ notFoundStyle: 'html' });
      for (const path of ['/contactList/cl-nope', '/cd-nope']) {
        const res = await kore.call('DELETE', path, { query: `?accountId=${emu.accountId}&campaignType=voice` });
        expect(res.status).toBe(404);
        expect(res.headers.get('content-type')).toMatch(/^text\/html/);
        expect(res.text).toMatch(/^<!DOCTYPE html>/);
        expect(res.json).toBeUndefined();
      }
    });

    it('strict: an unknown path or streamId is an HTML page while entity 404s stay JSON', async () => {
      await start({ unknownRouteStyle: STRICT_REALISM.unknownRouteStyle });
      const stream = await kore.call('GET', '/contactList/cl-free', { root: '/campaign/api/v2/public/st-someone-else/campaign' });
      expect(stream.status).toBe(404);
      expect(stream.headers.get('content-type')).toMatch(/^text\/html/);
      expect((await kore.call('GET', '/no/such/path')).headers.get('content-type')).toMatch(/^text\/html/);
      expect((await kore.call('GET', '/contactList/cl-nope')).json).toMatchObject({ errors: [{ code: 404 }] });
    });
  });

  describe('limitCounting', () => {
    // 47 letters and one emoji: 48 code points, 49 UTF-16 units.
    const name = `${'a'.repeat(47)}😀`;
    const description = `${'d'.repeat(255)}😀`;

    it('lenient: counts code points, so 47 letters and an emoji fit in 48', async () => {
      await start();
      expect((await kore.call('POST', '/contactList/createContactList', { body: { name, description, source: 'passiveApi' } })).status).toBe(200);
      expect((await kore.call('PUT', '/contactList/cl-free', { body: { name: name.replace('a', 'b'), description } })).status).toBe(200);
    });

    it('strict: counts UTF-16 units, so the emoji counts 2 and the same name and description are refused', async () => {
      await start({ limitCounting: 'utf16' });
      const created = await kore.call('POST', '/contactList/createContactList', { body: { name, description: 'd', source: 'passiveApi' } });
      expect(created.status).toBe(400);
      expect(msgOf(created.json)).toMatch(/48/);
      expect((await kore.call('PUT', '/contactList/cl-free', { body: { description } })).status).toBe(400);
      expect(emu.state.lists.get('cl-free')!.description).toBe('');
    });
  });

  describe('inUseRefusal', () => {
    it('lenient: 400 with "in use by a campaign"; a global DNC list gets its own wording', async () => {
      await start();
      const used = await kore.call('DELETE', '/contactList/cl-shared');
      expect(used.status).toBe(400);
      expect(used.json).toEqual({ errors: [{ msg: 'Contact list Shared list is in use by a campaign and cannot be deleted', code: 400 }] });
      expect(msgOf((await kore.call('DELETE', '/contactList/cl-global')).json)).toMatch(/global DNC or default list/);
    });

    it('strict: 409 with different wording, naming the number of campaigns', async () => {
      await start({ inUseRefusal: IN_USE_REFUSALS.conflict409 });
      const res = await kore.call('DELETE', '/contactList/cl-shared');
      expect(res.status).toBe(409);
      expect(msgOf(res.json)).toBe('Cannot delete: list is associated with 2 campaign(s)');
      expect((await kore.call('DELETE', '/contactList/cl-global')).status).toBe(409);
      expect(emu.state.lists.has('cl-shared')).toBe(true);
    });

    it('takes the 422 variant by name, or a custom status and message, at runtime', async () => {
      await start();
      await kore.admin('POST', '/realism', { inUseRefusal: 'unprocessable422' });
      const res = await kore.call('DELETE', '/contactList/cl-used');
      expect(res.status).toBe(422);
      expect(msgOf(res.json)).toBe('Unable to remove Used list: referenced by 1 campaign(s)');
      await kore.admin('POST', '/realism', { inUseRefusal: { status: 423, message: 'Locked: {id}' } });
      expect((await kore.call('DELETE', '/contactList/cl-used')).json).toEqual({ errors: [{ msg: 'Locked: cl-used', code: 423 }] });
      expect((await kore.admin('POST', '/realism', { inUseRefusal: { status: 500, message: 'x' } })).status).toBe(400);
    });
  });

  describe('JWT rules', () => {
    const get = (auth: string) => kore.call('GET', '/contactList/cl-free', { headers: { auth } });

    it('lenient: the same jti may be used again', async () => {
      await start();
      const token = kore.token({ jti: 'jti-1' });
      expect((await get(token)).status).toBe(200);
      expect((await get(token)).status).toBe(200);
    });

    it('strict singleUseJti: a jti seen before is 401 "Invalid SDK credentials" (4002); a fresh one is fine', async () => {
      await start({ singleUseJti: true });
      const token = kore.token({ jti: 'jti-1' });
      expect((await get(token)).status).toBe(200);
      const again = await get(token);
      expect(again.status).toBe(401);
      expect(again.json).toEqual({ errors: [{ msg: 'Invalid SDK credentials', code: 4002 }] });
      expect((await get(kore.token({ jti: 'jti-1', expiresIn: 60 }))).status).toBe(401);
      expect((await get(kore.token())).status).toBe(200);
    });

    it('strict singleUseJti: a token with a bad signature does not use up its jti', async () => {
      await start({ singleUseJti: true });
      expect((await get(kore.token({ jti: 'jti-2', secret: 'wrong' }))).status).toBe(401);
      expect((await get(kore.token({ jti: 'jti-2' }))).status).toBe(200);
    });

    it('requireJti: a token without jti is accepted by default and refused with 401 when enforced', async () => {
      await start();
      const bare = kore.token({ jti: false });
      expect((await get(bare)).status).toBe(200);
      await kore.admin('POST', '/realism', { requireJti: true });
      expect((await get(bare)).status).toBe(401);
      expect((await get(kore.token())).status).toBe(200);
    });

    it('maxTokenLifetimeSeconds: refuses exp - iat above it (default one hour)', async () => {
      await start();
      expect((await get(kore.token({ expiresIn: 3600 }))).status).toBe(200);
      expect((await get(kore.token({ expiresIn: 3601 }))).status).toBe(401);
      await kore.admin('POST', '/realism', { maxTokenLifetimeSeconds: 300 });
      expect((await get(kore.token({ expiresIn: 301 }))).status).toBe(401);
      expect((await get(kore.token({ expiresIn: 300 }))).status).toBe(200);
    });

    it('accepts a token with no exp (the documented payload has none) unless a jti rule says otherwise', async () => {
      await start();
      expect((await get(jwt.sign({ sub: '1', appId: PROBE_CLIENT_ID }, PROBE_CLIENT_SECRET, { algorithm: 'HS256', noTimestamp: true }))).status).toBe(200);
    });
  });

  describe('the admin realism API', () => {
    it('applies a preset, then the switches given with it, and reports the result', async () => {
      await start();
      const res = await kore.admin('POST', '/realism', { preset: 'strict', singleUseJti: false });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ ...STRICT_REALISM, singleUseJti: false });
      expect((await kore.admin('GET', '/realism')).json).toEqual({ ...STRICT_REALISM, singleUseJti: false });
      expect(emu.realism.dncInUse).toBe(false);
    });

    it.each([
      [{ detachOnCampaignDelete: 'no' }, /detachOnCampaignDelete/],
      [{ limitCounting: 'bytes' }, /limitCounting/],
      [{ notFoundStyle: 'xml' }, /notFoundStyle/],
      [{ omitListFields: { put: [] } }, /omitListFields.put/],
      [{ inUseRefusal: 'teapot418' }, /inUseRefusal/],
      [{ detachOnDelete: true }, /unknown realism switch "detachOnDelete"/],
      [{ preset: 'paranoid' }, /preset/],
    ])('refuses %j with 400 naming the problem, changing nothing', async (body, why) => {
      await start();
      const res = await kore.admin('POST', '/realism', body);
      expect(res.status).toBe(400);
      expect((res.json as { error: string }).error).toMatch(why);
      expect(emu.realism).toEqual(LENIENT_REALISM);
    });
  });
});
