import * as z from 'zod/mini';
import '../zod-messages.js';
import { MessageValidationError } from './errors.js';

/**
 * The transport around a command: the SQS body's size, its JSON, and the two envelopes a
 * producer may wrap a command in (EventBridge, SNS). Knows nothing of command types; the
 * registry (commands/index.ts) parses what comes out.
 */

/** Commands are a few hundred bytes; anything this large is not one of ours (the queue accepts 64 KiB). */
export const MAX_BODY_BYTES = 16 * 1024;
/** Envelopes nest at most this deep (SNS carrying EventBridge); JSON nesting deeper than this is refused. */
const MAX_JSON_DEPTH = 32;

export type EnvelopeKind = 'none' | 'eventbridge' | 'sns';

export interface Unwrapped {
  /** The command object (not yet validated). */
  value: Record<string, unknown>;
  envelope: EnvelopeKind;
  /** The envelope's own id (EventBridge `id`, SNS `MessageId`): the command's eventId when it has none. */
  envelopeId?: string;
  /** When the envelope was published (EventBridge `time`, SNS `Timestamp`): the command's occurredAt when it has none. */
  envelopeTime?: string;
  /** Who published it, as the envelope says (EventBridge `source`, SNS `TopicArn`): logged, never trusted. */
  source?: string;
}

/** EventBridge delivers `{ "detail-type": <type>, detail: <fields>, id, source, time, … }`. */
const eventBridgeSchema = z.looseObject({
  'detail-type': z.string(),
  detail: z.record(z.string(), z.unknown()),
  source: z.string(),
  id: z.optional(z.string()),
  time: z.optional(z.string()),
});

/** An SNS notification (raw delivery off) carries the command as a JSON string in `Message`. */
const snsSchema = z.looseObject({
  Type: z.literal('Notification'),
  MessageId: z.string(),
  Message: z.string(),
  Timestamp: z.optional(z.string()),
  TopicArn: z.optional(z.string()),
});

function issues(error: z.core.$ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || 'envelope'}: ${i.message}`)
    .join('; ');
}

/**
 * Keys no command has, refused wherever they appear: they name Object.prototype's own members,
 * which a schema that looks keys up with `in` takes for known fields (zod's strict objects do).
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Nesting depth of a parsed JSON value (stops counting past `limit`); throws on a forbidden key. */
function depthOf(v: unknown, limit: number): number {
  if (v === null || typeof v !== 'object') return 0;
  if (limit <= 0) return 1;
  let max = 0;
  for (const [k, x] of Object.entries(v)) {
    if (FORBIDDEN_KEYS.has(k)) throw new MessageValidationError(`unknown field(s): ${k}`);
    max = Math.max(max, depthOf(x, limit - 1));
  }
  return max + 1;
}

function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MessageValidationError('message body is not valid JSON');
  }
  if (depthOf(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw new MessageValidationError(`message body nests deeper than ${MAX_JSON_DEPTH} levels`);
  return value;
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new MessageValidationError(`${what} must be a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

/**
 * Parses an SQS body into a command object: bare, in an EventBridge envelope, or in an SNS
 * notification (whose `Message` may itself be bare or EventBridge). Throws a
 * MessageValidationError with a clear reason for anything else.
 */
export function unwrap(body: string): Unwrapped {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > MAX_BODY_BYTES) throw new MessageValidationError(`message body is ${bytes} bytes; commands are at most ${MAX_BODY_BYTES}`);
  return unwrapValue(parseJson(body), false);
}

function unwrapValue(parsed: unknown, insideSns: boolean): Unwrapped {
  const value = asObject(parsed, 'command');
  if (Object.hasOwn(value, 'detail-type') || Object.hasOwn(value, 'detail')) {
    const env = eventBridgeSchema.safeParse(value);
    if (!env.success) throw new MessageValidationError(`invalid EventBridge envelope: ${issues(env.error)}`);
    const e = env.data;
    const detail = asObject(e.detail, 'EventBridge detail');
    if (Object.hasOwn(detail, 'type') && detail.type !== e['detail-type']) {
      throw new MessageValidationError('EventBridge detail.type differs from detail-type: which command is meant is ambiguous');
    }
    return {
      value: { ...detail, type: e['detail-type'] },
      envelope: 'eventbridge',
      ...(e.id ? { envelopeId: e.id } : {}),
      ...(e.time ? { envelopeTime: e.time } : {}),
      source: e.source.slice(0, 256),
    };
  }
  if (Object.hasOwn(value, 'Type') || Object.hasOwn(value, 'TopicArn')) {
    const env = snsSchema.safeParse(value);
    if (!env.success) throw new MessageValidationError(`invalid SNS envelope: ${issues(env.error)}`);
    if (insideSns) throw new MessageValidationError('nested SNS envelopes are not accepted');
    const inner = unwrapValue(parseJson(env.data.Message), true);
    return {
      value: inner.value,
      envelope: 'sns',
      envelopeId: inner.envelopeId ?? env.data.MessageId,
      ...((inner.envelopeTime ?? env.data.Timestamp) ? { envelopeTime: inner.envelopeTime ?? env.data.Timestamp } : {}),
      ...((inner.source ?? env.data.TopicArn) ? { source: (inner.source ?? env.data.TopicArn)!.slice(0, 256) } : {}),
    };
  }
  return { value, envelope: 'none' };
}
