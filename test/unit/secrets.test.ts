import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretFetchError, SecretInvalidError } from '../../lib/aws/errors';
import type { HostPolicy } from '../../lib/aws/secrets';
import { SecretCredentials, hostProblem, parseSecret } from '../../lib/aws/secrets';
import { Deadline } from '../../lib/deadline';
import { DeadlineError } from '../../lib/errors';
import { FakeClock } from '../helpers/fake-clock';

const policy: HostPolicy = { allowedHosts: ['platform.kore.ai', '*.kore.ai'], allowLoopbackHttp: false };
const SECRET = 'TOP-SECRET-VALUE';
const good = { host: 'https://platform.kore.ai', clientId: 'cs-1', clientSecret: SECRET, accountId: '67777ce93e25326494e1a2b3', streamId: 'st-1' };

/** Runs `fn`, which must throw a SecretInvalidError, and returns its message. */
function refusal(fn: () => unknown): string {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(SecretInvalidError);
  return (thrown as Error).message;
}

describe('parseSecret', () => {
  it('accepts the documented shape, with iid optional', () => {
    expect(parseSecret('s', JSON.stringify(good), policy)).toEqual(good);
    expect(parseSecret('s', { ...good, iid: 'st-2' }, policy).iid).toBe('st-2');
    expect(parseSecret('s', { ...good, host: 'https://de-platform.kore.ai/' }, policy).host).toBe('https://de-platform.kore.ai');
  });

  it.each(['host', 'clientId', 'clientSecret', 'accountId', 'streamId'])('names a missing %s and never prints values', (key) => {
    const broken: Record<string, string> = { ...good };
    delete broken[key];
    const msg = refusal(() => parseSecret('kore/prod', broken, policy));
    expect(msg).toContain(key);
    expect(msg).toContain('kore/prod');
    expect(msg).not.toContain(SECRET);
  });

  it.each([
    ['http://platform.kore.ai', /https/],
    ['http://169.254.169.254', /https/],
    ['https://169.254.169.254', /not an IP address/],
    ['https://[::1]', /not an IP address/],
    ['https://2130706433', /not an IP address/], // 127.0.0.1 in decimal: the URL parser normalises it
    ['http://127.0.0.1:9001', /https/],
    [`https://user:${SECRET}@platform.kore.ai`, /user info/],
    ['https://evil.example.com', /allowed hosts/],
    ['https://kore.ai.evil.example.com', /allowed hosts/],
    ['https://platform.kore.ai/api', /origin only/],
    [`platform.kore.ai/${SECRET}`, /origin such as/],
  ])('refuses the host %p without printing it', (host, why) => {
    const msg = refusal(() => parseSecret('s', { ...good, host }, policy));
    expect(msg).toMatch(why);
    expect(msg).not.toContain(SECRET);
    expect(msg).not.toContain('169.254');
    expect(msg).not.toContain('evil');
  });

  it('allows plain http only to loopback, and only behind the local-stack flag', () => {
    const local: HostPolicy = { ...policy, allowLoopbackHttp: true };
    expect(hostProblem('http://127.0.0.1:4010', local)).toBeUndefined();
    expect(hostProblem('http://localhost:4010', local)).toBeUndefined();
    // Without the flag, the refusal names it (the usual cause: serverless invoke local without the exports).
    expect(hostProblem('http://127.0.0.1:4010', policy)).toMatch(
      /must use https \(a local emulator on http:\/\/127\.0\.0\.1 is allowed only with KORE_ALLOW_LOOPBACK_HTTP=true/,
    );
    expect(hostProblem('http://platform.kore.ai', local)).toBe('must use https');
    expect(hostProblem('http://169.254.169.254', local)).toMatch(/https/);
    expect(hostProblem('http://10.0.0.5', local)).toMatch(/https/);
  });

  it('validates accountId, streamId and iid, and refuses control characters in the credentials, without values', () => {
    expect(refusal(() => parseSecret('s', SECRET, policy))).toMatch(/not JSON/);
    expect(refusal(() => parseSecret('s', { ...good, accountId: 'a1' }, policy))).toMatch(/accountId must be 24 hexadecimal/);
    expect(refusal(() => parseSecret('s', { ...good, streamId: '../x' }, policy))).toMatch(/key streamId/);
    expect(refusal(() => parseSecret('s', { ...good, iid: 'st-1/../x' }, policy))).toMatch(/key iid/);
    expect(refusal(() => parseSecret('s', { ...good, clientSecret: `${SECRET}\n` }, policy))).not.toContain(SECRET);
  });
});

function fakeClient(reply: () => Promise<{ SecretString?: string }>) {
  const send = jest.fn((_cmd: unknown, opts?: { abortSignal?: AbortSignal }) => {
    const p = reply();
    // Like the SDK: an abort rejects the request.
    return new Promise((resolve, reject) => {
      opts?.abortSignal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })), { once: true });
      p.then(resolve, reject);
    });
  });
  return { client: { send } as unknown as SecretsManagerClient, send };
}

describe('SecretCredentials', () => {
  it('reads once per TTL and shares concurrent first reads', async () => {
    const clock = new FakeClock();
    const { client, send } = fakeClient(async () => ({ SecretString: JSON.stringify(good) }));
    const creds = new SecretCredentials({ secretId: 's', ttlSeconds: 300, client, hostPolicy: policy, clock });
    await Promise.all([creds.get(), creds.get(), creds.get()]);
    clock.advance(299_000);
    await creds.get();
    expect(send).toHaveBeenCalledTimes(1);
    clock.advance(2_000);
    await creds.get();
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('gives up on a Secrets Manager that never answers at the attempt timeout, and fails later reads fast', async () => {
    const { client, send } = fakeClient(() => new Promise(() => undefined));
    const creds = new SecretCredentials({ secretId: 'kore/prod', ttlSeconds: 300, client, hostPolicy: policy, attemptTimeoutMs: 50, failureHoldMs: 60_000 });
    const started = Date.now();
    await expect(creds.get(Deadline.at(Date.now() + 10_000))).rejects.toThrow(SecretFetchError);
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(creds.get(Deadline.at(Date.now() + 10_000))).rejects.toThrow(/no reply within 50 ms/);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('does not start a read the deadline leaves no time for', async () => {
    const { client, send } = fakeClient(async () => ({ SecretString: JSON.stringify(good) }));
    const creds = new SecretCredentials({ secretId: 's', ttlSeconds: 300, client, hostPolicy: policy });
    await expect(creds.get(Deadline.at(Date.now() + 10))).rejects.toBeInstanceOf(DeadlineError);
    expect(send).not.toHaveBeenCalled();
  });

  it('keeps the cause of a failed read (the exception name), never the secret', async () => {
    const { client } = fakeClient(async () => {
      throw Object.assign(new Error(`Secrets Manager can't find the specified secret.`), { name: 'ResourceNotFoundException' });
    });
    const creds = new SecretCredentials({ secretId: 'kore/missing', ttlSeconds: 300, client, hostPolicy: policy });
    await expect(creds.get()).rejects.toThrow('could not read secret kore/missing: ResourceNotFoundException');
  });

  it('names the fix when the SDK found no AWS credentials (serverless invoke local without the exports)', async () => {
    const { client } = fakeClient(async () => {
      throw Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    });
    const creds = new SecretCredentials({ secretId: 'kore/x', ttlSeconds: 300, client, hostPolicy: policy });
    await expect(creds.get()).rejects.toThrow(
      /could not read secret kore\/x: CredentialsProviderError \(no AWS credentials here: set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; .*docs\/local\.md under serverless invoke local/,
    );
  });

  it('after a 401, re-reads once; a second record holding the same stale credentials gets the new ones without a read', async () => {
    let value = good;
    const { client, send } = fakeClient(async () => ({ SecretString: JSON.stringify(value) }));
    const creds = new SecretCredentials({ secretId: 's', ttlSeconds: 300, client, hostPolicy: policy });
    const stale = await creds.get();
    value = { ...good, clientSecret: 'rotated' };
    const [a, b] = [await creds.refresh(stale), await creds.refresh(stale)];
    expect(a.clientSecret).toBe('rotated');
    expect(b.clientSecret).toBe('rotated');
    expect(send).toHaveBeenCalledTimes(2);
  });
});
