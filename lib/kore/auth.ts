import { randomUUID } from 'node:crypto';
// jsonwebtoken's sign alone: the package's index also loads verify and decode (about 7 KB of the
// consumer bundle's 400 KB, with jws's verifying stream), which this project never calls.
import signJwt from 'jsonwebtoken/sign.js';
import type { KoreCredentials } from './types.js';

export interface TokenOptions {
  /** Token lifetime. Short: each token serves one request (Kore allows at most 1 h). */
  ttlSeconds?: number;
  /** The JWT `sub`; Kore accepts any id. */
  subject?: string;
  now?: () => number;
}

/** Longest lifetime Kore allows for a token with a `jti` (docs/kore-api.md, "Authentication"). */
export const MAX_TOKEN_TTL_SECONDS = 3_600;

/**
 * Signs Kore's HS256 JWT `{appId, sub, iat, exp, jti}`, a fresh one for every request. Kore
 * forbids reusing a `jti` when "Enforce JTI" is on, so a cached token would turn every call
 * after the first into a 401 (and double the cost of each deletion). Signing HS256 takes
 * microseconds; the lifetime only has to cover the request and some clock skew.
 */
export class TokenSigner {
  private readonly ttl: number;
  private readonly subject: string;
  private readonly now: () => number;

  constructor(opts: TokenOptions = {}) {
    this.ttl = Math.min(opts.ttlSeconds ?? 120, MAX_TOKEN_TTL_SECONDS);
    this.subject = opts.subject ?? 'kore-campaign-lifecycle';
    this.now = opts.now ?? Date.now;
  }

  token(creds: Pick<KoreCredentials, 'clientId' | 'clientSecret'>): string {
    const iat = Math.floor(this.now() / 1000);
    return signJwt({ appId: creds.clientId, sub: this.subject, iat, exp: iat + this.ttl, jti: randomUUID() }, creds.clientSecret, { algorithm: 'HS256' });
  }
}
