import type { ArchiveRecord } from './archive-mark.js';
import { readArchive } from './archive-mark.js';
import type { VerifiedList } from './list.js';
import type { Refusal } from './rules.js';
import { refuse } from './rules.js';

const DAY_MS = 86_400_000;

/** When an archived list may be deleted: GRACE_DAYS after its last change (the archive itself). */
export function deleteAfterMs(list: Pick<VerifiedList, 'updatedAtMs'>, graceDays: number): number {
  return list.updatedAtMs + graceDays * DAY_MS;
}

/**
 * The `archived-for-grace` rule of `archive-then-delete` mode: a DELETE needs our archive mark
 * and GRACE_DAYS without a change since. `archived: false` means the list is not archived by
 * us yet (the caller archives it instead of deleting it).
 */
export function checkGrace(
  list: VerifiedList,
  nowMs: number,
  graceDays: number,
): { archived: false } | { archived: true; record: ArchiveRecord; refusal?: Refusal } {
  const record = readArchive(list);
  if (!record) return { archived: false };
  const after = deleteAfterMs(list, graceDays);
  if (nowMs < after)
    return {
      archived: true,
      record,
      refusal: refuse('archived-for-grace', `archived ${list.updatedAt}; may be deleted after ${new Date(after).toISOString()}`),
    };
  return { archived: true, record };
}
