import fc from 'fast-check';
import { checkList, saysDoNotCall, SETTLED_LIST_STATUSES } from '../../lib/guard/list';
import type { ListGuardInput } from '../../lib/guard/list';
import type { KoreObject } from '../../lib/kore/types';
import { aList, dncReferences } from '../helpers/factories';

const EVENT = Date.parse('2026-03-01T00:00:00.000Z');
const base = () => aList({ _id: 'cl-1', name: 'Old leads', updatedAt: '2026-01-01T00:00:00.000Z' });
const input = (over: Partial<ListGuardInput> = {}): ListGuardInput => ({
  requestedId: 'cl-1',
  dnc: dncReferences(),
  evidence: { occurredAtMs: EVENT },
  ...over,
});
const without = (key: string): KoreObject => {
  const l: Record<string, unknown> = { ...base() };
  delete l[key];
  return l;
};

/** Each row is one rule of docs/safety-model.md's "The rules" table and one way to fail it. */
const REFUSALS: Array<[string, KoreObject, Partial<ListGuardInput>, string, string, RegExp]> = [
  ['a reply about another list', { ...base(), _id: 'cl-2' }, {}, 'unverifiable', 'identity', /about cl-2/],
  ['a reply without _id', without('_id'), {}, 'unverifiable', 'identity', /_id missing/],
  ...(['isGlobalDNC', 'isDefault', 'isListInUse', 'campaignInUse', 'status', 'name', 'updatedAt'].map((k) => [
    `a reply without ${k}`,
    without(k),
    {},
    'unverifiable',
    'verifiable',
    new RegExp(`${k} missing`),
  ]) as Array<[string, KoreObject, Partial<ListGuardInput>, string, string, RegExp]>),
  ['isDefault as the string "false"', { ...base(), isDefault: 'false' }, {}, 'unverifiable', 'verifiable', /isDefault is not a boolean/],
  ['isGlobalDNC null', { ...base(), isGlobalDNC: null }, {}, 'unverifiable', 'verifiable', /isGlobalDNC is not a boolean/],
  ['campaignInUse as a string', { ...base(), campaignInUse: 'cd-1' }, {}, 'unverifiable', 'verifiable', /campaignInUse is not an array/],
  ['an unreadable updatedAt', { ...base(), updatedAt: 'last week' }, {}, 'unverifiable', 'verifiable', /updatedAt is not an ISO time/],
  ['a global DNC list', { ...base(), isGlobalDNC: true }, {}, 'protected', 'not-global-dnc', /isGlobalDNC/],
  ['the default list', { ...base(), isDefault: true }, {}, 'protected', 'not-default', /isDefault/],
  ['a list named DNC', { ...base(), name: 'DNC CL Dec 4' }, {}, 'protected', 'not-dnc-name', /do-not-call/],
  ['a list named do-not-call', { ...base(), name: 'Callback do-not-call requests' }, {}, 'protected', 'not-dnc-name', /do-not-call/],
  ["a campaign's DNC list (by id)", base(), { dnc: dncReferences({ byId: { 'cl-1': ['cd-9'] } }) }, 'protected', 'not-dnc-of-campaign', /DNC list of cd-9/],
  [
    "an SMS campaign's DNC list (by name, any case)",
    base(),
    { dnc: dncReferences({ byName: { 'old leads': ['cd-sms'] } }) },
    'protected',
    'not-dnc-of-campaign',
    /cd-sms/,
  ],
  [
    "any list while a campaign's DNC lists are unreadable",
    base(),
    { dnc: dncReferences({ unreadable: ['cd-x'] }) },
    'unverifiable',
    'verifiable',
    /cd-x has an unreadable dncLists/,
  ],
  ['a list with isListInUse', { ...base(), isListInUse: true }, {}, 'in-use', 'not-in-use', /isListInUse/],
  [
    'campaignInUse with isListInUse false (the documented quirk)',
    { ...base(), campaignInUse: [{ id: 'cd-1', name: 'C' }] },
    {},
    'in-use',
    'not-in-use',
    /used by cd-1/,
  ],
  ['campaignInUse given as ids', { ...base(), campaignInUse: ['cd-1'] }, {}, 'in-use', 'not-in-use', /used by cd-1/],
  ['a list still validating (mid-import)', { ...base(), status: 'Validating' }, {}, 'unsettled', 'settled', /Validating/],
  ['a status we do not know', { ...base(), status: 'Processing' }, {}, 'unsettled', 'settled', /Processing/],
  ['a list changed after the event', { ...base(), updatedAt: '2026-03-02T00:00:00.000Z' }, {}, 'changed-since-event', 'unchanged', /after the event/],
  [
    'a list changed since the sweep saw it',
    base(),
    { evidence: { occurredAtMs: EVENT, listUpdatedAt: '2025-12-01T00:00:00.000Z' } },
    'changed-since-event',
    'unchanged',
    /evidence saw/,
  ],
];

describe('the list guard: every rule refuses with its reason', () => {
  it.each(REFUSALS)('refuses %s', (_name, list, over, reason, rule, why) => {
    const v = checkList(list, input(over));
    expect(v).toMatchObject({ allow: false, reason, rule });
    expect(v.allow ? '' : v.why).toMatch(why);
  });

  it('allows a list proven unused, unprotected, settled and unchanged', () => {
    for (const status of SETTLED_LIST_STATUSES) {
      const v = checkList({ ...base(), status }, input({ evidence: { occurredAtMs: EVENT, listUpdatedAt: '2026-01-01T00:00:00Z' } }));
      expect(v).toMatchObject({ allow: true, value: { id: 'cl-1', name: 'Old leads', campaignIds: [] } });
    }
  });
});

describe('the list guard on a listing (sweep and fan-out candidates)', () => {
  it("leaves the flags getAllListDetails may not carry to the consumer's GET, and still refuses what the listing shows", () => {
    const listing = without('isDefault');
    expect(checkList(listing, input())).toMatchObject({ allow: false, reason: 'unverifiable', why: 'isDefault missing' });
    expect(checkList(listing, input({ source: 'listing' }))).toMatchObject({ allow: true, value: { unverified: ['isDefault'] } });
    expect(checkList({ ...listing, isGlobalDNC: true }, input({ source: 'listing' }))).toMatchObject({ allow: false, reason: 'protected' });
    expect(checkList(without('isListInUse'), input({ source: 'listing' }))).toMatchObject({ allow: false, reason: 'unverifiable', why: 'isListInUse missing' });
    expect(checkList({ ...listing, isDefault: 'false' }, input({ source: 'listing' }))).toMatchObject({ allow: false, why: 'isDefault is not a boolean' });
  });
});

describe('the list guard, as a property', () => {
  // Any state the emulator can hold, plus replies that omit or mistype fields.
  const maybe = <T>(a: fc.Arbitrary<T>) =>
    fc.oneof({ arbitrary: a, weight: 12 }, fc.constant(undefined), fc.constant(null), fc.constant('false'), fc.constant(0));
  // Mostly false, so that deletable lists are generated often enough to test the property.
  const flag = fc.constantFrom(false, false, false, true);
  const anyList = fc.record({
    _id: fc.oneof({ arbitrary: fc.constant('cl-1'), weight: 6 }, fc.constant('cl-2'), fc.constant(undefined)),
    name: maybe(fc.oneof(fc.constantFrom('Old leads', 'DNC CL Dec 4', 'Do not call', 'VIP', 'dnc-list'), fc.string())),
    status: maybe(fc.constantFrom('Ready', 'Validated', 'Invalid', 'Validating', 'Processing', '')),
    isGlobalDNC: maybe(flag),
    isDefault: maybe(flag),
    isListInUse: maybe(flag),
    campaignInUse: maybe(
      fc.oneof(
        { arbitrary: fc.constant([]), weight: 3 },
        fc.array(fc.oneof(fc.constantFrom('cd-1', 'cd-2'), fc.record({ id: fc.constantFrom('cd-1', 'cd-2'), name: fc.string() })), {
          minLength: 1,
          maxLength: 2,
        }),
      ),
    ),
    updatedAt: maybe(
      fc.oneof(
        fc.constant('2026-01-01T00:00:00.000Z'),
        fc.integer({ min: EVENT - 400 * 86_400_000, max: EVENT + 86_400_000 }).map((t) => new Date(t).toISOString()),
      ),
    ),
  });
  const anyRefs = fc.record({
    byId: fc.oneof({ arbitrary: fc.constant({}), weight: 3 }, fc.dictionary(fc.constantFrom('cl-1', 'cl-2'), fc.constant(['cd-9']))),
    byName: fc.oneof({ arbitrary: fc.constant({}), weight: 3 }, fc.dictionary(fc.constantFrom('old leads', 'vip'), fc.constant(['cd-9']))),
    unreadable: fc.oneof({ arbitrary: fc.constant([]), weight: 4 }, fc.constant(['cd-x'])),
  });
  const anyEvidence = fc.record({ listUpdatedAt: fc.option(fc.constantFrom('2026-01-01T00:00:00.000Z', '2025-06-01T00:00:00.000Z'), { nil: undefined }) });

  it('never allows a list that is protected, in use, referenced as DNC, unsettled, changed or unverifiable', () => {
    let allowed = 0;
    fc.assert(
      fc.property(anyList, anyRefs, anyEvidence, (raw, refs, ev) => {
        const list = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) as KoreObject;
        const dnc = dncReferences(refs);
        const v = checkList(list, {
          requestedId: 'cl-1',
          dnc,
          evidence: { occurredAtMs: EVENT, ...(ev.listUpdatedAt ? { listUpdatedAt: ev.listUpdatedAt } : {}) },
        });
        if (!v.allow) return;
        allowed++;
        expect(list._id).toBe('cl-1');
        expect([list.isGlobalDNC, list.isDefault, list.isListInUse]).toEqual([false, false, false]);
        expect(list.campaignInUse).toEqual([]);
        expect(SETTLED_LIST_STATUSES).toContain(list.status);
        expect(typeof list.name).toBe('string');
        expect(saysDoNotCall(list.name as string)).toBe(false);
        expect(dnc.byId.has('cl-1') || dnc.byName.has((list.name as string).toLowerCase()) || dnc.unreadable.length > 0).toBe(false);
        expect(Date.parse(list.updatedAt as string)).toBeLessThanOrEqual(EVENT);
        if (ev.listUpdatedAt) expect(Date.parse(list.updatedAt as string)).toBe(Date.parse(ev.listUpdatedAt));
      }),
      { numRuns: 5000 },
    );
    // The property is not vacuous: some generated lists were deletable.
    expect(allowed).toBeGreaterThan(0);
  });
});

describe('the not-dnc-name rule: "do not call" however it is joined, and nothing else', () => {
  it.each([
    'DNC',
    'dnc',
    'DNC CL Dec 4',
    'DNC_list',
    'SMS_DNC',
    'DNClist',
    'optoutsDNC',
    'dnc2024',
    'DNC-Optouts',
    'DNC_Optouts_2024',
    'D.N.C. list',
    'Do Not Call',
    'do-not-call',
    'DO_NOT_CALL',
    'DoNotCall',
    'donotcall',
    'Do Not Contact',
    'do_not_contact_2025',
    "Don't call",
    'dont-call list',
    'Callback do-not-call requests',
    'DND list',
    'Do Not Disturb numbers',
    'Do-not-ring',
    'Opt-outs west',
    'Opt out list',
    'optedOut_2025',
    'Suppression list',
    'No llamar',
    'D\u200bNC',
    'ＤＮＣ list',
    'DNС list',
    'ԁnc',
  ])('protects %p', (name) => {
    expect(saysDoNotCall(name)).toBe(true);
    expect(checkList({ ...base(), name }, input())).toMatchObject({ allow: false, reason: 'protected', rule: 'not-dnc-name' });
  });

  it.each([
    'Old leads',
    'Grand NC leads',
    'Raleigh and NC survey',
    'Donation callers',
    'Dontae callers',
    'Downtown callers',
    'Condition callers',
    'Tornado not calling',
    'Abundance list',
    'Do nothing list',
    'Outbound west',
    'Options list',
    'Output review',
    'Optimized leads',
    'Supplier contacts',
    'Outdoor leads',
    'Q4 VIP callers',
    'NPS survey 2024',
    'Second call list',
    'Contact center leads',
    'Not called yet',
    'D N A test kit owners',
    'Windchill survey',
    'Landing page sign-ups',
    'SDNA 2024',
  ])('does not over-match %p', (name) => {
    expect(saysDoNotCall(name)).toBe(false);
  });
});
