import { SecretInvalidError } from '../../lib/errors';
import { parseSecret } from '../../lib/aws/secrets';

const good = { host: 'https://platform.kore.ai', clientId: 'cs-1', clientSecret: 'TOP-SECRET-VALUE', accountId: 'a1', streamId: 'st-1' };

describe('parseSecret', () => {
  it('accepts the documented shape, with iid optional', () => {
    expect(parseSecret('s', JSON.stringify(good))).toEqual(good);
    expect(parseSecret('s', { ...good, iid: 'st-2' }).iid).toBe('st-2');
  });

  it.each(['host', 'clientId', 'clientSecret', 'accountId', 'streamId'])('names a missing %s and never prints values', (key) => {
    const broken: Record<string, string> = { ...good };
    delete broken[key];
    const err = (() => {
      try {
        parseSecret('kore/prod', broken);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(SecretInvalidError);
    expect(err!.message).toContain(key);
    expect(err!.message).toContain('kore/prod');
    expect(err!.message).not.toContain('TOP-SECRET-VALUE');
  });

  it('rejects non-JSON, a host that is not an origin and a bad streamId, without values', () => {
    expect(() => parseSecret('s', 'TOP-SECRET-VALUE')).toThrow(/not JSON/);
    expect(() => parseSecret('s', { ...good, host: 'platform.kore.ai/TOP-SECRET-VALUE' })).toThrow(/key host must be/);
    expect(() => parseSecret('s', { ...good, streamId: '../x' })).toThrow(/key streamId/);
    try {
      parseSecret('s', { ...good, host: 'TOP-SECRET-VALUE' });
    } catch (e) {
      expect((e as Error).message).not.toContain('TOP-SECRET-VALUE');
    }
  });
});
