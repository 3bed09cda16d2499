import { KoreProbe } from '../../local/kore-emulator/probe';
import { KoreEmulator, NO_FAULTS } from '../../local/kore-emulator/server';
import type { EmulatorOptions, Faults } from '../../local/kore-emulator/server';

/**
 * Faults before Kore processes a call (nothing applied) and after it applied a change (the
 * change stays, the reply is lost or late): "Kore committed the DELETE but the reply was lost".
 */

const seed = {
  lists: [
    { _id: 'cl-a', name: 'A' },
    { _id: 'cl-b', name: 'B' },
    { _id: 'cl-used', name: 'Used' },
  ],
  campaigns: [{ _id: 'cd-1', name: 'Campaign', contactLists: ['Used'], status: 'Completed' }],
};

describe('Kore emulator faults', () => {
  let emu: KoreEmulator;
  let kore: KoreProbe;
  const running: KoreEmulator[] = [];
  const start = async (faults: Partial<Faults> = {}, opts: EmulatorOptions = {}) => {
    emu = await new KoreEmulator({ rateLimit: { perMinute: 0 }, seed, faults, ...opts }).start();
    running.push(emu);
    kore = new KoreProbe(emu);
  };
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.stop()));
  });

  describe('commitThenDropRate', () => {
    it('deletes the list, then drops the connection: the client sees no reply, a retry sees 404', async () => {
      await start({ commitThenDropRate: 1 });
      await expect(kore.call('DELETE', '/contactList/cl-a')).rejects.toThrow(/fetch failed/);
      expect(emu.state.lists.has('cl-a')).toBe(false);
      expect(emu.apiCalls({ method: 'DELETE' })).toEqual([expect.objectContaining({ result: 'committed-dropped', committed: true, status: 0 })]);
      emu.setFaults({ commitThenDropRate: 0 });
      const retry = await kore.call('DELETE', '/contactList/cl-a');
      expect(retry.status).toBe(404);
      expect(retry.json).toEqual({ errors: [{ msg: 'Contact list cl-a not found', code: 404 }] });
    });

    it('applies a rename, a list create and a campaign start before dropping each reply', async () => {
      await start({ commitThenDropRate: 1 });
      await expect(kore.call('PUT', '/contactList/cl-b', { body: { name: 'B archived' } })).rejects.toThrow();
      expect(emu.state.lists.get('cl-b')!.name).toBe('B archived');
      await expect(kore.call('POST', '/contactList/createContactList', { body: { name: 'New', description: 'd', source: 'passiveApi' } })).rejects.toThrow();
      expect(emu.state.findListByName('New')).toBeDefined();
      await expect(kore.call('POST', '/trigger/cd-1', { query: '?campaignType=voice&trigger=play', body: {} })).rejects.toThrow();
      expect(emu.state.campaigns.get('cd-1')!.status).toBe('Active');
      expect(emu.apiCalls({ result: 'committed-dropped' })).toHaveLength(3);
    });

    it('delivers replies that changed nothing: reads, enumerations and refusals', async () => {
      await start({ commitThenDropRate: 1 });
      expect((await kore.call('GET', '/contactList/cl-a')).status).toBe(200);
      expect((await kore.call('POST', '/contactList/getAllListDetails', { body: {} })).status).toBe(200);
      expect((await kore.call('POST', '/getAllCampaignDetails', { body: { type: 'voice' } })).status).toBe(200);
      expect((await kore.call('DELETE', '/contactList/cl-used')).status).toBe(400);
      expect(emu.apiCalls().map((c) => c.result)).toEqual(['ok', 'ok', 'ok', 'error']);
      expect(emu.apiCalls().some((c) => c.committed)).toBe(false);
    });
  });

  describe('commitThenSlowRate', () => {
    it('deletes the list, then holds the reply past the client timeout', async () => {
      await start({ commitThenSlowRate: 1, commitThenSlowMs: 400 });
      const t = Date.now();
      const call = fetch(`${emu.url}${kore.v2}/contactList/cl-a?accountId=${emu.accountId}`, {
        method: 'DELETE',
        headers: { auth: kore.token(), iid: emu.streamId, accountId: emu.accountId },
        signal: AbortSignal.timeout(100),
      });
      await expect(call).rejects.toThrow(/aborted|timeout/i);
      expect(Date.now() - t).toBeLessThan(390);
      expect(emu.state.lists.has('cl-a')).toBe(false);
      expect(emu.apiCalls({ method: 'DELETE' })[0]).toMatchObject({ result: 'committed-slow', committed: true });
    });

    it('delivers the held reply to a patient client', async () => {
      await start({ commitThenSlowRate: 1, commitThenSlowMs: 150 });
      const t = Date.now();
      const res = await kore.call('DELETE', '/contactList/cl-a');
      expect(res.status).toBe(200);
      expect(Date.now() - t).toBeGreaterThanOrEqual(140);
      expect(emu.apiCalls()[0]).toMatchObject({ status: 200, result: 'committed-slow' });
    });
  });

  describe('faults before processing', () => {
    it('a dropped connection applies nothing', async () => {
      await start({ dropRate: 1 });
      await expect(kore.call('DELETE', '/contactList/cl-a')).rejects.toThrow(/fetch failed/);
      expect(emu.state.lists.has('cl-a')).toBe(true);
      expect(emu.apiCalls()[0]).toMatchObject({ result: 'dropped', status: 0 });
      expect(emu.apiCalls()[0]!.committed).toBeUndefined();
    });

    it('an injected 5xx applies nothing', async () => {
      await start({ serverErrorRate: 1 });
      expect([500, 502, 503]).toContain((await kore.call('DELETE', '/contactList/cl-a')).status);
      expect(emu.state.lists.has('cl-a')).toBe(true);
    });

    it('an outage answers 503 to every call until it ends, and applies nothing', async () => {
      await start();
      emu.outage(60_000);
      expect((await kore.call('DELETE', '/contactList/cl-a')).status).toBe(503);
      expect(emu.apiCalls()[0]!.result).toBe('outage');
      emu.setFaults({ outageUntil: 0 });
      expect((await kore.call('DELETE', '/contactList/cl-a')).status).toBe(200);
    });

    it('failNext fails exactly the next N calls, then Kore answers again', async () => {
      await start({ failNext: 2, failStatus: 502 });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await kore.call('GET', '/contactList/cl-a')).status);
      expect(statuses).toEqual([502, 502, 200]);
    });

    it('draws the same faults for the same random seed', async () => {
      const run = async () => {
        await start({ serverErrorRate: 0.5 }, { randomSeed: 7 });
        const out: number[] = [];
        for (let i = 0; i < 12; i++) out.push((await kore.call('GET', '/contactList/cl-a')).status);
        return out;
      };
      const first = await run();
      expect(await run()).toEqual(first);
      expect(new Set(first).size).toBeGreaterThan(1);
    });
  });

  describe('Retry-After on injected 429s', () => {
    const throttled = async () => {
      const res = await kore.call('GET', '/contactList/cl-a');
      expect(res.status).toBe(429);
      return res.headers.get('retry-after');
    };

    it('sends seconds by default, with the chosen value', async () => {
      await start({ throttleRate: 1 });
      expect(await throttled()).toBe('1');
      emu.setFaults({ throttleRetryAfterSeconds: 7 });
      expect(await throttled()).toBe('7');
    });

    it('sends an HTTP date when asked', async () => {
      await start({ throttleRate: 1, throttleRetryAfter: 'http-date', throttleRetryAfterSeconds: 30 });
      const value = await throttled();
      expect(value).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      expect(Date.parse(value!) - Date.now()).toBeGreaterThan(25_000);
    });

    it('sends none when asked, for throttleRate and for failNext 429s alike', async () => {
      await start({ throttleRetryAfter: 'none', failNext: 1, failStatus: 429 });
      expect(await throttled()).toBeNull();
      emu.setFaults({ throttleRate: 1 });
      expect(await throttled()).toBeNull();
    });

    it("leaves the per-account window's Retry-After to the rate limit settings", async () => {
      await start({}, { rateLimit: { perMinute: 1, retryAfter: false } });
      expect((await kore.call('GET', '/contactList/cl-a')).status).toBe(200);
      expect(await throttled()).toBeNull();
      expect(emu.apiCalls()[1]!.result).toBe('rate-limited');
    });
  });

  describe('the admin faults API', () => {
    it('reports and changes faults, including outageSeconds', async () => {
      await start();
      expect((await kore.admin('GET', '/faults')).json).toEqual(NO_FAULTS);
      const res = await kore.admin('POST', '/faults', { commitThenDropRate: 1, outageSeconds: 0 });
      expect(res.json).toMatchObject({ commitThenDropRate: 1 });
      await expect(kore.call('DELETE', '/contactList/cl-a')).rejects.toThrow();
      expect(emu.state.lists.has('cl-a')).toBe(false);
    });

    it.each([
      [{ serverErrorRat: 1 }, /unknown fault "serverErrorRat"/],
      [{ dropRate: 2 }, /dropRate must be a number from 0 to 1/],
      [{ latencyMs: -5 }, /latencyMs/],
      [{ throttleRetryAfter: 'later' }, /throttleRetryAfter/],
      [{ failStatus: 200 }, /failStatus/],
      [{ outageSeconds: 'ten' }, /outageSeconds/],
    ])('refuses %j with 400 naming it, changing nothing', async (body, why) => {
      await start();
      const res = await kore.admin('POST', '/faults', body);
      expect(res.status).toBe(400);
      expect((res.json as { error: string }).error).toMatch(why);
      expect(emu.faults).toEqual(NO_FAULTS);
    });
  });
});
