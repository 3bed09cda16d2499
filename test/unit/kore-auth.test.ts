import jwt from 'jsonwebtoken';
import { TokenSigner } from '../../lib/kore/auth';

const creds = { clientId: 'cs-abc', clientSecret: 's3cret-value' };

describe('TokenSigner', () => {
  it('signs an HS256 token with appId, sub, iat, a short exp and a jti', () => {
    const now = Date.UTC(2026, 0, 1);
    const signer = new TokenSigner({ now: () => now });
    const token = signer.token(creds);
    const claims = jwt.verify(token, creds.clientSecret, { algorithms: ['HS256'], clockTimestamp: now / 1000 }) as jwt.JwtPayload;
    expect(jwt.decode(token, { complete: true })?.header.alg).toBe('HS256');
    expect(claims.appId).toBe('cs-abc');
    expect(claims.sub).toEqual(expect.any(String));
    expect(claims.iat).toBe(now / 1000);
    expect(claims.exp! - claims.iat!).toBe(120);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(() => jwt.verify(token, 'wrong-secret', { clockTimestamp: now / 1000 })).toThrow('invalid signature');
  });

  it('signs a fresh token with a new jti for every request (Kore may forbid reusing a jti)', () => {
    const now = Date.UTC(2026, 0, 1);
    const signer = new TokenSigner({ now: () => now });
    const jtis = new Set(Array.from({ length: 50 }, () => (jwt.decode(signer.token(creds)) as jwt.JwtPayload).jti));
    expect(jtis.size).toBe(50);
  });

  it('never lets a configured lifetime exceed one hour', () => {
    const now = Date.UTC(2026, 0, 1);
    const token = new TokenSigner({ now: () => now, ttlSeconds: 7200 }).token(creds);
    const c = jwt.decode(token) as jwt.JwtPayload;
    expect(c.exp! - c.iat!).toBe(3600);
  });

  it('signs with whatever secret it is given, so a rotated secret works at once', () => {
    const now = Date.UTC(2026, 0, 1);
    const signer = new TokenSigner({ now: () => now });
    const b = signer.token({ ...creds, clientSecret: 'rotated' });
    expect((jwt.verify(b, 'rotated', { clockTimestamp: now / 1000 }) as jwt.JwtPayload).appId).toBe('cs-abc');
  });
});
