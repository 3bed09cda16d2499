import { GetEventSourceMappingCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { readBrake, writeBrake } from '../aws/brake.js';

/**
 * Pulls or releases the brake (docs/operations.md, "The brake"): the consumer's event source
 * mapping disabled (no new batch is received: messages stay in the queue, their receives
 * unspent) and the tag on the lifecycle queue set (the batch already running stops at its next
 * record, within BRAKE_CHECK_MS). Both, so that neither alone is the only thing standing between
 * a runaway producer and Kore. Used by the operator CLI and by the brake function the deletions
 * and archives alarms start.
 */

export interface BrakeTargets {
  lambda: LambdaClient;
  sqs: SQSClient;
  queueUrl: string;
  /** The consumer's event source mapping on the lifecycle queue (stack output ConsumerEventSourceMappingUuid). */
  eventSourceMappingUuid: string;
}

export interface BrakeReport {
  on: boolean;
  /** The tag on the queue (who pulled it and why). */
  note?: string;
  /** The event source mapping's state as Lambda reports it (Enabled, Disabling, Disabled, Enabling, …). */
  mapping?: string;
}

export async function setBrake(t: BrakeTargets, on: boolean, note?: string): Promise<BrakeReport> {
  // Pulling: the tag first (the running batch stops), then the mapping. Releasing: the mapping last.
  if (on) await writeBrake(t.sqs, t.queueUrl, true, note);
  const r = await t.lambda.send(new UpdateEventSourceMappingCommand({ UUID: t.eventSourceMappingUuid, Enabled: !on }));
  if (!on) await writeBrake(t.sqs, t.queueUrl, false);
  return { on, ...(on && note ? { note } : {}), ...(r.State ? { mapping: r.State } : {}) };
}

export async function brakeStatus(t: BrakeTargets): Promise<BrakeReport> {
  const [tag, mapping] = await Promise.all([readBrake(t.sqs, t.queueUrl), t.lambda.send(new GetEventSourceMappingCommand({ UUID: t.eventSourceMappingUuid }))]);
  return {
    on: tag.on || mapping.State === 'Disabled' || mapping.State === 'Disabling',
    ...(tag.note ? { note: tag.note } : {}),
    ...(mapping.State ? { mapping: mapping.State } : {}),
  };
}
