import fc from 'fast-check';
import { NO_DNC_REFERENCES } from '../../lib/guard/campaign-index';
import { archiveDescription, archivedName, MarkKey } from '../../lib/guard/archive-mark';
import { saysDoNotCall } from '../../lib/guard/list';
import type { KoreObject } from '../../lib/kore/types';
import { classifyList, selectCandidates } from '../../lib/sweep/policy';
import { aList, dncReferences } from '../helpers/factories';

const NOW = Date.UTC(2026, 10, 26);
const daysAgo = (d: number) => new Date(NOW - d * 86_400_000).toISOString();
const policy = { minIdleDays: 30, maxLists: 200 };
const KEYS = { markKey: new MarkKey('the-sweep-test-archive-key-of-32-chars') };
const classify = (l: KoreObject, p = policy, dnc = NO_DNC_REFERENCES) => {
  const v = classifyList(l, dnc, p, KEYS, NOW);
  return v.candidate ? 'candidate' : v.reason;
};

describe('sweep policy', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['an idle unused list', { updatedAt: daysAgo(31) }, 'candidate'],
    ['a global DNC list', { updatedAt: daysAgo(400), isGlobalDNC: true }, 'protected'],
    ['a default list', { updatedAt: daysAgo(400), isDefault: true }, 'protected'],
    ['a list named like a DNC list', { updatedAt: daysAgo(400), name: 'Campaign DNC list' }, 'protected'],
    ['a "do not call" list', { updatedAt: daysAgo(400), name: 'Do-Not-Call 2024' }, 'protected'],
    ['a list with isListInUse', { updatedAt: daysAgo(400), isListInUse: true }, 'in-use'],
    ['a list with campaignInUse but isListInUse false', { updatedAt: daysAgo(400), campaignInUse: [{ id: 'cd-1', name: 'C' }] }, 'in-use'],
    ['a validating list', { updatedAt: daysAgo(400), status: 'Validating' }, 'unsettled'],
    ['a list updated 29 days ago', { updatedAt: daysAgo(29) }, 'too-recent'],
    ['a list without updatedAt', { updatedAt: undefined }, 'unverifiable'],
    ['a list with a garbage updatedAt', { updatedAt: 'last week' }, 'unverifiable'],
    // getAllListDetails is not documented to carry isGlobalDNC/isDefault: the consumer's GET must prove them.
    ['a list whose getAllListDetails entry lacks isDefault (left for the consumer to verify)', { updatedAt: daysAgo(400), isDefault: undefined }, 'candidate'],
    ['a list whose entry says isDefault "false" as a string', { updatedAt: daysAgo(400), isDefault: 'false' }, 'unverifiable'],
    ['a list whose entry lacks isListInUse', { updatedAt: daysAgo(400), isListInUse: undefined }, 'unverifiable'],
  ])('classifies %s as %s', (_name, over, expected) => {
    const l = Object.fromEntries(Object.entries(aList(over)).filter(([, v]) => v !== undefined));
    expect(classify(l)).toBe(expected);
  });

  it("never makes a campaign's DNC list a candidate, even one with a plain name and no flags", () => {
    const l = aList({ _id: 'cl-plain', name: 'Holiday exclusions', updatedAt: daysAgo(400) });
    expect(classify(l, policy, dncReferences({ byId: { 'cl-plain': ['cd-1'] } }))).toBe('protected');
    expect(classify(l, policy, dncReferences({ byName: { 'holiday exclusions': ['cd-sms'] } }))).toBe('protected');
  });

  it('applies the name pattern only to otherwise eligible lists', () => {
    const p = { ...policy, namePattern: /^tmp-/ };
    expect(classify(aList({ name: 'tmp-x', updatedAt: daysAgo(90) }), p)).toBe('candidate');
    expect(classify(aList({ name: 'keep', updatedAt: daysAgo(90) }), p)).toBe('pattern');
  });

  it('orders candidates oldest first and caps them, counting the rest under cap', () => {
    const lists = [
      aList({ _id: 'cl-b', updatedAt: daysAgo(40) }),
      aList({ _id: 'cl-a', updatedAt: daysAgo(100) }),
      aList({ _id: 'cl-c', updatedAt: daysAgo(60) }),
      aList({ isDefault: true }),
    ];
    const s = selectCandidates(lists, NO_DNC_REFERENCES, { ...policy, maxLists: 2 }, KEYS, NOW);
    expect(s.candidates.map((c) => c.list.id)).toEqual(['cl-a', 'cl-c']);
    expect(s.excluded).toEqual({ unverifiable: 0, protected: 1, 'in-use': 0, unsettled: 0, 'too-recent': 0, pattern: 0, archived: 0, 'not-ours': 0, cap: 1 });
  });

  it('never makes a DNC, default, in-use, unsettled or unverifiable list a candidate, for any list shape (property)', () => {
    const maybe = <T>(a: fc.Arbitrary<T>) => fc.oneof({ arbitrary: a, weight: 10 }, fc.constant(undefined), fc.constant('false'));
    const anyList = fc.record({
      _id: fc.string(),
      name: maybe(fc.oneof(fc.string(), fc.constantFrom('DNC', 'do not call', 'VIP'))),
      status: maybe(fc.constantFrom('Ready', 'Validated', 'Validating', 'Invalid', '')),
      isListInUse: maybe(fc.boolean()),
      campaignInUse: maybe(fc.array(fc.record({ id: fc.string(), name: fc.string() }), { maxLength: 2 })),
      isGlobalDNC: maybe(fc.boolean()),
      isDefault: maybe(fc.boolean()),
      updatedAt: maybe(fc.date({ min: new Date(0), max: new Date(NOW + 86_400_000), noInvalidDate: true }).map((d) => d.toISOString())),
    });
    const anyPolicy = fc.record({
      minIdleDays: fc.integer({ min: 0, max: 400 }),
      maxLists: fc.integer({ min: 0, max: 50 }),
      namePattern: fc.option(fc.constantFrom(/.*/, /^tmp/, /x/), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(anyList, { selector: (l) => l._id, maxLength: 40 }), anyPolicy, (raws, p) => {
        const lists = raws.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as KoreObject);
        const { candidates, excluded } = selectCandidates(lists, NO_DNC_REFERENCES, p, KEYS, NOW);
        for (const { list: l } of candidates) {
          const raw = lists.find((x) => x._id === l.id)!;
          expect([raw.isGlobalDNC, raw.isDefault].every((f) => f === false || f === undefined)).toBe(true);
          expect(raw.isListInUse).toBe(false);
          expect(l.unverified).toEqual(['isGlobalDNC', 'isDefault'].filter((k) => raw[k] === undefined));
          expect(l.campaignIds).toEqual([]);
          expect(['Ready', 'Validated', 'Invalid']).toContain(l.status);
          expect(saysDoNotCall(l.name)).toBe(false);
          expect(NOW - l.updatedAtMs).toBeGreaterThanOrEqual(p.minIdleDays * 86_400_000);
        }
        expect(candidates.length).toBeLessThanOrEqual(p.maxLists);
        expect(candidates.length + Object.values(excluded).reduce((a, b) => a + b, 0)).toBe(lists.length);
      }),
      { numRuns: 500 },
    );
  });
});

describe('sweep policy: archived lists (archive-then-delete)', () => {
  const deletion = { mode: 'archive-then-delete' as const, graceDays: 7 };
  const archived = (id: string, at: string, opts: { held?: boolean; key?: MarkKey; updatedAt?: string } = {}) =>
    aList({
      _id: id,
      name: archivedName('Old leads'),
      description: archiveDescription(id, { name: 'Old leads', description: 'x' }, at, opts.key ?? KEYS.markKey, { ...(opts.held ? { held: true } : {}) })!
        .description,
      updatedAt: opts.updatedAt ?? at,
    });

  it('queues for deletion only a verified mark past its grace period, counted from the recorded archive time', () => {
    const p = { ...policy, deletion };
    expect(classify(archived('cl-1', daysAgo(8)), p)).toBe('candidate');
    expect(classify(archived('cl-2', daysAgo(3)), p)).toBe('archived');
    // Kore did not move updatedAt on our rename three days ago: the record's time counts.
    expect(classify(archived('cl-3', daysAgo(3), { updatedAt: daysAgo(90) }), p)).toBe('archived');
  });

  it('never queues a held list, nor a mark signed with another key (forged): the latter is not-ours', () => {
    const p = { ...policy, deletion };
    expect(classify(archived('cl-1', daysAgo(30), { held: true }), p)).toBe('archived');
    expect(classify(archived('cl-2', daysAgo(30), { key: new MarkKey('a-forger-who-knows-the-format-only') }), p)).toBe('not-ours');
    const s = selectCandidates([archived('cl-1', daysAgo(30), { held: true })], NO_DNC_REFERENCES, p, KEYS, NOW);
    expect(s.waiting).toEqual([expect.objectContaining({ record: expect.objectContaining({ held: true }) })]);
    expect(s.waiting[0]!.deleteAfterMs).toBeUndefined();
  });
});
