import * as z from 'zod/mini';
import '../zod-messages.js';
import { SweepEventError, SweepLimitError } from './errors.js';
import type { NamePattern, SweepPolicy } from './policy.js';

/** What the schedule's input (or an operator's invoke) may override; anything else is an error. */
export const sweepOverridesSchema = z.strictObject({
  dryRun: z.optional(z.boolean()),
  maxLists: z.optional(z.int().check(z.minimum(0), z.maximum(100_000))),
  minIdleDays: z.optional(z.int().check(z.minimum(0), z.maximum(3650))),
  namePattern: z.optional(z.string().check(z.maxLength(256))),
});
export type SweepOverrides = z.output<typeof sweepOverridesSchema>;

/**
 * Accepts an EventBridge/Scheduler "Scheduled Event" (no overrides), `{}`, or an overrides
 * object. Unknown keys are an error, not ignored: a typo (`dryrun: false`) must not run live.
 */
export function parseSweepEvent(event: unknown): SweepOverrides {
  if (event === undefined || event === null) return {};
  if (typeof event !== 'object' || Array.isArray(event)) throw new SweepEventError('sweep event must be an object');
  const e = event as Record<string, unknown>;
  if (e['detail-type'] === 'Scheduled Event' && (e.source === 'aws.events' || e.source === 'aws.scheduler')) return {};
  if (Array.isArray(e.Records)) throw new SweepEventError('this is an SQS event: invoke the lifecycleEvents function with it, not nightlySweep');
  const r = sweepOverridesSchema.safeParse(e);
  if (!r.success) {
    const msg = r.error.issues.map((i) => (i.code === 'unrecognized_keys' ? `unknown key(s): ${i.keys.join(', ')}` : `${i.path.join('.')}: ${i.message}`));
    throw new SweepEventError(`invalid sweep event: ${msg.join('; ')} (allowed: dryRun, maxLists, minIdleDays, namePattern)`);
  }
  return r.data;
}

export interface SweepSettings extends SweepPolicy {
  dryRun: boolean;
}

/** Bounds a live sweep may not cross, set only by deployment (SWEEP_MIN_IDLE_DAYS_FLOOR, SWEEP_MAX_LISTS_CEILING). */
export interface SweepLimits {
  minIdleDaysFloor: number;
  maxListsCeiling: number;
}

/**
 * The deployment's settings, narrowed by the event. The event may only narrow a run: turn a live
 * deployment's run dry, queue fewer lists, want lists idle longer, add a name pattern (both
 * patterns must then match). It may never turn a dry deployment live, nor widen a live run's caps:
 * whoever may invoke the sweep may not make it do more than the deployment says
 * (docs/operations.md, "A live sweep on purpose"). A dry run may look further (it queues nothing).
 * Refused, not clamped.
 */
export function resolveSettings(defaults: SweepSettings, o: SweepOverrides, limits: SweepLimits): SweepSettings {
  const wider: string[] = [];
  if (o.dryRun === false && defaults.dryRun) wider.push('dryRun false on a dry-run deployment (deploy with sweepDryRun=false to run live)');
  // A dry run queues nothing: it may look further than the deployment would queue.
  const live = !(o.dryRun ?? defaults.dryRun);
  if (live && o.maxLists !== undefined && o.maxLists > defaults.maxLists) wider.push(`maxLists ${o.maxLists} above the deployment's ${defaults.maxLists}`);
  if (live && o.minIdleDays !== undefined && o.minIdleDays < defaults.minIdleDays)
    wider.push(`minIdleDays ${o.minIdleDays} below the deployment's ${defaults.minIdleDays}`);
  if (wider.length) throw new SweepLimitError(`a sweep event may only narrow a run: ${wider.join('; ')}`);
  let eventPattern: NamePattern | undefined;
  if (o.namePattern !== undefined) {
    try {
      eventPattern = new RegExp(o.namePattern);
    } catch {
      throw new SweepEventError('invalid sweep event: namePattern is not a valid regular expression');
    }
  }
  const deployed = defaults.namePattern;
  // Both must match: a pattern can only narrow what the deployment's already selects.
  const namePattern = eventPattern && deployed ? both(deployed, eventPattern) : (eventPattern ?? deployed);
  const s: SweepSettings = {
    dryRun: o.dryRun ?? defaults.dryRun,
    maxLists: o.maxLists ?? defaults.maxLists,
    minIdleDays: o.minIdleDays ?? defaults.minIdleDays,
    ...(namePattern ? { namePattern } : {}),
    // The deletion mode and grace period are deployment settings only, never the event's.
    ...(defaults.deletion ? { deletion: defaults.deletion } : {}),
  };
  if (!s.dryRun && s.minIdleDays < limits.minIdleDaysFloor) {
    throw new SweepLimitError(`a live sweep needs minIdleDays ≥ ${limits.minIdleDaysFloor} (SWEEP_MIN_IDLE_DAYS_FLOOR); got ${s.minIdleDays}`);
  }
  if (!s.dryRun && s.maxLists > limits.maxListsCeiling) {
    throw new SweepLimitError(`a live sweep may queue at most ${limits.maxListsCeiling} lists (SWEEP_MAX_LISTS_CEILING); got maxLists ${s.maxLists}`);
  }
  return s;
}

/** A name filter both patterns must match. */
function both(a: NamePattern, b: NamePattern): NamePattern {
  return { test: (name: string) => a.test(name) && b.test(name), source: `(${a.source}) and (${b.source})` };
}
