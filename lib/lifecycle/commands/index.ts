import type * as z from 'zod/mini';
import { MessageValidationError } from '../errors.js';
import type { Unwrapped } from '../envelope.js';
import { campaignEnded } from './campaign-ended.js';
import type { CampaignEnded } from './campaign-ended.js';
import type { CommandSpec } from './define.js';
import { ISO_DATE_TIME_FORMAT } from './define.js';
import { listExpired } from './list-expired.js';
import type { ListExpired } from './list-expired.js';
import { listRestore } from './list-restore.js';
import type { ListRestore } from './list-restore.js';
import { listUpdate } from './list-update.js';
import type { ListUpdate } from './list-update.js';

/**
 * The command registry: every command the consumer understands, each declared once (schema,
 * handler, call budget) in its own file. To add one: write `commands/<name>.ts` exporting a
 * `defineCommand(...)`, add it to `COMMANDS` and its type to `Command`.
 */
export const COMMANDS = {
  'campaign.ended': campaignEnded,
  'list.expired': listExpired,
  'list.update': listUpdate,
  'list.restore': listRestore,
} as const;

export type Command = CampaignEnded | ListExpired | ListUpdate | ListRestore;
export type CommandType = keyof typeof COMMANDS;
export const COMMAND_TYPES = Object.keys(COMMANDS) as CommandType[];

/** The most Kore calls one record may need when all goes well: what a batch's time budget counts per record. */
export const MAX_CALLS_PER_RECORD = Math.max(...Object.values(COMMANDS).map((c) => c.calls));

export function specOf(type: CommandType): CommandSpec<Command> {
  return COMMANDS[type] as unknown as CommandSpec<Command>;
}

/** A producer's clock may run a little ahead of ours; more than this and `occurredAt` is refused. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

function describe(error: z.core.$ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => {
      const path = i.path.join('.');
      if (i.code === 'unrecognized_keys') return `unknown field(s): ${i.keys.join(', ')}`;
      const missing = i.code === 'invalid_type' && /received undefined$/.test(i.message);
      if (path === 'occurredAt' && missing)
        return `occurredAt is required (when the event happened: ${ISO_DATE_TIME_FORMAT}): it is the evidence the safety rules read`;
      if (missing && path) return `${path} is required`;
      return path && !i.message.startsWith(path) ? `${path}: ${i.message}` : i.message;
    })
    .join('; ');
}

export interface ParsedCommand {
  command: Command;
  spec: CommandSpec<Command>;
}

/**
 * Validates an unwrapped command against its type's schema. The envelope's id and time stand
 * in for a missing `eventId` and `occurredAt`. An `occurredAt` far in the future is refused: it
 * would let a stale command pass the `unchanged` rule.
 */
export function parseCommand(u: Unwrapped, nowMs: number): ParsedCommand {
  const type = u.value.type;
  if (typeof type !== 'string' || !Object.hasOwn(COMMANDS, type)) {
    throw new MessageValidationError(
      `unknown command type ${typeof type === 'string' ? JSON.stringify(type.slice(0, 64)) : '(missing)'}; expected one of ${COMMAND_TYPES.join(', ')}`,
    );
  }
  const spec = specOf(type as CommandType);
  const value = { ...u.value };
  if (value.eventId === undefined && u.envelopeId) value.eventId = u.envelopeId.slice(0, 256);
  if (value.occurredAt === undefined && u.envelopeTime) value.occurredAt = u.envelopeTime;
  const r = spec.schema.safeParse(value);
  if (!r.success) throw new MessageValidationError(`invalid ${type}: ${describe(r.error)}`);
  const command = r.data;
  if ('occurredAt' in command && typeof command.occurredAt === 'string' && Date.parse(command.occurredAt) > nowMs + MAX_CLOCK_SKEW_MS) {
    throw new MessageValidationError(`invalid ${type}: occurredAt ${command.occurredAt} is in the future`);
  }
  return { command, spec };
}
