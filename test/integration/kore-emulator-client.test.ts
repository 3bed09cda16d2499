import { StaticCredentials } from '../../lib/kore/credentials';
import {
  KoreInUseError,
  KoreNetworkError,
  KoreNotFoundError,
  KoreServerError,
  KoreThrottledError,
  KoreTimeoutError,
  KoreUnauthorizedError,
  KoreValidationError,
} from '../../lib/kore/errors';
import { HttpKoreClient } from '../../lib/kore/http-client';
import { KoreArgumentError, KoreUnexpectedReplyError } from '../../lib/kore/errors';
import { KoreEmulator, STRICT_REALISM } from '../../local/kore-emulator/server';
import { credentials, TEST_CLIENT_ID, TEST_CLIENT_SECRET } from '../helpers/factories';

/**
 * The production Kore client (lib/kore) against the emulator: the one emulator suite that goes
 * through lib. The emulator's own behaviour is tested over raw HTTP in kore-emulator*.test.ts.
 */

const noRetry = { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 };

describe('Kore client against the emulator', () => {
  let emu: KoreEmulator;
  let kore: HttpKoreClient;

  beforeEach(async () => {
    emu = await new KoreEmulator({
      apps: { [TEST_CLIENT_ID]: TEST_CLIENT_SECRET },
      rateLimit: { perMinute: 0 },
      seed: {
        lists: [
          { _id: 'cl-718e888-3aca-4008-973e-6d79940abcde', name: 'Renewal Due - May/June 2025', description: 'seed sample' },
          { _id: 'cl-used-1', name: 'Used list' },
          { _id: 'cl-quirk-1', name: 'Quirk list', isListInUse: false },
          { _id: 'cl-dnc-1', name: 'Default Global DNC', isGlobalDNC: true, isDefault: true },
        ],
        campaigns: [
          { _id: 'cd-a1e45a7-e8ba-4e97-a339-476ebc7abcde', name: 'Service Renewal Outreach Campaign61', contactLists: ['Used list'] },
          { _id: 'cd-quirk', name: 'Quirk campaign', contactLists: ['Quirk list'] },
        ],
      },
    }).start();
    kore = new HttpKoreClient({ credentials: new StaticCredentials(credentials(emu.url)), timeoutMs: 2000, retryPolicy: noRetry });
  });
  afterEach(() => emu.stop());

  it('gets a contact list with the seed sample fields', async () => {
    const list = await kore.getContactList('cl-718e888-3aca-4008-973e-6d79940abcde');
    for (const f of [
      '_id',
      'isActive',
      'name',
      'lname',
      'description',
      'totalRecordCount',
      'status',
      'createdBy',
      'updatedBy',
      'mapping',
      'isListInUse',
      'listType',
      'isGlobalDNC',
      'isDefault',
      'campaignInUse',
      'source',
      'apiConfigurations',
      'columns',
      'files',
      'createdAt',
      'updatedAt',
      'allowDuplicates',
    ]) {
      expect(list).toHaveProperty(f);
    }
    expect(list.lname).toBe('renewal due - may/june 2025');
    expect(list.status).toBe('Ready');
  });

  it('creates a contact list with the seed sample reply', async () => {
    const list = await kore.createContactList({ name: 'Renewal Due 1- July 2025', description: 'July', allowDuplicates: true });
    expect(list._id).toMatch(/^cl-/);
    expect(list).toMatchObject({
      status: 'Ready',
      totalRecordCount: 0,
      isGlobalDNC: false,
      isDefault: false,
      columns: [],
      allowDuplicates: true,
      isActive: true,
    });
  });

  it('updates a contact list and echoes the seed sample body', async () => {
    const res = (await kore.updateContactList('cl-718e888-3aca-4008-973e-6d79940abcde', { name: 'Renamed' }))!;
    expect(res.contactListId).toBe('cl-718e888-3aca-4008-973e-6d79940abcde');
    expect(res.body).toMatchObject({ name: 'Renamed', scope: ['campaign_management'], listType: 'call', accountId: emu.accountId });
    expect(emu.state.lists.get('cl-718e888-3aca-4008-973e-6d79940abcde')!.name).toBe('Renamed');
  });

  it('deletes an unused list and echoes it with isActive:true; a second delete is a 404 (already gone)', async () => {
    const res = await kore.deleteContactList('cl-718e888-3aca-4008-973e-6d79940abcde');
    expect(res).toMatchObject({
      deleted: true,
      message: 'Contact list Renewal Due - May/June 2025 deleted successfully',
      data: { _id: 'cl-718e888-3aca-4008-973e-6d79940abcde', isActive: true },
    });
    await expect(kore.deleteContactList('cl-718e888-3aca-4008-973e-6d79940abcde')).resolves.toEqual({
      deleted: false,
      afterLostReply: false,
      message: expect.any(String),
    });
  });

  it('refuses to delete an in-use list (also when isListInUse is false) or a DNC/default list, leaving them unchanged', async () => {
    for (const id of ['cl-used-1', 'cl-quirk-1', 'cl-dnc-1']) {
      const before = JSON.stringify(emu.state.lists.get(id));
      await expect(kore.deleteContactList(id)).rejects.toBeInstanceOf(id === 'cl-dnc-1' ? KoreInUseError : KoreInUseError);
      expect(JSON.stringify(emu.state.lists.get(id))).toBe(before);
    }
    expect(emu.state.lists.get('cl-quirk-1')!.isListInUse).toBe(false);
  });

  it('lists all contact lists in one reply with campaignInUse objects', async () => {
    const lists = await kore.listContactLists();
    expect(lists).toHaveLength(4);
    expect(lists.find((l) => l._id === 'cl-used-1')!.campaignInUse).toEqual([
      { id: 'cd-a1e45a7-e8ba-4e97-a339-476ebc7abcde', name: 'Service Renewal Outreach Campaign61' },
    ]);
    expect(emu.apiCalls()[0]!.query).toEqual({ accountId: emu.accountId, type: 'call' });
  });

  it('gets and deletes a campaign (seed sample fields), which frees its lists; then 404', async () => {
    const c = await kore.getCampaign('cd-a1e45a7-e8ba-4e97-a339-476ebc7abcde');
    expect(c).toMatchObject({
      _id: 'cd-a1e45a7-e8ba-4e97-a339-476ebc7abcde',
      lname: 'service renewal outreach campaign61',
      priority: '5',
      contactLists: ['Used list'],
    });
    const res = await kore.deleteCampaign('cd-a1e45a7-e8ba-4e97-a339-476ebc7abcde', { campaignType: 'voice' });
    expect(res).toMatchObject({ deleted: true, message: 'Campaign Service Renewal Outreach Campaign61 deleted successfully' });
    expect(emu.state.lists.get('cl-used-1')!.campaignInUse).toEqual([]);
    await expect(kore.deleteCampaign('cd-a1e45a7-e8ba-4e97-a339-476ebc7abcde', { campaignType: 'voice' })).resolves.toMatchObject({ deleted: false });
    await expect(kore.getCampaign('cd-a1e45a7-e8ba-4e97-a339-476ebc7abcde')).rejects.toBeInstanceOf(KoreNotFoundError);
  });

  it('answers 404 for unknown ids', async () => {
    await expect(kore.getContactList('cl-nope')).rejects.toBeInstanceOf(KoreNotFoundError);
  });

  it('records every call without the JWT', async () => {
    await kore.getContactList('cl-used-1');
    const [call] = emu.apiCalls();
    expect(call).toMatchObject({ method: 'GET', path: expect.stringContaining('/contactList/cl-used-1'), hasAuth: true, appId: TEST_CLIENT_ID, status: 200 });
    expect(JSON.stringify(call)).not.toMatch(/eyJ[A-Za-z0-9_-]+\./);
  });
});

describe('fault injection, seen through the client', () => {
  let emu: KoreEmulator;
  const make = (timeoutMs = 2000) => new HttpKoreClient({ credentials: new StaticCredentials(credentials(emu.url)), timeoutMs, retryPolicy: noRetry });
  beforeEach(async () => {
    emu = await new KoreEmulator({ rateLimit: { perMinute: 0 }, seed: { lists: [{ _id: 'cl-a', name: 'A' }] } }).start();
  });
  afterEach(() => emu.stop());

  it('adds latency', async () => {
    emu.setFaults({ latencyMs: 150 });
    const t = Date.now();
    await make().getContactList('cl-a');
    expect(Date.now() - t).toBeGreaterThanOrEqual(140);
  });

  it('answers 5xx, and the client retries it to success', async () => {
    emu.setFaults({ serverErrorRate: 1 });
    await expect(make().getContactList('cl-a')).rejects.toBeInstanceOf(KoreServerError);
    expect(emu.apiCalls({ result: 'fault-5xx' })).toHaveLength(1);
    // 5xx once, then healthy: the default policy (2 retries) gets through.
    let n = 0;
    const retrying = new HttpKoreClient({
      credentials: new StaticCredentials(credentials(emu.url)),
      retryPolicy: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 },
      fetch: async (...a) => {
        if (n++ === 1) emu.setFaults({ serverErrorRate: 0 });
        return fetch(...a);
      },
    });
    await expect(retrying.getContactList('cl-a')).resolves.toMatchObject({ _id: 'cl-a' });
  });

  it('answers injected 429s with Retry-After, classified as throttling', async () => {
    emu.setFaults({ throttleRate: 1 });
    const err = (await make()
      .getContactList('cl-a')
      .catch((e) => e)) as KoreThrottledError;
    expect(err).toBeInstanceOf(KoreThrottledError);
    expect(err.retryAfterMs).toBe(1000);
  });

  it('drops connections', async () => {
    emu.setFaults({ dropRate: 1 });
    await expect(make().getContactList('cl-a')).rejects.toBeInstanceOf(KoreNetworkError);
    expect(emu.apiCalls({ result: 'dropped' })).toHaveLength(1);
  });

  it('answers slower than the client timeout', async () => {
    emu.setFaults({ slowRate: 1, slowMs: 500 });
    await expect(make(100).getContactList('cl-a')).rejects.toBeInstanceOf(KoreTimeoutError);
  });

  it('fails every call during an outage, then recovers', async () => {
    emu.outage(300);
    await expect(make().getContactList('cl-a')).rejects.toBeInstanceOf(KoreServerError);
    await new Promise((r) => setTimeout(r, 350));
    await expect(make().getContactList('cl-a')).resolves.toMatchObject({ _id: 'cl-a' });
  });

  it('accepts fault settings through the admin endpoint', async () => {
    const res = await fetch(`${emu.url}/__admin/faults`, { method: 'POST', body: JSON.stringify({ serverErrorRate: 1 }) });
    expect(res.status).toBe(200);
    await expect(make().getContactList('cl-a')).rejects.toBeInstanceOf(KoreServerError);
  });

  it('rejects the old secret after a rotation (401)', async () => {
    emu.rotateSecret(TEST_CLIENT_ID, 'rotated-secret');
    await expect(make().getContactList('cl-a')).rejects.toBeInstanceOf(KoreUnauthorizedError);
  });

  it('reports validation errors from Kore as permanent', async () => {
    emu.state.lists.get('cl-a')!.isDefault = true;
    await expect(make().updateContactList('cl-a', { name: 'B' })).rejects.toBeInstanceOf(KoreValidationError);
  });
});

describe('the client under the strict reading of every undocumented behaviour', () => {
  let emu: KoreEmulator;
  let kore: HttpKoreClient;
  beforeEach(async () => {
    emu = await new KoreEmulator({
      apps: { [TEST_CLIENT_ID]: TEST_CLIENT_SECRET },
      rateLimit: { perMinute: 0 },
      realism: STRICT_REALISM,
      seed: {
        lists: [
          { _id: 'cl-used-1', name: 'Used list' },
          { _id: 'cl-free-1', name: 'Free list' },
          { _id: 'cl-dnc-2', name: 'Holiday exclusions' },
        ],
        campaigns: [
          { _id: 'cd-1', name: 'Running', contactLists: ['Used list'], dncList: 'Holiday exclusions', status: 'Active' },
          { _id: 'cd-sms', name: 'SMS reminders', campaignType: 'sms', contactLists: [], status: 'Completed' },
        ],
      },
    }).start();
    kore = new HttpKoreClient({ credentials: new StaticCredentials(credentials(emu.url)), timeoutMs: 2000, retryPolicy: noRetry });
  });
  afterEach(() => emu.stop());

  it('works when Kore enforces single-use jti: every request carries a new one', async () => {
    for (let i = 0; i < 5; i++) await kore.getContactList('cl-free-1');
    const jtis = emu.apiCalls().map((c) => c.jti);
    expect(new Set(jtis).size).toBe(5);
    expect(emu.apiCalls().every((c) => c.status === 200)).toBe(true);
  });

  it('reads a 409 in-use refusal with other wording as in use', async () => {
    await expect(kore.deleteContactList('cl-used-1')).rejects.toBeInstanceOf(KoreInUseError);
    expect(emu.state.lists.has('cl-used-1')).toBe(true);
  });

  it('takes an HTML answer for an unknown route as an unexpected reply, never as "gone"', async () => {
    await expect(kore.getContactList('cl-free-1', { streamId: 'st-some-other-bot' })).rejects.toBeInstanceOf(KoreUnexpectedReplyError);
  });

  it('refuses a name Kore would count as too long in UTF-16 before sending it', async () => {
    await expect(kore.updateContactList('cl-free-1', { name: '🎉'.repeat(25) })).rejects.toBeInstanceOf(KoreArgumentError);
    await kore.updateContactList('cl-free-1', { name: '🎉'.repeat(24) });
    expect(emu.state.lists.get('cl-free-1')!.name).toBe('🎉'.repeat(24));
  });

  it('pages voice and SMS campaigns with their DNC references, sorted as asked', async () => {
    for (let i = 0; i < 60; i++) emu.state.addCampaign({ _id: `cd-bulk-${i}`, name: `Bulk ${i}`, status: 'Completed' });
    const first = await kore.campaignPage('voice', { skip: 0, limit: 50, sortBy: { createdAt: 'asc' } });
    const second = await kore.campaignPage('voice', { skip: 50, limit: 50, sortBy: { createdAt: 'asc' } });
    const sms = await kore.campaignPage('sms', { skip: 0, limit: 100 });
    expect([first.results.length, first.hasMore, first.totalResults]).toEqual([50, true, 61]);
    expect([second.results.length, second.hasMore]).toEqual([11, false]);
    expect([...first.results, ...second.results].find((c) => c._id === 'cd-1')).toMatchObject({ dncLists: { id: 'cl-dnc-2', name: 'Holiday exclusions' } });
    expect(sms.results.map((c) => c.id)).toEqual(['cd-sms']);
    expect(emu.apiCalls({ pathIncludes: 'getAllCampaignDetails' }).length).toBe(3);
  });

  it("streams getAllListDetails for the few lists a batch needs, with Kore's own fields", async () => {
    const scan = await kore.scanContactLists(['cl-used-1', 'cl-not-there']);
    expect(scan.lists.map((l) => l._id)).toEqual(['cl-used-1']);
    expect(scan.lists[0]).toMatchObject({ campaignInUse: expect.any(Array), isListInUse: expect.any(Boolean), updatedAt: expect.any(String) });
    expect(scan.seen).toBe(emu.state.lists.size);
  });
});
