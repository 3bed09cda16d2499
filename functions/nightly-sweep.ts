import { loadSweepConfig } from '../lib/config.js';
import { createLogger, createMetrics } from '../lib/log.js';
import { createSweepHandler } from '../lib/sweep/handler.js';
import { createClients } from '../lib/wiring.js';

// Cold start: validate the environment once (a bad value names the variable) and build clients.
const config = loadSweepConfig();
const { kore, sender } = createClients(config);

export const handler = createSweepHandler({
  kore,
  sender,
  queueUrl: config.LIFECYCLE_QUEUE_URL,
  defaults: {
    dryRun: config.SWEEP_DRY_RUN,
    maxLists: config.SWEEP_MAX_LISTS,
    minIdleDays: config.SWEEP_MIN_IDLE_DAYS,
    namePattern: config.SWEEP_NAME_PATTERN,
  },
  logger: createLogger(),
  metrics: createMetrics(),
});
