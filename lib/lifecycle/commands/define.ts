import * as z from 'zod/mini';
import '../../zod-messages.js';
import { STREAM_ID } from '../../kore/ids.js';
import { CAMPAIGN_ID, CONTACT_LIST_ID } from '../../kore/ids.js';
import { descriptionProblem, nameProblem } from '../../kore/limits.js';
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
  /** Reads the account's campaigns (DNC references): admission adds what a cache refresh would cost. */
  readsCampaigns: boolean;
  run(cmd: T, ctx: CommandContext): Promise<Outcome>;
}

export function defineCommand<T extends { type: string }>(spec: CommandSpec<T>): CommandSpec<T> {
  return spec;
}

const pattern = (re: RegExp, what: string) => z.string().check(z.regex(re, `${what} must match ${re.source}`));

export const contactListId = pattern(CONTACT_LIST_ID, 'contactListId');
export const campaignId = pattern(CAMPAIGN_ID, 'campaignId');
export const isoDateTime = z.iso.datetime({ offset: true });
export const reason = z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'reason must be a short kebab-case word, e.g. campaign-ended'));

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
