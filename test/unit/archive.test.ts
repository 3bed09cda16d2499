import { ARCHIVE_PREFIX, archiveDescription, archivedName, readArchive } from '../../lib/guard/archive-mark';
import { DESCRIPTION_MAX, NAME_MAX, textLength } from '../../lib/kore/limits';

const AT = '2026-11-26T10:00:00.000Z';

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

  it('records the original name and description exactly, and reads them back', () => {
    const list = { name: 'Old partner referrals', description: 'Referrals from partners, 2023 "Q4" \\ ✓' };
    const r = archiveDescription(list, AT, 'crm-expiry')!;
    expect(r.cut).toBe(false);
    expect(textLength(r.description)).toBeLessThanOrEqual(DESCRIPTION_MAX);
    expect(readArchive({ name: archivedName(list.name), description: r.description })).toEqual({
      name: list.name,
      desc: list.description,
      at: AT,
      reason: 'crm-expiry',
    });
  });

  it('keeps a 48-character name whole and cuts a description too long to keep, flagged as cut', () => {
    const list = { name: 'n'.repeat(48), description: '🎉'.repeat(128) }; // 256 units: it cannot fit with the record
    const r = archiveDescription(list, AT, 'x'.repeat(64))!;
    expect(r.cut).toBe(true);
    expect(textLength(r.description)).toBeLessThanOrEqual(DESCRIPTION_MAX);
    const back = readArchive({ name: archivedName(list.name), description: r.description })!;
    expect(back.name).toBe(list.name);
    expect(back.cut).toBe(true);
    expect(list.description.startsWith(back.desc)).toBe(true);
    expect(back.desc.length).toBeGreaterThan(0);
    expect(back.desc).not.toMatch(/[\uD800-\uDBFF]$/);
    // The worst name for JSON (every character escaped) still fits with the record.
    expect(archiveDescription({ name: '"'.repeat(48), description: 'd'.repeat(256) }, AT, 'r'.repeat(64))).toBeDefined();
  });

  it('does not take a hand-named "[expired]" list, an edited name or a foreign description for ours', () => {
    const r = archiveDescription({ name: 'A', description: '' }, AT)!.description;
    expect(readArchive({ name: '[expired] A', description: 'archived by Jane' })).toBeUndefined();
    expect(readArchive({ name: '[expired] B', description: r })).toBeUndefined();
    expect(readArchive({ name: 'A', description: r })).toBeUndefined();
    expect(readArchive({ name: '[expired] A', description: '{"kcl":"archived","name":"A"}' })).toBeUndefined();
    expect(readArchive({ name: '[expired] A', description: r })).toMatchObject({ name: 'A', desc: '' });
  });
});
