import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { errorCode, errorMessage } from '../errors.js';
import { KoreUnavailableError, RecordRetry } from './errors.js';
import { originAttribute } from './origin.js';
import type { Outcome } from './outcome.js';
import type { ConsumerDeps, Invocation, RecordState } from './record-handler.js';

function idsOf(state: RecordState): Record<string, string> {
  const c = state.command as { campaignId?: string; contactListId?: string } | undefined;
  return { ...(c?.campaignId ? { campaignId: c.campaignId } : {}), ...(c?.contactListId ? { contactListId: c.contactListId } : {}) };
}

/**
 * A copy requeued this often is parked instead: a command that has waited out a thousand brakes or
 * outages needs a person. That is about 17 hours at DEFERRED_VISIBILITY_SECONDS (60 s: the brake,
 * or a brake that cannot be read) and about ten days at the breaker's longest cool-down (15 min).
 * Commands with occurredAt end sooner, as stale (MAX_COMMAND_AGE_HOURS).
 */
export const MAX_REQUEUES = 1_000;

/** SQS's longest DelaySeconds. */
const MAX_DELAY_SECONDS = 900;

/** The record's message attributes, as SQS takes them to send (string ones; binary ones are left out). */
function attributesOf(record: SQSRecord): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [k, v] of Object.entries(record.messageAttributes ?? {})) {
    if (typeof v?.stringValue === 'string') out[k] = { DataType: v.dataType ?? 'String', StringValue: v.stringValue };
  }
  return out;
}

/**
 * Not run, and put back in a way that spends none of its receives: a copy, delayed, in place of
 * the one received. For the brake and a Kore outage (whatever the receive), and for a record out
 * of time on its last receive: none of these is the command's fault, and none may move it to the
 * DLQ while the account is healthy.
 */
function requeueDelaySeconds(
  reason: string | undefined,
  receiveCount: number,
  maxReceiveCount: number,
  error: unknown,
  deferredSeconds: number,
): number | undefined {
  if (reason === 'kore-unavailable') return Math.min(MAX_DELAY_SECONDS, Math.max(1, Math.ceil((error as KoreUnavailableError).retryInMs / 1000)));
  if ((reason === 'deadline' || reason === 'brake') && receiveCount >= maxReceiveCount) return Math.min(MAX_DELAY_SECONDS, deferredSeconds);
  return undefined;
}

/**
 * 4. settle: makes the record's one outcome so, and says so once (one log line, the metrics).
 * - requeued: a copy sent again (see requeueDelaySeconds), then the record deleted; if the copy
 *   cannot be sent, the record goes on as a retry (or is parked on its last receive).
 * - rejected: parked in the DLQ with the error as attributes (and its own attributes kept), then
 *   deleted from the queue; if parking fails the record is retried instead, so nothing is lost.
 * - retry on the last receive (MAX_RECEIVE_COUNT): parked with its reason, so every message in
 *   the DLQ carries an ErrorCode (instead of arriving there by redrive without one).
 * - retry: thrown, so the batch response lists it; one deferred for time (or the brake) also has
 *   its visibility shortened at the end of the invocation.
 */
export async function settle(deps: ConsumerDeps, state: RecordState, invocation: Invocation, outcome: Outcome, error: unknown): Promise<Outcome> {
  const { record, receiveCount } = state;
  const { logger, metrics, settings } = deps;
  let exhausted = false;
  const delay =
    outcome.outcome === 'retry'
      ? requeueDelaySeconds(outcome.reason, receiveCount, settings.maxReceiveCount, error, settings.deferredVisibilitySeconds)
      : undefined;
  if (delay !== undefined) {
    const origin = { ...state.origin, requeues: state.origin.requeues + 1 };
    if (origin.requeues > MAX_REQUEUES) {
      outcome = { outcome: 'rejected', reason: outcome.reason, detail: { ...outcome.detail, exhausted: true, requeues: state.origin.requeues } };
      exhausted = true;
    } else {
      try {
        await deps.sender.requeue(
          settings.lifecycleQueueUrl,
          { body: record.body, attributes: attributesOf(record), origin: originAttribute(origin), delaySeconds: delay },
          { deadline: invocation.settleDeadline ?? invocation.deadline },
        );
        outcome = { outcome: 'requeued', reason: outcome.reason, detail: { ...outcome.detail, delaySeconds: delay, requeues: origin.requeues } };
      } catch (requeueErr) {
        // Could not send the copy: the record stays a retry (parked below if this was its last receive).
        outcome = { ...outcome, detail: { ...outcome.detail, requeueFailed: errorCode(requeueErr) } };
      }
    }
  }
  if (outcome.outcome === 'retry' && receiveCount >= settings.maxReceiveCount) {
    exhausted = true;
    outcome = { outcome: 'rejected', reason: outcome.reason, detail: { ...outcome.detail, exhausted: true } };
  }
  if (outcome.outcome === 'rejected') {
    try {
      await deps.sender.park(
        settings.deadLetterQueueUrl,
        {
          body: record.body,
          messageId: record.messageId,
          receiveCount,
          errorCode: outcome.reason ?? 'rejected',
          errorMessage: exhausted ? `still failing after ${receiveCount} receives: ${errorMessage(error)}` : errorMessage(error),
          ...(state.command?.eventId ? { eventId: state.command.eventId } : {}),
          // Its own attributes, and where it came from: a redrive by the consumer's role (a move task) keeps both.
          attributes: { ...attributesOf(record), KclOrigin: { DataType: 'String', StringValue: originAttribute(state.origin) } },
        },
        { deadline: invocation.settleDeadline ?? invocation.deadline },
      );
    } catch (parkErr) {
      // Could not park it: leave it in the queue; SQS's redrive takes it to the DLQ at worst.
      error = parkErr;
      outcome = { outcome: 'retry', reason: errorCode(parkErr) };
    }
  }

  const deferred = outcome.outcome === 'retry' && (outcome.reason === 'deadline' || outcome.reason === 'brake');
  if (deferred) invocation.deferred.push(record.receiptHandle);
  const line = {
    messageId: record.messageId,
    // A requeued copy: the message it stands for, so one command's story is one query.
    ...(state.origin.firstMessageId && state.origin.firstMessageId !== record.messageId ? { firstMessageId: state.origin.firstMessageId } : {}),
    eventId: state.command?.eventId,
    type: state.command?.type,
    envelope: state.envelope,
    ...(state.origin.senderId ? { senderId: state.origin.senderId } : {}),
    ...(state.source ? { source: state.source } : {}),
    ...idsOf(state),
    ...outcome.detail,
    outcome: outcome.outcome,
    reason: outcome.reason,
    ...(state.overrideIgnored ? { overrideIgnored: state.overrideIgnored } : {}),
    ...(settings.dryRun ? { dryRun: true } : {}),
    koreCalls: state.stats.koreCalls,
    ...(state.stats.koreThrottled ? { koreThrottled: state.stats.koreThrottled } : {}),
    receiveCount,
    durationMs: deps.clock.now() - state.startedAt,
    ...(error ? { error: { name: (error as Error)?.name, message: errorMessage(error) } } : {}),
  };
  if (outcome.outcome === 'retry' || outcome.outcome === 'rejected' || outcome.outcome === 'requeued') logger.warn('outcome', line);
  else logger.info('outcome', line);

  metrics.addMetric(`outcome.${outcome.outcome}`, MetricUnit.Count, 1);
  if (outcome.reason) metrics.addMetric(`reason.${outcome.reason}`, MetricUnit.Count, 1);
  metrics.addMetric('koreCalls', MetricUnit.Count, state.stats.koreCalls);
  if (state.stats.koreThrottled) metrics.addMetric('koreThrottled', MetricUnit.Count, state.stats.koreThrottled);
  if (deferred) metrics.addMetric('deferred', MetricUnit.Count, 1);
  if (typeof outcome.detail?.metric === 'string' && outcome.outcome === 'done') metrics.addMetric(outcome.detail.metric, MetricUnit.Count, 1);

  if (outcome.outcome === 'retry') throw new RecordRetry(outcome.reason ?? 'retry', { cause: error });
  return outcome;
}
