import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSRecord } from 'aws-lambda';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { DeadlineError, errorCode, errorMessage, isRetryable } from '../errors.js';
import type { KoreClient } from '../kore/client.js';
import type { QueueSender } from '../aws/queue.js';
import type { RateLimiter } from '../rate-limit.js';
import { campaignEnded } from './campaign-ended.js';
import type { CommandContext } from './context.js';
import { listExpired } from './list-expired.js';
import { listUpdate } from './list-update.js';
import type { Outcome } from './outcome.js';
import type { Command, ParsedMessage } from './schema.js';
import { parseMessage } from './schema.js';

export interface ConsumerDeps {
  kore: KoreClient;
  sender: QueueSender;
  logger: Logger;
  metrics: Metrics;
  lifecycleQueueUrl: string;
  deadLetterQueueUrl: string;
  /** No Kore call starts within this margin of the Lambda timeout. */
  deadlineMarginMs: number;
  fanoutDelaySeconds: number;
  /** The shared limiter and one call's timeout: a record starts only if all its calls fit. */
  limiter?: Pick<RateLimiter, 'timeForCalls'>;
  koreTimeoutMs?: number;
  clock?: Clock;
}

/** Kore calls each command needs when all goes well (GET + DELETE/PUT; list + DELETE). */
export const CALLS_PER_COMMAND: Record<Command['type'], number> = {
  'campaign.ended': 2,
  'list.expired': 2,
  'list.update': 2,
};

/** Raised for `retry` outcomes so the batch processor reports the record in batchItemFailures. */
export class RecordRetryError extends Error {
  constructor(readonly outcome: Outcome, options?: { cause?: unknown }) {
    super(`retry: ${outcome.reason ?? 'transient failure'}`, options);
    this.name = 'RecordRetryError';
  }
}

function execute(cmd: Command, ctx: CommandContext): Promise<Outcome> {
  switch (cmd.type) {
    case 'campaign.ended':
      return campaignEnded(cmd, ctx);
    case 'list.expired':
      return listExpired(cmd, ctx);
    case 'list.update':
      return listUpdate(cmd, ctx);
  }
}

function idsOf(cmd: Command | undefined): Record<string, string> {
  const ids: Record<string, string> = {};
  if (cmd && 'campaignId' in cmd && cmd.campaignId) ids.campaignId = cmd.campaignId;
  if (cmd && 'contactListId' in cmd) ids.contactListId = cmd.contactListId;
  return ids;
}

/**
 * Decides the one outcome of a record and makes it so: done/already-done/skipped return
 * (deleted from the queue), rejected is parked in the DLQ and then returns, retry throws.
 */
export function createRecordHandler(deps: ConsumerDeps) {
  const clock = deps.clock ?? systemClock;
  const { logger, metrics } = deps;

  return async function recordHandler(record: SQSRecord, context?: Context): Promise<Outcome> {
    const started = clock.now();
    const remaining = context?.getRemainingTimeInMillis?.() ?? 60_000;
    const deadline = started + remaining - deps.deadlineMarginMs;
    const stats = { koreCalls: 0 };
    const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? '1') || 1;
    let parsed: ParsedMessage | undefined;
    let outcome: Outcome;
    let error: unknown;

    const ctx: CommandContext = {
      kore: deps.kore,
      deadline,
      stats,
      now: () => clock.now(),
      enqueue: async (messages) => {
        await deps.sender.sendBatch(
          deps.lifecycleQueueUrl,
          messages.map((m) => ({ ...m, delaySeconds: m.delaySeconds ?? deps.fanoutDelaySeconds })),
        );
      },
      audit: (action, data) =>
        logger.info('audit', { audit: true, action, messageId: record.messageId, eventId: parsed?.command.eventId, deleted: data }),
    };

    try {
      parsed = parseMessage(record.body);
      if (clock.now() >= deadline) throw new DeadlineError('the invocation is past its deadline before the record started');
      // Do not spend a GET on a record whose DELETE could not be paced in before the deadline.
      const lastSlot = deps.limiter?.timeForCalls(CALLS_PER_COMMAND[parsed.command.type]);
      if (lastSlot !== undefined && lastSlot + (deps.koreTimeoutMs ?? 0) > deadline) {
        throw new DeadlineError('not enough time left to pace this record\'s Kore calls before the deadline');
      }
      outcome = await execute(parsed.command, ctx);
    } catch (err) {
      error = err;
      outcome = { outcome: isRetryable(err) ? 'retry' : 'rejected', reason: errorCode(err) };
    }

    if (outcome.outcome === 'rejected') {
      try {
        await deps.sender.park(deps.deadLetterQueueUrl, {
          body: record.body,
          messageId: record.messageId,
          receiveCount,
          errorCode: outcome.reason ?? 'rejected',
          errorMessage: errorMessage(error),
          eventId: parsed?.command.eventId,
        });
      } catch (parkErr) {
        // Could not park it: leave it in the queue; redrive takes it to the DLQ at worst.
        error = parkErr;
        outcome = { outcome: 'retry', reason: errorCode(parkErr) };
      }
    }

    const line = {
      messageId: record.messageId,
      eventId: parsed?.command.eventId,
      type: parsed?.command.type,
      envelope: parsed?.envelope,
      ...idsOf(parsed?.command),
      ...outcome.detail,
      outcome: outcome.outcome,
      reason: outcome.reason,
      koreCalls: stats.koreCalls,
      receiveCount,
      durationMs: clock.now() - started,
      ...(error ? { error: { name: (error as Error)?.name, message: errorMessage(error) } } : {}),
    };
    if (outcome.outcome === 'retry' || outcome.outcome === 'rejected') logger.warn('outcome', line);
    else logger.info('outcome', line);

    metrics.addMetric(`outcome.${outcome.outcome}`, MetricUnit.Count, 1);
    if (outcome.reason) metrics.addMetric(`reason.${outcome.reason}`, MetricUnit.Count, 1);
    metrics.addMetric('koreCalls', MetricUnit.Count, stats.koreCalls);

    if (outcome.outcome === 'retry') throw new RecordRetryError(outcome, { cause: error });
    return outcome;
  };
}
