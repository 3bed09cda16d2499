import { ARCHIVE_PREFIX, archivedDescription, archivedName, isArchivedName } from '../../lib/lifecycle/archive';
import { textLength } from '../../lib/kore/limits';

describe('archive names', () => {
  it('prefixes the name and keeps it within 48 UTF-16 units, never splitting an emoji', () => {
    expect(archivedName('Winback Q3')).toBe('[expired] Winback Q3');
    const long = archivedName('x'.repeat(48));
    expect(textLength(long)).toBe(48);
    expect(long.startsWith(ARCHIVE_PREFIX)).toBe(true);
    expect(long.endsWith('…')).toBe(true);
    const emoji = archivedName('🎉'.repeat(48));
    // 10 units of prefix + 18 emoji (36 units) + '…' = 47: the 19th emoji would not fit whole.
    expect(textLength(emoji)).toBe(47);
    expect(emoji).not.toMatch(/\uD83C$/); // never cuts a surrogate pair in half
  });

  it('is idempotent: an archived name is left as it is', () => {
    expect(isArchivedName('[expired] A')).toBe(true);
    expect(archivedName('[expired] A')).toBe('[expired] A');
  });

  it('notes the date and reason first and keeps the description within 256 characters', () => {
    expect(archivedDescription(undefined, '2026-11-26T10:00:00.000Z', 'crm-expiry')).toBe('Expired 2026-11-26 (crm-expiry).');
    const d = archivedDescription('d'.repeat(256), '2026-11-26T10:00:00.000Z');
    expect(textLength(d)).toBe(256);
    expect(d.startsWith('Expired 2026-11-26. ddd')).toBe(true);
  });
});
