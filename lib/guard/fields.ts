import * as z from 'zod/mini';

/**
 * Field checks for Kore replies, one schema per field so a refusal can say which field and how
 * it failed ("isDefault missing", "isListInUse is not a boolean"). Nothing is defaulted.
 */

/** Built once: a schema per call would be rebuilt for every field of every list (100,000 in a big sweep). */
export const STRING = z.string();
export const BOOLEAN = z.boolean();

export const isoTime = z.string().check(z.refine((s) => Number.isFinite(Date.parse(s)) && /^\d{4}-\d{2}-\d{2}T/.test(s), 'an ISO time'));

export type FieldResult<T> = { ok: true; value: T } | { ok: false; why: string };

export function field<T>(obj: Readonly<Record<string, unknown>>, key: string, schema: z.ZodMiniType<T>, what: string): FieldResult<T> {
  if (!Object.hasOwn(obj, key) || obj[key] === undefined) return { ok: false, why: `${key} missing` };
  const r = schema.safeParse(obj[key]);
  return r.success ? { ok: true, value: r.data } : { ok: false, why: `${key} is not ${what}` };
}
