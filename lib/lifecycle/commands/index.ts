import { CALLS_PER_COMMAND } from '../consumer.js';

/** The most Kore calls one record may need when all goes well: what a batch's time budget counts per record. */
export const MAX_CALLS_PER_RECORD = Math.max(...Object.values(CALLS_PER_COMMAND));
