import type { KoreClient } from '../kore/client.js';
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
