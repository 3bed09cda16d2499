import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { QueueSender } from '../aws/queue.js';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { KoreClient } from '../kore/client.js';
import type { SweepReport, SweepSettings } from './run.js';
import { parseSweepEvent, resolveSettings, runSweep } from './run.js';

export interface SweepHandlerDeps {
  kore: KoreClient;
  sender: QueueSender;
  queueUrl: string;
  defaults: SweepSettings;
  logger: Logger;
  metrics: Metrics;
  deadlineMarginMs?: number;
  clock?: Clock;
}

export type SweepHandler = (event: unknown, context: Context) => Promise<SweepReport>;

/** The nightly sweep's Lambda handler: parse the event's overrides, run, return the report. */
export function createSweepHandler(deps: SweepHandlerDeps): SweepHandler {
  return middy<unknown, SweepReport, Error, Context>()
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics))
    .handler(async (event, context) => {
      const settings = resolveSettings(deps.defaults, parseSweepEvent(event));
      const remaining = context?.getRemainingTimeInMillis?.();
      const deadline = remaining === undefined ? undefined : (deps.clock ?? systemClock).now() + remaining - (deps.deadlineMarginMs ?? 2_000);
      return runSweep({ ...deps, ...(deadline ? { deadline } : {}) }, settings);
    });
}
