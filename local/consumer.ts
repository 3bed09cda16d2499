import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { QueueSender } from '../lib/aws/queue.js';
import { SecretCredentials } from '../lib/aws/secrets.js';
import { HttpKoreClient } from '../lib/kore/http-client.js';
import { createLifecycleHandler } from '../lib/lifecycle/handler.js';
import type { LifecycleHandler } from '../lib/lifecycle/handler.js';
import { RateLimiter } from '../lib/rate-limit.js';
import type { RetryPolicy } from '../lib/retry.js';

export interface LocalConsumerOptions {
  sqs: SQSClient;
  secretsClient: SecretsManagerClient;
  secretId: string;
  queueUrl: string;
  dlqUrl: string;
  callsPerMinute?: number;
  koreTimeoutMs?: number;
  deadlineMarginMs?: number;
  secretTtlSeconds?: number;
  retry?: RetryPolicy;
}

/**
 * One consumer "execution environment" wired like functions/lifecycle-events.ts, but with
 * explicit clients and settings (tests, chaos, bench). Each call builds its own handler,
 * limiter and secret cache, as each Lambda execution environment has its own.
 */
export function createLocalConsumer(o: LocalConsumerOptions): { handler: LifecycleHandler; credentials: SecretCredentials; limiter: RateLimiter } {
  const credentials = new SecretCredentials({ secretId: o.secretId, ttlSeconds: o.secretTtlSeconds ?? 300, client: o.secretsClient });
  const limiter = new RateLimiter({ perMinute: o.callsPerMinute ?? 60_000 });
  const koreTimeoutMs = o.koreTimeoutMs ?? 2_000;
  const handler = createLifecycleHandler({
    kore: new HttpKoreClient({ credentials, limiter, timeoutMs: koreTimeoutMs, ...(o.retry ? { retryPolicy: o.retry } : {}) }),
    sender: new QueueSender(o.sqs),
    logger: new Logger({ serviceName: 'kore-campaign-lifecycle' }),
    metrics: new Metrics({ namespace: 'KoreCampaignLifecycle', serviceName: 'kore-campaign-lifecycle' }),
    lifecycleQueueUrl: o.queueUrl,
    deadLetterQueueUrl: o.dlqUrl,
    deadlineMarginMs: o.deadlineMarginMs ?? 500,
    fanoutDelaySeconds: 0,
    limiter,
    koreTimeoutMs,
  });
  return { handler, credentials, limiter };
}
