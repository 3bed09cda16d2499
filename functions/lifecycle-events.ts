import { loadConsumerConfig } from '../lib/config.js';
import { createLifecycleHandler } from '../lib/lifecycle/handler.js';
import { createLogger, createMetrics } from '../lib/log.js';
import { createClients } from '../lib/wiring.js';

// Cold start: validate the environment once (a bad value names the variable) and build clients.
const config = loadConsumerConfig();
const { kore, sender, limiter } = createClients(config);

export const handler = createLifecycleHandler({
  kore,
  sender,
  logger: createLogger(),
  metrics: createMetrics(),
  lifecycleQueueUrl: config.LIFECYCLE_QUEUE_URL,
  deadLetterQueueUrl: config.DEAD_LETTER_QUEUE_URL,
  deadlineMarginMs: config.DEADLINE_MARGIN_MS,
  fanoutDelaySeconds: config.FANOUT_DELAY_SECONDS,
  limiter,
  koreTimeoutMs: config.KORE_TIMEOUT_MS,
});
