import { DEFAULTS, loadConsumerConfig, loadSweepConfig } from '../../lib/config';
import { ConfigError } from '../../lib/errors';

const base = {
  KORE_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:1:secret:kore',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/dlq',
  LIFECYCLE_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/q',
  LIFECYCLE_QUEUE_ARN: 'arn:aws:sqs:us-east-1:123456789012:q',
};

describe('config', () => {
  it('applies the documented defaults', () => {
    expect(loadConsumerConfig(base)).toMatchObject({
      KORE_CALLS_PER_MINUTE: 25,
      SECRET_TTL_SECONDS: 300,
      DEADLINE_MARGIN_MS: 2000,
      CONSUMER_DRY_RUN: false,
      MAX_COMMAND_AGE_HOURS: 168,
      ALLOWED_STREAM_IDS: [],
      FANOUT_MAX_LISTS: 50,
      MAX_RECEIVE_COUNT: 5,
      KORE_ALLOWED_HOSTS: ['platform.kore.ai', '*.kore.ai'],
      KORE_ALLOW_LOOPBACK_HTTP: false,
    });
    const sweep = loadSweepConfig(base);
    expect(sweep).toMatchObject({
      SWEEP_DRY_RUN: true,
      SWEEP_MIN_IDLE_DAYS: 30,
      SWEEP_MAX_LISTS: 200,
      SWEEP_MIN_IDLE_DAYS_FLOOR: 7,
      SWEEP_MAX_LISTS_CEILING: 1000,
    });
    expect(sweep.SWEEP_NAME_PATTERN).toBeUndefined();
    expect(loadConsumerConfig(base).KORE_CALLS_PER_MINUTE).toBe(DEFAULTS.KORE_CALLS_PER_MINUTE);
  });

  it.each([
    [{ LIFECYCLE_QUEUE_ARN: undefined }, /LIFECYCLE_QUEUE_ARN is required/],
    [{ LIFECYCLE_QUEUE_ARN: 'https://sqs.us-east-1.amazonaws.com/1/q' }, /LIFECYCLE_QUEUE_ARN must be an SQS queue ARN/],
    [{ OVERRIDE_SENDER_IDS: 'jane' }, /OVERRIDE_SENDER_IDS must be a comma-separated list of SQS sender ids/],
    [{ CONSUMER_SENDER_ID: 'arn:aws:iam::1:role/x' }, /CONSUMER_SENDER_ID must be an SQS sender id/],
    [{ AWS_LAMBDA_LOG_LEVEL: 'ERROR' }, /AWS_LAMBDA_LOG_LEVEL is ERROR: Lambda would drop the INFO audit lines/],
    [{ KORE_SECRET_ID: undefined }, /KORE_SECRET_ID is required/],
    [{ DEAD_LETTER_QUEUE_URL: 'not a url' }, /DEAD_LETTER_QUEUE_URL/],
    [{ KORE_CALLS_PER_MINUTE: 'lots' }, /KORE_CALLS_PER_MINUTE must be an integer/],
    [{ KORE_CALLS_PER_MINUTE: '2.5' }, /KORE_CALLS_PER_MINUTE must be an integer/],
    [{ SECRET_TTL_SECONDS: '-1' }, /SECRET_TTL_SECONDS/],
    [{ CONSUMER_DRY_RUN: 'flase' }, /CONSUMER_DRY_RUN must be true or false/],
    [{ ALLOWED_STREAM_IDS: 'st-good,../bad' }, /ALLOWED_STREAM_IDS must be a comma-separated list of stream ids/],
    [{ KORE_ALLOWED_HOSTS: 'https://platform.kore.ai' }, /KORE_ALLOWED_HOSTS must be a comma-separated list of host names/],
    [{ KORE_ALLOWED_HOSTS: '169.254.169.254' }, /KORE_ALLOWED_HOSTS/],
  ])('names the bad variable: %j', (over, msg) => {
    expect(() => loadConsumerConfig({ ...base, ...over })).toThrow(ConfigError);
    expect(() => loadConsumerConfig({ ...base, ...over })).toThrow(msg);
  });

  it('refuses a DNC references bound no write could meet: below the reads and the write that follow it at the configured pace', () => {
    // 25 calls per minute, 8 s timeout: 2 × 2.4 s + 8 s = 12.8 s, so 13 s at least.
    expect(() => loadConsumerConfig({ ...base, DNC_RENAME_MAX_AGE_SECONDS: '12' })).toThrow(
      /DNC_RENAME_MAX_AGE_SECONDS \(12\) must be 0 \(read the DNC references again before every write\) or at least 13 s at KORE_CALLS_PER_MINUTE 25 and KORE_TIMEOUT_MS 8000/,
    );
    expect(() => loadConsumerConfig({ ...base, DNC_MAX_AGE_SECONDS: '1' })).toThrow(/DNC_MAX_AGE_SECONDS \(1\) must be 0 .* or at least 13 s/);
    // 0: read again before every write (held at the write to what the write needs after the read).
    expect(loadConsumerConfig({ ...base, DNC_MAX_AGE_SECONDS: '0', DNC_RENAME_MAX_AGE_SECONDS: '0' })).toMatchObject({ DNC_MAX_AGE_SECONDS: 0 });
    expect(loadConsumerConfig({ ...base, DNC_RENAME_MAX_AGE_SECONDS: '13' }).DNC_RENAME_MAX_AGE_SECONDS).toBe(13);
    // A faster pace makes a smaller bound possible: 600 calls per minute, 2 s timeout → 2.2 s.
    expect(
      loadConsumerConfig({ ...base, KORE_CALLS_PER_MINUTE: '600', KORE_TIMEOUT_MS: '2000', DNC_RENAME_MAX_AGE_SECONDS: '3' }).DNC_RENAME_MAX_AGE_SECONDS,
    ).toBe(3);
  });

  it('reports every problem at once', () => {
    expect(() => loadConsumerConfig({ ...base, KORE_SECRET_ID: '', MAX_RECEIVE_COUNT: '0' })).toThrow(
      /KORE_SECRET_ID is required; MAX_RECEIVE_COUNT must be an integer/,
    );
  });

  it('rejects a malformed sweep setting by name', () => {
    expect(() => loadSweepConfig({ ...base, SWEEP_DRY_RUN: 'maybe' })).toThrow(/SWEEP_DRY_RUN must be true or false/);
    expect(() => loadSweepConfig({ ...base, SWEEP_NAME_PATTERN: '([' })).toThrow(/SWEEP_NAME_PATTERN must be a valid regular expression/);
    expect(loadSweepConfig({ ...base, SWEEP_DRY_RUN: 'false', SWEEP_NAME_PATTERN: '^tmp-' }).SWEEP_NAME_PATTERN!.test('tmp-x')).toBe(true);
  });

  it('refuses a live sweep configured below the floor or above the ceiling', () => {
    expect(() => loadSweepConfig({ ...base, SWEEP_DRY_RUN: 'false', SWEEP_MIN_IDLE_DAYS: '0' })).toThrow(
      /SWEEP_MIN_IDLE_DAYS must not be below SWEEP_MIN_IDLE_DAYS_FLOOR/,
    );
    expect(() => loadSweepConfig({ ...base, SWEEP_DRY_RUN: 'false', SWEEP_MAX_LISTS: '100000' })).toThrow(
      /SWEEP_MAX_LISTS must not exceed SWEEP_MAX_LISTS_CEILING/,
    );
    // A dry run may look further: it queues nothing.
    expect(loadSweepConfig({ ...base, SWEEP_MIN_IDLE_DAYS: '0', SWEEP_MAX_LISTS: '100000' }).SWEEP_MAX_LISTS).toBe(100_000);
  });
});
