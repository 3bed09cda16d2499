/* global module, require, __filename */
'use strict';
/**
 * Package-time gate for serverless.yml (`custom.settings: ${file(./infra/settings.js)}`).
 *
 * osls calls this while it resolves the configuration, before anything is bundled: a thrown
 * error stops `serverless package`/`deploy` with the message. So a bad value never reaches
 * CloudFormation, where it would only fail at the next cold start (every night, for the sweep).
 *
 * 1. Every param name must be one this file knows: `params.default`, each stage's block and each
 *    `--param` (a typo such as `sweepDryrun=false` would otherwise be ignored in silence).
 * 2. Every value must parse: booleans are exactly true/false, numbers are integers within a
 *    range, the regex compiles, enums, host and bot-id lists, the schedule and its timezone.
 *    Values are checked in the one form the Lambda environment receives them, so what packages
 *    is exactly what lib/config.ts parses.
 * 3. Cross-checks: the Kore account budget, the batch time budget (the same formula the
 *    consumer's admission uses, lib/time-budget.ts), the live-sweep floor and ceiling, alarm
 *    thresholds that can fire.
 *
 * It returns the numbers derived from params, so each is typed once (the queue's visibility
 * timeout is 6 × the consumer's timeout: AWS's guidance for SQS event sources).
 */

/** CloudWatch Logs accepts only these retention periods. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
/** serverless.yml: LifecycleQueue.MessageRetentionPeriod (4 days). */
const LIFECYCLE_QUEUE_RETENTION_SECONDS = 345_600;
/** In-function retries a batch must still have time for (docs/design.md, "Deadline and retries": at most 2). */
const RETRY_ALLOWANCE = 2;
/** AWS's guidance for SQS event sources: visibility timeout = 6 × the function timeout. */
const VISIBILITY_FACTOR = 6;

// ---------------------------------------------------------------- value parsers
// Each takes the raw string and returns the value, or throws with what was expected.

const integer = (min, max) => ({
  expects: `an integer from ${min} to ${max}`,
  parse(raw) {
    const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(n >= min && n <= max)) throw new Error(`must be ${this.expects}`);
    return n;
  },
});

const boolean = () => ({
  expects: '`true` or `false`',
  parse(raw) {
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    throw new Error('must be true or false');
  },
});

const oneOf = (...values) => ({
  expects: values.map((v) => `\`${v}\``).join(' | '),
  parse(raw) {
    if (!values.includes(raw)) throw new Error(`must be one of ${values.join(', ')}`);
    return raw;
  },
});

const retentionDays = () => ({
  expects: `a CloudWatch Logs retention in days (${LOG_RETENTION_DAYS.join(', ')})`,
  parse(raw) {
    const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!LOG_RETENTION_DAYS.includes(n)) throw new Error(`must be a retention CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(', ')}`);
    return n;
  },
});

const optionalRegex = () => ({
  expects: 'a JavaScript regular expression, or empty for none',
  parse(raw) {
    if (raw === '') return raw;
    try {
      new RegExp(raw);
    } catch (err) {
      throw new Error(`must be a valid regular expression (${err.message})`, { cause: err });
    }
    return raw;
  },
});

// A DNS name of at least two labels, lowercase, ending in a letter-only TLD: this also refuses
// IP literals (169.254.169.254, 127.0.0.1), ports, paths, schemes and userinfo.
const DNS_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const hostList = () => ({
  expects: 'comma-separated host names; `*.` + domain allows its subdomains (no scheme, port, path or IP)',
  parse(raw) {
    const hosts = raw.split(',');
    for (const h of hosts) {
      if (!DNS_NAME.test(h.startsWith('*.') ? h.slice(2) : h)) {
        throw new Error(`must list host names like platform.kore.ai or *.kore.ai, comma-separated without spaces ("${h}" is not one)`);
      }
    }
    return raw;
  },
});

const STREAM_ID = /^st-[A-Za-z0-9-]{1,64}$/;
const streamIdList = () => ({
  expects: 'comma-separated Kore bot ids (`st-…`), or empty for only the secret’s bot',
  parse(raw) {
    if (raw === '') return raw;
    for (const id of raw.split(',')) {
      if (!STREAM_ID.test(id)) throw new Error(`must list bot ids like st-1234abcd, comma-separated without spaces ("${id}" is not one)`);
    }
    return raw;
  },
});

// Secrets Manager's name alphabet. No `*` or `?`: the name is pasted into the IAM resource ARN,
// where either would widen the grant beyond the one secret.
const secretName = () => ({
  expects: 'a Secrets Manager secret name (letters, digits, /_+=.@-)',
  parse(raw) {
    if (!/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(raw)) throw new Error('must be a Secrets Manager secret name (letters, digits and /_+=.@-; not an ARN)');
    return raw;
  },
});

const schedule = () => ({
  expects: 'an EventBridge Scheduler `cron(…)` (6 fields) or `rate(N minutes|hours|days)`',
  parse(raw) {
    const cron = /^cron\((\S+\s+){5}\S+\)$/.test(raw);
    const rate = /^rate\([1-9]\d* (minute|minutes|hour|hours|day|days)\)$/.test(raw);
    if (!cron && !rate) throw new Error(`must be ${this.expects}`);
    return raw;
  },
});

const timezone = () => ({
  expects: 'an IANA time zone (UTC, Europe/Paris, …)',
  parse(raw) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: raw });
    } catch {
      throw new Error('must be an IANA time zone such as UTC or Europe/Paris');
    }
    return raw;
  },
});

// ---------------------------------------------------------------- the params
// Every param serverless.yml may use: its parser, and (in `env`) the Lambda variable it sets.
// Defaults live in serverless.yml `params.default`; both lists must name the same params.
const PARAMS = {
  koreSecretName: { ...secretName(), env: 'KORE_SECRET_ID' },
  koreAccountCallsPerMinute: { ...integer(1, 1000) },
  koreCallsPerMinute: { ...integer(1, 1000), env: 'KORE_CALLS_PER_MINUTE' },
  koreTimeoutMs: { ...integer(1000, 60_000), env: 'KORE_TIMEOUT_MS' },
  deadlineMarginMs: { ...integer(500, 60_000), env: 'DEADLINE_MARGIN_MS' },
  secretTtlSeconds: { ...integer(30, 3600), env: 'SECRET_TTL_SECONDS' },
  koreAllowedHosts: { ...hostList(), env: 'KORE_ALLOWED_HOSTS' },
  deletionMode: { ...oneOf('delete', 'archive', 'archive-then-delete'), env: 'DELETION_MODE' },
  graceDays: { ...integer(1, 365), env: 'GRACE_DAYS' },

  consumerMaxConcurrency: { ...integer(2, 1000) }, // 2: the SQS event source's minimum
  consumerBatchSize: { ...integer(1, 10) },
  consumerBatchWindowSeconds: { ...integer(0, 300) },
  consumerTimeout: { ...integer(1, 900) },
  consumerMemorySize: { ...integer(128, 10_240) },
  consumerDryRun: { ...boolean(), env: 'CONSUMER_DRY_RUN' },
  maxReceiveCount: { ...integer(1, 1000), env: 'MAX_RECEIVE_COUNT' }, // SQS's redrive range
  maxCommandAgeHours: { ...integer(1, 8760), env: 'MAX_COMMAND_AGE_HOURS' },
  allowedStreamIds: { ...streamIdList(), env: 'ALLOWED_STREAM_IDS' },
  fanoutDelaySeconds: { ...integer(0, 900), env: 'FANOUT_DELAY_SECONDS' }, // SQS's DelaySeconds range
  fanoutMaxLists: { ...integer(1, 1000), env: 'FANOUT_MAX_LISTS' },
  dncMaxAgeSeconds: { ...integer(0, 3600), env: 'DNC_MAX_AGE_SECONDS' },
  dncRenameMaxAgeSeconds: { ...integer(0, 3600), env: 'DNC_RENAME_MAX_AGE_SECONDS' },
  campaignFullReadHours: { ...integer(1, 168), env: 'CAMPAIGN_FULL_READ_HOURS' },
  deferredVisibilitySeconds: { ...integer(0, 43_200), env: 'DEFERRED_VISIBILITY_SECONDS' },
  snapshotMaxAgeSeconds: { ...integer(0, 120), env: 'SNAPSHOT_MAX_AGE_SECONDS' },
  auditLogRetentionDays: { ...retentionDays() },

  sweepDryRun: { ...boolean(), env: 'SWEEP_DRY_RUN' },
  sweepMinIdleDays: { ...integer(0, 3650), env: 'SWEEP_MIN_IDLE_DAYS' },
  sweepMaxLists: { ...integer(0, 100_000), env: 'SWEEP_MAX_LISTS' },
  sweepNamePattern: { ...optionalRegex(), env: 'SWEEP_NAME_PATTERN' },
  sweepMinIdleDaysFloor: { ...integer(1, 3650), env: 'SWEEP_MIN_IDLE_DAYS_FLOOR' },
  sweepMaxListsCeiling: { ...integer(1, 100_000), env: 'SWEEP_MAX_LISTS_CEILING' },
  sweepSchedule: { ...schedule() },
  sweepTimezone: { ...timezone() },
  sweepFlexibleWindowMinutes: { ...integer(1, 1440) }, // EventBridge Scheduler's FLEXIBLE range
  sweepTimeout: { ...integer(30, 900) },
  sweepLogRetentionDays: { ...retentionDays() },

  oldestMessageAlarmSeconds: { ...integer(60, LIFECYCLE_QUEUE_RETENTION_SECONDS - 1) },
  deletionsPerHourAlarmThreshold: { ...integer(1, 1_000_000) },
};

/** The closest known name, for "did you mean" (case-insensitive match, else edit distance ≤ 3). */
function closest(name) {
  const lower = name.toLowerCase();
  const exact = Object.keys(PARAMS).find((k) => k.toLowerCase() === lower);
  if (exact) return exact;
  const dist = (a, b) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length][b.length];
  };
  let best;
  for (const k of Object.keys(PARAMS)) {
    const d = dist(lower, k.toLowerCase());
    if (d <= 3 && (!best || d < best.d)) best = { k, d };
  }
  return best?.k;
}

const unknownName = (name, where) => {
  const hint = closest(name);
  return `unknown param "${name}" in ${where}${hint ? ` (did you mean "${hint}"?)` : ''}; the known params are listed in serverless.yml params.default`;
};

/** lib/ modules are TypeScript: tsx loads them, so the package-time check runs the runtime's formula. */
function loadTimeBudget() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- osls loads this file as CommonJS
  const { require: tsxRequire } = require('tsx/cjs/api');
  const { batchTimeNeededMs } = tsxRequire('../lib/time-budget.ts', __filename);
  const { MAX_CALLS_PER_RECORD } = tsxRequire('../lib/lifecycle/commands/index.ts', __filename);
  const { SWEEP_KORE_CALLS } = tsxRequire('../lib/sweep/run.ts', __filename);
  return { batchTimeNeededMs, MAX_CALLS_PER_RECORD, SWEEP_KORE_CALLS };
}

/**
 * osls calls this with `{ options, resolveVariable }`. `deps.loadTimeBudget` lets a test that
 * already compiles TypeScript (Jest) hand in the same lib/ modules; the CLI path uses tsx.
 */
module.exports = async ({ options, resolveVariable }, deps = {}) => {
  const problems = [];

  // 1. Names.
  const blocks = (await resolveVariable('self:params')) ?? {};
  for (const [stage, block] of Object.entries(blocks)) {
    for (const name of Object.keys(block ?? {})) {
      if (!(name in PARAMS)) problems.push(unknownName(name, `serverless.yml params.${stage}`));
    }
  }
  for (const name of Object.keys(PARAMS)) {
    if (!(name in (blocks.default ?? {}))) problems.push(`param "${name}" has no default in serverless.yml params.default`);
  }
  const cli = options.param === undefined || options.param === null ? [] : [options.param].flat();
  for (const arg of cli) {
    const name = String(arg).split('=')[0];
    if (!(name in PARAMS)) problems.push(unknownName(name, `--param "${arg}"`));
  }

  // 2. Values, in the string form the Lambda environment receives.
  const v = {};
  for (const [name, spec] of Object.entries(PARAMS)) {
    // Not caught: osls resolves `param:` in a later phase and retries this file on its own error.
    let raw = await resolveVariable(`param:${name}`);
    raw = raw === null || raw === undefined ? '' : String(raw);
    try {
      v[name] = spec.parse(raw);
    } catch (err) {
      problems.push(`param ${name} ${err.message} (got ${JSON.stringify(raw)})`);
    }
  }
  if (problems.length) throw refusal(problems);

  // 3. Cross-checks.
  const { batchTimeNeededMs, MAX_CALLS_PER_RECORD, SWEEP_KORE_CALLS } = (deps.loadTimeBudget ?? loadTimeBudget)();
  const pacing = {
    callsPerMinute: v.koreCallsPerMinute,
    koreTimeoutMs: v.koreTimeoutMs,
    deadlineMarginMs: v.deadlineMarginMs,
    retryAllowance: RETRY_ALLOWANCE,
  };

  const budgetPerMinute = v.consumerMaxConcurrency * v.koreCallsPerMinute + SWEEP_KORE_CALLS;
  if (budgetPerMinute > v.koreAccountCallsPerMinute) {
    problems.push(
      `Kore budget exceeded: consumerMaxConcurrency (${v.consumerMaxConcurrency}) × koreCallsPerMinute (${v.koreCallsPerMinute}) + ${SWEEP_KORE_CALLS} (sweep) ` +
        `= ${budgetPerMinute} > koreAccountCallsPerMinute (${v.koreAccountCallsPerMinute}); lower one of them`,
    );
  }

  const batchNeedMs = batchTimeNeededMs({ ...pacing, batchSize: v.consumerBatchSize, callsPerRecord: MAX_CALLS_PER_RECORD });
  if (!(v.consumerTimeout * 1000 > batchNeedMs)) {
    problems.push(
      `param consumerTimeout (${v.consumerTimeout} s) is too short for a batch of ${v.consumerBatchSize}: ` +
        `${MAX_CALLS_PER_RECORD} paced Kore calls per record plus ${RETRY_ALLOWANCE} retries need up to ${(batchNeedMs / 1000).toFixed(1)} s ` +
        `at koreCallsPerMinute ${v.koreCallsPerMinute} and koreTimeoutMs ${v.koreTimeoutMs}; raise consumerTimeout or lower consumerBatchSize`,
    );
  }
  const sweepNeedMs = batchTimeNeededMs({ ...pacing, batchSize: 1, callsPerRecord: SWEEP_KORE_CALLS });
  if (!(v.sweepTimeout * 1000 > sweepNeedMs)) {
    problems.push(
      `param sweepTimeout (${v.sweepTimeout} s) is too short for ${SWEEP_KORE_CALLS} Kore calls with ${RETRY_ALLOWANCE} retries: it needs more than ${(sweepNeedMs / 1000).toFixed(1)} s`,
    );
  }

  const visibilityTimeout = VISIBILITY_FACTOR * v.consumerTimeout;
  if (v.deferredVisibilitySeconds > visibilityTimeout) {
    problems.push(
      `param deferredVisibilitySeconds (${v.deferredVisibilitySeconds}) must not exceed the queue's visibility timeout (${VISIBILITY_FACTOR} × consumerTimeout = ${visibilityTimeout} s)`,
    );
  }

  if (!v.sweepDryRun && v.sweepMinIdleDays < v.sweepMinIdleDaysFloor) {
    problems.push(`a live sweep (sweepDryRun=false) needs sweepMinIdleDays (${v.sweepMinIdleDays}) ≥ sweepMinIdleDaysFloor (${v.sweepMinIdleDaysFloor})`);
  }
  if (!v.sweepDryRun && v.sweepMaxLists > v.sweepMaxListsCeiling) {
    problems.push(`a live sweep (sweepDryRun=false) needs sweepMaxLists (${v.sweepMaxLists}) ≤ sweepMaxListsCeiling (${v.sweepMaxListsCeiling})`);
  }

  // Every deletion is at least one Kore call: above this, the alarm could never fire.
  const maxDeletionsPerHour = v.consumerMaxConcurrency * v.koreCallsPerMinute * 60;
  if (v.deletionsPerHourAlarmThreshold >= maxDeletionsPerHour) {
    problems.push(
      `param deletionsPerHourAlarmThreshold (${v.deletionsPerHourAlarmThreshold}) can never be reached: the consumers make at most ${maxDeletionsPerHour} Kore calls an hour`,
    );
  }

  if (problems.length) throw refusal(problems);
  return {
    visibilityTimeout,
    budgetPerMinute,
    batchNeedSeconds: batchNeedMs / 1000,
    batchSlackSeconds: v.consumerTimeout - batchNeedMs / 1000,
  };
};

/** One error listing every problem. osls prints `error.stack`: make it the message alone. */
function refusal(problems) {
  const err = new Error(`Invalid deployment params (serverless.yml params or --param):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  err.stack = err.message;
  return err;
}

module.exports.PARAMS = PARAMS;
