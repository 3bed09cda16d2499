/* global module, require, process, __filename */
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

// eslint-disable-next-line @typescript-eslint/no-require-imports -- osls loads this file as CommonJS
const { dashboardBody, queryDefinitions } = require('./dashboard.js');

/** CloudWatch Logs accepts only these retention periods. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
/** serverless.yml: LifecycleQueue.MessageRetentionPeriod (14 days, SQS's longest): at least the longest command age. */
const LIFECYCLE_QUEUE_RETENTION_SECONDS = 1_209_600;
/** The deletions and archives alarms: 5-minute periods, 2 of 3 above the threshold. */
const ALARM_PERIOD_MINUTES = 5;
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

// ARNs of the principals and sources that may send commands: what the queue policy names.
const ARN = {
  role: /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
  rule: /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:rule\/[\w.\-/]{1,256}$/,
  topic: /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/,
};
const arnList = (kind, example) => ({
  expects: `comma-separated ${kind} ARNs (${example}), or empty`,
  parse(raw) {
    if (raw === '') return [];
    const arns = raw.split(',');
    for (const a of arns) if (!ARN[kind].test(a)) throw new Error(`must list ${kind} ARNs like ${example}, comma-separated without spaces ("${a}" is not one)`);
    return arns;
  },
});
const optionalRoleArn = () => ({
  expects: 'an IAM role ARN (arn:aws:iam::123456789012:role/ops-break-glass), or empty',
  parse(raw) {
    if (raw !== '' && !ARN.role.test(raw)) throw new Error(`must be an IAM role ARN like arn:aws:iam::123456789012:role/ops-break-glass`);
    return raw;
  },
});
// SQS SenderIds: an IAM role or user unique id (AROA…, AIDA…), or an account id.
const SENDER_ID = /^(A[A-Z0-9]{15,127}|\d{12})$/;
const senderIdList = () => ({
  expects: 'comma-separated SQS sender ids: IAM role or user unique ids (AROA…, AIDA…: `aws iam get-role --query Role.RoleId`), or empty',
  parse(raw) {
    if (raw === '') return raw;
    for (const id of raw.split(','))
      if (!SENDER_ID.test(id)) throw new Error(`must list role or user unique ids like AROAEXAMPLE123456789 ("${id}" is not one)`);
    return raw;
  },
});
const autoOrInteger = (min, max) => ({
  expects: `\`auto\` (derived from the caps) or an integer from ${min} to ${max}`,
  parse(raw) {
    if (raw === 'auto') return raw;
    const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(n >= min && n <= max)) throw new Error(`must be auto or an integer from ${min} to ${max}`);
    return n;
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
  sweepMemorySize: { ...integer(128, 10_240) },
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
  deletionsAlarmThreshold: { ...autoOrInteger(1, 1_000_000) },
  archivesAlarmThreshold: { ...autoOrInteger(1, 1_000_000) },
  autoBrake: { ...boolean() },

  producerRoleArns: { ...arnList('role', 'arn:aws:iam::123456789012:role/crm-producer') },
  producerEventBridgeRuleArns: { ...arnList('rule', 'arn:aws:events:eu-west-1:123456789012:rule/crm-events') },
  producerSnsTopicArns: { ...arnList('topic', 'arn:aws:sns:eu-west-1:123456789012:crm-lifecycle') },
  breakGlassRoleArn: { ...optionalRoleArn() },
  overrideSenderIds: { ...senderIdList(), env: 'OVERRIDE_SENDER_IDS' },
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
  const { batchTimeNeededMs, dncHeadroomMs } = tsxRequire('../lib/time-budget.ts', __filename);
  const { MAX_CALLS_PER_RECORD } = tsxRequire('../lib/lifecycle/commands/index.ts', __filename);
  const { SWEEP_KORE_CALLS } = tsxRequire('../lib/sweep/run.ts', __filename);
  return { batchTimeNeededMs, dncHeadroomMs, MAX_CALLS_PER_RECORD, SWEEP_KORE_CALLS };
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
  if (problems.length) refuse(problems, deps);

  // 3. Cross-checks.
  const { batchTimeNeededMs, dncHeadroomMs, MAX_CALLS_PER_RECORD, SWEEP_KORE_CALLS } = (deps.loadTimeBudget ?? loadTimeBudget)();
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

  // The DNC references' bounds: no smaller age can be met at a write (lib/time-budget.ts, dncHeadroomMs).
  const leastDncAge = Math.ceil(dncHeadroomMs(pacing) / 1000);
  for (const name of ['dncMaxAgeSeconds', 'dncRenameMaxAgeSeconds']) {
    if (v[name] !== 0 && v[name] < leastDncAge) {
      problems.push(
        `param ${name} (${v[name]} s) must be 0 (read the DNC references again before every write) or at least ${leastDncAge} s, the least age they can have at a write ` +
          `at koreCallsPerMinute ${v.koreCallsPerMinute} and koreTimeoutMs ${v.koreTimeoutMs} (read, then the write's evidence, then the write): every write would be refused as stale`,
      );
    }
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

  // A command may wait in the queue as long as it may be run: the queue must keep it that long.
  if (v.maxCommandAgeHours * 3600 > LIFECYCLE_QUEUE_RETENTION_SECONDS) {
    problems.push(
      `param maxCommandAgeHours (${v.maxCommandAgeHours}) exceeds the lifecycle queue's retention (${LIFECYCLE_QUEUE_RETENTION_SECONDS / 3600} h): a command could expire in the queue before it is stale`,
    );
  }

  // Every deletion or archive is at least one Kore call: a threshold above what the consumers can
  // reach in a period could never fire. `auto`: half a live sweep's cap per period (a full sweep,
  // which takes about one period at the shipped pace, never exceeds it in two of three periods),
  // within 80 % of what the consumers can reach.
  const reachable = v.consumerMaxConcurrency * v.koreCallsPerMinute * ALARM_PERIOD_MINUTES;
  const thresholds = {};
  for (const [param, name] of [
    ['deletionsAlarmThreshold', 'deletions'],
    ['archivesAlarmThreshold', 'archives'],
  ]) {
    const t = v[param] === 'auto' ? Math.max(1, Math.min(Math.ceil(v.sweepMaxLists / 2), Math.floor(0.8 * reachable))) : v[param];
    if (t >= reachable)
      problems.push(`param ${param} (${t}) can never be reached: the consumers make at most ${reachable} Kore calls in ${ALARM_PERIOD_MINUTES} minutes`);
    thresholds[name] = t;
  }

  if (problems.length) refuse(problems, deps);
  const alarmPrefix = String(await resolveVariable('self:custom.alarmPrefix'));
  return {
    visibilityTimeout,
    budgetPerMinute,
    batchNeedSeconds: batchNeedMs / 1000,
    batchSlackSeconds: v.consumerTimeout - batchNeedMs / 1000,
    deletionsAlarmThreshold: thresholds.deletions,
    archivesAlarmThreshold: thresholds.archives,
    ...policies(v, alarmPrefix),
    dashboardBody: dashboardBody({
      stage: String(await resolveVariable('sls:stage')),
      alarmPrefix,
      deletionsAlarmThreshold: thresholds.deletions,
      archivesAlarmThreshold: thresholds.archives,
      kore5MinBudget: v.koreAccountCallsPerMinute * ALARM_PERIOD_MINUTES,
      oldestMessageAlarmSeconds: v.oldestMessageAlarmSeconds,
    }),
    queries: queryDefinitions(alarmPrefix),
  };
};

// ---------------------------------------------------------------- who may send, who may read

const getAtt = (resource, attribute) => ({ 'Fn::GetAtt': [resource, attribute] });
const denyInsecureTransport = (resources) => ({
  Sid: 'DenyInsecureTransport',
  Effect: 'Deny',
  Principal: '*',
  Action: 'sqs:*',
  Resource: resources,
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
});
const accountOf = (arn) => arn.split(':')[4];

/**
 * The resource policies built from the producer params (docs/deploy.md, "Who may send commands"):
 * - the lifecycle queue admits SendMessage from the consumer and sweep roles, the producer roles,
 *   the break-glass role, and the EventBridge rules and SNS topics named (by aws:SourceArn and
 *   aws:SourceAccount); everyone else is denied, whatever their IAM policies say;
 * - the DLQ admits SendMessage from the consumer role only (SQS's own redrive is not a SendMessage);
 * - the Kore secret may be read (GetSecretValue) by the two function roles and the break-glass role only.
 */
function policies(v, alarmPrefix) {
  const functionRoles = [getAtt('LifecycleEventsRole', 'Arn'), getAtt('NightlySweepRole', 'Arn')];
  const breakGlass = v.breakGlassRoleArn ? [v.breakGlassRoleArn] : [];
  const sources = [...v.producerEventBridgeRuleArns, ...v.producerSnsTopicArns];
  const services = [...(v.producerEventBridgeRuleArns.length ? ['events.amazonaws.com'] : []), ...(v.producerSnsTopicArns.length ? ['sns.amazonaws.com'] : [])];
  const queue = getAtt('LifecycleQueue', 'Arn');
  const lifecycleQueuePolicy = [
    denyInsecureTransport([queue]),
    ...(sources.length
      ? [
          {
            Sid: 'NamedEventSources',
            Effect: 'Allow',
            Principal: { Service: services },
            Action: 'sqs:SendMessage',
            Resource: queue,
            Condition: { ArnEquals: { 'aws:SourceArn': sources }, StringEquals: { 'aws:SourceAccount': [...new Set(sources.map(accountOf))] } },
          },
        ]
      : []),
    {
      Sid: 'OnlyNamedProducers',
      Effect: 'Deny',
      Principal: '*',
      Action: 'sqs:SendMessage',
      Resource: queue,
      // Both must hold for the deny: a principal not named, and (for an AWS service) a source not named.
      Condition: {
        ArnNotLike: { 'aws:PrincipalArn': [...functionRoles, ...v.producerRoleArns, ...breakGlass] },
        ...(sources.length ? { ArnNotLikeIfExists: { 'aws:SourceArn': sources } } : {}),
      },
    },
    {
      // A receipt handle is what the consumer asks SQS to confirm before it runs a record
      // (lib/lifecycle/handler.ts): only the consumer (and break-glass) may obtain or use one.
      Sid: 'OnlyTheConsumerReceives',
      Effect: 'Deny',
      Principal: '*',
      Action: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage'],
      Resource: queue,
      Condition: { ArnNotLike: { 'aws:PrincipalArn': [getAtt('LifecycleEventsRole', 'Arn'), ...breakGlass] } },
    },
  ];
  const dlq = getAtt('DeadLetterQueue', 'Arn');
  const deadLetterQueuePolicy = [
    denyInsecureTransport([dlq]),
    {
      Sid: 'OnlyTheConsumerParks',
      Effect: 'Deny',
      Principal: '*',
      Action: 'sqs:SendMessage',
      Resource: dlq,
      Condition: { ArnNotLike: { 'aws:PrincipalArn': [getAtt('LifecycleEventsRole', 'Arn')] } },
    },
  ];
  const secretPolicy = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OnlyTheFunctionsRead',
        Effect: 'Deny',
        Principal: '*',
        Action: 'secretsmanager:GetSecretValue',
        Resource: '*',
        Condition: { ArnNotLike: { 'aws:PrincipalArn': [...functionRoles, ...breakGlass] } },
      },
    ],
  };
  const brakeAlarms = [`${alarmPrefix}-deletions`, `${alarmPrefix}-archives`];
  return {
    lifecycleQueuePolicy,
    deadLetterQueuePolicy,
    secretPolicy,
    brakeAlarms: brakeAlarms.join(','),
    brakeEvents: v.autoBrake ? [brakeEvent(brakeAlarms)] : [],
  };
}

/** The EventBridge rule that starts the brake function when the deletions or archives alarm goes to ALARM. */
function brakeEvent(alarmNames) {
  return {
    eventBridge: {
      pattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: alarmNames, state: { value: ['ALARM'] } },
      },
    },
  };
}

/** One error listing every problem. osls prints `error.stack`: make it the message alone. */
/**
 * Stops packaging with the problems, one line each. Under the osls CLI (no `deps` handed in) it
 * writes them and exits 1: thrown, they would reach the user wrapped in osls's three-line
 * "Variables resolution errored" preamble. Nothing has been written yet at this point.
 */
function refuse(problems, deps) {
  const err = refusal(problems);
  if (deps.loadTimeBudget || process.env.KCL_SETTINGS_THROW === '1') throw err;
  process.stderr.write(`\n${err.message}\n`);
  process.exit(1);
}

function refusal(problems) {
  const err = new Error(`Invalid deployment params (serverless.yml params or --param):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  err.stack = err.message;
  return err;
}

module.exports.PARAMS = PARAMS;
