import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { Deadline } from '../deadline.js';
import { errorMessage } from '../errors.js';
import type { DeletionMode } from '../config.js';
import { parseCommand } from './commands/index.js';
import { wantsDelete } from './commands/list-expired.js';
import { unwrap } from './envelope.js';
import { ForeignEventSourceError, NotAnSqsEventError, RecordSourceUnverifiedError } from './errors.js';
import { ListSnapshot } from './snapshot.js';
import type { ConsumerDeps, Invocation } from './record-handler.js';
import { createRecordHandler } from './record-handler.js';

export type LifecycleHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** SQS's largest visibility timeout (12 hours). */
const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * Time kept back at the very end. Parking (a rejected record, or a retry on its last receive) and
 * shortening the visibility of deferred records may run until then, inside DEADLINE_MARGIN_MS,
 * which no Kore call or fan-out may use: a park is one small SQS request, and without it the
 * message would reach the DLQ by redrive, without its ErrorCode.
 */
const FINAL_STEP_MARGIN_MS = 250;

/** The lists of the batch's list.expired records that may be DELETEd (the only write a listing may stand as evidence for). */
function listsToDelete(records: SQSRecord[], nowMs: number, mode: DeletionMode): string[] {
  const ids: string[] = [];
  for (const r of records) {
    try {
      const { command } = parseCommand(unwrap(r.body), nowMs);
      if (command.type === 'list.expired' && wantsDelete(command, mode)) ids.push(command.contactListId);
    } catch {
      // an invalid record is rejected by its own handler
    }
  }
  return ids;
}

/**
 * The consumer's Lambda handler: Powertools' BatchProcessor isolates records and builds the
 * partial batch response. A new processor per invocation: one created at module scope keeps the
 * records of an invocation that Lambda gave up on, and their failures then show up in the next
 * invocation's response (an unknown item identifier fails that whole batch).
 *
 * `throwOnFullBatchFailure: false`: when every record is a retry the response lists them all, so
 * SQS redelivers exactly those. Records run one after another (`processInParallel: false`): every
 * Kore call goes through one limiter, so running records side by side gains no throughput; near
 * the deadline it would only leave every record with its GET spent and no slot for its DELETE.
 * middy's abort signal reaches every I/O through the invocation's Deadline.
 */
/** What `serverless invoke local` gets from `npm run cli -- event`: no SQS gave it out. */
const LOCAL_RECEIPT = /^local-receipt-[0-9a-f-]{36}$/;

/**
 * Refuses the invocation unless SQS confirms every record's receipt handle for the lifecycle
 * queue: a hand-made event (lambda:InvokeFunction with the queue's ARN copied, a SenderId of an
 * operator's) runs nothing. The one exception is the local stack's: the handles `npm run cli --
 * event` prints, accepted only with KORE_ALLOW_LOOPBACK_HTTP=true, which no deployed stage sets.
 */
export async function proveFromQueue(deps: ConsumerDeps, records: SQSRecord[], deadline: Deadline): Promise<void> {
  const handles = records.map((r) => (typeof r?.receiptHandle === 'string' ? r.receiptHandle : ''));
  if (deps.settings.acceptLocalReceipts && handles.every((h) => LOCAL_RECEIPT.test(h))) return;
  if (handles.some((h) => h === '' || h.length > 2048))
    throw new ForeignEventSourceError('refused: a record has no receipt handle SQS could have given out; nothing was run');
  let refused: string[];
  try {
    refused = await deps.sender.proveReceived(deps.settings.lifecycleQueueUrl, handles, { deadline });
  } catch (err) {
    deps.logger.error('record source unverified', { records: records.length, error: errorMessage(err) });
    throw new RecordSourceUnverifiedError(`${errorMessage(err)}: nothing was run`, { cause: err });
  }
  if (refused.length) {
    deps.logger.error('foreign receipt handles', { records: records.length, refused: refused.length });
    throw new ForeignEventSourceError(
      `refused: SQS does not know ${refused.length} of the ${records.length} records' receipt handles for the lifecycle queue (a hand-made event, or a message already deleted); nothing was run`,
    );
  }
}

/**
 * SQS could not be asked (after its retries) whether the records are the queue's: none runs, each
 * is a retry (`source-unverified`, one outcome line each) and comes back with the batch. None is
 * parked or requeued: a record not proven to be the queue's is never sent anywhere by the consumer.
 */
function unverified(deps: ConsumerDeps, records: SQSRecord[], err: RecordSourceUnverifiedError, context: Context): SQSBatchResponse {
  for (const r of records) {
    deps.logger.warn('outcome', {
      messageId: typeof r?.messageId === 'string' ? r.messageId.slice(0, 128) : undefined,
      outcome: 'retry',
      reason: err.code,
      koreCalls: 0,
      receiveCount: Number(r?.attributes?.ApproximateReceiveCount ?? '1') || 1,
      error: { name: err.name, message: errorMessage(err) },
    });
    deps.metrics.addMetric('outcome.retry', MetricUnit.Count, 1);
    deps.metrics.addMetric(`reason.${err.code}`, MetricUnit.Count, 1);
  }
  const remainingMs = context.getRemainingTimeInMillis?.();
  deps.logger.info('invocation', { records: records.length, failed: records.length, deferred: 0, ...(remainingMs !== undefined ? { remainingMs } : {}) });
  return { batchItemFailures: records.map((r) => ({ itemIdentifier: r.messageId })) };
}

export function createLifecycleHandler(deps: ConsumerDeps): LifecycleHandler {
  const recordHandler = createRecordHandler(deps);
  return middy<SQSEvent, SQSBatchResponse, Error, Context>()
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics))
    .handler(async (event, context, { signal }) => {
      if (!Array.isArray((event as Partial<SQSEvent> | undefined)?.Records)) {
        throw new NotAnSqsEventError('lifecycleEvents expects an SQS event ({"Records": [...]}); a schedule or sweep event goes to nightlySweep');
      }
      // The queue is the only way in: whoever may invoke the function may not hand it records of their own.
      const foreign = event.Records.find((r) => r?.eventSourceARN !== deps.settings.lifecycleQueueArn);
      if (foreign) {
        const from = typeof foreign?.eventSourceARN === 'string' ? foreign.eventSourceARN.slice(0, 200) : '(none)';
        deps.logger.error('foreign event source', { eventSourceARN: from, records: event.Records.length });
        throw new ForeignEventSourceError(`refused: a record's eventSourceARN is ${from}, not the lifecycle queue (LIFECYCLE_QUEUE_ARN); nothing was run`);
      }
      // The ARN is the invoker's to write, and so are SenderId and SentTimestamp: a record runs only
      // if SQS itself confirms its receipt handle for the lifecycle queue (one call per invocation).
      try {
        await proveFromQueue(deps, event.Records, Deadline.fromContext(context, deps.settings.deadlineMarginMs, { clock: deps.clock, signal }));
      } catch (err) {
        if (!(err instanceof RecordSourceUnverifiedError)) throw err;
        return unverified(deps, event.Records, err, context);
      }
      const invocation: Invocation = {
        deadline: Deadline.fromContext(context, deps.settings.deadlineMarginMs, { clock: deps.clock, signal }),
        settleDeadline: Deadline.fromContext(context, Math.min(FINAL_STEP_MARGIN_MS, deps.settings.deadlineMarginMs), { clock: deps.clock, signal }),
        deferred: [],
      };
      // Two or more deletions: one listing (1 call) beats a GET each.
      const deleting =
        deps.settings.snapshotMaxAgeSeconds > 0 && (deps.listing?.usable() ?? true)
          ? listsToDelete(event.Records, deps.clock.now(), deps.settings.deletionMode)
          : [];
      if (deleting.length >= 2) {
        invocation.listSnapshot = new ListSnapshot(deps.kore, deps.clock, deps.settings.snapshotMaxAgeSeconds * 1000, deleting, deps.listing);
      }
      const processor = new BatchProcessor(EventType.SQS);
      const response = await processPartialResponse(event, (record: SQSRecord) => recordHandler(record, invocation), processor, {
        context,
        throwOnFullBatchFailure: false,
        processInParallel: false,
      });
      const failed = response.batchItemFailures.length;
      if (invocation.deferred.length > 0) {
        // Deferred records come back in DEFERRED_VISIBILITY_SECONDS, not after the full visibility
        // timeout, and not before Kore's budget is free again (a 429's Retry-After pauses the limiter):
        // coming back sooner would only spend receives.
        const seconds = Math.min(MAX_VISIBILITY_SECONDS, Math.max(deps.settings.deferredVisibilitySeconds, Math.ceil(deps.kore.nextCallInMs() / 1000)));
        await deps.sender.changeVisibility(deps.settings.lifecycleQueueUrl, invocation.deferred, seconds, {
          deadline: Deadline.fromContext(context, FINAL_STEP_MARGIN_MS, { clock: deps.clock, signal }),
        });
      }
      // Measured at the handler: how much time the invocation had left when it answered.
      const remainingMs = context.getRemainingTimeInMillis?.();
      deps.logger.info('invocation', {
        records: event.Records.length,
        failed,
        deferred: invocation.deferred.length,
        ...(remainingMs !== undefined ? { remainingMs } : {}),
      });
      return response;
    });
}
