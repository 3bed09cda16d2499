import { Deadline } from '../../lib/deadline';
import { DeadlineError } from '../../lib/errors';
import { KoreUnauthorizedError } from '../../lib/kore/errors';
import { MessageValidationError } from '../../lib/lifecycle/errors';
import { KoreServerError, KoreThrottledError } from '../../lib/kore/errors';
import { backoffDelay, withRetry } from '../../lib/retry';
import { FakeClock } from '../helpers/fake-clock';

const policy = { maxRetries: 2, baseDelayMs: 100, maxDelayMs: 1000 };

function failing(times: number, make: () => Error = () => new KoreServerError('5xx')) {
  let calls = 0;
  const fn = jest.fn(async () => {
    calls++;
    if (calls <= times) throw make();
    return 'ok';
  });
  return fn;
}

describe('withRetry', () => {
  it('retries a retryable failure at most twice, then throws the last error', async () => {
    const clock = new FakeClock();
    const fn = failing(5);
    await expect(withRetry(fn, { policy, clock })).rejects.toBeInstanceOf(KoreServerError);
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('succeeds after a transient failure', async () => {
    const fn = failing(1);
    await expect(withRetry(fn, { policy, clock: new FakeClock() })).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('does not retry a permanent error', async () => {
    const fn = failing(1, () => new MessageValidationError('bad'));
    await expect(withRetry(fn, { policy, clock: new FakeClock() })).rejects.toBeInstanceOf(MessageValidationError);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('keeps full-jitter delays within [0, min(cap, base·2^n))', () => {
    for (const r of [0, 0.25, 0.999999]) {
      for (let n = 0; n < 8; n++) {
        const d = backoffDelay(n, policy, () => r);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** n));
      }
    }
  });

  it('waits at least Retry-After when it fits before the deadline', async () => {
    const clock = new FakeClock();
    const fn = failing(1, () => new KoreThrottledError('429', { retryAfterMs: 3000 }));
    await withRetry(fn, {
      policy,
      clock,
      random: () => 0.5,
      deadline: Deadline.at(clock.now() + 10_000, { clock }),
      retryAfterMs: (e) => (e as KoreThrottledError).retryAfterMs,
    });
    expect(clock.sleeps).toEqual([3000]);
  });

  it('gives up instead of sleeping past the deadline when Retry-After does not fit', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const fn = failing(1, () => new KoreThrottledError('429', { retryAfterMs: 30_000 }));
    await expect(
      withRetry(fn, { policy, clock, deadline: Deadline.at(start + 5_000, { clock }), retryAfterMs: (e) => (e as KoreThrottledError).retryAfterMs }),
    ).rejects.toBeInstanceOf(KoreThrottledError);
    expect(clock.sleeps).toEqual([]);
    expect(clock.now()).toBe(start);
  });

  it('never starts an attempt whose budget would overrun the deadline', async () => {
    const clock = new FakeClock();
    const fn = jest.fn(async () => 'ok');
    await expect(withRetry(fn, { clock, deadline: Deadline.at(clock.now() + 500, { clock }), attemptBudgetMs: 1000 })).rejects.toBeInstanceOf(DeadlineError);
    expect(fn).not.toHaveBeenCalled();
  });

  it('never overruns the deadline across retries, whatever the jitter', async () => {
    for (const r of [0, 0.5, 0.99]) {
      const clock = new FakeClock();
      const deadline = Deadline.at(clock.now() + 700, { clock });
      const fn = jest.fn(async () => {
        clock.advance(200); // each attempt takes 200 ms
        throw new KoreServerError('5xx');
      });
      await expect(withRetry(fn, { policy, clock, random: () => r, deadline, attemptBudgetMs: 200 })).rejects.toBeInstanceOf(Error);
      expect(clock.now()).toBeLessThanOrEqual(deadline.at);
    }
  });

  it('does not retry what shouldRetry excludes, even if it is retryable through SQS', async () => {
    const fn = failing(5, () => new KoreUnauthorizedError('401'));
    await expect(withRetry(fn, { policy, clock: new FakeClock(), shouldRetry: (e) => !(e instanceof KoreUnauthorizedError) })).rejects.toBeInstanceOf(
      KoreUnauthorizedError,
    );
    expect(fn).toHaveBeenCalledTimes(1);
  });
});
