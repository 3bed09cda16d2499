import { coldStart } from '../lib/cold-start.js';
import { loadBrakeConfig } from '../lib/config.js';
import { createBrakeDeps } from '../lib/deps.js';
import { createBrakeHandler } from '../lib/brake/handler.js';

// Cold start: validate the environment once (a bad value names the variable), build the clients once.
export const handler = coldStart(() => createBrakeHandler(createBrakeDeps(loadBrakeConfig())));
