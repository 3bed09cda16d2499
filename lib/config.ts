import { ConfigError } from './errors.js';

/**
 * Environment, read once at cold start (DESIGN.md table). Every problem is collected and
 * reported at once, each naming its variable, never its value. Hand-written on purpose, in
 * the style of Powertools' env getters: four small parsers cost less than a schema library's
 * weight in every bundle.
 */

type Env = NodeJS.ProcessEnv;

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
        this.problems.push(`${name} must be an SQS queue URL`);
      }
    }
    return v;
  }

  int(name: string, dflt: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
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

  done<T>(value: T): T {
    if (this.problems.length) throw new ConfigError(`Invalid environment: ${this.problems.join('; ')}`);
    return value;
  }
}

function common(r: Reader) {
  return {
    KORE_SECRET_ID: r.required('KORE_SECRET_ID'),
    KORE_CALLS_PER_MINUTE: r.int('KORE_CALLS_PER_MINUTE', 25, 1, 100_000),
    SECRET_TTL_SECONDS: r.int('SECRET_TTL_SECONDS', 300, 0, 86_400),
    /** One Kore attempt's timeout. */
    KORE_TIMEOUT_MS: r.int('KORE_TIMEOUT_MS', 8_000, 100, 60_000),
  };
}

export function loadConsumerConfig(env: Env = process.env) {
  const r = new Reader(env);
  return r.done({
    ...common(r),
    DEAD_LETTER_QUEUE_URL: r.url('DEAD_LETTER_QUEUE_URL'),
    /** campaign.ended fans out list.expired commands here. */
    LIFECYCLE_QUEUE_URL: r.url('LIFECYCLE_QUEUE_URL'),
    /** Safety margin before the Lambda timeout: no Kore call starts inside it. */
    DEADLINE_MARGIN_MS: r.int('DEADLINE_MARGIN_MS', 2_000, 0, 60_000),
    /** Delay of the list.expired commands campaign.ended fans out, so they arrive after the campaign is gone. */
    FANOUT_DELAY_SECONDS: r.int('FANOUT_DELAY_SECONDS', 30, 0, 900),
  });
}

export function loadSweepConfig(env: Env = process.env) {
  const r = new Reader(env);
  return r.done({
    ...common(r),
    LIFECYCLE_QUEUE_URL: r.url('LIFECYCLE_QUEUE_URL'),
    SWEEP_DRY_RUN: r.bool('SWEEP_DRY_RUN', true),
    SWEEP_MIN_IDLE_DAYS: r.int('SWEEP_MIN_IDLE_DAYS', 30, 0, 3650),
    SWEEP_MAX_LISTS: r.int('SWEEP_MAX_LISTS', 200, 0, 100_000),
    SWEEP_NAME_PATTERN: r.regex('SWEEP_NAME_PATTERN'),
  });
}

export type ConsumerConfig = ReturnType<typeof loadConsumerConfig>;
export type SweepConfig = ReturnType<typeof loadSweepConfig>;
