import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { QueueSender } from './aws/queue.js';
import { SecretCredentials } from './aws/secrets.js';
import { HttpKoreClient } from './kore/http-client.js';
import { RateLimiter } from './rate-limit.js';

/**
 * Module-scope clients for a Lambda: created once per execution environment and reused by
 * every invocation. The SDK reads AWS_ENDPOINT_URL_SQS / _SECRETS_MANAGER itself (local runs).
 */
export function createClients(cfg: { KORE_SECRET_ID: string; SECRET_TTL_SECONDS: number; KORE_CALLS_PER_MINUTE: number; KORE_TIMEOUT_MS: number }) {
  const sqs = new SQSClient({});
  const secrets = new SecretsManagerClient({});
  const credentials = new SecretCredentials({ secretId: cfg.KORE_SECRET_ID, ttlSeconds: cfg.SECRET_TTL_SECONDS, client: secrets });
  const limiter = new RateLimiter({ perMinute: cfg.KORE_CALLS_PER_MINUTE });
  const kore = new HttpKoreClient({ credentials, limiter, timeoutMs: cfg.KORE_TIMEOUT_MS });
  const sender = new QueueSender(sqs);
  return { sqs, secrets, credentials, limiter, kore, sender };
}
