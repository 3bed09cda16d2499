import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSClientConfig } from '@aws-sdk/client-sqs';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { QueueSender } from './aws/queue.js';
import { SecretCredentials } from './aws/secrets.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { BrakeConfig, CommonConfig, ConsumerConfig, SweepConfig } from './config.js';
import type { BrakeDeps } from './brake/handler.js';
import { CampaignIndex } from './guard/campaign-index.js';
import { HttpKoreClient } from './kore/http-client.js';
import type { ConsumerDeps } from './lifecycle/record-handler.js';
import { ListingCapability } from './lifecycle/snapshot.js';
import { createAuditLogger, createLogger, createMetrics } from './log.js';
import { BrakeWatch } from './aws/brake.js';
import { KoreBreaker } from './lifecycle/breaker.js';
import type { BreakerOptions } from './lifecycle/breaker.js';
import { RateLimiter } from './rate-limit.js';
import type { RetryPolicy } from './retry.js';
import type { SweepDeps } from './sweep/handler.js';
import { SWEEP_KORE_CALLS } from './sweep/run.js';
import { dncHeadroomMs } from './time-budget.js';

/**
 * The one way to build a function's dependencies, used by functions/, `npm start`, the CLI,
 * the bench and the tests alike: they override only endpoints, credentials and clocks, so what
 * they exercise is the wiring that ships.
 */
export interface IoOverrides {
  aws?: {
    region?: string;
    credentials?: SQSClientConfig['credentials'];
    /** AWS_ENDPOINT_URL_SQS / _SECRETS_MANAGER do the same from the environment. */
    endpoints?: { sqs?: string; secretsManager?: string };
  };
  fetch?: typeof fetch;
  clock?: Clock;
  random?: () => number;
  /** Tests shorten the backoff; production uses the default (2 retries, 200 ms base, 5 s cap). */
  retryPolicy?: RetryPolicy;
  /** Tests that run time fast shorten the circuit breaker's cool-downs; production uses 5 failures, 60 s, up to 15 min. */
  breaker?: BreakerOptions;
  logger?: Logger;
  /** The audit trail's logger (tests capture it); production pins its level to INFO (lib/log.ts). */
  auditLogger?: Logger;
  metrics?: Metrics;
}

/** One SQS or Secrets Manager request's timeout (each is also cut to the invocation's time left). */
const AWS_ATTEMPT_TIMEOUT_MS = 3_000;

function awsClientConfig(io: IoOverrides, endpoint: string | undefined) {
  return {
    // Retries happen in one layer, ours, inside the deadline (QueueSender, a record's redelivery).
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: AWS_ATTEMPT_TIMEOUT_MS },
    ...(io.aws?.region ? { region: io.aws.region } : {}),
    ...(io.aws?.credentials ? { credentials: io.aws.credentials } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
}

/** Clients both functions share: SQS, the secret, the limiter, the Kore client. */
function createCore(config: CommonConfig, io: IoOverrides, limiterBurst = 1) {
  const clock = io.clock ?? systemClock;
  const sqs = new SQSClient(awsClientConfig(io, io.aws?.endpoints?.sqs));
  const secretsClient = new SecretsManagerClient(awsClientConfig(io, io.aws?.endpoints?.secretsManager));
  const credentials = new SecretCredentials({
    secretId: config.KORE_SECRET_ID,
    ttlSeconds: config.SECRET_TTL_SECONDS,
    client: secretsClient,
    hostPolicy: { allowedHosts: config.KORE_ALLOWED_HOSTS, allowLoopbackHttp: config.KORE_ALLOW_LOOPBACK_HTTP },
    clock,
    attemptTimeoutMs: AWS_ATTEMPT_TIMEOUT_MS,
  });
  const limiter = new RateLimiter({ perMinute: config.KORE_CALLS_PER_MINUTE, burst: limiterBurst, clock });
  const kore = new HttpKoreClient({
    credentials,
    limiter,
    timeoutMs: config.KORE_TIMEOUT_MS,
    clock,
    ...(io.fetch ? { fetch: io.fetch } : {}),
    ...(io.random ? { random: io.random } : {}),
    ...(io.retryPolicy ? { retryPolicy: io.retryPolicy } : {}),
  });
  const sender = new QueueSender(sqs, { clock, attemptTimeoutMs: AWS_ATTEMPT_TIMEOUT_MS, ...(io.random ? { random: io.random } : {}) });
  return {
    clock,
    sqs,
    secretsClient,
    credentials,
    limiter,
    kore,
    sender,
    logger: io.logger ?? createLogger(),
    metrics: io.metrics ?? createMetrics(),
  };
}

export type ConsumerRuntime = ConsumerDeps & ReturnType<typeof createCore>;

export function createConsumerDeps(config: ConsumerConfig, io: IoOverrides = {}): ConsumerRuntime {
  const core = createCore(config, io);
  const campaigns = new CampaignIndex(core.kore, {
    deleteMaxAgeMs: config.DNC_MAX_AGE_SECONDS * 1000,
    renameMaxAgeMs: config.DNC_RENAME_MAX_AGE_SECONDS * 1000,
    // Between the index's refresh and the write: the evidence read, then the write's slot and a reply.
    headroomMs: dncHeadroomMs({ callsPerMinute: config.KORE_CALLS_PER_MINUTE, koreTimeoutMs: config.KORE_TIMEOUT_MS }),
    fullReadEveryMs: config.CAMPAIGN_FULL_READ_HOURS * 3_600_000,
    clock: core.clock,
  });
  return {
    ...core,
    campaigns,
    listing: new ListingCapability(core.clock),
    auditLogger: io.auditLogger ?? createAuditLogger(),
    brake: new BrakeWatch(core.sqs, config.LIFECYCLE_QUEUE_URL, { clock: core.clock }),
    breaker: new KoreBreaker(core.clock, io.breaker),
    settings: {
      lifecycleQueueUrl: config.LIFECYCLE_QUEUE_URL,
      lifecycleQueueArn: config.LIFECYCLE_QUEUE_ARN,
      overrideSenderIds: config.OVERRIDE_SENDER_IDS,
      ...(config.CONSUMER_SENDER_ID ? { consumerSenderId: config.CONSUMER_SENDER_ID } : {}),
      deadLetterQueueUrl: config.DEAD_LETTER_QUEUE_URL,
      deadlineMarginMs: config.DEADLINE_MARGIN_MS,
      fanoutDelaySeconds: config.FANOUT_DELAY_SECONDS,
      fanoutMaxLists: config.FANOUT_MAX_LISTS,
      dryRun: config.CONSUMER_DRY_RUN,
      maxCommandAgeHours: config.MAX_COMMAND_AGE_HOURS,
      allowedStreamIds: config.ALLOWED_STREAM_IDS,
      maxReceiveCount: config.MAX_RECEIVE_COUNT,
      deferredVisibilitySeconds: config.DEFERRED_VISIBILITY_SECONDS,
      snapshotMaxAgeSeconds: config.SNAPSHOT_MAX_AGE_SECONDS,
      acceptLocalReceipts: config.KORE_ALLOW_LOOPBACK_HTTP,
      writeEvidenceMaxAgeMs: dncHeadroomMs({ callsPerMinute: config.KORE_CALLS_PER_MINUTE, koreTimeoutMs: config.KORE_TIMEOUT_MS }),
      deletionMode: config.DELETION_MODE,
      graceDays: config.GRACE_DAYS,
    },
  };
}

export type SweepRuntime = SweepDeps & ReturnType<typeof createCore>;

export function createSweepDeps(config: SweepConfig, io: IoOverrides = {}): SweepRuntime {
  // The sweep's few calls (SWEEP_KORE_CALLS, which the account budget reserves for it) go out
  // together, not 2.4 s apart.
  const core = createCore(config, io, SWEEP_KORE_CALLS);
  return {
    ...core,
    queueUrl: config.LIFECYCLE_QUEUE_URL,
    defaults: {
      dryRun: config.SWEEP_DRY_RUN,
      maxLists: config.SWEEP_MAX_LISTS,
      minIdleDays: config.SWEEP_MIN_IDLE_DAYS,
      ...(config.SWEEP_NAME_PATTERN ? { namePattern: config.SWEEP_NAME_PATTERN } : {}),
      deletion: { mode: config.DELETION_MODE, graceDays: config.GRACE_DAYS },
    },
    limits: { minIdleDaysFloor: config.SWEEP_MIN_IDLE_DAYS_FLOOR, maxListsCeiling: config.SWEEP_MAX_LISTS_CEILING },
    deadlineMarginMs: config.DEADLINE_MARGIN_MS,
  };
}

/** The brake function: the SQS client (the queue's tag) and the Lambda client (the event source mapping). */
export function createBrakeDeps(config: BrakeConfig, io: IoOverrides & { endpoints?: { lambda?: string } } = {}): BrakeDeps {
  return {
    sqs: new SQSClient(awsClientConfig(io, io.aws?.endpoints?.sqs)),
    lambda: new LambdaClient(awsClientConfig(io, io.endpoints?.lambda)),
    logger: io.logger ?? createLogger(),
    config,
  };
}
