import jwt from 'jsonwebtoken';
import { TokenSigner } from '../../lib/kore/auth';

const creds = { clientId: 'cs-abc', clientSecret: 's3cret-value' };

describe('TokenSigner', () => {
  it('signs an HS256 token with appId, sub, iat, exp within 1 h and a jti', () => {
    const now = Date.UTC(2026, 0, 1);
    const signer = new TokenSigner({ now: () => now });
    const token = signer.token(creds);
    const claims = jwt.verify(token, creds.clientSecret, { algorithms: ['HS256'], clockTimestamp: now / 1000 }) as jwt.JwtPayload;
    expect(jwt.decode(token, { complete: true })?.header.alg).toBe('HS256');
    expect(claims.appId).toBe('cs-abc');
    expect(claims.sub).toEqual(expect.any(String));
    expect(claims.iat).toBe(now / 1000);
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(3600);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(() => jwt.verify(token, 'wrong-secret', { clockTimestamp: now / 1000 })).toThrow('invalid signature');
  });

  it('reuses the token until shortly before expiry, then signs a new one', () => {
    let now = Date.UTC(2026, 0, 1);
    const signer = new TokenSigner({ now: () => now, ttlSeconds: 3600, renewBeforeSeconds: 300 });
    const first = signer.token(creds);
    now += 3200 * 1000;
    expect(signer.token(creds)).toBe(first);
    now += 100 * 1000; // 3300 s: inside the renewal margin
    expect(signer.token(creds)).not.toBe(first);
  });

  it('never lets a configured lifetime exceed one hour', () => {
    const now = Date.UTC(2026, 0, 1);
    const token = new TokenSigner({ now: () => now, ttlSeconds: 7200 }).token(creds);
    const c = jwt.decode(token) as jwt.JwtPayload;
    expect(c.exp! - c.iat!).toBe(3600);
  });

  it('signs a fresh token when the secret changes or after invalidate()', () => {
    const signer = new TokenSigner();
    const a = signer.token(creds);
    const b = signer.token({ ...creds, clientSecret: 'rotated' });
    expect(b).not.toBe(a);
    expect(() => jwt.verify(b, 'rotated')).not.toThrow();
    signer.invalidate();
    expect(signer.token({ ...creds, clientSecret: 'rotated' })).not.toBe(b);
  });
});
