import { takeTargetFlags } from '../../local/cli';
import { regionOfQueueUrl, resolveTarget } from '../../local/cli/target';

describe('which stack the CLI works on', () => {
  it('reads the region from an SQS queue URL, in both of its host names', () => {
    expect(regionOfQueueUrl('https://sqs.eu-west-1.amazonaws.com/123456789012/kore-lifecycle')).toBe('eu-west-1');
    expect(regionOfQueueUrl('https://ap-southeast-2.queue.amazonaws.com/123456789012/q')).toBe('ap-southeast-2');
    expect(regionOfQueueUrl('https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q')).toBe('cn-north-1');
    expect(regionOfQueueUrl('http://127.0.0.1:4566/000000000000/kore-lifecycle')).toBeUndefined();
    expect(regionOfQueueUrl('not a url')).toBeUndefined();
  });

  it('takes the SQS client’s region from the queue URL when AWS_REGION is not set, and AWS_REGION when it is', async () => {
    const url = 'https://sqs.eu-west-1.amazonaws.com/123456789012/kore-lifecycle';
    const fromUrl = await resolveTarget([], {}, { LIFECYCLE_QUEUE_URL: url });
    expect({ region: fromUrl.region, client: await fromUrl.sqs.config.region(), local: fromUrl.local }).toEqual({
      region: 'eu-west-1',
      client: 'eu-west-1',
      local: false,
    });
    fromUrl.destroy();
    const fromEnv = await resolveTarget([], {}, { LIFECYCLE_QUEUE_URL: url, AWS_REGION: 'us-east-2' });
    expect(await fromEnv.sqs.config.region()).toBe('us-east-2');
    fromEnv.destroy();
  });

  it('refuses every missing setting of the environment at once, naming each', async () => {
    await expect(
      resolveTarget(['dlq', 'secret', 'mapping'], {}, { LIFECYCLE_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q' }),
    ).rejects.toThrow(
      /^missing settings: DEAD_LETTER_QUEUE_URL \(the dead-letter queue\); KORE_SECRET_ID \(the Kore secret\); CONSUMER_EVENT_SOURCE_MAPPING_UUID \(the consumer's event source mapping\)\. Export them, or pass --stage <stage> --region <region>/,
    );
    await expect(resolveTarget([], {}, { DEAD_LETTER_QUEUE_URL: 'http://10.1.2.3:9324/000000000000/q-dlq' })).rejects.toThrow(
      /^missing settings: LIFECYCLE_QUEUE_URL \(the lifecycle queue\); AWS_REGION \(http:\/\/10\.1\.2\.3:9324\/000000000000\/q-dlq names none\)/,
    );
    await expect(resolveTarget([], {}, { DEAD_LETTER_QUEUE_URL: '' })).rejects.toThrow(
      /^missing settings: LIFECYCLE_QUEUE_URL \(the lifecycle queue\); AWS_REGION \(no queue URL to take it from\)/,
    );
    await expect(
      resolveTarget(['mapping'], {}, { LIFECYCLE_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q', CONSUMER_EVENT_SOURCE_MAPPING_UUID: 'x' }),
    ).rejects.toThrow(/^CONSUMER_EVENT_SOURCE_MAPPING_UUID "x" is not an event source mapping UUID/);
  });

  it('takes --stage and --region off a command line wherever they are, in both spellings', () => {
    expect(takeTargetFlags(['list', '--stage', 'prod', '--json', '--region=eu-west-1'])).toEqual({
      flags: { stage: 'prod', region: 'eu-west-1' },
      rest: ['list', '--json'],
    });
    expect(takeTargetFlags(['on', '--note', 'x'])).toEqual({ flags: {}, rest: ['on', '--note', 'x'] });
    expect(() => takeTargetFlags(['--stage', '--json'])).toThrow(/^--stage needs a value/);
    expect(() => takeTargetFlags(['--stage=a', '--stage', 'b'])).toThrow(/^--stage is given twice/);
    expect(() => takeTargetFlags(['--region='])).toThrow(/^--region needs a value/);
  });
});
