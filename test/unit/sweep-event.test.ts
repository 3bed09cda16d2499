import schedule from '../../events/schedule.json';
import { SweepEventError, SweepLimitError } from '../../lib/sweep/errors';
import { parseSweepEvent, resolveSettings } from '../../lib/sweep/event';

const defaults = { dryRun: true, maxLists: 200, minIdleDays: 30 };
const limits = { minIdleDaysFloor: 7, maxListsCeiling: 1000 };

describe('sweep event', () => {
  it('takes no overrides from a scheduled event or an empty one', () => {
    expect(parseSweepEvent(schedule)).toEqual({});
    expect(parseSweepEvent({})).toEqual({});
    expect(parseSweepEvent(undefined)).toEqual({});
  });

  it('applies dryRun, maxLists, minIdleDays and namePattern overrides', () => {
    const s = resolveSettings(defaults, parseSweepEvent({ dryRun: false, maxLists: 5, minIdleDays: 90, namePattern: '^tmp-' }), limits);
    expect(s).toMatchObject({ dryRun: false, maxLists: 5, minIdleDays: 90 });
    expect(s.namePattern!.source).toBe('^tmp-');
  });

  it.each([
    [{ dryrun: false }, /unknown key\(s\): dryrun/],
    [{ dryRun: 'false' }, /dryRun/],
    [{ maxLists: -1 }, /maxLists/],
    [{ 'detail-type': 'Something else', source: 'aws.events' }, /unknown key/],
    [[1], /must be an object/],
    [{ Records: [] }, /SQS event: invoke the lifecycleEvents function/],
  ])('rejects %j instead of ignoring it', (event, msg) => {
    expect(() => parseSweepEvent(event)).toThrow(SweepEventError);
    expect(() => parseSweepEvent(event)).toThrow(msg);
  });

  it('rejects an invalid namePattern', () => {
    expect(() => resolveSettings(defaults, parseSweepEvent({ namePattern: '([' }), limits)).toThrow(/namePattern/);
  });

  it('refuses a live run below the idle-days floor or above the list ceiling, whatever the event says', () => {
    expect(() => resolveSettings(defaults, parseSweepEvent({ dryRun: false, minIdleDays: 0 }), limits)).toThrow(SweepLimitError);
    expect(() => resolveSettings(defaults, parseSweepEvent({ dryRun: false, maxLists: 100_000 }), limits)).toThrow(/at most 1000 lists/);
    expect(() => resolveSettings({ ...defaults, dryRun: false }, parseSweepEvent({ minIdleDays: 6 }), limits)).toThrow(/minIdleDays ≥ 7/);
    // A dry run queues nothing: it may look as far as it likes.
    expect(resolveSettings(defaults, parseSweepEvent({ minIdleDays: 0, maxLists: 100_000 }), limits)).toMatchObject({ dryRun: true, minIdleDays: 0 });
  });
});
