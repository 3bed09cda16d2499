import { DESCRIPTION_MAX, NAME_MAX, textLength, truncateText } from '../kore/limits.js';

/**
 * The archive mark (README, "Recovery window"): what `archive` writes and what restore and the
 * grace-period deletion read. A list is "archived by us" only if BOTH hold:
 * - its name is `[expired] ` + the original name (cut to Kore's 48 characters), and
 * - its description is our record: `{"kcl":"archived",…}` with the original name and
 *   description, the time and the reason, within Kore's 256 characters.
 * A list someone named "[expired] …" by hand has no such description and is never treated as
 * ours: not deleted after a grace period, not "restored".
 */

export const ARCHIVE_PREFIX = '[expired] ';

export interface ArchiveRecord {
  /** The name before archiving (exact). */
  name: string;
  /** The description before archiving, whole or cut to fit (`cut: true`). */
  desc: string;
  /** When it was archived (ISO). */
  at: string;
  reason?: string;
  /** The original description did not fit whole: it is the audit trail's intent line that holds it. */
  cut?: true;
}

export function archivedName(name: string): string {
  return truncateText(ARCHIVE_PREFIX + name, NAME_MAX);
}

function encode(r: ArchiveRecord): string {
  return JSON.stringify({ kcl: 'archived', at: r.at, ...(r.reason ? { why: r.reason } : {}), name: r.name, desc: r.desc, ...(r.cut ? { cut: true } : {}) });
}

/**
 * The description that records an archive: the original name whole, the original description
 * whole if it fits in 256 characters with the rest, else cut (code point by code point, never
 * splitting an emoji) and flagged `cut`.
 */
export function archiveDescription(
  original: { name: string; description?: string },
  atIso: string,
  reason?: string,
): { description: string; cut: boolean } | undefined {
  const base: ArchiveRecord = { name: original.name, desc: original.description ?? '', at: atIso, ...(reason ? { reason } : {}) };
  const whole = encode(base);
  if (textLength(whole) <= DESCRIPTION_MAX) return { description: whole, cut: false };
  const chars = [...base.desc];
  // Binary search the longest prefix of the description that fits with the record around it.
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (textLength(encode({ ...base, desc: chars.slice(0, mid).join(''), cut: true })) <= DESCRIPTION_MAX) lo = mid;
    else hi = mid - 1;
  }
  const description = encode({ ...base, desc: chars.slice(0, lo).join(''), cut: true });
  // A 48-character name fits with the record even if every character is escaped; a name full of
  // control characters (escaped six times over) might not: then the list cannot be archived exactly.
  return textLength(description) <= DESCRIPTION_MAX ? { description, cut: true } : undefined;
}

/** A name that says "[expired]" without our record in the description: someone named it so by hand. */
export function looksArchived(name: string): boolean {
  return name.startsWith(ARCHIVE_PREFIX);
}

/** Our archive record in a list's name and description, or undefined when the list is not archived by us. */
export function readArchive(list: { name: string; description?: string }): ArchiveRecord | undefined {
  if (!list.name.startsWith(ARCHIVE_PREFIX) || !list.description?.startsWith('{"kcl":"archived"')) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(list.description);
  } catch {
    return undefined;
  }
  const r = v as Record<string, unknown>;
  if (r.kcl !== 'archived' || typeof r.name !== 'string' || typeof r.desc !== 'string' || typeof r.at !== 'string' || !Number.isFinite(Date.parse(r.at)))
    return undefined;
  if (r.why !== undefined && typeof r.why !== 'string') return undefined;
  // The name must be the one we wrote from the recorded original: a hand-edited name is not ours.
  if (archivedName(r.name) !== list.name) return undefined;
  return { name: r.name, desc: r.desc, at: r.at, ...(typeof r.why === 'string' ? { reason: r.why } : {}), ...(r.cut === true ? { cut: true as const } : {}) };
}
