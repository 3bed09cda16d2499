import type { Realism } from './realism.js';
import { textLength } from './realism.js';
import { koreError } from './reply.js';
import type { Reply } from './reply.js';
import type { AccountState } from './state.js';

/** One API call as the route handlers see it: already authenticated, admitted and routed. */
export interface ApiContext {
  method: string;
  query: URLSearchParams;
  /** The JSON body when it is an object, else `{}`. */
  body: Record<string, unknown>;
  state: AccountState;
  realism: Readonly<Realism>;
}

/** Name ≤ 48 and description ≤ 256 characters, counted as `realism.limitCounting` says (docs/kore-api.md, "Limits"). */
export function checkText(ctx: ApiContext, fields: Record<string, unknown>, required: boolean): Reply | undefined {
  for (const [key, max] of [
    ['name', 48],
    ['description', 256],
  ] as const) {
    const v = fields[key];
    if (v === undefined && !required) continue;
    if (typeof v !== 'string' || (key === 'name' && !v.trim())) return koreError(400, `${key} is required and must be a string`);
    if (textLength(v, ctx.realism.limitCounting) > max) return koreError(400, `${key} must be at most ${max} characters`);
  }
  return undefined;
}
