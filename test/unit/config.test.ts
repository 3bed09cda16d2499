import { loadConsumerConfig, loadSweepConfig } from '../../lib/config';
import { ConfigError } from '../../lib/errors';

const base = {
  KORE_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:1:secret:kore',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/dlq',
  LIFECYCLE_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/q',
};

describe('config', () => {
  it('applies the documented defaults', () => {
    expect(loadConsumerConfig(base)).toMatchObject({ KORE_CALLS_PER_MINUTE: 25, SECRET_TTL_SECONDS: 300 });
    const sweep = loadSweepConfig(base);
    expect(sweep).toMatchObject({ SWEEP_DRY_RUN: true, SWEEP_MIN_IDLE_DAYS: 30, SWEEP_MAX_LISTS: 200 });
    expect(sweep.SWEEP_NAME_PATTERN).toBeUndefined();
  });

  it.each([
    [{ KORE_SECRET_ID: undefined }, /KORE_SECRET_ID is required/],
    [{ DEAD_LETTER_QUEUE_URL: 'not a url' }, /DEAD_LETTER_QUEUE_URL/],
    [{ KORE_CALLS_PER_MINUTE: 'lots' }, /KORE_CALLS_PER_MINUTE must be an integer/],
    [{ SECRET_TTL_SECONDS: '-1' }, /SECRET_TTL_SECONDS/],
  ])('names the bad variable: %j', (over, msg) => {
    expect(() => loadConsumerConfig({ ...base, ...over })).toThrow(ConfigError);
    expect(() => loadConsumerConfig({ ...base, ...over })).toThrow(msg);
  });

  it('rejects a malformed sweep setting by name', () => {
    expect(() => loadSweepConfig({ ...base, SWEEP_DRY_RUN: 'maybe' })).toThrow(/SWEEP_DRY_RUN must be true or false/);
    expect(() => loadSweepConfig({ ...base, SWEEP_NAME_PATTERN: '([' })).toThrow(/SWEEP_NAME_PATTERN must be a valid regular expression/);
    expect(loadSweepConfig({ ...base, SWEEP_DRY_RUN: 'false', SWEEP_NAME_PATTERN: '^tmp-' }).SWEEP_NAME_PATTERN!.test('tmp-x')).toBe(true);
  });
});
