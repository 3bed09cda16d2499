import type { SQSClient } from '@aws-sdk/client-sqs';
import { BRAKE_CHECK_MS, BrakeWatch } from '../../lib/aws/brake';
import { Deadline } from '../../lib/deadline';
import { FakeClock } from '../helpers/fake-clock';

/** The consumer's view of the brake: a queue tag, read at most every 15 s, failing closed. */
describe('BrakeWatch', () => {
  const watch = (send: () => Promise<unknown>) => {
    const clock = new FakeClock();
    const sqs = { send: jest.fn(send) } as unknown as SQSClient & { send: jest.Mock };
    return {
      w: new BrakeWatch(sqs, 'https://sqs.eu-west-1.amazonaws.com/123456789012/q', { clock }),
      sqs,
      clock,
      deadline: () => Deadline.at(clock.now() + 60_000, { clock }),
    };
  };

  it('reads the tag: absent is off, present is on with who and why', async () => {
    let tags: Record<string, string> = {};
    const t = watch(async () => ({ Tags: tags }));
    expect(await t.w.state(t.deadline())).toEqual({ on: false });
    tags = { 'kcl-brake': 'jane: runaway CRM' };
    t.clock.advance(BRAKE_CHECK_MS);
    expect(await t.w.state(t.deadline())).toEqual({ on: true, note: 'jane: runaway CRM' });
  });

  it('reads SQS at most every 15 s', async () => {
    const t = watch(async () => ({ Tags: {} }));
    await t.w.state(t.deadline());
    t.clock.advance(BRAKE_CHECK_MS - 1);
    await t.w.state(t.deadline());
    expect(t.sqs.send).toHaveBeenCalledTimes(1);
    t.clock.advance(1);
    await t.w.state(t.deadline());
    expect(t.sqs.send).toHaveBeenCalledTimes(2);
  });

  it('counts a read that fails as on (fail closed), naming the cause and, for missing credentials, the fix', async () => {
    const t = watch(async () => {
      throw Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    });
    const s = await t.w.state(t.deadline());
    expect(s.on).toBe(true);
    expect(s.note).toMatch(/^the brake could not be read: CredentialsProviderError \(no AWS credentials here: .*\); fail closed$/);
  });
});
