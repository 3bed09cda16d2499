import { runChaos } from '../../local/chaos';
import type { ChaosReport } from '../../local/chaos';

/**
 * 500 commands (the bench runs 1,000) while Kore answers 20 % 5xx, 10 % 429, drops 5 % of
 * connections and answers 5 % slower than the client timeout; the secret is rotated a third of
 * the way in and Kore is fully down for 10 s at half way.
 */
describe('chaos', () => {
  let r: ChaosReport;
  beforeAll(async () => {
    r = await runChaos({ commands: 500, concurrency: 8, outageMs: 10_000, timeoutMs: 100_000 });
  }, 115_000);

  it('accounts for every message exactly once: done + already-done + skipped + in the DLQ = sent', () => {
    expect(r.sent).toBe(500);
    expect(r.unaccounted).toEqual([]);
    expect(r.doubleCounted).toEqual([]);
    expect(r.accountedFor).toBe(r.sent);
    const total = Object.values(r.final).reduce((a, b) => a + b, 0);
    expect(total).toBe(r.sent);
    expect(Object.keys(r.final).filter((k) => k.startsWith('unfinished'))).toEqual([]);
  });

  it('really injected the faults', () => {
    for (const f of ['fault-5xx', 'fault-429', 'dropped', 'outage']) expect(r.faults[f] ?? 0).toBeGreaterThan(0);
    expect(r.final['dlq:rejected']).toBeGreaterThan(0); // the malformed commands
  });

  it('deleted no list twice and never touched a protected or in-use list', () => {
    expect(r.deletedTwice).toEqual([]);
    expect(r.protectedTouched).toEqual([]);
    expect(r.final.skipped).toBeGreaterThan(0);
  });

  it('leaves every list that should be gone gone, or its command in the DLQ', () => {
    expect(r.shouldBeGoneButAreNot).toEqual([]);
  });

  it('never logged the client secret (old or rotated) or a JWT, and read the secret again after rotation', () => {
    expect(r.leaked).toBe(false);
    expect(r.secretReads).toBeGreaterThan(8); // 8 consumers: one read each, then one more after the 401
  });

  it('never let an invocation run into its timeout', () => {
    expect(r.invocations).toBeGreaterThan(0);
    expect(r.cutOff).toBe(0);
  });
});
