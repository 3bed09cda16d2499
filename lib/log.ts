import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const SERVICE_NAME = 'kore-campaign-lifecycle';
export const METRICS_NAMESPACE = 'KoreCampaignLifecycle';

/** JSON logs, one line per event. Secrets and JWTs are never passed to it (see log-safety tests). */
export function createLogger(): Logger {
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME });
}

export function createMetrics(): Metrics {
  return new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
  });
}

/**
 * The audit trail's logger: its level is pinned to INFO in the constructor, which wins over
 * POWERTOOLS_LOG_LEVEL and LOG_LEVEL, so an operator who quiets the logs to ERROR keeps every
 * audit line. (Lambda's own log-level filter, AWS_LAMBDA_LOG_LEVEL, would drop them: the consumer
 * refuses to start under it, lib/config.ts.)
 */
export function createAuditLogger(): Logger {
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME, logLevel: 'INFO' });
}
