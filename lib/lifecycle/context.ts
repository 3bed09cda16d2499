import type { KoreClient } from '../kore/client.js';
import { KoreNotFoundError } from '../kore/errors.js';
import type { ContactList } from '../kore/types.js';
import type { OutgoingMessage } from '../aws/queue.js';

/** What a command module needs; built per record by the consumer. */
export interface CommandContext {
  kore: KoreClient;
  /** Sends commands to the lifecycle queue (campaign.ended fan-out). */
  enqueue(messages: OutgoingMessage[]): Promise<void>;
  /** Writes an audit record (`audit: true`) with the full object Kore returned for a DELETE. */
  audit(action: string, data: unknown): void;
  /** Absolute epoch ms: no Kore call may still be running after it. */
  deadline: number;
  stats: { koreCalls: number };
  now(): number;
}

export function callOptions(ctx: CommandContext, streamId?: string) {
  return { deadline: ctx.deadline, stats: ctx.stats, ...(streamId ? { streamId } : {}) };
}

/** GETs a list; undefined when Kore answers 404 (each command decides what a missing list means). */
export async function findList(ctx: CommandContext, id: string, streamId?: string): Promise<ContactList | undefined> {
  try {
    return await ctx.kore.getContactList(id, callOptions(ctx, streamId));
  } catch (err) {
    if (err instanceof KoreNotFoundError) return undefined;
    throw err;
  }
}
