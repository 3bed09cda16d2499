/**
 * The deployed settings, read from serverless.yml's `params.default` (the values `serverless
 * deploy` uses unless a stage overrides them), so the accounts benchmark and the scale tests run
 * the consumer and the sweep with what ships, and follow it when a default changes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** params.default of serverless.yml, as the strings the Lambda environment receives. */
export function deployedParams(file = join(ROOT, 'serverless.yml')): Record<string, string> {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: Record<string, string> = {};
  let inParams = false;
  let inDefault = false;
  for (const line of lines) {
    if (/^\S/.test(line)) {
      inParams = line.startsWith('params:');
      inDefault = false;
      continue;
    }
    if (!inParams) continue;
    const block = /^ {2}(\w+):\s*$/.exec(line);
    if (block) {
      inDefault = block[1] === 'default';
      continue;
    }
    const kv = inDefault ? /^ {4}(\w+):\s*(.*?)\s*(#.*)?$/.exec(line) : null;
    if (kv) out[kv[1]!] = kv[2]!.replace(/^'(.*)'$/, '$1');
  }
  return out;
}

export interface Deployed {
  /** The consumer's environment (only what serverless.yml sets from params; the rest are lib/config.ts defaults). */
  consumerEnv: Record<string, string>;
  sweepEnv: Record<string, string>;
  consumerTimeoutMs: number;
  sweepTimeoutMs: number;
  batchSize: number;
  batchWindowSeconds: number;
  maxReceiveCount: number;
  /** AWS: 6 × the consumer timeout (infra/settings.js). */
  visibilityTimeoutSeconds: number;
  maxConcurrency: number;
  accountCallsPerMinute: number;
  callsPerMinute: number;
  consumerMemoryMB: number;
  /** sweepMemorySize. */
  sweepMemoryMB: number;
  sweepMaxLists: number;
  graceDays: number;
}

export function deployed(params = deployedParams()): Deployed {
  const p = (name: string): string => {
    const v = params[name];
    if (v === undefined) throw new Error(`serverless.yml params.default has no ${name}`);
    return v;
  };
  const common = {
    KORE_CALLS_PER_MINUTE: p('koreCallsPerMinute'),
    SECRET_TTL_SECONDS: p('secretTtlSeconds'),
    KORE_TIMEOUT_MS: p('koreTimeoutMs'),
    DEADLINE_MARGIN_MS: p('deadlineMarginMs'),
    DELETION_MODE: p('deletionMode'),
    GRACE_DAYS: p('graceDays'),
  };
  const consumerTimeout = Number(p('consumerTimeout'));
  return {
    consumerEnv: {
      ...common,
      FANOUT_DELAY_SECONDS: p('fanoutDelaySeconds'),
      CONSUMER_DRY_RUN: p('consumerDryRun'),
      MAX_COMMAND_AGE_HOURS: p('maxCommandAgeHours'),
      FANOUT_MAX_LISTS: p('fanoutMaxLists'),
      MAX_RECEIVE_COUNT: p('maxReceiveCount'),
      DNC_MAX_AGE_SECONDS: p('dncMaxAgeSeconds'),
      DNC_RENAME_MAX_AGE_SECONDS: p('dncRenameMaxAgeSeconds'),
      CAMPAIGN_FULL_READ_HOURS: p('campaignFullReadHours'),
      DEFERRED_VISIBILITY_SECONDS: p('deferredVisibilitySeconds'),
      SNAPSHOT_MAX_AGE_SECONDS: p('snapshotMaxAgeSeconds'),
    },
    sweepEnv: {
      ...common,
      SWEEP_DRY_RUN: p('sweepDryRun'),
      SWEEP_MIN_IDLE_DAYS: p('sweepMinIdleDays'),
      SWEEP_MAX_LISTS: p('sweepMaxLists'),
      SWEEP_MIN_IDLE_DAYS_FLOOR: p('sweepMinIdleDaysFloor'),
      SWEEP_MAX_LISTS_CEILING: p('sweepMaxListsCeiling'),
    },
    consumerTimeoutMs: consumerTimeout * 1000,
    sweepTimeoutMs: Number(p('sweepTimeout')) * 1000,
    batchSize: Number(p('consumerBatchSize')),
    batchWindowSeconds: Number(p('consumerBatchWindowSeconds')),
    maxReceiveCount: Number(p('maxReceiveCount')),
    visibilityTimeoutSeconds: 6 * consumerTimeout,
    maxConcurrency: Number(p('consumerMaxConcurrency')),
    accountCallsPerMinute: Number(p('koreAccountCallsPerMinute')),
    callsPerMinute: Number(p('koreCallsPerMinute')),
    consumerMemoryMB: Number(p('consumerMemorySize')),
    sweepMemoryMB: Number(p('sweepMemorySize')),
    sweepMaxLists: Number(p('sweepMaxLists')),
    graceDays: Number(p('graceDays')),
  };
}
