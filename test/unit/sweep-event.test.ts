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

  it('narrows a live deployment: dry, fewer lists, idle longer, a name pattern', () => {
    const live = { ...defaults, dryRun: false };
    const s = resolveSettings(live, parseSweepEvent({ maxLists: 5, minIdleDays: 90, namePattern: '^tmp-' }), limits);
    expect(s).toMatchObject({ dryRun: false, maxLists: 5, minIdleDays: 90 });
    expect(s.namePattern!.source).toBe('^tmp-');
    expect(resolveSettings(live, parseSweepEvent({ dryRun: true }), limits)).toMatchObject({ dryRun: true });
  });

  it('never widens a run: a dry deployment stays dry, a live run keeps its caps', () => {
    expect(() => resolveSettings(defaults, parseSweepEvent({ dryRun: false }), limits)).toThrow(/only narrow a run: dryRun false on a dry-run deployment/);
    const live = { ...defaults, dryRun: false };
    expect(() => resolveSettings(live, parseSweepEvent({ maxLists: 201 }), limits)).toThrow(/maxLists 201 above the deployment's 200/);
    expect(() => resolveSettings(live, parseSweepEvent({ minIdleDays: 29 }), limits)).toThrow(/minIdleDays 29 below the deployment's 30/);
    expect(() => resolveSettings(live, parseSweepEvent({ minIdleDays: 29 }), limits)).toThrow(SweepLimitError);
  });

  it("adds an event's name pattern to the deployment's: a list must match both", () => {
    const s = resolveSettings({ ...defaults, namePattern: /^Survey/ }, parseSweepEvent({ namePattern: '2024' }), limits);
    expect(['Survey 2024', 'Survey 2025', 'Promo 2024'].map((n) => s.namePattern!.test(n))).toEqual([true, false, false]);
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
    const wide = { dryRun: false, maxLists: 100_000, minIdleDays: 0 };
    expect(() => resolveSettings(wide, parseSweepEvent({ minIdleDays: 0 }), limits)).toThrow(/minIdleDays ≥ 7/);
    expect(() => resolveSettings({ ...wide, minIdleDays: 30 }, parseSweepEvent({ maxLists: 100_000 }), limits)).toThrow(/at most 1000 lists/);
    // A dry run queues nothing: it may look as far as it likes.
    expect(resolveSettings(defaults, parseSweepEvent({ minIdleDays: 0, maxLists: 100_000 }), limits)).toMatchObject({ dryRun: true, minIdleDays: 0 });
  });
});
