import { KoreArgumentError } from './errors.js';

/** Ids must match these before they go anywhere near a URL (docs/design.md, "Message contract"). */
export const CONTACT_LIST_ID = /^cl-[A-Za-z0-9-]{1,64}$/;
export const CAMPAIGN_ID = /^cd-[A-Za-z0-9-]{1,64}$/;
/** Stream/app ids (`st-…`) end up in paths and headers too. */
export const STREAM_ID = /^st-[A-Za-z0-9-]{1,64}$/;
/** Kore account ids are 24 hex characters (docs/kore-api.md, "Conventions"). */
export const ACCOUNT_ID = /^[0-9a-f]{24}$/i;

function check(value: unknown, pattern: RegExp, what: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new KoreArgumentError(`${what} must match ${pattern.source}`);
  }
  return value;
}

export const contactListId = (v: unknown): string => check(v, CONTACT_LIST_ID, 'contactListId');
export const campaignId = (v: unknown): string => check(v, CAMPAIGN_ID, 'campaignId');
export const streamId = (v: unknown): string => check(v, STREAM_ID, 'streamId');
