import { dncHeadroomMs } from './time-budget.js';
import { ConfigError } from './errors.js';

/**
 * Environment, read once at cold start (docs/deploy.md, "Params and variables"). Every problem is collected
 * and reported at once, each naming its variable, never its value. Hand-written on purpose, in
 * the style of Powertools' env getters: a few small parsers cost less than a schema library in
 * every bundle, and the defaults below are the one place each default is written.
 */

/**
 * What `list.expired` does (docs/safety-model.md, "Recovery window"): `delete` at once; `archive` (rename and
 * record, never delete); `archive-then-delete`: archive now, and the nightly sweep deletes what
 * stayed archived and unchanged for GRACE_DAYS. A command may ask for less than the mode allows,
 * never more.
 */
export const DELETION_MODES = ['delete', 'archive', 'archive-then-delete'] as const;
export type DeletionMode = (typeof DELETION_MODES)[number];

/** The defaults, exported so the local stack, the CLI, the bench and the tests use the same numbers. */
export const DEFAULTS = {
  /** This deployment's share of Kore's 60 calls/min per account, per concurrent consumer. */
  KORE_CALLS_PER_MINUTE: 25,
  SECRET_TTL_SECONDS: 300,
  KORE_TIMEOUT_MS: 8_000,
  DEADLINE_MARGIN_MS: 2_000,
  KORE_ALLOWED_HOSTS: 'platform.kore.ai,*.kore.ai',
  KORE_ALLOW_LOOPBACK_HTTP: false,
  DELETION_MODE: 'archive-then-delete' as DeletionMode,
  GRACE_DAYS: 7,
  FANOUT_DELAY_SECONDS: 30,
  FANOUT_MAX_LISTS: 50,
  CONSUMER_DRY_RUN: false,
  MAX_COMMAND_AGE_HOURS: 168,
  ALLOWED_STREAM_IDS: '',
  OVERRIDE_SENDER_IDS: '',
  /** Empty: not set (then no requeued copy's KclOrigin is believed). */
  CONSUMER_SENDER_ID: '',
  /** Set by Lambda's advanced logging controls, not by this project; empty: not set. */
  AWS_LAMBDA_LOG_LEVEL: '',
  BRAKE_ALARM_NAMES: '',
  MAX_RECEIVE_COUNT: 5,
  DNC_MAX_AGE_SECONDS: 300,
  DNC_RENAME_MAX_AGE_SECONDS: 120,
  CAMPAIGN_FULL_READ_HOURS: 24,
  DEFERRED_VISIBILITY_SECONDS: 60,
  SNAPSHOT_MAX_AGE_SECONDS: 30,
  SWEEP_DRY_RUN: true,
  SWEEP_MIN_IDLE_DAYS: 30,
  SWEEP_MAX_LISTS: 200,
  SWEEP_MIN_IDLE_DAYS_FLOOR: 7,
  SWEEP_MAX_LISTS_CEILING: 1_000,
} as const;

type Env = Readonly<Record<string, string | undefined>>;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  private raw(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }

  required(name: string): string {
    const v = this.raw(name);
    if (v === undefined) this.problems.push(`${name} is required`);
    return v ?? '';
  }

  url(name: string): string {
    const v = this.required(name);
    if (v) {
      try {
        if (!/^https?:$/.test(new URL(v).protocol)) throw new Error();
      } catch {
        this.problems.push(`${name} must be an SQS queue URL such as https://sqs.us-east-1.amazonaws.com/123456789012/kore-lifecycle`);
      }
    }
    return v;
  }

  int(name: string, dflt: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}`);
      return dflt;
    }
    return n;
  }

  bool(name: string, dflt: boolean): boolean {
    const v = this.raw(name);
    if (v === undefined) return dflt;
    if (/^(true|1|yes)$/i.test(v)) return true;
    if (/^(false|0|no)$/i.test(v)) return false;
    this.problems.push(`${name} must be true or false`);
    return dflt;
  }

  regex(name: string): RegExp | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    try {
      return new RegExp(v);
    } catch {
      this.problems.push(`${name} must be a valid regular expression`);
      return undefined;
    }
  }

  oneOf<T extends string>(name: string, dflt: T, allowed: readonly T[]): T {
    const v = this.raw(name);
    if (v === undefined) return dflt;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')}`);
    return dflt;
  }

  list(name: string, dflt: string, item: RegExp, what: string): string[] {
    const v = this.raw(name) ?? dflt;
    const items = v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = items.filter((s) => !item.test(s));
    if (bad.length) this.problems.push(`${name} must be a comma-separated list of ${what}`);
    return items.filter((s) => item.test(s));
  }

  optional(name: string, pattern: RegExp, what: string): string | undefined {
    const v = this.raw(name);
    if (v !== undefined && !pattern.test(v)) {
      this.problems.push(`${name} must be ${what}`);
      return undefined;
    }
    return v;
  }

  check(ok: boolean, problem: string): void {
    if (!ok) this.problems.push(problem);
  }

  done<T>(value: T): T {
    if (this.problems.length) throw new ConfigError(`Invalid environment: ${this.problems.join('; ')}`);
    return value;
  }
}

/** A host name or a `*.` wildcard suffix (no scheme, port, path or IP literal). */
const HOST_PATTERN = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const STREAM_PATTERN = /^st-[A-Za-z0-9-]{1,64}$/;

function common(r: Reader) {
  return {
    KORE_SECRET_ID: r.required('KORE_SECRET_ID'),
    LIFECYCLE_QUEUE_URL: r.url('LIFECYCLE_QUEUE_URL'),
    KORE_CALLS_PER_MINUTE: r.int('KORE_CALLS_PER_MINUTE', DEFAULTS.KORE_CALLS_PER_MINUTE, 1, 100_000),
    SECRET_TTL_SECONDS: r.int('SECRET_TTL_SECONDS', DEFAULTS.SECRET_TTL_SECONDS, 0, 86_400),
    /** One Kore attempt's timeout. */
    KORE_TIMEOUT_MS: r.int('KORE_TIMEOUT_MS', DEFAULTS.KORE_TIMEOUT_MS, 100, 60_000),
    /** No I/O starts this close to the Lambda timeout. */
    DEADLINE_MARGIN_MS: r.int('DEADLINE_MARGIN_MS', DEFAULTS.DEADLINE_MARGIN_MS, 0, 60_000),
    /** Hosts the secret's `host` may name (the secret is data that could point anywhere). */
    KORE_ALLOWED_HOSTS: r.list('KORE_ALLOWED_HOSTS', DEFAULTS.KORE_ALLOWED_HOSTS, HOST_PATTERN, 'host names, each optionally starting with *.'),
    /** Local stack only: lets the secret's host be http://127.0.0.1 / localhost / [::1]. */
    KORE_ALLOW_LOOPBACK_HTTP: r.bool('KORE_ALLOW_LOOPBACK_HTTP', DEFAULTS.KORE_ALLOW_LOOPBACK_HTTP),
    /** What list.expired does, and whether the sweep deletes archived lists after GRACE_DAYS. */
    DELETION_MODE: r.oneOf('DELETION_MODE', DEFAULTS.DELETION_MODE, DELETION_MODES),
    /** How long an archived list stays, unchanged, before the sweep may delete it. */
    GRACE_DAYS: r.int('GRACE_DAYS', DEFAULTS.GRACE_DAYS, 1, 365),
  };
}

/** An SQS queue ARN (the consumer compares every record's eventSourceARN with it). */
const QUEUE_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}$/;
/** An SQS SenderId: an IAM user or role unique id (AIDA…, AROA…), or an account id. */
const SENDER_ID = /^(A[A-Z0-9]{15,127}|\d{12})$/;
/** Lambda's own log-level filter (advanced logging controls): above INFO it would drop the audit lines. */
const LAMBDA_LOG_LEVELS_KEEPING_INFO = ['TRACE', 'DEBUG', 'INFO'];

export function loadConsumerConfig(env: Env = process.env) {
  const r = new Reader(env);
  const queueArn = r.required('LIFECYCLE_QUEUE_ARN');
  r.check(
    !queueArn || QUEUE_ARN.test(queueArn),
    'LIFECYCLE_QUEUE_ARN must be an SQS queue ARN such as arn:aws:sqs:eu-west-1:123456789012:kore-campaign-lifecycle-prod',
  );
  const lambdaLogLevel = env.AWS_LAMBDA_LOG_LEVEL?.trim().toUpperCase();
  r.check(
    !lambdaLogLevel || LAMBDA_LOG_LEVELS_KEEPING_INFO.includes(lambdaLogLevel),
    `AWS_LAMBDA_LOG_LEVEL is ${lambdaLogLevel}: Lambda would drop the INFO audit lines of every deletion; the consumer does not run without its audit trail (set the function's application log level to INFO, or its log format to Text)`,
  );
  const c = {
    ...common(r),
    /** Records from any other event source are refused: the queue is the only way in. */
    LIFECYCLE_QUEUE_ARN: queueArn,
    /** SQS SenderIds whose messages may carry overrides (AllowStale): the operator's or redrive role's unique id. */
    OVERRIDE_SENDER_IDS: r.list(
      'OVERRIDE_SENDER_IDS',
      DEFAULTS.OVERRIDE_SENDER_IDS,
      SENDER_ID,
      'SQS sender ids (an IAM role or user unique id such as AROA…, or an account id)',
    ),
    /** The consumer's own SenderId (its role's unique id): only a copy it requeued may say where it first came from. */
    CONSUMER_SENDER_ID: r.optional('CONSUMER_SENDER_ID', SENDER_ID, 'an SQS sender id (the consumer role unique id, AROA…)'),
    DEAD_LETTER_QUEUE_URL: r.url('DEAD_LETTER_QUEUE_URL'),
    /** Delay of the list.expired commands campaign.ended fans out, so they arrive after the campaign is gone. */
    FANOUT_DELAY_SECONDS: r.int('FANOUT_DELAY_SECONDS', DEFAULTS.FANOUT_DELAY_SECONDS, 0, 900),
    /** More follow-ups than this from one campaign.ended: parked for a person instead. */
    FANOUT_MAX_LISTS: r.int('FANOUT_MAX_LISTS', DEFAULTS.FANOUT_MAX_LISTS, 0, 10_000),
    /** Decide and log every destructive step, write nothing to Kore. */
    CONSUMER_DRY_RUN: r.bool('CONSUMER_DRY_RUN', DEFAULTS.CONSUMER_DRY_RUN),
    /** A destructive command whose evidence is older than this is skipped as stale. */
    MAX_COMMAND_AGE_HOURS: r.int('MAX_COMMAND_AGE_HOURS', DEFAULTS.MAX_COMMAND_AGE_HOURS, 1, 24 * 365),
    /** streamId overrides a command may carry (besides the secret's own bot). */
    ALLOWED_STREAM_IDS: r.list('ALLOWED_STREAM_IDS', DEFAULTS.ALLOWED_STREAM_IDS, STREAM_PATTERN, 'stream ids (st-…)'),
    /** The lifecycle queue's maxReceiveCount: on the last receive a retry is parked with its reason. */
    MAX_RECEIVE_COUNT: r.int('MAX_RECEIVE_COUNT', DEFAULTS.MAX_RECEIVE_COUNT, 1, 1_000),
    /** The campaign index's (DNC references') largest age at a list DELETE, which Kore may refuse itself (docs/safety-model.md). */
    DNC_MAX_AGE_SECONDS: r.int('DNC_MAX_AGE_SECONDS', DEFAULTS.DNC_MAX_AGE_SECONDS, 0, 3_600),
    /** Its largest age at a rename, which Kore never refuses. */
    DNC_RENAME_MAX_AGE_SECONDS: r.int('DNC_RENAME_MAX_AGE_SECONDS', DEFAULTS.DNC_RENAME_MAX_AGE_SECONDS, 0, 3_600),
    /** The campaign index is read in full again after this long (deleted campaigns drop out, edits a delta cannot see are seen). */
    CAMPAIGN_FULL_READ_HOURS: r.int('CAMPAIGN_FULL_READ_HOURS', DEFAULTS.CAMPAIGN_FULL_READ_HOURS, 1, 168),
    /** Visibility given to records deferred for lack of time, so they come back soon. */
    DEFERRED_VISIBILITY_SECONDS: r.int('DEFERRED_VISIBILITY_SECONDS', DEFAULTS.DEFERRED_VISIBILITY_SECONDS, 0, 43_200),
    /** How old the batch's shared account listing may be to stand as a deletion's evidence (0: a GET per list). */
    SNAPSHOT_MAX_AGE_SECONDS: r.int('SNAPSHOT_MAX_AGE_SECONDS', DEFAULTS.SNAPSHOT_MAX_AGE_SECONDS, 0, 120),
  };
  const least = Math.ceil(dncHeadroomMs({ callsPerMinute: c.KORE_CALLS_PER_MINUTE, koreTimeoutMs: c.KORE_TIMEOUT_MS }) / 1000);
  for (const name of ['DNC_MAX_AGE_SECONDS', 'DNC_RENAME_MAX_AGE_SECONDS'] as const) {
    r.check(
      !Number.isFinite(least) || !Number.isFinite(c[name]) || c[name] === 0 || c[name] >= least,
      `${name} (${c[name]}) must be 0 (read the DNC references again before every write) or at least ${least} s at KORE_CALLS_PER_MINUTE ${c.KORE_CALLS_PER_MINUTE} and KORE_TIMEOUT_MS ${c.KORE_TIMEOUT_MS}: ` +
        'they are read before the write and its evidence, and no age between can be met (every write would be refused as stale)',
    );
  }
  return r.done(c);
}

export function loadSweepConfig(env: Env = process.env) {
  const r = new Reader(env);
  const c = {
    ...common(r),
    SWEEP_DRY_RUN: r.bool('SWEEP_DRY_RUN', DEFAULTS.SWEEP_DRY_RUN),
    SWEEP_MIN_IDLE_DAYS: r.int('SWEEP_MIN_IDLE_DAYS', DEFAULTS.SWEEP_MIN_IDLE_DAYS, 0, 3650),
    SWEEP_MAX_LISTS: r.int('SWEEP_MAX_LISTS', DEFAULTS.SWEEP_MAX_LISTS, 0, 100_000),
    SWEEP_NAME_PATTERN: r.regex('SWEEP_NAME_PATTERN'),
    /** A live sweep never uses fewer idle days than this, whatever its event says. */
    SWEEP_MIN_IDLE_DAYS_FLOOR: r.int('SWEEP_MIN_IDLE_DAYS_FLOOR', DEFAULTS.SWEEP_MIN_IDLE_DAYS_FLOOR, 1, 3650),
    /** A live sweep never queues more lists than this, whatever its event says. */
    SWEEP_MAX_LISTS_CEILING: r.int('SWEEP_MAX_LISTS_CEILING', DEFAULTS.SWEEP_MAX_LISTS_CEILING, 1, 100_000),
  };
  if (!c.SWEEP_DRY_RUN) {
    r.check(
      c.SWEEP_MIN_IDLE_DAYS >= c.SWEEP_MIN_IDLE_DAYS_FLOOR,
      'SWEEP_MIN_IDLE_DAYS must not be below SWEEP_MIN_IDLE_DAYS_FLOOR when SWEEP_DRY_RUN is false',
    );
    r.check(c.SWEEP_MAX_LISTS <= c.SWEEP_MAX_LISTS_CEILING, 'SWEEP_MAX_LISTS must not exceed SWEEP_MAX_LISTS_CEILING when SWEEP_DRY_RUN is false');
  }
  return r.done(c);
}

export type CommonConfig = ReturnType<typeof common>;
export type ConsumerConfig = ReturnType<typeof loadConsumerConfig>;
export type SweepConfig = ReturnType<typeof loadSweepConfig>;

/** The consumer's event source mapping id (a UUID). */
const MAPPING_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The brake function (functions/alarm-brake.ts): what it switches off. */
export function loadBrakeConfig(env: Env = process.env) {
  const r = new Reader(env);
  const uuid = r.required('CONSUMER_EVENT_SOURCE_MAPPING_UUID');
  r.check(!uuid || MAPPING_UUID.test(uuid), 'CONSUMER_EVENT_SOURCE_MAPPING_UUID must be an event source mapping UUID');
  return r.done({
    LIFECYCLE_QUEUE_URL: r.url('LIFECYCLE_QUEUE_URL'),
    /** The consumer's event source mapping on the lifecycle queue: disabled when the brake is pulled. */
    CONSUMER_EVENT_SOURCE_MAPPING_UUID: uuid,
    /** The alarms whose ALARM state pulls the brake (comma-separated names). */
    BRAKE_ALARM_NAMES: r.list('BRAKE_ALARM_NAMES', DEFAULTS.BRAKE_ALARM_NAMES, /^[\w.-]{1,255}$/, 'CloudWatch alarm names'),
  });
}

export type BrakeConfig = ReturnType<typeof loadBrakeConfig>;
