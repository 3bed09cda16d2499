import type { ArchiveRecord, MarkKey } from './archive-mark.js';
import { readArchive } from './archive-mark.js';
import type { VerifiedList } from './list.js';
import type { Refusal } from './rules.js';
import { refuse } from './rules.js';

const DAY_MS = 86_400_000;

/**
 * When an archived list may be deleted: GRACE_DAYS after the later of its last change and the
 * archive time our record holds. Kore does not document that a rename moves `updatedAt`; the
 * recorded time counts even when it did not, and a change after the archive counts too.
 */
export function deleteAfterMs(list: Pick<VerifiedList, 'updatedAtMs'>, record: Pick<ArchiveRecord, 'at'>, graceDays: number): number {
  const at = Date.parse(record.at);
  return Math.max(list.updatedAtMs, Number.isFinite(at) ? at : Number.POSITIVE_INFINITY) + graceDays * DAY_MS;
}

export type GraceCheck =
  /** Not archived: the caller archives it instead of deleting it. */
  | { archived: false }
  /** Named "[expired] …" without our verified record: never deleted after a grace period. */
  | { archived: 'not-ours'; why: string }
  | { archived: true; record: ArchiveRecord; refusal?: Refusal };

/**
 * The `archived-for-grace` rule of `archive-then-delete` mode: a DELETE needs our verified archive
 * mark, not held by a restore, and GRACE_DAYS since the archive and since the list's last change.
 */
export function checkGrace(list: VerifiedList, key: MarkKey, nowMs: number, graceDays: number): GraceCheck {
  const reading = readArchive(list, key);
  if (!reading) return { archived: false };
  if (!reading.ours) return { archived: 'not-ours', why: reading.why };
  const { record } = reading;
  if (record.held) return { archived: true, record, refusal: refuse('archived-for-grace', 'held: a restore could not put its name back; restore it again') };
  const after = deleteAfterMs(list, record, graceDays);
  if (nowMs < after) {
    return { archived: true, record, refusal: refuse('archived-for-grace', `archived ${record.at}; may be deleted after ${new Date(after).toISOString()}`) };
  }
  return { archived: true, record };
}
