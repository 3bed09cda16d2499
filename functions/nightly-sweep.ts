import { coldStart } from '../lib/cold-start.js';
import { loadSweepConfig } from '../lib/config.js';
import { createSweepDeps } from '../lib/deps.js';
import { createSweepHandler } from '../lib/sweep/handler.js';

// Cold start: validate the environment once (a bad value names the variable), build the clients once.
export const handler = coldStart(() => createSweepHandler(createSweepDeps(loadSweepConfig())));
