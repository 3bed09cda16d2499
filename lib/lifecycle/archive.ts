import { DESCRIPTION_MAX, NAME_MAX } from '../kore/ids.js';

/** Pure helpers for `list.expired` with `action: archive`: mark a list expired within 48/256 characters. */

export const ARCHIVE_PREFIX = '[expired] ';

function truncate(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : chars.slice(0, max - 1).join('') + '…';
}

export function isArchivedName(name: string): boolean {
  return name.startsWith(ARCHIVE_PREFIX);
}

export function archivedName(name: string): string {
  return isArchivedName(name) ? name : truncate(ARCHIVE_PREFIX + name, NAME_MAX);
}

export function archivedDescription(previous: string | undefined, atIso: string, reason?: string): string {
  const note = `Expired ${atIso.slice(0, 10)}${reason ? ` (${reason})` : ''}.`;
  return truncate(previous ? `${note} ${previous}` : note, DESCRIPTION_MAX);
}
