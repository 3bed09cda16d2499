import jwt from 'jsonwebtoken';
import { KoreProbe, PROBE_CLIENT_ID, PROBE_CLIENT_SECRET } from '../../local/kore-emulator/probe';
import { KoreEmulator, RATE_LIMIT_TEXT } from '../../local/kore-emulator/server';
import type { EmulatorOptions } from '../../local/kore-emulator/server';

/** What the emulator enforces and answers for contact lists, over raw HTTP (no client checks in the way). */

const seed = {
  lists: [
    { _id: 'cl-a', name: 'A', description: 'first' },
    { _id: 'cl-used', name: 'Used' },
    { _id: 'cl-quirk', name: 'Quirk', isListInUse: false },
    { _id: 'cl-global', name: 'Default Global DNC', isGlobalDNC: true, isDefault: true },
  ],
  campaigns: [
    { _id: 'cd-1', name: 'Campaign', contactLists: ['Used'] },
    { _id: 'cd-quirk', name: 'Quirk campaign', contactLists: ['Quirk'] },
  ],
};

type Errors = { errors: { msg: string; code: number }[] };

describe('Kore emulator basics', () => {
  let emu: KoreEmulator;
  let kore: KoreProbe;
  const running: KoreEmulator[] = [];
  const start = async (opts: EmulatorOptions = {}) => {
    emu = await new KoreEmulator({ rateLimit: { perMinute: 0 }, seed, ...opts }).start();
    running.push(emu);
    kore = new KoreProbe(emu);
  };
  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.stop()));
  });

  describe('what Kore enforces on every call', () => {
    beforeEach(() => start({ rateLimit: { perMinute: 3, retryAfter: true } }));

    it('rejects a missing, wrongly signed, wrongly spelled or HS512 JWT with 401 and code 4002', async () => {
      const bad = [
        { auth: '' },
        { auth: kore.token({ secret: 'wrong-secret' }) },
        { auth: kore.token({ claims: { appId: undefined, appid: PROBE_CLIENT_ID } }) },
        { auth: kore.token({ algorithm: 'HS512' }) },
        { auth: jwt.sign({ appId: PROBE_CLIENT_ID, sub: 'x', exp: Math.floor(Date.now() / 1000) - 10 }, PROBE_CLIENT_SECRET) },
      ];
      for (const headers of bad) {
        const res = await kore.call('GET', '/contactList/cl-a', { headers });
        expect(res.status).toBe(401);
        expect((res.json as Errors).errors[0]!.code).toBe(4002);
      }
    });

    it('requires the iid and accountId headers, a matching account and the accountId query parameter', async () => {
      expect((await kore.call('GET', '/contactList/cl-a', { headers: { iid: '' } })).status).toBe(400);
      expect((await kore.call('GET', '/contactList/cl-a', { headers: { accountId: '' } })).status).toBe(400);
      expect((await kore.call('GET', '/contactList/cl-a', { headers: { accountId: '000000000000000000000000' } })).status).toBe(401);
      expect((await kore.call('GET', '/contactList/cl-a', { query: '' })).status).toBe(400);
      expect((await kore.call('GET', '/contactList/cl-a', { query: '?accountId=someone-else' })).status).toBe(400);
    });

    it('answers 429 with the documented text and Retry-After past the per-minute limit, and does not count refusals', async () => {
      for (let i = 0; i < 3; i++) expect((await kore.call('GET', '/contactList/cl-a')).status).toBe(200);
      const res = await kore.call('GET', '/contactList/cl-a');
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((res.json as Errors).errors[0]!.msg).toBe(RATE_LIMIT_TEXT);
      expect(emu.apiCalls().map((c) => c.result)).toEqual(['ok', 'ok', 'ok', 'rate-limited']);
    });

    it('enforces 48/256 characters on create and update', async () => {
      const long = await kore.call('POST', '/contactList/createContactList', { body: { name: 'n'.repeat(49), description: 'd', source: 'passiveApi' } });
      expect(long.status).toBe(400);
      expect((long.json as Errors).errors[0]!.msg).toMatch(/48/);
      expect((await kore.call('PUT', '/contactList/cl-a', { body: { description: 'd'.repeat(257) } })).status).toBe(400);
      expect((await kore.call('PUT', '/contactList/cl-a', { body: { name: 'n'.repeat(48), description: 'd'.repeat(256) } })).status).toBe(200);
    });
  });

  describe('contact lists', () => {
    beforeEach(() => start());

    it('creates a list in the documented reply shape, Ready and empty, and refuses a duplicate name', async () => {
      const res = await kore.call('POST', '/contactList/createContactList', {
        body: { name: 'July', description: 'd', source: 'passiveApi', allowDuplicates: true },
      });
      expect(res.json).toMatchObject({
        status: 'success',
        message: 'Contact list July created successfully',
        data: {
          _id: expect.stringMatching(/^cl-/),
          status: 'Ready',
          totalRecordCount: 0,
          isGlobalDNC: false,
          isDefault: false,
          columns: [],
          allowDuplicates: true,
        },
      });
      expect((await kore.call('POST', '/contactList/createContactList', { body: { name: 'JULY', description: 'd', source: 'passiveApi' } })).status).toBe(400);
    });

    it('lists every list in one plain array, campaignInUse as {id, name} objects, without createdAt', async () => {
      const res = await kore.call('POST', '/contactList/getAllListDetails', { query: `?accountId=${emu.accountId}&type=call`, body: {} });
      const data = (res.json as { data: Record<string, unknown>[] }).data;
      expect(data.map((l) => l._id)).toEqual(['cl-a', 'cl-used', 'cl-quirk', 'cl-global']);
      expect(data[1]).toMatchObject({ campaignInUse: [{ id: 'cd-1', name: 'Campaign' }], isListInUse: true });
      expect(data[2]).toMatchObject({ campaignInUse: [{ id: 'cd-quirk', name: 'Quirk campaign' }], isListInUse: false });
      expect(data[0]).not.toHaveProperty('createdAt');
    });

    it('updates a list and echoes the documented body', async () => {
      const res = await kore.call('PUT', '/contactList/cl-a', { body: { name: 'Renamed' } });
      expect(res.json).toMatchObject({
        message: 'Contact list Renamed updated successfully',
        data: { contactListId: 'cl-a', body: { name: 'Renamed', scope: ['campaign_management'], listType: 'call', accountId: emu.accountId } },
      });
      expect((await kore.call('PUT', '/contactList/cl-global', { body: { name: 'Not global' } })).status).toBe(400);
    });

    it('deletes a free list echoing it with isActive:true; a second DELETE is a JSON 404', async () => {
      const res = await kore.call('DELETE', '/contactList/cl-a');
      expect(res.json).toMatchObject({ message: 'Contact list A deleted successfully', data: { _id: 'cl-a', isActive: true } });
      expect((await kore.call('DELETE', '/contactList/cl-a')).json).toEqual({ errors: [{ msg: 'Contact list cl-a not found', code: 404 }] });
    });

    it('refuses to delete a list in use by either flag, or a global DNC/default list, leaving each unchanged', async () => {
      for (const id of ['cl-used', 'cl-quirk', 'cl-global']) {
        const before = JSON.stringify(emu.state.lists.get(id));
        expect((await kore.call('DELETE', `/contactList/${id}`)).status).toBe(400);
        expect(JSON.stringify(emu.state.lists.get(id))).toBe(before);
      }
    });
  });
});
