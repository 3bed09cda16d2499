/**
 * Realism switches: one per Kore behaviour that Kore's documentation leaves open (docs/kore-api.md
 * marks them [ours]). Each switch has a lenient default (what this emulator always did) and a
 * strict variant: the one that breaks a client which silently relies on the lenient guess. Run a
 * client's tests under both. The last column names the section of docs/kore-api.md that leaves
 * the behaviour open.
 *
 * | switch                       | lenient (default)                         | strict (STRICT_REALISM)                            | why it is open                                    |
 * |------------------------------|-------------------------------------------|----------------------------------------------------|---------------------------------------------------|
 * | detachOnCampaignDelete       | true: deleting a campaign frees its lists | false: lists keep it in campaignInUse/isListInUse  | "Delete campaign": not documented                 |
 * | dncInUse                     | true: a campaign's DNC list is "in use"   | false: it looks free and its DELETE succeeds       | "DNC lists": UI rule only; API reply undocumented |
 * | omitListFields               | {} (every field present)                  | { list: [isGlobalDNC, isDefault] }                 | "getAllListDetails fields" does not list them     |
 * | notFoundStyle                | 'json' (Kore's errors[] shape)            | 'json' (an HTML 404 is a wrong host/LB, set it)    | "Delete contact list": unknown id not documented  |
 * | unknownRouteStyle            | 'json' {errors:[{msg:'No route …'}]}      | 'html' (what a proxy or wrong host answers)        | not documented                                    |
 * | limitCounting                | 'codepoints' (an emoji counts 1)          | 'utf16' (an emoji counts 2)                        | "Limits": 48 characters, unit not documented      |
 * | inUseRefusal                 | kore400: 400 "… is in use by a campaign"  | conflict409: 409 "Cannot delete: … N campaign(s)"  | "Errors": status and body not documented          |
 * | singleUseJti                 | false                                     | true: a jti seen before → 401/4002                 | "Authentication": SDK tokens only                 |
 * | requireJti                   | false                                     | true: no jti → 401 ("Enforce JTI" app option)      | "Authentication": an app option                   |
 * | maxTokenLifetimeSeconds      | 3600                                      | 3600 (documented for SDK tokens; lower it to test) | "Authentication"                                  |
 * | campaignDeleteRefusesRunning | false                                     | true: 400 for Active/Scheduled/Rescheduled/Paused  | "Delete campaign": stopping first is our reading  |
 * | renameBumpsUpdatedAt         | true: a PUT sets updatedAt                | false: a PUT with a name leaves updatedAt as it was | "Update contact list": updatedAt not documented   |
 * | campaignDeleteChecksType     | false: campaignType only has to be valid  | true: the other type's DELETE answers Kore's 404   | "Delete campaign": a wrong type not documented    |
 * | campaignSetShift             | 0                                         | 0 (set it to model another consumer's deletions)   | "Paging": the set may move between pages          |
 * | smsResultsWithoutDates       | false: SMS results carry createdAt/updatedAt | true: as documented, they do not (still sorted)  | "getAllCampaignDetails": SMS result fields        |
 *
 * `campaignSetShift: n` deletes the first n campaigns of each getAllCampaignDetails page right after
 * the page is sent, as another consumer ending campaigns would: a client that pages by a fixed
 * `skip` then misses campaigns that slide from its next page onto the one it already read.
 * STRICT_REALISM keeps `notFoundStyle: 'json'`: an entity 404 in Kore's JSON shape is what a client
 * must rely on to call a DELETE "already done"; an HTML 404 models a fault (wrong host, load
 * balancer), so set it on its own to test that path.
 */

export type ErrorPageStyle = 'json' | 'html';
export type LimitCounting = 'codepoints' | 'utf16';

/** How Kore refuses to delete an in-use list. `{name}`, `{id}` and `{count}` are filled in. */
export interface InUseRefusal {
  status: number;
  message: string;
  /** Wording for global DNC / default lists; `message` when absent. */
  protectedMessage?: string;
}

/** Named refusals: today's guess and two plausible others that a client's matching must survive. */
export const IN_USE_REFUSALS = {
  kore400: {
    status: 400,
    message: 'Contact list {name} is in use by a campaign and cannot be deleted',
    protectedMessage: 'Contact list {name} is a global DNC or default list and is in use; it cannot be deleted',
  },
  conflict409: { status: 409, message: 'Cannot delete: list is associated with {count} campaign(s)' },
  unprocessable422: { status: 422, message: 'Unable to remove {name}: referenced by {count} campaign(s)' },
} as const satisfies Record<string, InUseRefusal>;

export type InUseRefusalName = keyof typeof IN_USE_REFUSALS;

export interface OmitListFields {
  /** Fields left out of `GET contactList/{id}` replies. */
  get?: string[];
  /** Fields left out of each `getAllListDetails` item. */
  list?: string[];
}

export interface Realism {
  detachOnCampaignDelete: boolean;
  dncInUse: boolean;
  omitListFields: OmitListFields;
  notFoundStyle: ErrorPageStyle;
  unknownRouteStyle: ErrorPageStyle;
  limitCounting: LimitCounting;
  inUseRefusal: InUseRefusal;
  singleUseJti: boolean;
  requireJti: boolean;
  maxTokenLifetimeSeconds: number;
  campaignDeleteRefusesRunning: boolean;
  renameBumpsUpdatedAt: boolean;
  campaignDeleteChecksType: boolean;
  campaignSetShift: number;
  smsResultsWithoutDates: boolean;
}

export const LENIENT_REALISM: Readonly<Realism> = Object.freeze({
  detachOnCampaignDelete: true,
  dncInUse: true,
  omitListFields: {},
  notFoundStyle: 'json',
  unknownRouteStyle: 'json',
  limitCounting: 'codepoints',
  inUseRefusal: IN_USE_REFUSALS.kore400,
  singleUseJti: false,
  requireJti: false,
  maxTokenLifetimeSeconds: 3600,
  campaignDeleteRefusesRunning: false,
  renameBumpsUpdatedAt: true,
  campaignDeleteChecksType: false,
  campaignSetShift: 0,
  smsResultsWithoutDates: false,
});

/** Every strict variant on: the emulator a client should also pass. */
export const STRICT_REALISM: Readonly<Realism> = Object.freeze({
  detachOnCampaignDelete: false,
  dncInUse: false,
  omitListFields: { list: ['isGlobalDNC', 'isDefault'] },
  notFoundStyle: 'json',
  unknownRouteStyle: 'html',
  limitCounting: 'utf16',
  inUseRefusal: IN_USE_REFUSALS.conflict409,
  singleUseJti: true,
  requireJti: true,
  maxTokenLifetimeSeconds: 3600,
  campaignDeleteRefusesRunning: true,
  renameBumpsUpdatedAt: false,
  campaignDeleteChecksType: true,
  campaignSetShift: 0,
  smsResultsWithoutDates: true,
});

export const REALISM_PRESETS = { lenient: LENIENT_REALISM, strict: STRICT_REALISM } as const;
export type RealismPreset = keyof typeof REALISM_PRESETS;

export class RealismError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RealismError';
  }
}

const BOOLEAN_KEYS = [
  'detachOnCampaignDelete',
  'dncInUse',
  'singleUseJti',
  'requireJti',
  'campaignDeleteRefusesRunning',
  'renameBumpsUpdatedAt',
  'campaignDeleteChecksType',
  'smsResultsWithoutDates',
] as const;
const STYLE_KEYS = ['notFoundStyle', 'unknownRouteStyle'] as const;

/**
 * `base` with `patch` applied, every key and value checked: `patch` may come from an admin call
 * or a CLI flag. `inUseRefusal` may be a variant name (`"conflict409"`) or `{status, message}`;
 * `omitListFields` replaces the whole object.
 */
export function applyRealism(base: Readonly<Realism>, patch: unknown): Realism {
  if (patch === undefined) return cloneRealism(base);
  if (!isRecord(patch)) throw new RealismError('realism must be an object');
  const next = cloneRealism(base);
  for (const [key, value] of Object.entries(patch)) {
    if ((BOOLEAN_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== 'boolean') throw new RealismError(`${key} must be true or false`);
      next[key as (typeof BOOLEAN_KEYS)[number]] = value;
    } else if ((STYLE_KEYS as readonly string[]).includes(key)) {
      if (value !== 'json' && value !== 'html') throw new RealismError(`${key} must be "json" or "html"`);
      next[key as (typeof STYLE_KEYS)[number]] = value;
    } else if (key === 'limitCounting') {
      if (value !== 'codepoints' && value !== 'utf16') throw new RealismError('limitCounting must be "codepoints" or "utf16"');
      next.limitCounting = value;
    } else if (key === 'campaignSetShift') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new RealismError('campaignSetShift must be a whole number ≥ 0');
      next.campaignSetShift = value;
    } else if (key === 'maxTokenLifetimeSeconds') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new RealismError('maxTokenLifetimeSeconds must be a whole number ≥ 1');
      next.maxTokenLifetimeSeconds = value;
    } else if (key === 'inUseRefusal') {
      next.inUseRefusal = parseInUseRefusal(value);
    } else if (key === 'omitListFields') {
      next.omitListFields = parseOmit(value);
    } else {
      throw new RealismError(`unknown realism switch "${key}" (known: ${Object.keys(LENIENT_REALISM).join(', ')})`);
    }
  }
  return next;
}

export function parseInUseRefusal(value: unknown): InUseRefusal {
  if (typeof value === 'string') {
    if (Object.hasOwn(IN_USE_REFUSALS, value)) return { ...IN_USE_REFUSALS[value as InUseRefusalName] };
    throw new RealismError(`inUseRefusal must be one of ${Object.keys(IN_USE_REFUSALS).join(', ')} or {status, message}`);
  }
  if (!isRecord(value)) throw new RealismError('inUseRefusal must be a variant name or {status, message}');
  const { status, message, protectedMessage } = value;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 499) {
    throw new RealismError('inUseRefusal.status must be a 4xx status');
  }
  if (typeof message !== 'string' || !message) throw new RealismError('inUseRefusal.message must be a non-empty string');
  if (protectedMessage !== undefined && typeof protectedMessage !== 'string') throw new RealismError('inUseRefusal.protectedMessage must be a string');
  return { status, message, ...(typeof protectedMessage === 'string' ? { protectedMessage } : {}) };
}

function parseOmit(value: unknown): OmitListFields {
  if (!isRecord(value)) throw new RealismError('omitListFields must be {get?: string[], list?: string[]}');
  const out: OmitListFields = {};
  for (const [k, v] of Object.entries(value)) {
    if (k !== 'get' && k !== 'list') throw new RealismError(`omitListFields.${k} is unknown (use get or list)`);
    if (!Array.isArray(v) || !v.every((f) => typeof f === 'string')) throw new RealismError(`omitListFields.${k} must be an array of field names`);
    out[k] = [...(v as string[])];
  }
  return out;
}

export function cloneRealism(r: Readonly<Realism>): Realism {
  return {
    ...r,
    omitListFields: {
      ...(r.omitListFields.get ? { get: [...r.omitListFields.get] } : {}),
      ...(r.omitListFields.list ? { list: [...r.omitListFields.list] } : {}),
    },
    inUseRefusal: { ...r.inUseRefusal },
  };
}

/** Fills `{name}`, `{id}`, `{count}` in a refusal message. */
export function fillMessage(template: string, values: { name: string; id: string; count: number }): string {
  return template.replace(/\{(name|id|count)\}/g, (_, k: 'name' | 'id' | 'count') => String(values[k]));
}

/** Length of a name or description as Kore would count it under `limitCounting`. */
export function textLength(s: string, counting: LimitCounting): number {
  return counting === 'utf16' ? s.length : [...s].length;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
