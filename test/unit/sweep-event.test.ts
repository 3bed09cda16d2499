import { ConfigError } from '../../lib/errors';
import { parseSweepEvent, resolveSettings } from '../../lib/sweep/run';
import schedule from '../../events/schedule.json';

const defaults = { dryRun: true, maxLists: 200, minIdleDays: 30 };

describe('sweep event', () => {
  it('takes no overrides from a scheduled event or an empty one', () => {
    expect(parseSweepEvent(schedule)).toEqual({});
    expect(parseSweepEvent({})).toEqual({});
    expect(parseSweepEvent(undefined)).toEqual({});
  });

  it('applies dryRun, maxLists, minIdleDays and namePattern overrides', () => {
    const s = resolveSettings(defaults, parseSweepEvent({ dryRun: false, maxLists: 5, minIdleDays: 90, namePattern: '^tmp-' }));
    expect(s).toMatchObject({ dryRun: false, maxLists: 5, minIdleDays: 90 });
    expect(s.namePattern!.source).toBe('^tmp-');
  });

  it.each([
    [{ dryrun: false }, /unknown key\(s\): dryrun/],
    [{ dryRun: 'false' }, /dryRun/],
    [{ maxLists: -1 }, /maxLists/],
    [{ 'detail-type': 'Something else', source: 'aws.events' }, /unknown key/],
    [[1], /must be an object/],
  ])('rejects %j instead of ignoring it', (event, msg) => {
    expect(() => parseSweepEvent(event)).toThrow(ConfigError);
    expect(() => parseSweepEvent(event)).toThrow(msg);
  });

  it('rejects an invalid namePattern', () => {
    expect(() => resolveSettings(defaults, parseSweepEvent({ namePattern: '([' }))).toThrow(/namePattern/);
  });
});
