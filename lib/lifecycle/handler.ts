import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { ConsumerDeps } from './consumer.js';
import { createRecordHandler } from './consumer.js';

export type LifecycleHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * The consumer's Lambda handler: Powertools' BatchProcessor isolates records and builds the
 * partial batch response. `throwOnFullBatchFailure: false`: when every record is a retry the
 * response lists them all, so SQS redelivers exactly those and deletes nothing.
 *
 * Records run one after another (`processInParallel: false`). Every Kore call goes through one
 * limiter (one call per 2.4 s at 25/min), so running records side by side gains no throughput;
 * it only interleaves them, and near the deadline every record would have spent its GET with
 * none left for its DELETE. In order, a record that cannot finish is reported `retry` before
 * it spends a call.
 */
export function createLifecycleHandler(deps: ConsumerDeps): LifecycleHandler {
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = createRecordHandler(deps);
  return middy<SQSEvent, SQSBatchResponse, Error, Context>()
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics))
    .handler(async (event, context) =>
      processPartialResponse(event, recordHandler, processor, {
        context,
        throwOnFullBatchFailure: false,
        processInParallel: false,
      }),
    );
}
