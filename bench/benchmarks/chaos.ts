/**
 * The chaos run at bench scale: the same harness and the same verdict as the chaos tests
 * (local/chaos.ts, local/chaos-verdict.ts, called through `runChaos` only), with more commands,
 * under the lenient and the strict emulator.
 */
import { runChaos } from '../../local/chaos.js';
import type { ChaosReport } from '../../local/chaos.js';
import type { Bench } from '../report.js';

/** The shipped maximumConcurrency: two consumers share the account's Kore budget. */
const CONCURRENCY = 2;

/** What must be empty or zero after a run: the chaos test's invariants, counted. */
function harms(r: ChaosReport): Record<string, number> {
  return {
    unaccounted: r.unaccounted.length,
    doubleCounted: r.doubleCounted.length,
    deletedTwice: r.deletedTwice.length,
    protectedTouched: r.protectedTouched.length,
    shouldBeGoneButAreNot: r.shouldBeGoneButAreNot.length,
    campaignsTouched: r.campaignsTouched.length,
    campaignsShouldBeGone: r.campaignsShouldBeGone.length,
    fanoutOutOfBounds: r.fanoutOutOfBounds.length,
    dlqWithoutErrorCode: r.dlqWithoutErrorCode.length,
    parkedEarly: r.parkedEarly.length,
    unaudited: r.unaudited.length,
    falselyAudited: r.falselyAudited.length,
    overCallBudget: r.overCallBudget.length,
    pastDeadline: r.pastDeadline.length,
    leaked: r.leaked ? 1 : 0,
    cutOff: r.cutOff,
    undrained: r.drained ? 0 : 1,
  };
}

export async function chaos(b: Bench): Promise<void> {
  const commands = b.scaled(300, 100);
  if (commands < 300) b.warn(`chaos: ${commands} commands (full scale 300) meet fewer faults of each kind; use it as a smoke test, not a comparison`);
  b.describe(
    'chaos',
    `The chaos tests' harness and verdict (\`local/chaos.ts\`, \`local/chaos-verdict.ts\`) at ${commands} commands, ${CONCURRENCY} consumers built by the shipped factory, time compressed 20×, once under the lenient emulator and once under \`STRICT_REALISM\`: Kore slow for 8 s, 5xx, 429s, drops, slow replies and lost replies to applied DELETEs, another caller of the account, a secret rotation, a 5 s outage, and SQS faults on receive, send, delete and visibility change (docs/development.md, Chaos and mutation checks). Every message must end finished or in the DLQ exactly once, with its ErrorCode, no list that had to stay touched, every list that had to go gone or its command parked, every invocation answered before its deadline and no secret in a log line.`,
  );
  for (const strict of [false, true]) {
    const label = strict ? 'strict' : 'lenient';
    let r: ChaosReport;
    try {
      r = await runChaos({ commands, concurrency: CONCURRENCY, strict, timeoutMs: 600_000, onProgress: (s) => b.log(`chaos (${label}): ${s}`) });
    } catch (err) {
      // local/chaos.ts is its own module (and the chaos tests'): a failure there is reported, and the other benchmarks stand.
      const message = (err as Error)?.message ?? String(err);
      b.record(`chaos.${label}`, { error: message });
      b.row({
        section: 'chaos',
        metric: `chaos (${label}): ${commands} commands`,
        goal: 'all accounted, 0 harm',
        value: 'did not run',
        met: false,
        why: `\`runChaos\` failed before reporting: ${message}`,
      });
      continue;
    }
    // Lists of ids are kept as counts, with a few examples.
    b.record(`chaos.${label}`, Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Array.isArray(v) ? { count: v.length, examples: v.slice(0, 5) } : v])));
    const bad = Object.entries(harms(r)).filter(([, n]) => n > 0);
    b.row({
      section: 'chaos',
      metric: `chaos (${label} Kore): ${r.sent} commands, ${r.messages} messages, ${CONCURRENCY} consumers`,
      goal: 'all accounted, 0 harm',
      value: `${r.committed.listDeletes} list and ${r.committed.campaignDeletes} campaign DELETEs applied once each, ${r.inDlq} parked, ${r.koreCalls} Kore calls, ${(r.durationMs / 1000).toFixed(0)} s`,
      met: bad.length === 0,
      why:
        bad.length === 0
          ? `0 on every invariant (${Object.keys(harms(r)).join(', ')}); smallest time left at an answer ${r.minRemainingMs} ms.`
          : `the run found ${bad.map(([k, n]) => `${k}: ${n}`).join(', ')}.`,
    });
  }
}
