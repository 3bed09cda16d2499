import jwt from 'jsonwebtoken';
import { StaticCredentials } from '../../lib/kore/credentials';
import type { CredentialsSource } from '../../lib/kore/credentials';
import { Deadline } from '../../lib/deadline';
import { ListingTooLargeError, StaleEvidenceError } from '../../lib/errors';
import { KoreBreaker } from '../../lib/lifecycle/breaker';
import {
  KoreArgumentError,
  KoreInUseError,
  KoreNetworkError,
  KoreServerError,
  KoreThrottledError,
  KoreTimeoutError,
  KoreTransientError,
  KoreUnauthorizedError,
  KoreUnexpectedReplyError,
} from '../../lib/kore/errors';
import { RateLimiter } from '../../lib/rate-limit';
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
function fakeFetch(replies: Array<{ status: number; body?: unknown; raw?: string; headers?: Record<string, string> } | Error>) {
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
    return new Response(next.raw ?? (next.body === undefined ? '' : JSON.stringify(next.body)), {
      status: next.status,
      headers: { 'content-type': next.raw ? 'text/html' : 'application/json', ...next.headers },
    });
  }) as typeof fetch;
  return { impl, sent };
}

const ok = (data: unknown) => ({ status: 200, body: { status: 'success', message: '', data } });
const HOST = 'https://kore.example.test';
const LIST = 'cl-718e888-3aca-4008-973e-6d79940abcde';

function client(
  replies: Parameters<typeof fakeFetch>[0],
  creds: CredentialsSource = new StaticCredentials(credentials(HOST)),
  limiter?: (clock: FakeClock) => RateLimiter,
) {
  const f = fakeFetch(replies);
  const clock = new FakeClock();
  const c = new HttpKoreClient({ credentials: creds, fetch: f.impl, clock, random: () => 0, ...(limiter ? { limiter: limiter(clock) } : {}) });
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
    const { c, sent } = client([ok({ contactListId: LIST, body: {} }), ok({ _id: LIST }), ok([]), ok({ _id: 'cd-a1e45a7-e8ba-4e97-a339-476ebc7abcde' })]);
    await c.updateContactList(LIST, { name: 'New name' });
    await c.deleteContactList(LIST);
    await expect(c.listContactLists()).resolves.toEqual([]);
    await c.deleteCampaign('cd-a1e45a7-e8ba-4e97-a339-476ebc7abcde', { campaignType: 'voice' });
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

  it('deletes an SMS campaign with campaignType=sms, and refuses a DELETE whose type is not voice or sms before any call', async () => {
    const { c, sent } = client([ok({ _id: 'cd-sms-1' })]);
    await c.deleteCampaign('cd-sms-1', { campaignType: 'sms' });
    expect(sent[0]!.url.searchParams.get('campaignType')).toBe('sms');
    await expect(c.deleteCampaign('cd-sms-1', { campaignType: undefined as never })).rejects.toBeInstanceOf(KoreArgumentError);
    expect(sent).toHaveLength(1);
  });

  it('pages campaigns by skip with the largest page asked for, and reads hasMore and totalResults', async () => {
    const { c, sent } = client([ok({ results: [{ _id: 'cd-1' }], skip: 95, limit: 100, hasMore: true, totalResults: 250 })]);
    const page = await c.campaignPage('sms', { skip: 95, limit: 100, sortBy: { updatedAt: 'desc' } });
    expect(page).toEqual({ results: [{ _id: 'cd-1' }], hasMore: true, totalResults: 250 });
    expect(sent[0]!.url.pathname).toMatch(/\/getAllCampaignDetails$/);
    expect(JSON.parse(sent[0]!.body!)).toEqual({ type: 'sms', skip: 95, limit: 100, sortBy: { updatedAt: 'desc' } });
  });

  it('refuses a campaign page without results or hasMore: an incomplete reply is never read as the end', async () => {
    const { c } = client([ok({ results: [] })]);
    await expect(c.campaignPage('voice', { skip: 0, limit: 100 })).rejects.toBeInstanceOf(KoreUnexpectedReplyError);
  });

  it('reads getAllListDetails as a stream and returns only the lists that mention a needle, parsed', async () => {
    const lists = Array.from({ length: 500 }, (_, i) => ({
      _id: `cl-${i}`,
      name: `List "${i}" {]`,
      campaignInUse: i === 7 ? [{ id: 'cd-x', name: 'X' }] : [],
    }));
    const { c, sent } = client([ok(lists)]);
    const scan = await c.scanContactLists(['cl-42', 'cd-x']);
    expect(scan.lists.map((l) => l._id).sort()).toEqual([
      'cl-42',
      'cl-420',
      'cl-421',
      'cl-422',
      'cl-423',
      'cl-424',
      'cl-425',
      'cl-426',
      'cl-427',
      'cl-428',
      'cl-429',
      'cl-7',
    ]);
    expect(scan.seen).toBe(500);
    expect(sent[0]!.url.searchParams.get('type')).toBe('call');
  });

  it.each<[string, string]>([
    ['an HTML page', '<html>gateway</html>'],
    ['data that is not an array', '{"status":"success","data":{"lists":[]}}'],
    ['a reply cut off mid-list', '{"status":"success","data":[{"_id":"cl-1"},{"_id":"cl-'],
  ])('refuses %s as a listing (unexpected reply, retried): never "the list is not there"', async (_n, raw) => {
    const { c } = client([{ status: 200, raw }]);
    await expect(c.scanContactLists(['cl-1'])).rejects.toBeInstanceOf(KoreUnexpectedReplyError);
  });

  it('stops reading a listing past maxBytes: ListingTooLargeError, one call, not retried, not an outage', async () => {
    const lists = Array.from({ length: 2_000 }, (_, i) => ({ _id: `cl-${i}`, name: `List ${i}`, description: 'x'.repeat(200) }));
    const { c, sent } = client([ok(lists), ok(lists)]);
    const err = await c.scanContactLists(['cl-7'], {}, { maxBytes: 64 * 1024 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ListingTooLargeError);
    expect(KoreBreaker.isOutage(err)).toBe(false);
    expect(sent).toHaveLength(1);
    // Without a limit the same reply is read whole.
    expect((await c.scanContactLists(['cl-7'])).seen).toBe(2_000);
  });

  it('reads an outer failure in a streamed listing as the error it is', async () => {
    const { c } = client([{ status: 200, body: { status: 'failure', message: "You've exceeded the per-minute rate limit", data: [] } }]);
    await expect(c.scanContactLists(['cl-1'])).rejects.toBeInstanceOf(KoreThrottledError);
  });

  it.each(['cl-../../x', 'cl-%2F..', '../cl-1', 'cd-123', 'cl-', 'cl-a/b', `cl-${'a'.repeat(65)}`])('refuses the id %p before any call', async (id) => {
    const { c, sent } = client([ok({})]);
    await expect(c.deleteContactList(id)).rejects.toBeInstanceOf(KoreArgumentError);
    await expect(c.getContactList(id)).rejects.toBeInstanceOf(KoreArgumentError);
    expect(sent).toHaveLength(0);
  });

  it('checks the 48/256 limits in UTF-16 units (the stricter reading) before any call', async () => {
    const { c, sent } = client([ok({})]);
    await expect(c.updateContactList(LIST, { name: 'x'.repeat(49) })).rejects.toThrow(/at most 48/);
    await expect(c.updateContactList(LIST, { description: 'd'.repeat(257) })).rejects.toThrow(/at most 256/);
    await expect(c.createContactList({ name: 'ok', description: 'd'.repeat(257) })).rejects.toThrow(/256/);
    // 25 emoji are 25 code points but 50 UTF-16 units: refused, whichever way Kore counts.
    await expect(c.updateContactList(LIST, { name: '🎉'.repeat(25) })).rejects.toBeInstanceOf(KoreArgumentError);
    expect(sent).toHaveLength(0);
    await c.updateContactList(LIST, { name: '🎉'.repeat(24) });
    expect(sent).toHaveLength(1);
  });

  it('uses a command streamId override in the path', async () => {
    const { c, sent } = client([ok({ _id: LIST, campaignInUse: [] })]);
    await c.getContactList(LIST, { streamId: 'st-other-bot' });
    expect(sent[0]!.url.pathname).toContain('/public/st-other-bot/campaign/');
  });
});

describe('HttpKoreClient results and failures', () => {
  it('returns lists as Kore sent them: nothing is defaulted', async () => {
    const { c } = client([ok([{ _id: 'cl-1', campaignInUse: ['cd-1'] }, { _id: 'cl-2' }])]);
    const lists = await c.listContactLists();
    expect(lists).toEqual([{ _id: 'cl-1', campaignInUse: ['cd-1'] }, { _id: 'cl-2' }]);
    expect('isDefault' in lists[1]!).toBe(false);
  });

  it("reports Kore's JSON 404 on DELETE as not deleted, and says whether an earlier attempt lost its reply", async () => {
    const plain = client([{ status: 404, body: { errors: [{ msg: 'not found' }] } }]);
    await expect(plain.c.deleteContactList(LIST)).resolves.toEqual({ deleted: false, afterLostReply: false, message: 'not found' });
    // The first DELETE's reply never arrives (Kore may have applied it); the retry finds it gone.
    const lost = client([new TypeError('fetch failed'), { status: 404, body: { errors: [{ msg: 'not found' }] } }]);
    await expect(lost.c.deleteContactList(LIST)).resolves.toEqual({ deleted: false, afterLostReply: true, message: 'not found' });
    expect(lost.sent.map((r) => r.method)).toEqual(['DELETE', 'DELETE']);
  });

  it('never takes a 404 that is not Kore JSON (an HTML page) as proof of anything: retryable, not "gone"', async () => {
    const html = { status: 404, body: undefined, raw: '<html><body>404 Not Found</body></html>' };
    const { c, sent } = client([html, html, html]);
    await expect(c.deleteContactList(LIST)).rejects.toBeInstanceOf(KoreUnexpectedReplyError);
    await expect(client([html]).c.getContactList(LIST)).rejects.toBeInstanceOf(KoreUnexpectedReplyError);
    expect(sent).toHaveLength(3);
  });

  it('takes a JSON 404 on a listing route as a wrong route, not as an empty result', async () => {
    const { c } = client([{ status: 404, body: { errors: [{ msg: 'No route' }] } }]);
    await expect(c.listContactLists()).rejects.toBeInstanceOf(KoreUnexpectedReplyError);
  });

  it('accepts the older DELETE reply without data', async () => {
    const { c } = client([{ status: 200, body: { status: 'success', message: 'Contact list deleted successfully' } }]);
    await expect(c.deleteContactList(LIST)).resolves.toEqual({ deleted: true, message: 'Contact list deleted successfully' });
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

  it('on a persistent 401 spends exactly 2 calls (one refresh, one re-signed attempt), then gives up for this invocation', async () => {
    const source: CredentialsSource = { get: jest.fn(async () => credentials(HOST)), refresh: jest.fn(async () => credentials(HOST)) };
    const stats = { koreCalls: 0 };
    const { c, sent } = client([{ status: 401, body: { errors: [{ msg: 'Invalid SDK credentials' }] } }], source);
    await expect(c.deleteContactList(LIST, { stats })).rejects.toBeInstanceOf(KoreUnauthorizedError);
    expect(sent).toHaveLength(2);
    expect(stats.koreCalls).toBe(2);
    expect(source.refresh).toHaveBeenCalledTimes(1);
  });

  it('retries 408 and 425 as transient', async () => {
    for (const status of [408, 425]) {
      const { c, sent } = client([{ status, body: { errors: [{ msg: 'later' }] } }, ok({ _id: LIST })]);
      await expect(c.getContactList(LIST)).resolves.toEqual({ _id: LIST });
      expect(sent).toHaveLength(2);
    }
    const { c } = client([{ status: 408, body: { errors: [{ msg: 'later' }] } }]);
    await expect(c.getContactList(LIST)).rejects.toBeInstanceOf(KoreTransientError);
  });

  it('reads an in-use refusal under 409 or 422 too', async () => {
    for (const status of [409, 422]) {
      const { c } = client([{ status, body: { errors: [{ msg: 'Cannot delete: list is associated with 2 campaign(s)' }] } }]);
      await expect(c.deleteContactList(LIST)).rejects.toBeInstanceOf(KoreInUseError);
    }
  });

  it('turns a 429 Retry-After into a pause of the shared limiter: the next caller waits without spending a call', async () => {
    const throttled = { status: 429, body: { errors: [{ msg: "You've exceeded the per-minute rate limit." }] }, headers: { 'retry-after': '60' } };
    const { c, sent, clock } = client([throttled, ok({ _id: LIST })], undefined, (clk) => new RateLimiter({ perMinute: 600, clock: clk }));
    const deadline = Deadline.at(clock.now() + 30_000, { clock });
    const stats = { koreCalls: 0 };
    await expect(c.getContactList(LIST, { deadline, stats })).rejects.toBeInstanceOf(KoreThrottledError);
    expect(sent).toHaveLength(1);
    // Counted, for the koreThrottled metric (the dashboard's view of the account's budget).
    expect(stats).toEqual({ koreCalls: 1, koreThrottled: 1 });
    // Every other record sees the pause: it does not fit before this deadline, so it gives way with 0 calls.
    expect(c.fits(1, deadline)).toBe(false);
    expect(c.fits(1, Deadline.at(clock.now() + 90_000, { clock }))).toBe(true);
  });

  it('runs beforeAttempt before every attempt, retries included; when it refuses, nothing more is sent and it is not retried', async () => {
    const unavailable = { status: 503, body: { errors: [{ msg: 'Service Unavailable' }] } };
    const { c, sent, clock } = client([unavailable, ok({ _id: LIST })]);
    let calls = 0;
    const beforeAttempt = () => {
      calls++;
      if (calls === 2) throw new StaleEvidenceError('the evidence is too old for this attempt');
    };
    await expect(c.deleteContactList(LIST, { deadline: Deadline.at(clock.now() + 60_000, { clock }), beforeAttempt })).rejects.toBeInstanceOf(
      StaleEvidenceError,
    );
    expect(calls).toBe(2);
    expect(sent).toHaveLength(1); // the first attempt only: the retry was refused before it was sent
    // Allowed, the same retry goes out.
    const again = client([unavailable, ok({ _id: LIST })]);
    await expect(
      again.c.deleteContactList(LIST, { deadline: Deadline.at(again.clock.now() + 60_000, { clock: again.clock }), beforeAttempt: () => undefined }),
    ).resolves.toMatchObject({ deleted: true });
    expect(again.sent).toHaveLength(2);
  });

  it('answers "does it fit?" from its limiter and timeout', () => {
    const { c, clock } = client([], undefined, (clk) => new RateLimiter({ perMinute: 60, clock: clk })); // 1 s apart, 8 s timeout
    expect(c.fits(2, Deadline.at(clock.now() + 9_000, { clock }))).toBe(true);
    expect(c.fits(3, Deadline.at(clock.now() + 9_000, { clock }))).toBe(false);
  });
});
