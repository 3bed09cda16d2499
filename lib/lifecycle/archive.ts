import { DESCRIPTION_MAX, NAME_MAX, truncateText } from '../kore/limits.js';

/** Pure helpers for `list.expired` with `action: archive`: mark a list expired within Kore's 48/256 limits. */

export const ARCHIVE_PREFIX = '[expired] ';

export function isArchivedName(name: string): boolean {
  return name.startsWith(ARCHIVE_PREFIX);
}

export function archivedName(name: string): string {
  return isArchivedName(name) ? name : truncateText(ARCHIVE_PREFIX + name, NAME_MAX);
}

export function archivedDescription(previous: string | undefined, atIso: string, reason?: string): string {
  const note = `Expired ${atIso.slice(0, 10)}${reason ? ` (${reason})` : ''}.`;
  return truncateText(previous ? `${note} ${previous}` : note, DESCRIPTION_MAX);
}
