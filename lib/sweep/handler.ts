import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { Deadline } from '../deadline.js';
import type { SweepLimits, SweepSettings } from './event.js';
import { parseSweepEvent, resolveSettings } from './event.js';
import type { SweepReport, SweepRunDeps } from './run.js';
import { runSweep } from './run.js';

export interface SweepDeps extends SweepRunDeps {
  defaults: SweepSettings;
  limits: SweepLimits;
  logger: Logger;
  metrics: Metrics;
  deadlineMarginMs: number;
  clock: Clock;
}

export type SweepHandler = (event: unknown, context: Context) => Promise<SweepReport>;

/** The nightly sweep's Lambda handler: parse the event's overrides, check the limits, run, return the report. */
export function createSweepHandler(deps: SweepDeps): SweepHandler {
  return middy<unknown, SweepReport, Error, Context>()
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics))
    .handler(async (event, context, { signal }) => {
      const settings = resolveSettings(deps.defaults, parseSweepEvent(event), deps.limits);
      const deadline = Deadline.fromContext(context, deps.deadlineMarginMs, { clock: deps.clock ?? systemClock, signal, fallbackMs: 300_000 });
      return runSweep(deps, settings, deadline);
    });
}
