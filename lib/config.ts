import { z } from 'zod';
import { ConfigError } from './errors.js';

/**
 * Environment, read once at cold start (DESIGN.md table). A bad value is a ConfigError that
 * names the variable, never its value (a URL or ARN is harmless, but the habit matters).
 */

const bool = (name: string, dflt: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return dflt;
      if (/^(true|1|yes)$/i.test(v)) return true;
      if (/^(false|0|no)$/i.test(v)) return false;
      ctx.addIssue({ code: 'custom', message: `${name} must be true or false` });
      return z.NEVER;
    });

const int = (name: string, dflt: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return dflt;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `${name} must be an integer from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

const regex = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === '') return undefined;
    try {
      return new RegExp(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'SWEEP_NAME_PATTERN must be a valid regular expression' });
      return z.NEVER;
    }
  });

// Not z.url(): its hostname check refuses local endpoints such as http://sqs.us-east-1.127.0.0.1:4566/….
const queueUrl = (name: string) =>
  z.string({ message: `${name} is required` }).refine((v) => {
    try {
      return /^https?:$/.test(new URL(v).protocol);
    } catch {
      return false;
    }
  }, `${name} must be an SQS queue URL`);

const common = {
  KORE_SECRET_ID: z.string({ message: 'KORE_SECRET_ID is required' }).min(1, 'KORE_SECRET_ID is required'),
  KORE_CALLS_PER_MINUTE: int('KORE_CALLS_PER_MINUTE', 25, 1, 100_000),
  SECRET_TTL_SECONDS: int('SECRET_TTL_SECONDS', 300, 0, 86_400),
  /** One Kore attempt's timeout. */
  KORE_TIMEOUT_MS: int('KORE_TIMEOUT_MS', 8_000, 100, 60_000),
};

const consumerSchema = z.object({
  ...common,
  DEAD_LETTER_QUEUE_URL: queueUrl('DEAD_LETTER_QUEUE_URL'),
  /** campaign.ended fans out list.expired commands here. */
  LIFECYCLE_QUEUE_URL: queueUrl('LIFECYCLE_QUEUE_URL'),
  /** Safety margin before the Lambda timeout: no Kore call starts inside it. */
  DEADLINE_MARGIN_MS: int('DEADLINE_MARGIN_MS', 2_000, 0, 60_000),
  /** Delay of the list.expired commands campaign.ended fans out, so they arrive after the campaign is gone. */
  FANOUT_DELAY_SECONDS: int('FANOUT_DELAY_SECONDS', 30, 0, 900),
});

const sweepSchema = z.object({
  ...common,
  LIFECYCLE_QUEUE_URL: queueUrl('LIFECYCLE_QUEUE_URL'),
  SWEEP_DRY_RUN: bool('SWEEP_DRY_RUN', true),
  SWEEP_MIN_IDLE_DAYS: int('SWEEP_MIN_IDLE_DAYS', 30, 0, 3650),
  SWEEP_MAX_LISTS: int('SWEEP_MAX_LISTS', 200, 0, 100_000),
  SWEEP_NAME_PATTERN: regex,
});

export type ConsumerConfig = z.output<typeof consumerSchema>;
export type SweepConfig = z.output<typeof sweepSchema>;

function parse<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const r = schema.safeParse(env);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    const key = String(i.path[0] ?? '');
    return i.message.includes(key) ? i.message : `${key}: ${i.message}`;
  });
  throw new ConfigError(`Invalid environment: ${lines.join('; ')}`);
}

export const loadConsumerConfig = (env: NodeJS.ProcessEnv = process.env): ConsumerConfig => parse(consumerSchema, env);
export const loadSweepConfig = (env: NodeJS.ProcessEnv = process.env): SweepConfig => parse(sweepSchema, env);
