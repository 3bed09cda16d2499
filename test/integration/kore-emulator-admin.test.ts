import { KoreProbe } from '../../local/kore-emulator/probe';
import { ADMIN_ROUTES, KoreEmulator, LENIENT_REALISM, STRICT_REALISM } from '../../local/kore-emulator/server';
import type { EmulatorOptions, Seed } from '../../local/kore-emulator/server';

/** The emulator's clock, reset, seeding, call records and admin API. */

const DAY = 86_400_000;

const seed = (): Seed => ({
  lists: [
    { _id: 'cl-a', name: 'A' },
    { _id: 'cl-b', name: 'B' },
    { _id: 'cl-used', name: 'Used' },
  ],
  campaigns: [{ _id: 'cd-1', name: 'Campaign', contactLists: ['Used'], status: 'Active' }],
});

describe('Kore emulator clock, reset and admin API', () => {
  let emu: KoreEmulator;
  let kore: KoreProbe;
  const running: KoreEmulator[] = [];
  const start = async (opts: EmulatorOptions = {}) => {
    emu = await new KoreEmulator({ rateLimit: { perMinute: 0 }, seed: seed(), ...opts }).start();
    running.push(emu);
    kore = new KoreProbe(emu);
  };
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.stop()));
  });
  const updatedAt = async (id: string) => ((await kore.call('GET', `/contactList/${id}`)).json as { data: { updatedAt: string } }).data.updatedAt;

  describe('clock', () => {
    it('advanceClock lets days pass for the timestamps Kore writes, without waiting', async () => {
      const host = Date.now();
      await start({ now: () => host });
      await kore.call('PUT', '/contactList/cl-a', { body: { description: 'before' } });
      expect(await updatedAt('cl-a')).toBe(new Date(host).toISOString());
      emu.advanceClock(8 * DAY);
      await kore.call('PUT', '/contactList/cl-a', { body: { description: 'after' } });
      expect(await updatedAt('cl-a')).toBe(new Date(host + 8 * DAY).toISOString());
    });

    it('moves through the admin API by advanceMs or to an offsetMs, and reports itself', async () => {
      const host = Date.now();
      await start({ now: () => host });
      expect((await kore.admin('POST', '/clock', { advanceMs: DAY })).json).toEqual({ offsetMs: DAY, now: new Date(host + DAY).toISOString() });
      expect((await kore.admin('POST', '/clock', { advanceMs: DAY })).json).toMatchObject({ offsetMs: 2 * DAY });
      expect((await kore.admin('POST', '/clock', { offsetMs: -DAY })).json).toEqual({ offsetMs: -DAY, now: new Date(host - DAY).toISOString() });
      expect((await kore.admin('GET', '/clock')).json).toMatchObject({ offsetMs: -DAY });
      await kore.call('POST', '/contactList/createContactList', { body: { name: 'Yesterday', description: 'd', source: 'passiveApi' } });
      expect(emu.state.findListByName('Yesterday')!.createdAt).toBe(new Date(host - DAY).toISOString());
    });

    it.each([[{ advanceMs: -1 }], [{ advanceMs: 1, offsetMs: 1 }], [{}], [{ advanceMs: '1d' }]])('refuses the clock body %j with 400', async (body) => {
      await start();
      expect((await kore.admin('POST', '/clock', body)).status).toBe(400);
      expect(emu.clock.offsetMs).toBe(0);
    });

    it('empties the per-account rate window when a minute of Kore time passes', async () => {
      await start({ rateLimit: { perMinute: 2 } });
      for (let i = 0; i < 2; i++) expect((await kore.call('GET', '/contactList/cl-a')).status).toBe(200);
      expect((await kore.call('GET', '/contactList/cl-a')).status).toBe(429);
      emu.advanceClock(60_000);
      expect((await kore.call('GET', '/contactList/cl-a')).status).toBe(200);
    });

    it("keeps accepting tokens signed on the host's clock after days of Kore time pass", async () => {
      await start();
      emu.advanceClock(30 * DAY);
      expect((await kore.call('GET', '/contactList/cl-a')).status).toBe(200);
    });
  });

  describe('reset', () => {
    it('restores the starting account, faults, rate limit, realism and clock, and forgets calls and jtis', async () => {
      await start({ faults: { latencyMs: 1 }, realism: { singleUseJti: true } });
      const before = structuredClone(emu.state.snapshot());
      const token = kore.token({ jti: 'once' });
      expect((await kore.call('DELETE', '/contactList/cl-a', { headers: { auth: token } })).status).toBe(200);
      await kore.call('POST', '/contactList/createContactList', { body: { name: 'Extra', description: 'd', source: 'passiveApi' } });
      await kore.call('PUT', '/contactList/cl-b', { body: { name: 'B renamed' } });
      await kore.call('POST', '/trigger/cd-1', { query: '?campaignType=voice&trigger=stop', body: {} });
      emu.setFaults({ serverErrorRate: 0.5 });
      emu.setRateLimit({ perMinute: 5 });
      emu.setRealism({ preset: 'strict' });
      emu.advanceClock(DAY);

      const res = await kore.admin('POST', '/reset');
      expect(res.status).toBe(200);
      expect(emu.state.snapshot()).toEqual(before);
      expect(emu.calls).toEqual([]);
      expect(emu.faults).toMatchObject({ latencyMs: 1, serverErrorRate: 0 });
      expect(emu.rateLimit.perMinute).toBe(0);
      expect(emu.realism).toEqual({ ...LENIENT_REALISM, singleUseJti: true });
      expect(emu.clock.offsetMs).toBe(0);
      expect((await kore.call('GET', '/contactList/cl-a', { headers: { auth: token } })).status).toBe(200);
    });

    it('returns to the last replacing seed, not to additions', async () => {
      await start();
      const replaced = await kore.admin('POST', '/seed', { replace: true, lists: [{ _id: 'cl-only', name: 'Only' }] });
      expect((replaced.json as { lists: unknown[] }).lists).toHaveLength(1);
      await kore.admin('POST', '/seed', { lists: [{ _id: 'cl-added', name: 'Added' }] });
      await kore.call('DELETE', '/contactList/cl-only');
      expect([...emu.state.lists.keys()]).toEqual(['cl-added']);
      emu.reset();
      expect([...emu.state.lists.keys()]).toEqual(['cl-only']);
      expect(emu.state.campaigns.size).toBe(0);
    });

    it('keeps the state object, so references held by a test stay live', async () => {
      await start();
      const lists = emu.state.lists;
      await kore.call('DELETE', '/contactList/cl-a');
      emu.reset();
      expect(lists.has('cl-a')).toBe(true);
    });
  });

  describe('call records', () => {
    it('records the decoded appId and jti, never the JWT, and not admin calls', async () => {
      await start();
      const token = kore.token({ jti: 'jti-rec-1' });
      await kore.call('GET', '/contactList/cl-a', { headers: { auth: token } });
      await kore.admin('GET', '/state');
      expect(emu.apiCalls()).toEqual([
        expect.objectContaining({
          method: 'GET',
          path: `${kore.v2}/contactList/cl-a`,
          hasAuth: true,
          appId: 'cs-test-client',
          jti: 'jti-rec-1',
          status: 200,
          result: 'ok',
        }),
      ]);
      expect(JSON.stringify(emu.calls)).not.toContain(token.split('.')[2]);
      expect(JSON.stringify((await kore.admin('GET', '/calls')).json)).not.toMatch(/eyJ[A-Za-z0-9_-]+\./);
      expect(emu.apiCalls()[0]!.headers).not.toHaveProperty('auth');
    });

    it('marks which calls changed the account', async () => {
      await start();
      await kore.call('GET', '/contactList/cl-a');
      await kore.call('DELETE', '/contactList/cl-a');
      await kore.call('DELETE', '/contactList/cl-used');
      expect(emu.apiCalls().map((c) => c.committed ?? false)).toEqual([false, true, false]);
    });

    it('forgets calls through DELETE /__admin/calls', async () => {
      await start();
      await kore.call('GET', '/contactList/cl-a');
      expect((await kore.admin('DELETE', '/calls')).status).toBe(204);
      expect(emu.calls).toEqual([]);
    });
  });

  describe('admin API', () => {
    it('lists every admin route at GET /__admin and in its 404 reply', async () => {
      await start();
      const index = (await kore.admin('GET', '')).json as { method: string; path: string }[];
      expect(index.map((r) => `${r.method} ${r.path}`)).toEqual(ADMIN_ROUTES.map((r) => `${r.method} ${r.path}`));
      const missing = await kore.admin('POST', '/teleport', {});
      expect(missing.status).toBe(404);
      expect(missing.json).toMatchObject({ error: 'no admin route POST /__admin/teleport', routes: index });
    });

    it('refuses a body that is not a JSON object', async () => {
      await start();
      const res = await fetch(`${emu.url}/__admin/faults`, { method: 'POST', body: 'latencyMs=5' });
      expect(res.status).toBe(400);
      expect((await kore.admin('POST', '/seed', [1, 2])).status).toBe(400);
      expect((await kore.admin('POST', '/seed', { list: [] })).status).toBe(400);
    });

    it('changes the rate limit and reports it', async () => {
      await start();
      expect((await kore.admin('POST', '/rate-limit', { perMinute: 1, retryAfter: false })).json).toEqual({
        perMinute: 1,
        windowMs: 60_000,
        retryAfter: false,
      });
      expect((await kore.admin('POST', '/rate-limit', { perMinut: 1 })).status).toBe(400);
      expect((await kore.admin('GET', '/rate-limit')).json).toMatchObject({ perMinute: 1 });
    });

    it('rotates a secret: the old one stops working at once', async () => {
      await start();
      expect((await kore.admin('POST', '/rotate', { clientId: 'cs-test-client', clientSecret: 'new-secret' })).status).toBe(200);
      expect((await kore.call('GET', '/contactList/cl-a')).status).toBe(401);
      expect((await kore.call('GET', '/contactList/cl-a', { headers: { auth: kore.token({ secret: 'new-secret' }) } })).status).toBe(200);
    });

    it('serves the strict preset from the constructor', async () => {
      await start({ realism: STRICT_REALISM });
      expect((await kore.admin('GET', '/realism')).json).toEqual(STRICT_REALISM);
    });
  });

  describe('listening', () => {
    it('listens on 127.0.0.1 only and refuses any other host', async () => {
      await start();
      expect(new URL(emu.url).hostname).toBe('127.0.0.1');
      expect(() => new KoreEmulator({ host: '0.0.0.0' })).toThrow(/loopback only/);
    });

    it('answers a malformed percent-encoding as an unknown route instead of failing', async () => {
      await start();
      const res = await kore.call('GET', '/contactList/%E0%A4%A');
      expect(res.status).toBe(404);
      expect((res.json as { errors: { msg: string }[] }).errors[0]!.msg).toMatch(/^No route/);
    });
  });
});
