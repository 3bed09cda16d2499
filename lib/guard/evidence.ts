import type { Refusal } from './rules.js';
import { refuse } from './rules.js';

const HOUR = 3_600_000;

/**
 * Is the command's evidence recent enough to act on? A command older than MAX_COMMAND_AGE_HOURS
 * (a DLQ redrive weeks later, a replayed archive) is `stale` unless an operator redrove it with
 * the explicit override. Checked before any Kore call.
 */
export function checkFresh(occurredAtMs: number, nowMs: number, maxAgeHours: number, allowStale: boolean): Refusal | undefined {
  const ageMs = nowMs - occurredAtMs;
  if (ageMs > maxAgeHours * HOUR && !allowStale) {
    return refuse('fresh', `the evidence is ${Math.floor(ageMs / HOUR)} h old (MAX_COMMAND_AGE_HOURS is ${maxAgeHours})`);
  }
  return undefined;
}
