import { MessageValidationError } from '../errors.js';

/** DESIGN.md: ids must match this before they go anywhere near a URL. */
export const CONTACT_LIST_ID = /^cl-[A-Za-z0-9-]{1,64}$/;
export const CAMPAIGN_ID = /^cd-[A-Za-z0-9-]{1,64}$/;
/** Stream/app ids (`st-…`) and account ids (24 hex) also end up in paths and headers. */
export const STREAM_ID = /^st-[A-Za-z0-9-]{1,64}$/;
export const ACCOUNT_ID = /^[A-Za-z0-9]{1,64}$/;

export const NAME_MAX = 48;
export const DESCRIPTION_MAX = 256;

/** Kore counts characters; count code points so an emoji is one character, not two. */
export function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function check(value: unknown, pattern: RegExp, what: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new MessageValidationError(`${what} must match ${pattern.source}`);
  }
  return value;
}

export const contactListId = (v: unknown): string => check(v, CONTACT_LIST_ID, 'contactListId');
export const campaignId = (v: unknown): string => check(v, CAMPAIGN_ID, 'campaignId');
export const streamId = (v: unknown): string => check(v, STREAM_ID, 'streamId');

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export function checkName(name: string): string {
  if (charLength(name.trim()) === 0) throw new MessageValidationError('name must not be empty');
  if (charLength(name) > NAME_MAX) {
    throw new MessageValidationError(`name is ${charLength(name)} characters; Kore allows at most ${NAME_MAX}`);
  }
  if (CONTROL.test(name)) throw new MessageValidationError('name must not contain control characters');
  return name;
}

export function checkDescription(description: string): string {
  if (charLength(description) > DESCRIPTION_MAX) {
    throw new MessageValidationError(
      `description is ${charLength(description)} characters; Kore allows at most ${DESCRIPTION_MAX}`,
    );
  }
  return description;
}
