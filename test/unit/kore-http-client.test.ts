import jwt from 'jsonwebtoken';
import { MessageValidationError } from '../../lib/errors';
import { StaticCredentials } from '../../lib/kore/credentials';
import type { CredentialsSource } from '../../lib/kore/credentials';
import { KoreInUseError, KoreServerError, KoreTimeoutError, KoreNetworkError } from '../../lib/kore/errors';
import { HttpKoreClient } from '../../lib/kore/http-client';
import type { KoreCredentials } from '../../lib/kore/types';
import { FakeClock } from '../helpers/fake-clock';
import { credentials } from '../helpers/factories';

interface Sent {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** A fetch double injected through the constructor: records requests, answers from a script. */
function fakeFetch(replies: Array<{ status: number; body?: unknown; headers?: Record<string, string> } | Error>) {
  const sent: Sent[] = [];
  const impl = (async (input: URL | string, init?: RequestInit) => {
    sent.push({
      url: new URL(String(input)),
      method: init?.method ?? 'GET',
      headers: { ...(init?.headers as Record<string, string>) },
      body: init?.body as string | undefined,
    });
    const next = replies.length > 1 ? replies.shift()! : replies[0]!;
    if (next instanceof Error) throw next;
    return new Response(next.body === undefined ? '' : JSON.stringify(next.body), {
      status: next.status,
      headers: { 'content-type': 'application/json', ...next.headers },
    });
  }) as typeof fetch;
  return { impl, sent };
}

const ok = (data: unknown) => ({ status: 200, body: { status: 'success', message: '', data } });
const HOST = 'https://kore.example.test';
const LIST = 'cl-718e888-3aca-4008-973e-6d79940abcde';

function client(replies: Parameters<typeof fakeFetch>[0], creds: CredentialsSource = new StaticCredentials(credentials(HOST))) {
  const f = fakeFetch(replies);
  const clock = new FakeClock();
  const c = new HttpKoreClient({ credentials: creds, fetch: f.impl, clock, random: () => 0 });
  return { c, sent: f.sent, clock };
}

/** Verifies a JWT at the fake clock's time: the client signed it on that clock, not the real one. */
function verifyAt(token: string, secret: string, clock: FakeClock): jwt.JwtPayload {
  return jwt.verify(token, secret, { algorithms: ['HS256'], clockTimestamp: Math.floor(clock.now() / 1000) }) as jwt.JwtPayload;
}

describe('HttpKoreClient requests', () => {
  it('GETs a contact list on the v2 path with accountId and the three headers, no body', async () => {
    const { c, sent, clock } = client([ok({ _id: LIST, name: 'x', isListInUse: false, campaignInUse: [] })]);
    await c.getContactList(LIST);
    const r = sent[0]!;
    expect(r.method).toBe('GET');
    expect(r.url.pathname).toBe(`/campaign/api/v2/public/st-0603182c-7ffb-53c3-b307-47ca14b1a2b3/campaign/contactList/${LIST}`);
    expect(r.url.searchParams.get('accountId')).toBe('67777ce93e25326494e1a2b3');
    expect(r.headers.iid).toBe('st-0603182c-7ffb-53c3-b307-47ca14b1a2b3');
    expect(r.headers.accountId).toBe('67777ce93e25326494e1a2b3');
    expect(r.headers.authorization).toBeUndefined();
    const claims = verifyAt(r.headers.auth!, 'test-client-secret', clock);
    expect(claims.appId).toBe('cs-test-client');
    expect(r.body).toBeUndefined();
  });

  it('PUTs only name/description as JSON, DELETEs with no body, lists with POST {} and type=call', async () => {
    const { c, sent } = client([ok({ contactListId: LIST, body: {} })]);
    await c.updateContactList(LIST, { name: 'New name' });
    await c.deleteContactList(LIST);
    await c.listContactLists().catch(() => undefined);
    await c.deleteCampaign('cd-a1e45a7-e8ba-4e97-a339-476ebc7abcde');
    expect(sent.map((s) => s.method)).toEqual(['PUT', 'DELETE', 'POST', 'DELETE']);
    expect(JSON.parse(sent[0]!.body!)).toEqual({ name: 'New name' });
    expect(sent[0]!.headers['content-type']).toBe('application/json');
    expect(sent[1]!.body).toBeUndefined();
    expect(sent[2]!.url.pathname).toMatch(/\/contactList\/getAllListDetails$/);
    expect(sent[2]!.url.searchParams.get('type')).toBe('call');
    expect(sent[2]!.body).toBe('{}');
    expect(sent[3]!.url.pathname).toMatch(/\/campaign\/cd-a1e45a7-e8ba-4e97-a339-476ebc7abcde$/);
    expect(sent[3]!.url.searchParams.get('campaignType')).toBe('voice');
  });

  it.each(['cl-../../x', 'cl-%2F..', '../cl-1', 'cd-123', 'cl-', 'cl-a/b', `cl-${'a'.repeat(65)}`])(
    'refuses the id %p before any call',
    async (id) => {
      const { c, sent } = client([ok({})]);
      await expect(c.deleteContactList(id)).rejects.toBeInstanceOf(MessageValidationError);
      await expect(c.getContactList(id)).rejects.toBeInstanceOf(MessageValidationError);
      expect(sent).toHaveLength(0);
    },
  );

  it('checks 48/256 limits (in characters, not UTF-16 units) before any call', async () => {
    const { c, sent } = client([ok({})]);
    await expect(c.updateContactList(LIST, { name: 'x'.repeat(49) })).rejects.toThrow(/at most 48/);
    await expect(c.updateContactList(LIST, { description: 'd'.repeat(257) })).rejects.toThrow(/at most 256/);
    await expect(c.createContactList({ name: 'ok', description: 'd'.repeat(257) })).rejects.toThrow(/256/);
    expect(sent).toHaveLength(0);
    await c.updateContactList(LIST, { name: '🎉'.repeat(48) });
    expect(sent).toHaveLength(1);
  });

  it('uses a command streamId override in the path', async () => {
    const { c, sent } = client([ok({ _id: LIST, campaignInUse: [] })]);
    await c.getContactList(LIST, { streamId: 'st-other-bot' });
    expect(sent[0]!.url.pathname).toContain('/public/st-other-bot/campaign/');
  });
});

describe('HttpKoreClient results and failures', () => {
  it('normalises campaignInUse given as ids or {id,name} objects', async () => {
    const { c } = client([ok([{ _id: 'cl-1', campaignInUse: ['cd-1'] }, { _id: 'cl-2', campaignInUse: [{ id: 'cd-2', name: 'B' }], isListInUse: false }])]);
    const lists = await c.listContactLists();
    expect(lists[0]!.campaignInUse).toEqual([{ id: 'cd-1', name: '' }]);
    expect(lists[1]!.campaignInUse).toEqual([{ id: 'cd-2', name: 'B' }]);
  });

  it('treats a 404 on DELETE as already deleted', async () => {
    const { c } = client([{ status: 404, body: { errors: [{ msg: 'not found' }] } }]);
    await expect(c.deleteContactList(LIST)).resolves.toEqual({ deleted: false, message: 'not found' });
  });

  it('classifies an in-use refusal as KoreInUseError without retrying', async () => {
    const { c, sent } = client([{ status: 400, body: { errors: [{ msg: 'Contact list is in use by a campaign' }] } }]);
    await expect(c.deleteContactList(LIST)).rejects.toBeInstanceOf(KoreInUseError);
    expect(sent).toHaveLength(1);
  });

  it('retries 5xx twice and counts every HTTP call', async () => {
    const stats = { koreCalls: 0 };
    const { c, sent } = client([{ status: 503, body: {} }]);
    await expect(c.getContactList(LIST, { stats })).rejects.toBeInstanceOf(KoreServerError);
    expect(sent).toHaveLength(3);
    expect(stats.koreCalls).toBe(3);
  });

  it('maps a dropped connection to a network error and a timeout to a timeout error', async () => {
    const drop = client([new TypeError('fetch failed')]);
    await expect(drop.c.getContactList(LIST)).rejects.toBeInstanceOf(KoreNetworkError);
    const slow = client([Object.assign(new Error('timed out'), { name: 'TimeoutError' })]);
    await expect(slow.c.getContactList(LIST)).rejects.toBeInstanceOf(KoreTimeoutError);
  });

  it('on 401 refreshes the credentials once, re-signs and retries', async () => {
    let current: KoreCredentials = credentials(HOST, { clientSecret: 'old' });
    const source: CredentialsSource = {
      get: jest.fn(async () => current),
      refresh: jest.fn(async () => {
        current = credentials(HOST, { clientSecret: 'new' });
        return current;
      }),
    };
    const { c, sent, clock } = client([{ status: 401, body: { errors: [{ msg: 'Invalid SDK credentials' }] } }, ok({ _id: LIST, campaignInUse: [] })], source);
    await c.getContactList(LIST);
    expect(source.refresh).toHaveBeenCalledTimes(1);
    expect(sent).toHaveLength(2);
    expect(verifyAt(sent[1]!.headers.auth!, 'new', clock).appId).toBe('cs-test-client');
    expect(() => verifyAt(sent[0]!.headers.auth!, 'new', clock)).toThrow(jwt.JsonWebTokenError);
  });
});
