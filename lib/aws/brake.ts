import { credentialsHint } from './errors.js';
import { ListQueueTagsCommand, TagQueueCommand, UntagQueueCommand } from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { Deadline } from '../deadline.js';

/**
 * The brake (docs/operations.md, "The brake"): a tag on the lifecycle queue that every consumer
 * reads at the start of each invocation and again before each record, at most every
 * BRAKE_CHECK_MS. While it is on, no record is run: each is put back for later, so nothing is
 * lost. Pulling the brake also disables the queue's event source mapping (lib/brake/switch.ts), so
 * no new batch starts; the tag stops the batch already running within BRAKE_CHECK_MS.
 */

export const BRAKE_TAG = 'kcl-brake';
/** How stale the consumer's view of the brake may be. */
export const BRAKE_CHECK_MS = 15_000;

export interface BrakeState {
  on: boolean;
  /** What the tag says: who pulled it and why (free text). */
  note?: string;
}

export async function readBrake(sqs: SQSClient, queueUrl: string, signal?: AbortSignal): Promise<BrakeState> {
  const r = await sqs.send(new ListQueueTagsCommand({ QueueUrl: queueUrl }), signal ? { abortSignal: signal } : {});
  const note = r.Tags?.[BRAKE_TAG];
  return note === undefined ? { on: false } : { on: true, note };
}

/** Sets or releases the tag; `note` (≤ 256 characters, SQS's tag limit) says who and why. */
export async function writeBrake(sqs: SQSClient, queueUrl: string, on: boolean, note = 'on'): Promise<void> {
  if (on) await sqs.send(new TagQueueCommand({ QueueUrl: queueUrl, Tags: { [BRAKE_TAG]: note.slice(0, 256) || 'on' } }));
  else await sqs.send(new UntagQueueCommand({ QueueUrl: queueUrl, TagKeys: [BRAKE_TAG] }));
}

/**
 * The consumer's view of the brake, read at most every BRAKE_CHECK_MS. A read that fails (SQS
 * down, a timeout) counts as "on" until a read succeeds: fail closed, nothing destructive runs
 * while the consumer cannot tell whether it should.
 */
export class BrakeWatch {
  private last?: { at: number; state: BrakeState };
  private readonly clock: Clock;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    opts: { clock?: Clock; checkMs?: number } = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.checkMs = opts.checkMs ?? BRAKE_CHECK_MS;
  }

  private readonly checkMs: number;

  async state(deadline: Deadline): Promise<BrakeState> {
    const now = this.clock.now();
    if (this.last && now - this.last.at < this.checkMs) return this.last.state;
    let state: BrakeState;
    try {
      state = await readBrake(this.sqs, this.queueUrl, deadline.signal(deadline.attemptTimeout(3_000, 'reading the brake')));
    } catch (err) {
      const name = (err as { name?: string })?.name;
      const cause = name === 'TimeoutError' || name === 'AbortError' ? 'no reply in time' : name && name !== 'Error' ? name : 'error';
      state = { on: true, note: `the brake could not be read: ${cause}${credentialsHint(err)}; fail closed` };
    }
    this.last = { at: now, state };
    return state;
  }
}
