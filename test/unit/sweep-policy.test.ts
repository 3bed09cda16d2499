import fc from 'fast-check';
import type { ContactListSummary } from '../../lib/kore/types';
import { classifyList, selectCandidates } from '../../lib/sweep/policy';
import { aList } from '../helpers/factories';

const NOW = Date.UTC(2026, 10, 26);
const daysAgo = (d: number) => new Date(NOW - d * 86_400_000).toISOString();
const policy = { minIdleDays: 30, maxLists: 200 };

describe('sweep policy', () => {
  it.each<[string, Partial<ContactListSummary>, string]>([
    ['an idle unused list', { updatedAt: daysAgo(31) }, 'candidate'],
    ['a global DNC list', { updatedAt: daysAgo(400), isGlobalDNC: true }, 'protected'],
    ['a default list', { updatedAt: daysAgo(400), isDefault: true }, 'protected'],
    ['a list named like a DNC list without flags', { updatedAt: daysAgo(400), name: 'Campaign DNC list' }, 'protected'],
    ['a "do not call" list', { updatedAt: daysAgo(400), name: 'Do-Not-Call 2024' }, 'protected'],
    ['a list with isListInUse', { updatedAt: daysAgo(400), isListInUse: true }, 'in-use'],
    ['a list with campaignInUse but isListInUse false', { updatedAt: daysAgo(400), campaignInUse: [{ id: 'cd-1', name: 'C' }] }, 'in-use'],
    ['a validating list', { updatedAt: daysAgo(400), status: 'Validating' }, 'validating'],
    ['a list updated 29 days ago', { updatedAt: daysAgo(29) }, 'too-recent'],
    ['a list without updatedAt', { updatedAt: undefined }, 'too-recent'],
    ['a list with a garbage updatedAt', { updatedAt: 'last week' }, 'too-recent'],
  ])('classifies %s as %s', (_name, over, expected) => {
    const v = classifyList(aList(over), policy, NOW);
    expect(v.candidate ? 'candidate' : v.reason).toBe(expected);
  });

  it('applies the name pattern only to otherwise eligible lists', () => {
    const p = { ...policy, namePattern: /^tmp-/ };
    expect(classifyList(aList({ name: 'tmp-x', updatedAt: daysAgo(90) }), p, NOW).candidate).toBe(true);
    expect(classifyList(aList({ name: 'keep', updatedAt: daysAgo(90) }), p, NOW)).toEqual({ candidate: false, reason: 'pattern' });
  });

  it('orders candidates oldest first and caps them, counting the rest under cap', () => {
    const lists = [aList({ _id: 'cl-b', updatedAt: daysAgo(40) }), aList({ _id: 'cl-a', updatedAt: daysAgo(100) }), aList({ _id: 'cl-c', updatedAt: daysAgo(60) }), aList({ isDefault: true })];
    const s = selectCandidates(lists, { ...policy, maxLists: 2 }, NOW);
    expect(s.candidates.map((l) => l._id)).toEqual(['cl-a', 'cl-c']);
    expect(s.excluded).toEqual({ protected: 1, 'in-use': 0, validating: 0, 'too-recent': 0, pattern: 0, cap: 1 });
  });

  it('never makes a DNC, default or in-use list a candidate, for any list shape (property)', () => {
    const campaignRef = fc.record({ id: fc.string(), name: fc.string() });
    const anyList = fc.record(
      {
        _id: fc.string(),
        name: fc.string(),
        status: fc.constantFrom('Ready', 'Validated', 'Validating', 'Invalid', ''),
        isListInUse: fc.boolean(),
        campaignInUse: fc.array(campaignRef, { maxLength: 3 }),
        isGlobalDNC: fc.option(fc.boolean(), { nil: undefined }),
        isDefault: fc.option(fc.boolean(), { nil: undefined }),
        updatedAt: fc.option(fc.date({ min: new Date(0), max: new Date(NOW + 86_400_000), noInvalidDate: true }).map((d) => d.toISOString()), { nil: undefined }),
      },
      { requiredKeys: ['_id', 'name', 'isListInUse', 'campaignInUse'] },
    ) as fc.Arbitrary<ContactListSummary>;
    const anyPolicy = fc.record({
      minIdleDays: fc.integer({ min: 0, max: 400 }),
      maxLists: fc.integer({ min: 0, max: 50 }),
      namePattern: fc.option(fc.constantFrom(/.*/, /^tmp/, /x/), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(anyList, { maxLength: 40 }), anyPolicy, (lists, p) => {
        const { candidates, excluded } = selectCandidates(lists, p, NOW);
        for (const l of candidates) {
          expect(l.isGlobalDNC === true || l.isDefault === true).toBe(false);
          expect(l.isListInUse === true || l.campaignInUse.length > 0).toBe(false);
          expect(l.status).not.toBe('Validating');
        }
        expect(candidates.length).toBeLessThanOrEqual(p.maxLists);
        expect(candidates.length + Object.values(excluded).reduce((a, b) => a + b, 0)).toBe(lists.length);
      }),
      { numRuns: 500 },
    );
  });
});
