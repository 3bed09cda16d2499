import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { DESCRIPTION_MAX, NAME_MAX, textLength, truncateText } from '../kore/limits.js';

/**
 * The archive mark (docs/safety-model.md, "Recovery window"): what `archive` writes and what
 * restore and the grace-period deletion read. A list is "archived by us" only if ALL hold:
 * - its name is `[expired] ` + the original name (cut to Kore's 48 characters);
 * - its description is our record: `{"kcl":"archived",…}` with the original name and
 *   description, the time and the reason, within Kore's 256 characters;
 * - the record's `sig` is an HMAC over the list's id and everything the record says, keyed from
 *   this deployment's secret (`archiveKey`, else the Kore client secret). Anyone can rename a list
 *   in Kore and type such a description; nobody without the key can make one that verifies, so
 *   nothing forged is ever restored from or deleted after a grace period.
 */

export const ARCHIVE_PREFIX = '[expired] ';
const MARK_VERSION = 'kcl-archive-v1';
/** 16 bytes of HMAC-SHA256, base64url: 22 characters of the 256. */
const SIG_BYTES = 16;

export interface ArchiveRecord {
  /** The name before archiving (exact). */
  name: string;
  /** The description before archiving, whole or cut to fit (`cut: true`). */
  desc: string;
  /** When it was archived (ISO). */
  at: string;
  reason?: string;
  /** The original description did not fit whole: the archive's audit intent line holds it. */
  cut?: true;
  /** A restore could not put a name back: kept archived, and never deleted after a grace period. */
  held?: true;
  /**
   * The name the list was archived under, when not `archivedName(name)`: that one was taken (another
   * list's archive, or two long names cut to the same one), so it carries the list's id (signed).
   */
  as?: string;
}

/** Signs and checks archive records; built from the deployment's secret (lib/aws/secrets.ts). */
export class MarkKey {
  private readonly key: Buffer;

  constructor(material: string) {
    // HKDF, so the key that signs marks is never the Kore secret itself.
    this.key = Buffer.from(hkdfSync('sha256', material, 'kore-campaign-lifecycle', MARK_VERSION, 32));
  }

  sign(listId: string, r: ArchiveRecord): string {
    const data = JSON.stringify([
      MARK_VERSION,
      listId,
      r.at,
      r.reason ?? '',
      r.name,
      r.desc,
      r.cut ? 1 : 0,
      r.held ? 1 : 0,
      ...(r.as !== undefined ? [r.as] : []),
    ]);
    return createHmac('sha256', this.key).update(data).digest().subarray(0, SIG_BYTES).toString('base64url');
  }

  verify(listId: string, r: ArchiveRecord, sig: string): boolean {
    const want = Buffer.from(this.sign(listId, r));
    const got = Buffer.from(sig);
    return want.length === got.length && timingSafeEqual(want, got);
  }
}

const keys = new WeakMap<object, MarkKey>();

/** The mark key of a set of credentials, derived once: `archiveKey` when the secret has one, else the client secret. */
export function markKeyOf(creds: { clientSecret: string; archiveKey?: string }): MarkKey {
  let k = keys.get(creds);
  if (!k) {
    k = new MarkKey(creds.archiveKey ?? creds.clientSecret);
    keys.set(creds, k);
  }
  return k;
}

export function archivedName(name: string): string {
  return truncateText(ARCHIVE_PREFIX + name, NAME_MAX);
}

/** The archived name when `archivedName(name)` is taken: the list's id makes it this list's own. */
export function archivedNameFor(name: string, listId: string): string {
  const suffix = ` ~${listId.slice(-8)}`;
  return truncateText(ARCHIVE_PREFIX + name, NAME_MAX - textLength(suffix)) + suffix;
}

function encode(r: ArchiveRecord, sig: string): string {
  return JSON.stringify({
    kcl: 'archived',
    at: r.at,
    ...(r.reason !== undefined ? { why: r.reason } : {}),
    name: r.name,
    desc: r.desc,
    ...(r.cut ? { cut: true } : {}),
    ...(r.held ? { held: true } : {}),
    ...(r.as !== undefined ? { as: r.as } : {}),
    sig,
  });
}

/**
 * The description that records an archive: the original name whole, the original description
 * whole if it fits in 256 characters with the rest, else cut (code point by code point, never
 * splitting an emoji) and flagged `cut`; signed for this list.
 */
export function archiveDescription(
  listId: string,
  original: { name: string; description: string },
  atIso: string,
  key: MarkKey,
  opts: { reason?: string; held?: boolean; as?: string } = {},
): { description: string; cut: boolean } | undefined {
  const base: ArchiveRecord = {
    name: original.name,
    desc: original.description,
    at: atIso,
    ...(opts.reason ? { reason: opts.reason } : {}),
    ...(opts.held ? { held: true as const } : {}),
    ...(opts.as !== undefined ? { as: opts.as } : {}),
  };
  const make = (r: ArchiveRecord) => encode(r, key.sign(listId, r));
  const fits = (d: string) => textLength(d) <= DESCRIPTION_MAX;
  // The reason goes first when room is short (the logs keep it); the description is cut last.
  const variants: ArchiveRecord[] = base.reason ? [base, { ...base, reason: undefined }] : [base];
  for (const r of variants) {
    const whole = make(r);
    if (fits(whole)) return { description: whole, cut: false };
  }
  const r = variants.at(-1)!;
  const chars = [...r.desc];
  // Binary search the longest prefix of the description that fits with the record around it.
  const cutTo = (n: number) => make({ ...r, desc: chars.slice(0, n).join(''), cut: true });
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(cutTo(mid))) lo = mid;
    else hi = mid - 1;
  }
  const description = cutTo(lo);
  if (fits(description)) return { description, cut: true };
  // A 48-character name fits with the record even if every character is escaped; a name full of
  // control characters (escaped six times over) might not: then the list cannot be archived exactly.
  return undefined;
}

/** A name that says "[expired]": archived by us only if the description is our record and it verifies. */
export function looksArchived(name: string): boolean {
  return name.trimStart().toLowerCase().startsWith(ARCHIVE_PREFIX.trim().toLowerCase());
}

/** A description shaped like our record (whether or not it verifies): `list.update` may not write one. */
export function looksLikeRecord(description: string): boolean {
  const d = description.trimStart();
  if (d.startsWith('{"kcl"') || /^\{\s*"kcl"\s*:/.test(d)) return true;
  try {
    const v = JSON.parse(d) as unknown;
    return v !== null && typeof v === 'object' && Object.hasOwn(v, 'kcl');
  } catch {
    return false;
  }
}

export type ArchiveReading =
  /** Our mark, verified. */
  | { ours: true; record: ArchiveRecord }
  /** Named "[expired] …" (by hand, or with a record that does not verify): never restored from or deleted after a grace period. */
  | { ours: false; why: string }
  /** Not archived at all. */
  | undefined;

/** Reads a list's name and description: our verified mark, something that only looks like one, or nothing. */
export function readArchive(list: { id: string; name: string; description?: string }, key: MarkKey): ArchiveReading {
  if (!looksArchived(list.name)) return undefined;
  const notOurs = (why: string) => ({ ours: false as const, why });
  if (!list.description?.startsWith('{"kcl":"archived"')) return notOurs('the name starts with [expired] but the description is not our archive record');
  let v: unknown;
  try {
    v = JSON.parse(list.description);
  } catch {
    return notOurs('the archive record is not JSON');
  }
  const r = v as Record<string, unknown>;
  if (
    r.kcl !== 'archived' ||
    typeof r.name !== 'string' ||
    typeof r.desc !== 'string' ||
    typeof r.at !== 'string' ||
    !Number.isFinite(Date.parse(r.at)) ||
    typeof r.sig !== 'string' ||
    (r.why !== undefined && typeof r.why !== 'string') ||
    (r.as !== undefined && (typeof r.as !== 'string' || !looksArchived(r.as)))
  )
    return notOurs('the archive record is incomplete');
  const record: ArchiveRecord = {
    name: r.name,
    desc: r.desc,
    at: r.at,
    ...(typeof r.why === 'string' ? { reason: r.why } : {}),
    ...(r.cut === true ? { cut: true as const } : {}),
    ...(r.held === true ? { held: true as const } : {}),
    ...(typeof r.as === 'string' ? { as: r.as } : {}),
  };
  if (!key.verify(list.id, record, r.sig)) {
    return notOurs("the archive record's signature does not verify: not written by this deployment for this list (or its key changed)");
  }
  // The name must be the one we wrote from the recorded original: a hand-edited name is not ours.
  if ((record.as ?? archivedName(record.name)) !== list.name) return notOurs('the name was changed after the archive');
  return { ours: true, record };
}
