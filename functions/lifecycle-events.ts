import { coldStart } from '../lib/cold-start.js';
import { loadConsumerConfig } from '../lib/config.js';
import { createConsumerDeps } from '../lib/deps.js';
import { createLifecycleHandler } from '../lib/lifecycle/handler.js';

// Cold start: validate the environment once (a bad value names the variable), build the clients once.
export const handler = coldStart(() => createLifecycleHandler(createConsumerDeps(loadConsumerConfig())));
