import { DeadlineError } from '../../lib/errors';
import { RateLimiter } from '../../lib/rate-limit';
import { FakeClock } from '../helpers/fake-clock';

describe('RateLimiter', () => {
  it('spaces calls evenly at perMinute', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const limiter = new RateLimiter({ perMinute: 60, clock });
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      await limiter.acquire();
      times.push(clock.now() - start);
    }
    expect(times).toEqual([0, 1000, 2000, 3000, 4000]);
    expect(limiter.count).toBe(5);
  });

  it('never grants more than perMinute in any 60 s of virtual time', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ perMinute: 25, clock });
    const grants: number[] = [];
    for (let i = 0; i < 100; i++) {
      await limiter.acquire();
      grants.push(clock.now());
    }
    for (const t of grants) expect(grants.filter((g) => g >= t && g < t + 60_000).length).toBeLessThanOrEqual(25);
  });

  it('allows a configured burst, then paces', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const limiter = new RateLimiter({ perMinute: 60, burst: 3, clock });
    for (let i = 0; i < 4; i++) await limiter.acquire();
    expect(clock.now() - start).toBe(1000);
  });

  it('does not bank idle time beyond the burst', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ perMinute: 60, clock });
    await limiter.acquire();
    clock.advance(60_000);
    const t = clock.now();
    await limiter.acquire();
    await limiter.acquire();
    expect(clock.now() - t).toBe(1000);
  });

  it('refuses a slot that would only free after the deadline, without consuming it', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ perMinute: 6, clock }); // one per 10 s
    await limiter.acquire();
    await expect(limiter.acquire({ latestStart: clock.now() + 5_000 })).rejects.toBeInstanceOf(DeadlineError);
    expect(limiter.count).toBe(1);
    await limiter.acquire({ latestStart: clock.now() + 10_000 });
    expect(limiter.count).toBe(2);
  });

  it('serves concurrent waiters in order, one interval apart', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const limiter = new RateLimiter({ perMinute: 60, clock });
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2].map(async (i) => {
        await limiter.acquire();
        order.push(i);
      }),
    );
    expect(order).toEqual([0, 1, 2]);
    // The virtual clock advances while each waiter sleeps: the third is granted 2 intervals in.
    expect(clock.now() - start).toBe(2000);
  });

  it('pauses every caller until a Retry-After has passed, and says how long the next call must wait', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const limiter = new RateLimiter({ perMinute: 60, clock });
    await limiter.acquire();
    limiter.pauseUntil(start + 30_000);
    expect(limiter.waitMs()).toBe(30_000);
    await limiter.acquire();
    expect(clock.now() - start).toBe(30_000);
    // A shorter pause later never shortens the one in force.
    limiter.pauseUntil(start + 10_000);
    expect(limiter.waitMs()).toBe(1_000);
  });

  it('refuses a call whose slot falls inside a pause that outlasts the deadline, without taking it', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ perMinute: 60, clock });
    limiter.pauseUntil(clock.now() + 60_000);
    await expect(limiter.acquire({ latestStart: clock.now() + 20_000 })).rejects.toBeInstanceOf(DeadlineError);
    expect(limiter.count).toBe(0);
  });
});
