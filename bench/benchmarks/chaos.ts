/**
 * The chaos run at bench scale: the same harness as the chaos test (local/chaos.ts, called
 * through its exported `runChaos` only), with more commands and several consumers.
 */
import { runChaos } from '../../local/chaos.js';
import type { Bench } from '../report.js';

export async function chaos(b: Bench): Promise<void> {
  const commands = b.scaled(1000, 100);
  const concurrency = 8;
  if (commands < 500) b.warn(`chaos: ${commands} commands (full scale 1,000) meet fewer faults of each kind; use it as a smoke test, not a comparison`);
  b.describe('chaos', `The chaos test's harness (\`local/chaos.ts\`) at ${commands} commands with ${concurrency} concurrent consumers, each built by the shipped factory: Kore answers 20 % 5xx, 10 % 429, drops 5 % of connections and answers 5 % slower than the client timeout, the secret is rotated mid-run and Kore is down for 10 s. Every command must end done, skipped or in the DLQ exactly once, with no list deleted twice, no protected or in-use list touched and no secret in a log line.`);
  let r: Awaited<ReturnType<typeof runChaos>>;
  try {
    r = await runChaos({ commands, concurrency, outageMs: 10_000, timeoutMs: 300_000, onProgress: (s) => b.log(`chaos: ${s}`) });
  } catch (err) {
    // local/chaos.ts is its own module (and the chaos test's): a failure there is reported, and the other benchmarks stand.
    const message = (err as Error)?.message ?? String(err);
    b.record('chaos', { error: message });
    b.row({ section: 'chaos', metric: `chaos: ${commands} commands, ${concurrency} consumers`, goal: 'all accounted, 0 harm', value: 'did not run', met: false, why: `\`runChaos\` (local/chaos.ts) failed before reporting: ${message}` });
    return;
  }
  const { unaccounted, doubleCounted } = r;
  // Lists of ids are kept as counts, with a few examples.
  b.record('chaos', Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Array.isArray(v) ? { count: v.length, examples: v.slice(0, 5) } : v])));
  const harms = {
    unaccounted: unaccounted.length,
    doubleCounted: doubleCounted.length,
    deletedTwice: r.deletedTwice.length,
    protectedTouched: r.protectedTouched.length,
    shouldBeGoneButAreNot: r.shouldBeGoneButAreNot.length,
    leaked: r.leaked ? 1 : 0,
    cutOff: r.cutOff,
  };
  const bad = Object.entries(harms).filter(([, n]) => n > 0);
  b.row({
    section: 'chaos',
    metric: `chaos: ${r.sent} commands, ${concurrency} consumers, 20 % 5xx, 10 % 429, 5 % drops, 5 % slow, rotation, 10 s outage`,
    goal: 'all accounted, 0 harm',
    value: `${JSON.stringify(r.final)} in ${(r.durationMs / 1000).toFixed(0)} s`,
    met: bad.length === 0,
    why: `the run found ${bad.map(([k, n]) => `${k}: ${n}`).join(', ')}.`,
  });
}
