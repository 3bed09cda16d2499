import * as z from 'zod/mini';
import type { KoreObject } from '../kore/types.js';
import type { DncReferences } from './campaign-index.js';
import { dncListKey } from './campaign-index.js';
import { BOOLEAN, field, isoTime, STRING } from './fields.js';
import type { Verdict } from './rules.js';
import { refuse } from './rules.js';

/** A list whose every guarded field was present and well typed in Kore's reply. */
export interface VerifiedList {
  id: string;
  name: string;
  description?: string;
  status: string;
  isGlobalDNC: boolean;
  isDefault: boolean;
  isListInUse: boolean;
  /** Ids of the campaigns in `campaignInUse` (Kore's table says ids, its samples `{id,name}` objects: both are read). */
  campaignIds: string[];
  updatedAt: string;
  updatedAtMs: number;
  /**
   * Flags a listing did not carry (getAllListDetails is not documented to carry `isGlobalDNC` and
   * `isDefault`): the consumer's GET must prove them before anything is deleted.
   */
  unverified: string[];
}

/**
 * Where the reply came from. `get` (GET contact list, the consumer's last check): every field
 * must be there. `listing` (getAllListDetails, for the sweep and the fan-out, which only pick
 * candidates for the consumer): the flags Kore does not document for that call may be absent,
 * and are then left for the consumer's GET to prove; when present they must be false.
 */
export type ListSource = 'get' | 'listing';
const LISTING_MAY_OMIT = ['isGlobalDNC', 'isDefault'] as const;

/**
 * Statuses in which a list is not being imported or processed (docs/kore-api.md, "List
 * status"). `Validating` is a CSV import in progress; any status not named here is unknown and
 * therefore not settled.
 */
export const SETTLED_LIST_STATUSES: readonly string[] = ['Ready', 'Validated', 'Invalid'];

/** Letters of other scripts that look like Latin ones (Cyrillic, Greek): "DNС" with a Cyrillic С is a DNC list too. */
const LOOK_ALIKES: Record<string, string> = {
  А: 'A',
  В: 'B',
  С: 'C',
  Е: 'E',
  Н: 'H',
  К: 'K',
  М: 'M',
  О: 'O',
  Р: 'P',
  Т: 'T',
  Х: 'X',
  Ѕ: 'S',
  І: 'I',
  Ј: 'J',
  Ԁ: 'D',
  а: 'a',
  с: 'c',
  е: 'e',
  о: 'o',
  р: 'p',
  х: 'x',
  у: 'y',
  ѕ: 's',
  і: 'i',
  ј: 'j',
  ԁ: 'd',
  һ: 'h',
  ո: 'n',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Χ: 'X',
  Ζ: 'Z',
  ο: 'o',
  ν: 'v',
  ρ: 'p',
  τ: 't',
  ι: 'i',
  κ: 'k',
};

/** "do not <verb>", however spelled, in the languages a contact-center list is likely named in. */
const DO_NOT =
  /\bdo ?n[o ]?t ?(call|contact|dial|text|disturb|ring|phone|email|sms|message)|\bopt(ed)? ?outs?\b|\bsuppress(ion|ed)?\b|\bno ?llamar|\bne pas (appeler|contacter)|\bnicht (anrufen|kontaktieren)|\bniet bellen/;

/**
 * Does the name say "do not call"? Kore's flags are the first rule; this one catches a campaign's
 * own DNC list, which is an ordinary list with `isGlobalDNC: false`, however its name is joined:
 * `DNC`, `DNC_list`, `SMS_DNC`, `DNClist`, `dnc2024`, `D.N.C.`, "Do Not Call", "do-not-contact",
 * `DoNotCall`, "don't call", "DND" and "Do Not Disturb" (India's registry), opt-out and
 * suppression lists, "No llamar". The name is first folded to plain letters (NFKC: fullwidth
 * `ＤＮＣ`; invisible format characters dropped: `D\u200bNC`; Cyrillic and Greek look-alikes:
 * `DNС`), then cut into words (at anything that is not a letter or a digit, `_` included, at camel
 * case and at letter/digit changes), so ordinary words that hold the letters across a word break
 * ("Grand NC leads", "Donation callers") do not match. No English word contains "dnc" or "dnd", so
 * a word that does is a DNC list's. Matching more than needed only keeps a list (fail closed).
 */
export function saysDoNotCall(name: string): boolean {
  const folded = [...name.normalize('NFKC').replace(/\p{Cf}/gu, '')].map((c) => LOOK_ALIKES[c] ?? c).join('');
  const words = folded
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Za-z])(\d)|(\d)([A-Za-z])/g, (_m, a?: string, b?: string, c?: string, d?: string) => (a ? `${a} ${b}` : `${c} ${d}`))
    .toLowerCase()
    .split(/[^a-z0-9']+/)
    .flatMap((w) => w.split("'"))
    .filter(Boolean);
  // "D.N.C." and "d n c": single letters in a row read as one word.
  const joined: string[] = [];
  words.forEach((w, i) => {
    if (i > 0 && w.length === 1 && words[i - 1]!.length === 1 && /[a-z]/.test(w)) joined[joined.length - 1] += w;
    else joined.push(w);
  });
  if (joined.some((w) => w.includes('dnc') || w.includes('dnd'))) return true;
  return DO_NOT.test(joined.join(' '));
}

const CAMPAIGN_REFS = z.array(z.union([z.string(), z.looseObject({ id: z.string() })]));

/** Checks every field the guard reads; the first that is missing or mistyped is the refusal's reason. */
export function verifyList(raw: KoreObject, source: ListSource = 'get'): { ok: true; list: VerifiedList } | { ok: false; why: string } {
  const id = field(raw, '_id', STRING, 'a string');
  if (!id.ok) return id;
  const name = field(raw, 'name', STRING, 'a string');
  if (!name.ok) return name;
  const status = field(raw, 'status', STRING, 'a string');
  if (!status.ok) return status;
  const flags: Record<'isGlobalDNC' | 'isDefault' | 'isListInUse', boolean> = { isGlobalDNC: false, isDefault: false, isListInUse: false };
  const unverified: string[] = [];
  for (const key of ['isGlobalDNC', 'isDefault', 'isListInUse'] as const) {
    if (source === 'listing' && (LISTING_MAY_OMIT as readonly string[]).includes(key) && raw[key] === undefined) {
      unverified.push(key);
      continue;
    }
    const f = field(raw, key, BOOLEAN, 'a boolean');
    if (!f.ok) return f;
    flags[key] = f.value;
  }
  const inUse = field(raw, 'campaignInUse', CAMPAIGN_REFS, 'an array of campaign ids or {id, name} objects');
  if (!inUse.ok) return inUse;
  const updatedAt = field(raw, 'updatedAt', isoTime, 'an ISO time');
  if (!updatedAt.ok) return updatedAt;
  let description: string | undefined;
  if (raw.description !== undefined && raw.description !== null) {
    if (typeof raw.description !== 'string') return { ok: false, why: 'description is not a string' };
    description = raw.description;
  }
  return {
    ok: true,
    list: {
      id: id.value,
      name: name.value,
      ...(description !== undefined ? { description } : {}),
      status: status.value,
      ...flags,
      campaignIds: inUse.value.map((c) => (typeof c === 'string' ? c : c.id)),
      updatedAt: updatedAt.value,
      updatedAtMs: Date.parse(updatedAt.value),
      unverified,
    },
  };
}

export interface ListEvidence {
  /** Epoch ms at which the command's claim was true (occurredAt, the sweep run, the fan-out). */
  occurredAtMs?: number;
  /** The list's `updatedAt` when the sweep or the fan-out saw it. */
  listUpdatedAt?: string;
}

export interface ListGuardInput {
  /** The id the command names: the reply must be about it (the consumer; the sweep has none). */
  requestedId?: string;
  /** Default `get`: the consumer's last check, where nothing may be missing. */
  source?: ListSource;
  /** Which lists the account's campaigns name as their DNC list. */
  dnc: DncReferences;
  evidence?: ListEvidence;
}

/**
 * May this list be deleted or renamed? The rules of lib/guard/rules.ts in order, on the freshest
 * reply Kore gave. Pure: the same list, references and evidence always give the same verdict.
 */
export function checkList(raw: KoreObject, input: ListGuardInput): Verdict<VerifiedList> {
  if (input.requestedId !== undefined && raw._id !== input.requestedId) {
    return refuse('identity', typeof raw._id === 'string' ? `the reply is about ${raw._id.slice(0, 80)}` : '_id missing');
  }
  const v = verifyList(raw, input.source);
  if (!v.ok) return refuse('verifiable', v.why);
  const list = v.list;
  if (list.isGlobalDNC) return refuse('not-global-dnc', 'isGlobalDNC is true');
  if (list.isDefault) return refuse('not-default', 'isDefault is true');
  if (saysDoNotCall(list.name)) return refuse('not-dnc-name', 'the name says do-not-call');
  if (input.dnc.unreadable.length > 0) {
    return refuse('verifiable', `campaign ${input.dnc.unreadable[0]} has an unreadable dncLists, so DNC references cannot be proven`);
  }
  const dncOf = input.dnc.byId.get(list.id) ?? input.dnc.byName.get(dncListKey(list.name));
  if (dncOf) return refuse('not-dnc-of-campaign', `DNC list of ${dncOf.join(', ')}`);
  if (list.isListInUse || list.campaignIds.length > 0) {
    return refuse('not-in-use', list.campaignIds.length ? `used by ${list.campaignIds.join(', ')}` : 'isListInUse is true');
  }
  if (!SETTLED_LIST_STATUSES.includes(list.status)) return refuse('settled', `status ${list.status.slice(0, 40)}`);
  const e = input.evidence;
  if (e?.listUpdatedAt !== undefined && list.updatedAtMs !== Date.parse(e.listUpdatedAt)) {
    return refuse('unchanged', `updatedAt ${list.updatedAt}, evidence saw ${e.listUpdatedAt}`);
  }
  if (e?.occurredAtMs !== undefined && list.updatedAtMs > e.occurredAtMs) {
    return refuse('unchanged', `updatedAt ${list.updatedAt} is after the event (${new Date(e.occurredAtMs).toISOString()})`);
  }
  return { allow: true, value: list };
}
