import jwt from 'jsonwebtoken';
import { koreError } from './reply.js';
import type { Reply } from './reply.js';

/** What an app's settings and Kore's token rules decide (docs/kore-api.md, "Authentication"; realism switches). */
export interface TokenPolicy {
  maxTokenLifetimeSeconds: number;
  /** "Enforce JTI": a token without `jti` is refused. */
  requireJti: boolean;
  /** A `jti` may be used once (the SDK page's rule, applied to public-API tokens). */
  singleUseJti: boolean;
}

/** Claims read without verifying the signature: for call records, never for decisions. */
export function peekClaims(token: string): { appId?: string; jti?: string } {
  const decoded = jwt.decode(token);
  if (!decoded || typeof decoded !== 'object') return {};
  return {
    ...(typeof decoded.appId === 'string' ? { appId: decoded.appId } : {}),
    ...(typeof decoded.jti === 'string' ? { jti: decoded.jti } : {}),
  };
}

const INVALID = (): Reply => koreError(401, 'Invalid SDK credentials', 4002);

/**
 * Verifies the `auth` header as Kore does: HS256 only, signed with the secret of the app named
 * by the `appId` claim (spelled exactly so), within its lifetime, `jti` rules per policy.
 * Times are the host clock's (see clock.ts).
 */
export class TokenVerifier {
  private readonly apps: Record<string, string>;
  /** `appId jti` → host time after which the token is expired anyway and the jti can be forgotten. */
  private readonly seen = new Map<string, number>();

  constructor(
    apps: Record<string, string>,
    private readonly wall: () => number,
  ) {
    this.apps = { ...apps };
  }

  /** Secret rotation: the old secret stops working at once. */
  rotate(clientId: string, clientSecret: string): void {
    this.apps[clientId] = clientSecret;
  }

  forgetJtis(): void {
    this.seen.clear();
  }

  /** `undefined` when the token is good; otherwise Kore's 401. */
  verify(token: string | undefined, policy: TokenPolicy): Reply | undefined {
    if (!token) return INVALID();
    const { appId } = peekClaims(token);
    const secret = appId ? this.apps[appId] : undefined;
    if (!secret) return INVALID();
    const nowMs = this.wall();
    let claims: jwt.JwtPayload;
    try {
      claims = jwt.verify(token, secret, { algorithms: ['HS256'], clockTimestamp: Math.floor(nowMs / 1000) }) as jwt.JwtPayload;
    } catch {
      return INVALID();
    }
    if (typeof claims.exp === 'number') {
      const from = typeof claims.iat === 'number' ? claims.iat : Math.floor(nowMs / 1000);
      if (claims.exp - from > policy.maxTokenLifetimeSeconds) {
        return koreError(401, `Token lifetime exceeds ${policy.maxTokenLifetimeSeconds} seconds`, 4002);
      }
    }
    const jti = typeof claims.jti === 'string' && claims.jti ? claims.jti : undefined;
    if (!jti) return policy.requireJti ? koreError(401, 'Invalid SDK credentials: jti is required', 4002) : undefined;
    if (policy.singleUseJti) {
      this.prune(nowMs);
      const key = `${appId} ${jti}`;
      if (this.seen.has(key)) return INVALID();
      this.seen.set(key, typeof claims.exp === 'number' ? claims.exp * 1000 : Number.POSITIVE_INFINITY);
    }
    return undefined;
  }

  private prune(nowMs: number): void {
    if (this.seen.size < 1024) return;
    for (const [k, until] of this.seen) if (until <= nowMs) this.seen.delete(k);
  }
}
