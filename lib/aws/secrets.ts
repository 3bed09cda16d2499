import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { Deadline } from '../deadline.js';
import { DeadlineError } from '../errors.js';
import type { CredentialsSource } from '../kore/credentials.js';
import { ACCOUNT_ID, STREAM_ID } from '../kore/ids.js';
import type { KoreCredentials } from '../kore/types.js';
import { credentialsHint, SecretFetchError, SecretInvalidError } from './errors.js';

export const REQUIRED_SECRET_KEYS = ['host', 'clientId', 'clientSecret', 'accountId', 'streamId'] as const;

/** Where the secret's `host` may point (KORE_ALLOWED_HOSTS, KORE_ALLOW_LOOPBACK_HTTP). */
export interface HostPolicy {
  /** Host names, or `*.suffix` for any subdomain of suffix. */
  allowedHosts: readonly string[];
  /** The local stack only: `http://127.0.0.1|localhost|[::1]:port` is allowed too. */
  allowLoopbackHttp: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function hostAllowed(hostname: string, allowed: readonly string[]): boolean {
  const h = hostname.toLowerCase();
  return allowed.some((a) => {
    const rule = a.toLowerCase();
    return rule.startsWith('*.') ? h.endsWith(rule.slice(1)) && h.length > rule.length - 1 : h === rule;
  });
}

/**
 * Why `host` may not receive the JWT, or undefined when it may. The secret is data that could
 * be hostile: `http://` would carry the token in cleartext, an IP literal could be the instance
 * metadata service, user info would end up in error messages, and any host outside the
 * allowlist is somewhere our credentials should not go.
 */
export function hostProblem(host: string, policy: HostPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    return 'must be an origin such as https://platform.kore.ai';
  }
  if (url.username || url.password) return 'must not contain user info';
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) return 'must be an origin only (no path, query or fragment)';
  const loopback = LOOPBACK.has(url.hostname);
  if (url.protocol === 'http:' && loopback && policy.allowLoopbackHttp) return undefined;
  if (url.protocol !== 'https:') {
    return loopback && url.protocol === 'http:'
      ? 'must use https (a local emulator on http://127.0.0.1 is allowed only with KORE_ALLOW_LOOPBACK_HTTP=true, which no deployed stage sets)'
      : 'must use https';
  }
  if (IPV4.test(url.hostname) || url.hostname.startsWith('[')) return 'must be a host name, not an IP address';
  if (!hostAllowed(url.hostname, policy.allowedHosts)) return `must be one of the allowed hosts (KORE_ALLOWED_HOSTS: ${policy.allowedHosts.join(', ')})`;
  return undefined;
}

/**
 * Checks the secret JSON `{host, clientId, clientSecret, accountId, streamId, iid?, archiveKey?}`. Error
 * messages name keys and rules only, never a value.
 */
export function parseSecret(secretId: string, raw: unknown, policy: HostPolicy): KoreCredentials {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new SecretInvalidError(`secret ${secretId} is not JSON`);
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SecretInvalidError(`secret ${secretId} must be a JSON object with keys ${REQUIRED_SECRET_KEYS.join(', ')}`);
  }
  const v = value as Record<string, unknown>;
  const missing = REQUIRED_SECRET_KEYS.filter((k) => typeof v[k] !== 'string' || (v[k] as string).trim() === '');
  if (missing.length) throw new SecretInvalidError(`secret ${secretId} lacks key(s): ${missing.join(', ')}`);
  const problem = (key: string, rule: string) => new SecretInvalidError(`secret ${secretId}: key ${key} ${rule}`);
  const host = hostProblem(v.host as string, policy);
  if (host) throw problem('host', host);
  if (!ACCOUNT_ID.test(v.accountId as string)) throw problem('accountId', 'must be 24 hexadecimal characters');
  if (!STREAM_ID.test(v.streamId as string)) throw problem('streamId', `must match ${STREAM_ID.source}`);
  if (v.iid !== undefined && (typeof v.iid !== 'string' || !STREAM_ID.test(v.iid))) throw problem('iid', `must match ${STREAM_ID.source}`);
  for (const key of ['clientId', 'clientSecret'] as const) {
    if (CONTROL.test(v[key] as string) || (v[key] as string).length > 1024) throw problem(key, 'must be printable and at most 1024 characters');
  }
  // The key our archive marks are signed with; without it, the client secret (then rotating it voids the marks).
  if (
    v.archiveKey !== undefined &&
    (typeof v.archiveKey !== 'string' || v.archiveKey.length < 32 || v.archiveKey.length > 1024 || CONTROL.test(v.archiveKey))
  ) {
    throw problem('archiveKey', 'must be printable, 32 to 1024 characters (e.g. openssl rand -base64 48)');
  }
  return {
    host: new URL(v.host as string).origin,
    clientId: v.clientId as string,
    clientSecret: v.clientSecret as string,
    accountId: v.accountId as string,
    streamId: v.streamId as string,
    ...(typeof v.iid === 'string' ? { iid: v.iid } : {}),
    ...(typeof v.archiveKey === 'string' ? { archiveKey: v.archiveKey } : {}),
  };
}

export interface SecretCredentialsOptions {
  secretId: string;
  /** SECRET_TTL_SECONDS: how long a fetched secret is reused (0: read every time). */
  ttlSeconds: number;
  client: SecretsManagerClient;
  hostPolicy: HostPolicy;
  clock?: Clock;
  /** One GetSecretValue attempt's timeout (cut to the time the invocation has left). */
  attemptTimeoutMs?: number;
  /** After a failed read, later reads fail at once for this long instead of each waiting for the same timeout. */
  failureHoldMs?: number;
}

/**
 * Kore credentials from Secrets Manager: one GetSecretValue per TTL, shared by concurrent first
 * reads, refreshed once after a 401. Written directly on the SDK client rather than through
 * Powertools Parameters because every read must carry the invocation's abort signal: a Secrets
 * Manager endpoint that hangs must not hold the batch past its deadline.
 */
export class SecretCredentials implements CredentialsSource {
  private cached?: { creds: KoreCredentials; at: number };
  private inflight?: Promise<KoreCredentials>;
  private failed?: { error: SecretFetchError; until: number };
  private readonly clock: Clock;

  constructor(private readonly opts: SecretCredentialsOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  get(deadline?: Deadline): Promise<KoreCredentials> {
    const c = this.cached;
    if (c && this.clock.now() - c.at < this.opts.ttlSeconds * 1000) return Promise.resolve(c.creds);
    return this.read(deadline);
  }

  /** N records that hit a 401 together cost one read: later ones find newer credentials cached. */
  refresh(stale: KoreCredentials, deadline?: Deadline): Promise<KoreCredentials> {
    const c = this.cached;
    if (c && !sameCredentials(c.creds, stale)) return Promise.resolve(c.creds);
    this.cached = undefined;
    return this.read(deadline);
  }

  private read(deadline: Deadline = Deadline.none(this.clock)): Promise<KoreCredentials> {
    if (this.inflight) return this.inflight;
    if (this.failed && this.clock.now() < this.failed.until) return Promise.reject(this.failed.error);
    const p = this.fetch(deadline);
    this.inflight = p;
    const clear = () => {
      if (this.inflight === p) this.inflight = undefined;
    };
    p.then(clear, clear);
    return p;
  }

  private async fetch(deadline: Deadline): Promise<KoreCredentials> {
    const timeoutMs = deadline.attemptTimeout(this.opts.attemptTimeoutMs ?? 3_000, `reading secret ${this.opts.secretId}`);
    let raw: string | undefined;
    try {
      const res = await this.opts.client.send(new GetSecretValueCommand({ SecretId: this.opts.secretId }), { abortSignal: deadline.signal(timeoutMs) });
      raw = res.SecretString;
    } catch (err) {
      if (deadline.cancelled?.aborted) throw new DeadlineError(`reading secret ${this.opts.secretId}: the invocation was given up`, { cause: err });
      const error = new SecretFetchError(`could not read secret ${this.opts.secretId}: ${fetchCause(err, timeoutMs)}`, { cause: err });
      this.failed = { error, until: this.clock.now() + (this.opts.failureHoldMs ?? 1_000) };
      throw error;
    }
    this.failed = undefined;
    if (raw === undefined) throw new SecretInvalidError(`secret ${this.opts.secretId} has no SecretString (binary secrets are not supported)`);
    const creds = parseSecret(this.opts.secretId, raw, this.opts.hostPolicy);
    this.cached = { creds, at: this.clock.now() };
    return creds;
  }
}

/** The underlying cause, by name: ResourceNotFoundException, AccessDeniedException, ECONNREFUSED, a timeout. */
function fetchCause(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no reply within ${timeoutMs} ms`;
  const code = e?.code ?? e?.cause?.code;
  const name = e?.name && e.name !== 'Error' ? e.name : undefined;
  return ([name, code].filter(Boolean).join(' ') || 'error') + credentialsHint(err);
}

function sameCredentials(a: KoreCredentials, b: KoreCredentials): boolean {
  return a.clientId === b.clientId && a.clientSecret === b.clientSecret && a.host === b.host && a.accountId === b.accountId && a.archiveKey === b.archiveKey;
}
