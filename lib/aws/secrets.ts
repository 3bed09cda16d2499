import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretFetchError, SecretInvalidError } from '../errors.js';
import type { CredentialsSource } from '../kore/credentials.js';
import { STREAM_ID } from '../kore/ids.js';
import type { KoreCredentials } from '../kore/types.js';

export const REQUIRED_SECRET_KEYS = ['host', 'clientId', 'clientSecret', 'accountId', 'streamId'] as const;

/**
 * Checks the secret JSON `{host, clientId, clientSecret, accountId, streamId, iid?}`.
 * Error messages name keys only, never values.
 */
export function parseSecret(secretId: string, raw: unknown): KoreCredentials {
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
  if (missing.length) {
    throw new SecretInvalidError(`secret ${secretId} lacks key(s): ${missing.join(', ')}`);
  }
  const host = v.host as string;
  if (!/^https?:\/\/[^/\s]+\/?$/.test(host)) {
    throw new SecretInvalidError(`secret ${secretId}: key host must be an http(s) origin such as https://platform.kore.ai`);
  }
  if (!STREAM_ID.test(v.streamId as string)) {
    throw new SecretInvalidError(`secret ${secretId}: key streamId must match ${STREAM_ID.source}`);
  }
  if (v.iid !== undefined && typeof v.iid !== 'string') {
    throw new SecretInvalidError(`secret ${secretId}: key iid must be a string`);
  }
  return {
    host,
    clientId: v.clientId as string,
    clientSecret: v.clientSecret as string,
    accountId: v.accountId as string,
    streamId: v.streamId as string,
    ...(typeof v.iid === 'string' ? { iid: v.iid } : {}),
  };
}

export interface SecretCredentialsOptions {
  secretId: string;
  /** SECRET_TTL_SECONDS: how long a fetched secret is reused. */
  ttlSeconds: number;
  client?: SecretsManagerClient;
}

/**
 * Kore credentials from Secrets Manager through Powertools `parameters` (its cache honours
 * `maxAge`; `forceFetch` backs the one refresh after a 401). Concurrent first reads share one call.
 */
export class SecretCredentials implements CredentialsSource {
  private readonly provider: SecretsProvider;
  private inflight?: Promise<KoreCredentials>;
  private last?: KoreCredentials;

  constructor(private readonly opts: SecretCredentialsOptions) {
    this.provider = opts.client ? new SecretsProvider({ awsSdkV3Client: opts.client }) : new SecretsProvider();
  }

  get(): Promise<KoreCredentials> {
    return this.read(false);
  }

  /** N records that hit a 401 together cost one read: later ones find newer credentials cached. */
  refresh(stale?: KoreCredentials): Promise<KoreCredentials> {
    if (this.last && stale && !sameCredentials(this.last, stale)) return Promise.resolve(this.last);
    return this.read(true);
  }

  private read(forceFetch: boolean): Promise<KoreCredentials> {
    if (this.inflight) return this.inflight;
    const p = (async () => {
      let raw: unknown;
      try {
        raw = await this.provider.get(this.opts.secretId, { maxAge: this.opts.ttlSeconds, forceFetch });
      } catch (err) {
        throw new SecretFetchError(`could not read secret ${this.opts.secretId}: ${(err as Error)?.name ?? 'error'}`, { cause: err });
      }
      const creds = parseSecret(this.opts.secretId, raw);
      this.last = creds;
      return creds;
    })();
    this.inflight = p;
    const clear = () => {
      if (this.inflight === p) this.inflight = undefined;
    };
    p.then(clear, clear);
    return p;
  }
}

function sameCredentials(a: KoreCredentials, b: KoreCredentials): boolean {
  return a.clientId === b.clientId && a.clientSecret === b.clientSecret && a.host === b.host && a.accountId === b.accountId;
}
