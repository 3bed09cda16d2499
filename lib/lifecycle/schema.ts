// zod/mini: the same validator as `zod`, tree-shakable: ~18 KB in a bundle instead of ~460 KB.
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { MessageValidationError } from '../errors.js';
import { CAMPAIGN_ID, CONTACT_LIST_ID, DESCRIPTION_MAX, NAME_MAX, STREAM_ID, charLength } from '../kore/ids.js';

/**
 * The message contract of DESIGN.md. Objects are strict: a field we do not know is an error,
 * not ignored, so a producer's typo (`contactlistId`) is parked in the DLQ instead of doing
 * something else quietly.
 */

z.config(en());

/** Commands are a few hundred bytes; anything this large is not one of ours (SQS allows 256 KiB). */
export const MAX_BODY_BYTES = 16 * 1024;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

const pattern = (re: RegExp, what: string) => z.string().check(z.regex(re, `${what} must match ${re.source}`));

const common = {
  /** Producer's id: logged and used as the correlation id. */
  eventId: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
  /** Overrides the secret's default bot/stream. */
  streamId: z.optional(pattern(STREAM_ID, 'streamId')),
  occurredAt: z.optional(z.iso.datetime({ offset: true })),
};

const contactListId = pattern(CONTACT_LIST_ID, 'contactListId');
const campaignId = pattern(CAMPAIGN_ID, 'campaignId');
const reason = z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'reason must be a short kebab-case word, e.g. campaign-ended'));

const name = z
  .string()
  .check(
    z.refine((s) => s.trim().length > 0, 'name must not be empty'),
    z.refine((s) => charLength(s) <= NAME_MAX, `name must be at most ${NAME_MAX} characters`),
    z.refine((s) => !CONTROL.test(s), 'name must not contain control characters'),
  );
const description = z
  .string()
  .check(z.refine((s) => charLength(s) <= DESCRIPTION_MAX, `description must be at most ${DESCRIPTION_MAX} characters`));

export const campaignEndedSchema = z.strictObject({
  type: z.literal('campaign.ended'),
  campaignId,
  keepContactLists: z.optional(z.boolean()),
  ...common,
});

export const listExpiredSchema = z.strictObject({
  type: z.literal('list.expired'),
  contactListId,
  action: z.optional(z.enum(['delete', 'archive'])),
  reason: z.optional(reason),
  /** Set by the nightly sweep. */
  runId: z.optional(z.string().check(z.regex(/^[A-Za-z0-9:._-]{1,128}$/, 'runId must be a short token'))),
  /** The list's `updatedAt` when the sweep saw it: a list changed since then is skipped. */
  listUpdatedAt: z.optional(z.iso.datetime({ offset: true })),
  /** The ended campaign, when fanned out from campaign.ended. */
  campaignId: z.optional(campaignId),
  ...common,
});

export const listUpdateSchema = z
  .strictObject({
    type: z.literal('list.update'),
    contactListId,
    name: z.optional(name),
    description: z.optional(description),
    ...common,
  })
  .check(z.refine((c) => c.name !== undefined || c.description !== undefined, 'list.update needs a name or a description'));

export type CampaignEnded = z.output<typeof campaignEndedSchema>;
export type ListExpired = z.output<typeof listExpiredSchema>;
export type ListUpdate = z.output<typeof listUpdateSchema>;
export type Command = CampaignEnded | ListExpired | ListUpdate;
export type CommandType = Command['type'];
export const COMMAND_TYPES: readonly CommandType[] = ['campaign.ended', 'list.expired', 'list.update'];

/** EventBridge delivers `{ "detail-type": <type>, detail: <fields>, id, source, … }`. */
const eventBridgeSchema = z.looseObject({
  'detail-type': z.string(),
  detail: z.record(z.string(), z.unknown()),
  source: z.string(),
  id: z.optional(z.string()),
});

/** An SNS notification (raw delivery off) carries the command as a JSON string in `Message`. */
const snsSchema = z.looseObject({
  Type: z.literal('Notification'),
  MessageId: z.string(),
  Message: z.string(),
});

export type Envelope = 'none' | 'eventbridge' | 'sns';

export interface ParsedMessage {
  command: Command;
  envelope: Envelope;
}

function describe(error: z.core.$ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => {
      const path = i.path.join('.');
      if (i.code === 'unrecognized_keys') return `unknown field(s): ${i.keys.join(', ')}`;
      if (i.code === 'invalid_union') return `${path || 'type'}: not one of ${COMMAND_TYPES.join(', ')}, or its fields are wrong`;
      return path && !i.message.startsWith(path) ? `${path}: ${i.message}` : i.message;
    })
    .join('; ');
}

function parseCommand(value: unknown, envelope: Envelope, fallbackEventId?: string): ParsedMessage {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new MessageValidationError(`command must be a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`);
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !(COMMAND_TYPES as readonly string[]).includes(type)) {
    throw new MessageValidationError(
      `unknown command type ${typeof type === 'string' ? JSON.stringify(type.slice(0, 64)) : '(missing)'}; expected one of ${COMMAND_TYPES.join(', ')}`,
    );
  }
  const schema = type === 'campaign.ended' ? campaignEndedSchema : type === 'list.expired' ? listExpiredSchema : listUpdateSchema;
  const r = schema.safeParse(value);
  if (!r.success) throw new MessageValidationError(`invalid ${type}: ${describe(r.error)}`);
  const command = r.data as Command;
  if (command.eventId === undefined && fallbackEventId) command.eventId = fallbackEventId.slice(0, 256);
  return { command, envelope };
}

/**
 * Parses an SQS body into a command: bare, in an EventBridge envelope, or in an SNS
 * notification (whose `Message` may itself be bare or EventBridge). Throws a
 * MessageValidationError with a clear reason for anything else.
 */
export function parseMessage(body: string): ParsedMessage {
  if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES) {
    throw new MessageValidationError(`message body is ${Buffer.byteLength(body, 'utf8')} bytes; commands are at most ${MAX_BODY_BYTES}`);
  }
  return parseValue(body, 0);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new MessageValidationError('message body is not valid JSON');
  }
}

function parseValue(text: string, depth: number): ParsedMessage {
  const value = parseJson(text);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    if ('detail-type' in value || 'detail' in value) {
      const env = eventBridgeSchema.safeParse(value);
      if (!env.success) throw new MessageValidationError(`invalid EventBridge envelope: ${describe(env.error)}`);
      const e = env.data;
      return parseCommand({ ...e.detail, type: e['detail-type'] }, 'eventbridge', e.id);
    }
    if ('Type' in value || 'TopicArn' in value) {
      const env = snsSchema.safeParse(value);
      if (!env.success) throw new MessageValidationError(`invalid SNS envelope: ${describe(env.error)}`);
      if (depth > 0) throw new MessageValidationError('nested SNS envelopes are not accepted');
      const inner = parseValue(env.data.Message, depth + 1);
      if (inner.command.eventId === undefined) inner.command.eventId = env.data.MessageId;
      return { command: inner.command, envelope: 'sns' };
    }
  }
  return parseCommand(value, 'none');
}
