import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { errorCode, errorMessage } from '../errors.js';
import { RecordRetry } from './errors.js';
import type { Outcome } from './outcome.js';
import type { ConsumerDeps, Invocation, RecordState } from './record-handler.js';

function idsOf(state: RecordState): Record<string, string> {
  const c = state.command as { campaignId?: string; contactListId?: string } | undefined;
  return { ...(c?.campaignId ? { campaignId: c.campaignId } : {}), ...(c?.contactListId ? { contactListId: c.contactListId } : {}) };
}

/**
 * 4. settle: makes the record's one outcome so, and says so once (one log line, the metrics).
 * - rejected: parked in the DLQ with the error as attributes, then deleted from the queue; if
 *   parking fails the record is retried instead, so nothing is lost.
 * - retry on the last receive (MAX_RECEIVE_COUNT): parked with its reason, so every message in
 *   the DLQ carries an ErrorCode (instead of arriving there by redrive without one).
 * - retry: thrown, so the batch response lists it; one deferred for time also has its
 *   visibility shortened at the end of the invocation.
 */
export async function settle(deps: ConsumerDeps, state: RecordState, invocation: Invocation, outcome: Outcome, error: unknown): Promise<Outcome> {
  const { record, receiveCount } = state;
  const { logger, metrics, settings } = deps;
  let exhausted = false;
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
        },
        { deadline: invocation.settleDeadline ?? invocation.deadline },
      );
    } catch (parkErr) {
      // Could not park it: leave it in the queue; SQS's redrive takes it to the DLQ at worst.
      error = parkErr;
      outcome = { outcome: 'retry', reason: errorCode(parkErr) };
    }
  }

  const deferred = outcome.outcome === 'retry' && outcome.reason === 'deadline';
  if (deferred) invocation.deferred.push(record.receiptHandle);
  const line = {
    messageId: record.messageId,
    eventId: state.command?.eventId,
    type: state.command?.type,
    envelope: state.envelope,
    ...idsOf(state),
    ...outcome.detail,
    outcome: outcome.outcome,
    reason: outcome.reason,
    ...(settings.dryRun ? { dryRun: true } : {}),
    koreCalls: state.stats.koreCalls,
    receiveCount,
    durationMs: deps.clock.now() - state.startedAt,
    ...(error ? { error: { name: (error as Error)?.name, message: errorMessage(error) } } : {}),
  };
  if (outcome.outcome === 'retry' || outcome.outcome === 'rejected') logger.warn('outcome', line);
  else logger.info('outcome', line);

  metrics.addMetric(`outcome.${outcome.outcome}`, MetricUnit.Count, 1);
  if (outcome.reason) metrics.addMetric(`reason.${outcome.reason}`, MetricUnit.Count, 1);
  metrics.addMetric('koreCalls', MetricUnit.Count, state.stats.koreCalls);
  if (deferred) metrics.addMetric('deferred', MetricUnit.Count, 1);
  if (typeof outcome.detail?.metric === 'string' && outcome.outcome === 'done') metrics.addMetric(outcome.detail.metric, MetricUnit.Count, 1);

  if (outcome.outcome === 'retry') throw new RecordRetry(outcome.reason ?? 'retry', { cause: error });
  return outcome;
}
