import * as z from 'zod/mini';
import '../../zod-messages.js';
import { STREAM_ID } from '../../kore/ids.js';
import { CAMPAIGN_ID, CONTACT_LIST_ID } from '../../kore/ids.js';
import { descriptionProblem, nameProblem } from '../../kore/limits.js';
import type { DeletionMode } from '../../config.js';
import type { DncPurpose } from '../../guard/campaign-index.js';
import type { CommandContext } from '../context.js';
import type { Outcome } from '../outcome.js';

/**
 * What a command is, in one place: its schema (the message contract), its handler and its call
 * budget. Adding a command is one file that exports a `defineCommand(...)` and one entry in
 * commands/index.ts.
 */
export interface CommandSpec<T extends { type: string } = { type: string }> {
  type: T['type'];
  /** Strict: a field we do not know is an error, not ignored. */
  schema: z.ZodMiniType<T, unknown>;
  /** Kore calls when all goes well: the record is admitted only if they fit before the deadline. */
  calls: number;
  /**
   * The campaign index this command needs, and for which kind of write (a DELETE or a rename:
   * each has its own bound on the index's age): admission adds what building or refreshing it
   * will cost. Undefined: the command does not read the campaigns.
   */
  campaigns?: (cmd: T, mode: DeletionMode) => DncPurpose;
  run(cmd: T, ctx: CommandContext): Promise<Outcome>;
}

export function defineCommand<T extends { type: string }>(spec: CommandSpec<T>): CommandSpec<T> {
  return spec;
}

const pattern = (re: RegExp, what: string) => z.string().check(z.regex(re, `${what} must match ${re.source}`));

export const contactListId = pattern(CONTACT_LIST_ID, 'contactListId');
export const campaignId = pattern(CAMPAIGN_ID, 'campaignId');
/**
 * An ISO 8601 date-time with seconds and a zone: `2026-11-25T18:00:00Z`, `…18:00:00.123Z`,
 * `…18:00:00+01:00`. A date alone or a time without `Z` or an offset is refused: which instant it
 * means depends on a time zone nobody stated, and it is evidence the safety rules compare.
 */
export const ISO_DATE_TIME_FORMAT = 'YYYY-MM-DDTHH:MM:SS[.fraction] followed by Z or ±HH:MM';
export const isoDateTime = z.iso.datetime({
  offset: true,
  // A missing value keeps zod's own message (the registry says what is required and why).
  error: (issue) => (issue.input === undefined ? undefined : `must be an ISO 8601 date-time with a zone (${ISO_DATE_TIME_FORMAT}), e.g. 2026-11-25T18:00:00Z`),
});
/** Free text from the producer ("Campaign ended by user", "CRM-Expiry"): logged as a JSON string, never interpreted. */
export const REASON_MAX = 128;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
export const reason = z.string().check(
  z.minLength(1, 'reason must not be empty'),
  z.maxLength(REASON_MAX, `reason is at most ${REASON_MAX} characters`),
  z.refine((s) => !CONTROL.test(s), 'reason must not contain control characters'),
);

/** Kore's name and description rules (lib/kore/limits.ts), as schema checks with the same messages. */
export const listName = z.string().check(z.refine((s) => nameProblem(s) === undefined, { error: (i) => nameProblem(String(i.input)) ?? 'invalid name' }));
export const listDescription = z
  .string()
  .check(z.refine((s) => descriptionProblem(s) === undefined, { error: (i) => descriptionProblem(String(i.input)) ?? 'invalid description' }));

/** Fields every command may carry. */
export const commonFields = {
  /** Producer's id: logged and used as the correlation id. */
  eventId: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
  /** Overrides the secret's default bot; must be in ALLOWED_STREAM_IDS (or be the secret's own). */
  streamId: z.optional(pattern(STREAM_ID, 'streamId')),
};

/**
 * When the producer's claim was true. Required for every command that changes Kore: it is the
 * evidence the `fresh` and `unchanged` rules read. EventBridge `time` and SNS `Timestamp` fill it
 * in when the command itself has none.
 */
export const occurredAt = isoDateTime;
