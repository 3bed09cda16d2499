import { KoreProbe } from '../../local/kore-emulator/probe';
import { KoreEmulator } from '../../local/kore-emulator/server';
import type { EmulatorOptions, Seed } from '../../local/kore-emulator/server';

/** Campaigns as Kore has them (docs/kore-api.md, "getAllCampaignDetails" to "DNC lists"), over real HTTP on loopback. */

const DAY = 86_400_000;

const seed = (): Seed => ({
  lists: [
    { _id: 'cl-renew', name: 'Renewals' },
    { _id: 'cl-vip', name: 'VIP' },
    { _id: 'cl-dnc', name: 'DNC CL Dec 4' },
  ],
  campaigns: [
    {
      _id: 'cd-active',
      name: 'Renewal outreach',
      contactLists: ['Renewals', 'VIP'],
      dncList: 'DNC CL Dec 4',
      status: 'Active',
      schedule: { isSchedulingEnabled: true, isRecurrenceEnabled: true },
    },
    { _id: 'cd-done', name: 'Black Friday', contactLists: ['VIP'], status: 'Completed', dialingMode: 'Preview' },
    { _id: 'cd-paused', name: 'Winback', status: 'Paused' },
    { _id: 'cd-scheduled', name: 'Spring', status: 'Scheduled', priority: '2' },
    { _id: 'cd-stopped', name: 'Old survey', status: 'Stopped' },
    { _id: 'cd-sms', name: 'Event reminder SMS', campaignType: 'sms', contactLists: ['VIP'], dncList: 'DNC CL Dec 4' },
  ],
});

describe('Kore emulator campaigns', () => {
  let emu: KoreEmulator;
  let kore: KoreProbe;
  const start = async (opts: EmulatorOptions = {}) => {
    emu = await new KoreEmulator({ rateLimit: { perMinute: 0 }, seed: seed(), ...opts }).start();
    running.push(emu);
    kore = new KoreProbe(emu);
  };
  const running: KoreEmulator[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.stop()));
  });

  describe('GET V2/{campaignId}', () => {
    beforeEach(() => start());

    it('returns a voice campaign in the documented shape, with _id, dncLists {id, name} and dialingStrategy', async () => {
      const res = await kore.call('GET', '/cd-active');
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ status: 'success', message: 'Campaign Renewal outreach retrieved successfully' });
      const data = (res.json as { data: Record<string, unknown> }).data;
      expect(data).toMatchObject({
        _id: 'cd-active',
        name: 'Renewal outreach',
        lname: 'renewal outreach',
        status: 'Active',
        priority: '5',
        dncLists: { id: 'cl-dnc', name: 'DNC CL Dec 4' },
        schedule: { isSchedulingEnabled: true, isRecurrenceEnabled: true },
        contactLists: ['Renewals', 'VIP'],
        dialingStrategy: {
          callerId: { phoneNumber: expect.any(String) },
          callingHours: { frequency: 'WEEKLY', timezone: expect.any(String), days: expect.arrayContaining([{ day: 'MO', start: '9:00 AM', end: '6:00 PM' }]) },
          dialingOrder: 'FIFO',
          maxAttemptsPerRecord: expect.any(Number),
          defaultRetryPeriod: expect.any(Number),
          maxRingTime: expect.any(Number),
          useSystemMappings: false,
        },
      });
      expect(typeof data.dialingMode).toBe('string');
      expect(Date.parse(data.createdAt as string)).not.toBeNaN();
    });

    it('returns an SMS campaign with _id, its DNC list by name only, and no dialingMode', async () => {
      const data = ((await kore.call('GET', '/cd-sms')).json as { data: Record<string, unknown> }).data;
      expect(data).toMatchObject({ _id: 'cd-sms', dncLists: { name: 'DNC CL Dec 4' }, format: 'simple', isImported: false });
      expect(data.dncLists).toEqual({ name: 'DNC CL Dec 4' });
      expect(data).not.toHaveProperty('dialingMode');
    });

    it('answers an unknown campaign id with a JSON 404', async () => {
      const res = await kore.call('GET', '/cd-nope');
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ errors: [{ msg: 'Campaign cd-nope not found', code: 404 }] });
    });
  });

  describe('POST V2/getAllCampaignDetails', () => {
    beforeEach(() => start());
    const list = (body: unknown) => kore.call('POST', '/getAllCampaignDetails', { body });
    type Page = { results: Record<string, unknown>[]; skip: number; limit: number; hasMore: boolean; totalPages: number; totalResults: number };
    const page = async (body: unknown) => ((await list(body)).json as { data: Page }).data;

    it('lists voice campaigns with _id and the documented envelope, message and paging fields', async () => {
      const res = await list({ type: 'voice' });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ status: 'success', message: 'Campaign  retrieved successfully' });
      const data = (res.json as { data: Page }).data;
      expect(data).toMatchObject({ skip: 0, limit: 50, hasMore: false, totalPages: 1, totalResults: 5 });
      expect(data.results.map((r) => r._id)).toEqual(['cd-active', 'cd-done', 'cd-paused', 'cd-scheduled', 'cd-stopped']);
      expect(data.results[0]).toMatchObject({
        dncLists: { id: 'cl-dnc', name: 'DNC CL Dec 4' },
        connection: expect.any(String),
        campaignInstanceUpdatedAt: expect.any(String),
        contactLists: ['Renewals', 'VIP'],
      });
    });

    it('lists SMS campaigns with id instead of _id and the DNC list by name only', async () => {
      const data = await page({ type: 'sms' });
      expect(data.totalResults).toBe(1);
      const [sms] = data.results;
      expect(sms).toMatchObject({ id: 'cd-sms', dncLists: { name: 'DNC CL Dec 4' }, campaignExecutionType: 'NORMAL', totalMessagesSent: 0 });
      expect(sms).not.toHaveProperty('_id');
      expect(sms!.dncLists).toEqual({ name: 'DNC CL Dec 4' });
    });

    it('pages with limit and page, and with skip', async () => {
      expect(await page({ type: 'voice', limit: 2, page: 1 })).toMatchObject({ skip: 0, limit: 2, hasMore: true, totalPages: 3, totalResults: 5 });
      const last = await page({ type: 'voice', limit: 2, page: 3 });
      expect(last).toMatchObject({ skip: 4, hasMore: false });
      expect(last.results.map((r) => r._id)).toEqual(['cd-stopped']);
      expect((await page({ type: 'voice', limit: 2, skip: 1 })).results.map((r) => r._id)).toEqual(['cd-done', 'cd-paused']);
      expect(await page({ type: 'voice', limit: '', page: '', skip: '' })).toMatchObject({ limit: 50, skip: 0, totalResults: 5 });
    });

    it('filters by status, priority and dialing mode, and sorts by name', async () => {
      const done = await page({ type: 'voice', filters: { status: ['Completed', 'Stopped'] } });
      expect(done.results.map((r) => r._id)).toEqual(['cd-done', 'cd-stopped']);
      expect((await page({ type: 'voice', filters: { priority: [2] } })).results.map((r) => r._id)).toEqual(['cd-scheduled']);
      expect((await page({ type: 'voice', filters: { dialingMode: ['Preview'] } })).results.map((r) => r._id)).toEqual(['cd-done']);
      expect((await page({ type: 'voice', sortBy: { name: 'asc' } })).results.map((r) => r.name)).toEqual([
        'Black Friday',
        'Old survey',
        'Renewal outreach',
        'Spring',
        'Winback',
      ]);
    });

    it.each([
      ['no type', {}],
      ['an unknown type', { type: 'email' }],
      ['limit 0', { type: 'voice', limit: 0 }],
      ['limit 101', { type: 'voice', limit: 101 }],
      ['page 0', { type: 'voice', page: 0 }],
      ['a negative skip', { type: 'voice', skip: -1 }],
      ['a string limit', { type: 'voice', limit: '5' }],
      ['an unknown status filter', { type: 'voice', filters: { status: ['Running'] } }],
      ['a bad startDate', { type: 'voice', startDate: 'yesterday' }],
    ])('answers 400 for %s', async (_, body) => {
      const res = await list(body);
      expect(res.status).toBe(400);
      expect((res.json as { errors: { msg: string }[] }).errors[0]!.msg).toEqual(expect.any(String));
    });
  });

  describe('POST V2/{campaignId}/status', () => {
    beforeEach(() => start());

    it('answers view=status with {id, status, name}', async () => {
      const res = await kore.call('POST', '/cd-done/status', { query: `?accountId=${emu.accountId}&view=status`, body: {} });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ status: 'success', data: { id: 'cd-done', status: 'Completed', name: 'Black Friday' } });
    });

    it('answers view=contacts with a page, and refuses a limit over 100', async () => {
      expect((await kore.call('POST', '/cd-done/status', { query: '?view=contacts', body: { page: 1, limit: 100 } })).json).toMatchObject({
        data: { results: [], page: 1, limit: 100 },
      });
      expect((await kore.call('POST', '/cd-done/status', { query: '?view=contacts', body: { page: 1, limit: 101 } })).status).toBe(400);
    });

    it('answers 400 without a view and 404 for an unknown campaign', async () => {
      expect((await kore.call('POST', '/cd-done/status', { body: {} })).status).toBe(400);
      expect((await kore.call('POST', '/cd-nope/status', { query: `?accountId=${emu.accountId}&view=status`, body: {} })).status).toBe(404);
    });
  });

  describe('start and stop (trigger)', () => {
    beforeEach(() => start());
    const statusOf = (id: string) => emu.state.campaigns.get(id)!.status;

    it.each([
      ['V2/trigger/{id}', (k: KoreProbe) => ({ path: '/trigger/cd-done', root: k.v2 })],
      ['V2//trigger/{id} (stop SMS page)', (k: KoreProbe) => ({ path: '//trigger/cd-done', root: k.v2 })],
      [
        '/api/v2/public/{streamId}/campaign/trigger/{id} (voice pages)',
        (k: KoreProbe) => ({ path: '/trigger/cd-done', root: `/api/v2/public/${k.target.streamId}/campaign` }),
      ],
      ['V2/{id}?trigger= (start SMS page)', (k: KoreProbe) => ({ path: '/cd-done', root: k.v2 })],
      [
        'v1 /campaign/api/v1/public/{IID}/campaign/{id}',
        (k: KoreProbe) => ({ path: '/cd-done', root: `/campaign/api/v1/public/${k.target.streamId}/campaign` }),
      ],
    ])('starts and stops a campaign through %s', async (_, where) => {
      const { path, root } = where(kore);
      const play = await kore.call('POST', path, { root, query: '?campaignType=voice&trigger=play', body: {} });
      expect(play.status).toBe(200);
      expect(play.json).toMatchObject({
        status: 'Active',
        message: 'Campaign Started',
        totalCallsCompleted: 0,
        campaignInstanceId: expect.stringMatching(/^cid-/),
      });
      expect(statusOf('cd-done')).toBe('Active');
      const stop = await kore.call('POST', path, { root, query: `?accountId=${emu.accountId}&campaignType=voice&trigger=stop`, body: {} });
      expect(stop.json).toMatchObject({
        status: 'Stopped',
        message: 'Campaign Stopped',
        campaignInstanceId: (play.json as { campaignInstanceId: string }).campaignInstanceId,
      });
      expect(statusOf('cd-done')).toBe('Stopped');
    });

    it('sets updatedAt to Kore time and answers SMS triggers without an instance id', async () => {
      emu.advanceClock(3 * DAY);
      const res = await kore.call('POST', '/trigger/cd-sms', { query: `?accountId=${emu.accountId}&campaignType=sms&trigger=stop`, body: {} });
      expect(res.json).toEqual({
        status: 'Stopped',
        message: 'Campaign Stopped',
        updatedAt: emu.state.campaigns.get('cd-sms')!.updatedAt,
        campaignExecutionType: 'NORMAL',
      });
      expect(Date.parse(emu.state.campaigns.get('cd-sms')!.updatedAt)).toBeGreaterThanOrEqual(Date.now() + 3 * DAY - 60_000);
    });

    it('refuses an undocumented trigger (there is no pause) or a missing campaignType with 400, changing nothing', async () => {
      expect((await kore.call('POST', '/trigger/cd-active', { query: '?campaignType=voice&trigger=pause', body: {} })).status).toBe(400);
      expect((await kore.call('POST', '/trigger/cd-active', { query: '?trigger=stop', body: {} })).status).toBe(400);
      expect(statusOf('cd-active')).toBe('Active');
    });
  });

  describe('DELETE V2/{campaignId}', () => {
    const del = (id: string, type = 'voice') => kore.call('DELETE', `/${id}`, { query: `?accountId=${emu.accountId}&campaignType=${type}` });

    it('requires campaignType', async () => {
      await start();
      expect((await kore.call('DELETE', '/cd-done')).status).toBe(400);
      expect(emu.state.campaigns.has('cd-done')).toBe(true);
    });

    it('deletes even an Active campaign by default (Kore does not document a refusal) and echoes it', async () => {
      await start();
      const res = await del('cd-active');
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ message: 'Campaign Renewal outreach deleted successfully', data: { _id: 'cd-active', status: 'Active' } });
      expect(emu.state.campaigns.has('cd-active')).toBe(false);
    });

    it.each(['cd-active', 'cd-paused', 'cd-scheduled'])('refuses %s with 400 under campaignDeleteRefusesRunning, leaving it', async (id) => {
      await start({ realism: { campaignDeleteRefusesRunning: true } });
      const res = await del(id);
      expect(res.status).toBe(400);
      expect((res.json as { errors: { msg: string }[] }).errors[0]!.msg).toMatch(/stop it before deleting/);
      expect(emu.state.campaigns.has(id)).toBe(true);
    });

    it('refuses a Rescheduled campaign and deletes Completed and Stopped ones under campaignDeleteRefusesRunning', async () => {
      await start({ realism: { campaignDeleteRefusesRunning: true } });
      emu.state.campaigns.get('cd-paused')!.status = 'Rescheduled';
      expect((await del('cd-paused')).status).toBe(400);
      expect((await del('cd-done')).status).toBe(200);
      expect((await del('cd-stopped')).status).toBe(200);
      expect((await del('cd-sms', 'sms')).status).toBe(200);
    });
  });

  describe('create and schedule', () => {
    beforeEach(() => start());
    const create = (body: Record<string, unknown>, type = 'voice') =>
      kore.call('POST', '', { query: `?accountId=${emu.accountId}&campaignType=${type}`, body });
    const valid = {
      name: 'New campaign',
      description: 'd',
      contactLists: ['Renewals'],
      dncLists: { name: 'DNC CL Dec 4' },
      priority: '3',
      dialingMode: 'Agentless',
    };

    it('creates a voice campaign as Preparing, with id, and marks its lists and DNC list as used', async () => {
      const res = await create(valid);
      expect(res.status).toBe(200);
      const data = (res.json as { data: { id: string; status: string } }).data;
      expect(res.json).toMatchObject({
        message: 'Campaign New campaign creation in progress',
        data: { status: 'Preparing', id: expect.stringMatching(/^cd-/) },
      });
      expect(emu.state.lists.get('cl-renew')!.campaignInUse).toContainEqual({ id: data.id, name: 'New campaign' });
      expect(emu.state.lists.get('cl-dnc')!.campaignInUse).toContainEqual({ id: data.id, name: 'New campaign' });
    });

    it.each([
      ['a priority of 6', { priority: '6' }],
      ['a ring time of 121 s', { dialingStrategy: { maxRingTime: 121 } }],
      ['100+ attempts', { dialingStrategy: { maxAttemptsPerRecord: 101 } }],
      ['a retry period of 0', { dialingStrategy: { defaultRetryPeriod: 0 } }],
      ['no DNC list (required for v2 voice)', { dncLists: undefined }],
      ['an unknown contact list', { contactLists: ['Nope'] }],
      ['a 49-character name', { name: 'n'.repeat(49) }],
    ])('refuses %s with 400', async (_, over) => {
      const before = emu.state.campaigns.size;
      expect((await create({ ...valid, ...over })).status).toBe(400);
      expect(emu.state.campaigns.size).toBe(before);
    });

    it('disables a schedule by campaign name', async () => {
      const res = await kore.call('POST', '/schedule', { query: '?enableSchedule=false&campaignName=Renewal%20outreach', body: {} });
      expect(res.json).toEqual({ status: 'success', message: 'Campaign Renewal outreach schedule has been disabled successfully', id: 'cd-active' });
      expect(emu.state.campaigns.get('cd-active')!.schedule).toEqual({ isSchedulingEnabled: false, isRecurrenceEnabled: true });
    });
  });

  it('keeps campaign references when a list is renamed, so the rename does not unlink it', async () => {
    await start();
    expect((await kore.call('PUT', '/contactList/cl-dnc', { body: { name: 'DNC archived' } })).status).toBe(200);
    const data = ((await kore.call('GET', '/cd-active')).json as { data: { dncLists: unknown } }).data;
    expect(data.dncLists).toEqual({ id: 'cl-dnc', name: 'DNC archived' });
    expect((await kore.call('PUT', '/contactList/cl-vip', { body: { name: 'VIP 2024' } })).status).toBe(200);
    expect(emu.state.campaigns.get('cd-done')!.contactLists).toEqual(['VIP 2024']);
  });
});
