import { ARCHIVE_PREFIX, archiveDescription, archivedName, archivedNameFor, looksLikeRecord, MarkKey, readArchive } from '../../lib/guard/archive-mark';
import { DESCRIPTION_MAX, NAME_MAX, textLength } from '../../lib/kore/limits';

const AT = '2026-11-26T10:00:00.000Z';
const KEY = new MarkKey('a-deployment-archive-key-of-32-chars-or-more');
const ID = 'cl-archive-me-0011';

describe('the archive mark', () => {
  it('prefixes the name and keeps it within 48 UTF-16 units, never splitting an emoji', () => {
    expect(archivedName('Winback Q3')).toBe('[expired] Winback Q3');
    const long = archivedName('x'.repeat(48));
    expect(textLength(long)).toBe(NAME_MAX);
    expect(long.startsWith(ARCHIVE_PREFIX)).toBe(true);
    expect(long.endsWith('…')).toBe(true);
    const emoji = archivedName('🎉'.repeat(48));
    // 10 units of prefix + 18 emoji (36 units) + '…' = 47: the 19th emoji would not fit whole.
    expect(textLength(emoji)).toBe(47);
    expect(emoji).not.toMatch(/\uD83C…$/); // never cuts a surrogate pair in half
  });

  it('records the original name and description exactly, signed, and reads them back', () => {
    const list = { name: 'Old partner referrals', description: 'Referrals from partners, 2023 "Q4" \\ ✓' };
    const r = archiveDescription(ID, list, AT, KEY, { reason: 'crm-expiry' })!;
    expect(r.cut).toBe(false);
    expect(textLength(r.description)).toBeLessThanOrEqual(DESCRIPTION_MAX);
    expect(JSON.parse(r.description)).toMatchObject({ kcl: 'archived', sig: expect.stringMatching(/^[\w-]{22}$/) });
    expect(readArchive({ id: ID, name: archivedName(list.name), description: r.description }, KEY)).toEqual({
      ours: true,
      record: { name: list.name, desc: list.description, at: AT, reason: 'crm-expiry' },
    });
  });

  it('keeps a 48-character name whole and cuts a description too long to keep, flagged as cut', () => {
    const list = { name: 'n'.repeat(48), description: '🎉'.repeat(128) }; // 256 units: it cannot fit with the record
    const r = archiveDescription(ID, list, AT, KEY, { reason: 'x'.repeat(40) })!;
    expect(r.cut).toBe(true);
    expect(textLength(r.description)).toBeLessThanOrEqual(DESCRIPTION_MAX);
    const back = readArchive({ id: ID, name: archivedName(list.name), description: r.description }, KEY);
    if (!back?.ours) throw new Error(`not read back: ${JSON.stringify(back)}`);
    expect(back.record.name).toBe(list.name);
    expect(back.record.cut).toBe(true);
    expect(list.description.startsWith(back.record.desc)).toBe(true);
    expect(back.record.desc.length).toBeGreaterThan(0);
    expect(back.record.desc).not.toMatch(/[\uD800-\uDBFF]$/);
    // The worst name for JSON (every character escaped) still fits with the record.
    expect(archiveDescription(ID, { name: '"'.repeat(48), description: 'd'.repeat(256) }, AT, KEY, { reason: 'r'.repeat(40) })).toBeDefined();
  });

  it('does not take a hand-named "[expired]" list, an edited name or a foreign description for ours', () => {
    const r = archiveDescription(ID, { name: 'A', description: '' }, AT, KEY)!.description;
    expect(readArchive({ id: ID, name: 'A', description: r }, KEY)).toBeUndefined();
    expect(readArchive({ id: ID, name: '[expired] A', description: 'archived by Jane' }, KEY)).toMatchObject({ ours: false });
    expect(readArchive({ id: ID, name: '[expired] B', description: r }, KEY)).toMatchObject({ ours: false, why: expect.stringMatching(/signature|name/) });
    expect(readArchive({ id: ID, name: '[expired] A', description: '{"kcl":"archived","name":"A"}' }, KEY)).toMatchObject({ ours: false });
    expect(readArchive({ id: ID, name: '[expired] A', description: r }, KEY)).toMatchObject({ ours: true, record: { name: 'A', desc: '' } });
  });

  it('cannot be forged: a record without the key, for another list, or with one field changed does not verify', () => {
    const name = 'Q4 VIP callers';
    const real = JSON.parse(archiveDescription(ID, { name, description: 'VIPs' }, AT, KEY)!.description) as Record<string, unknown>;
    const forgedKey = archiveDescription(ID, { name, description: 'VIPs' }, AT, new MarkKey('someone-elses-key-of-32-characters-at-least'))!.description;
    const unsigned = JSON.stringify({ kcl: 'archived', at: AT, name, desc: 'VIPs' });
    const backdated = JSON.stringify({ ...real, at: '2020-01-01T00:00:00.000Z' });
    const otherList = archiveDescription('cl-someone-else', { name, description: 'VIPs' }, AT, KEY)!.description;
    for (const description of [forgedKey, unsigned, backdated, otherList]) {
      expect(readArchive({ id: ID, name: archivedName(name), description }, KEY)).toMatchObject({ ours: false });
    }
  });

  it('signs a held record apart: the hold cannot be added or removed by hand', () => {
    const held = archiveDescription(ID, { name: 'A', description: 'd' }, AT, KEY, { held: true })!.description;
    expect(readArchive({ id: ID, name: '[expired] A', description: held }, KEY)).toMatchObject({ ours: true, record: { held: true } });
    const unheld = JSON.stringify({ ...(JSON.parse(held) as object), held: undefined });
    expect(readArchive({ id: ID, name: '[expired] A', description: unheld }, KEY)).toMatchObject({ ours: false });
  });

  it('signs the alternative name a taken name made it use: only that name, with that list id, is ours', () => {
    const name = 'Weekly callbacks';
    const alt = archivedNameFor(name, ID);
    expect(alt).toBe('[expired] Weekly callbacks ~-me-0011');
    const long = archivedNameFor('x'.repeat(NAME_MAX), ID);
    expect(textLength(long)).toBe(NAME_MAX);
    expect(long.endsWith(' ~-me-0011')).toBe(true);
    const d = archiveDescription(ID, { name, description: 'd' }, AT, KEY, { as: alt })!.description;
    expect(readArchive({ id: ID, name: alt, description: d }, KEY)).toMatchObject({ ours: true, record: { name, as: alt } });
    // The default name with that record, or the record's `as` edited to another name: not ours.
    expect(readArchive({ id: ID, name: archivedName(name), description: d }, KEY)).toMatchObject({ ours: false });
    const edited = JSON.stringify({ ...(JSON.parse(d) as object), as: '[expired] Weekly callbacks ~other' });
    expect(readArchive({ id: ID, name: '[expired] Weekly callbacks ~other', description: edited }, KEY)).toMatchObject({ ours: false });
    // A record without `as` still signs as before: marks written earlier keep verifying.
    const plain = archiveDescription(ID, { name, description: 'd' }, AT, KEY)!.description;
    expect(JSON.parse(plain)).not.toHaveProperty('as');
    expect(readArchive({ id: ID, name: archivedName(name), description: plain }, KEY)).toMatchObject({ ours: true });
  });

  it('knows a description shaped like a record, to refuse it in list.update', () => {
    expect(looksLikeRecord('{"kcl":"archived","at":"x"}')).toBe(true);
    expect(looksLikeRecord('  { "kcl" : "archived" }')).toBe(true);
    expect(looksLikeRecord('{"name":"x","kcl":1}')).toBe(true);
    expect(looksLikeRecord('Leads from the kcl conference')).toBe(false);
    expect(looksLikeRecord('{"note":"json, but not ours"}')).toBe(false);
  });
});
