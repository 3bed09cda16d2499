import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { KoreCredentials } from './types.js';

export interface TokenOptions {
  /** Token lifetime; Kore allows at most 1 h when a `jti` is present. */
  ttlSeconds?: number;
  /** Re-sign this long before expiry so a token never expires in flight. */
  renewBeforeSeconds?: number;
  /** The JWT `sub`; Kore accepts any id. */
  subject?: string;
  now?: () => number;
}

/**
 * Signs Kore's HS256 JWT `{appId, sub, iat, exp, jti}` and reuses it until shortly before
 * expiry. One cached token per client id + secret, so a rotated secret gets a new token.
 */
export class TokenSigner {
  private cached?: { key: string; token: string; renewAt: number };
  private readonly ttl: number;
  private readonly renewBefore: number;
  private readonly subject: string;
  private readonly now: () => number;

  constructor(opts: TokenOptions = {}) {
    this.ttl = Math.min(opts.ttlSeconds ?? 3600, 3600);
    this.renewBefore = opts.renewBeforeSeconds ?? 300;
    this.subject = opts.subject ?? 'kore-campaign-lifecycle';
    this.now = opts.now ?? Date.now;
  }

  token(creds: Pick<KoreCredentials, 'clientId' | 'clientSecret'>): string {
    const key = `${creds.clientId}\u0000${creds.clientSecret}`;
    const nowMs = this.now();
    if (this.cached && this.cached.key === key && nowMs < this.cached.renewAt) return this.cached.token;
    const iat = Math.floor(nowMs / 1000);
    const token = jwt.sign(
      { appId: creds.clientId, sub: this.subject, iat, exp: iat + this.ttl, jti: randomUUID() },
      creds.clientSecret,
      { algorithm: 'HS256' },
    );
    this.cached = { key, token, renewAt: (iat + this.ttl - this.renewBefore) * 1000 };
    return token;
  }

  invalidate(): void {
    this.cached = undefined;
  }
}
