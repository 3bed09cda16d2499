/**
 * One sweep of every list against the Kore emulator and SQS, in a process of its own, so its
 * wall time and peak RSS are the sweep's alone. Bundled with the Lambda esbuild options and run
 * with plain node. Prints one JSON line.
 */
import { loadSweepConfig } from '../lib/config.js';
import { createSweepDeps } from '../lib/deps.js';
import { runSweep } from '../lib/sweep/run.js';

async function main(): Promise<void> {
  const [secretId, queueUrl, maxLists] = process.argv.slice(2);
  const started = Date.now();
  // The shipped wiring; the emulator's rate limit is off, so is the pacing here (3 Kore calls per run).
  const deps = createSweepDeps(
    loadSweepConfig({ ...process.env, KORE_SECRET_ID: secretId, LIFECYCLE_QUEUE_URL: queueUrl, KORE_CALLS_PER_MINUTE: '100000', KORE_TIMEOUT_MS: '30000', KORE_ALLOW_LOOPBACK_HTTP: 'true' }),
  );
  const report = await runSweep(deps, { dryRun: false, maxLists: Number(maxLists), minIdleDays: 30 });
  const wallMs = Date.now() - started;
  process.stdout.write(
    `${JSON.stringify({ wallMs, maxRssMB: process.resourceUsage().maxRSS / 1024, seen: report.seen, queued: report.queued, sqsCalls: report.sqsCalls, koreCalls: report.koreCalls })}\n`,
  );
}
main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e));
  process.exit(1);
});
