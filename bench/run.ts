/**
 * `npm run bench`: the performance and reliability goals, measured side by side in one run
 * (one file per benchmark in bench/benchmarks/). Prints a table with each goal, the value and
 * met / not met. No goal is asserted in a test: the numbers belong to the machine.
 *
 * Only a full run (every benchmark, scale 1) writes bench/results.json and regenerates
 * docs/performance.md from it; any other run writes bench/.out/results.json and says
 * so, so a quick run never overwrites the tracked figures.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { accounts } from './benchmarks/accounts.js';
import { budget } from './benchmarks/budget.js';
import { bundle } from './benchmarks/bundle.js';
import { chaos } from './benchmarks/chaos.js';
import { cpu } from './benchmarks/cpu.js';
import { sweep } from './benchmarks/sweep.js';
import { ROOT } from './bundles.js';
import { PERFORMANCE_PAGE, writePerformancePage } from './readme.js';
import type { Results } from './report.js';
import { Bench, mainTable } from './report.js';

const BENCHMARKS: Record<string, (b: Bench) => Promise<void>> = { bundle, cpu, sweep, budget, chaos, accounts };
const USAGE = `Usage: npm run bench [-- --scale 0.25] [--only ${Object.keys(BENCHMARKS).join(',')}] [--docs]

  --scale n   multiply every size by n (default 1). A scaled run writes bench/.out/results.json,
              never the tracked bench/results.json, and warns where its sizes are too small to compare.
  --only a,b  run only these benchmarks (also written to bench/.out/ only).
              accounts at --scale 0.1 takes about a minute; at full scale about 15.
  --docs      regenerate docs/performance.md and README.md's Performance table from bench/results.json
              and exit (--readme: the same).
`;

const RESULTS = join(__dirname, 'results.json');
const OUT_DIR = join(__dirname, '.out');

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n${USAGE}`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        scale: { type: 'string', default: '1' },
        only: { type: 'string' },
        docs: { type: 'boolean', default: false },
        // The flag's name from when the results were a README section: kept so old habits still work.
        readme: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (values.docs || values.readme) {
    writePerformancePage(join(ROOT, PERFORMANCE_PAGE), JSON.parse(readFileSync(RESULTS, 'utf8')) as Results, join(ROOT, 'README.md'));
    process.stdout.write(`${PERFORMANCE_PAGE} and README.md's Performance table: regenerated from bench/results.json\n`);
    return;
  }
  const scale = Number(values.scale);
  if (!Number.isFinite(scale) || scale < 0.05 || scale > 1) fail(`--scale must be a number from 0.05 to 1 (got "${values.scale}")`);
  const only = values.only?.split(',').map((s) => s.trim()) ?? Object.keys(BENCHMARKS);
  const unknown = only.filter((n) => !(n in BENCHMARKS));
  if (unknown.length) fail(`unknown benchmark(s): ${unknown.join(', ')}`);
  const full = scale === 1 && Object.keys(BENCHMARKS).every((n) => only.includes(n));

  mkdirSync(OUT_DIR, { recursive: true });
  const b = new Bench(scale, OUT_DIR);
  if (!full) {
    b.log(`bench: ${scale === 1 ? 'a partial run' : `scale ${scale}`}: results go to bench/.out/results.json, not bench/results.json`);
  }
  for (const [name, run] of Object.entries(BENCHMARKS)) {
    if (!only.includes(name)) continue;
    b.log(`bench: ${name}…`);
    await run(b);
  }
  const results = b.results(full);
  const warnings = results.warnings.length
    ? `\nWarnings (sizes too small to compare at this scale):\n${results.warnings.map((w) => `- ${w}`).join('\n')}\n`
    : '';
  process.stdout.write(
    `\n${mainTable(results.table)}\n\nscale ${scale}, ${results.node}, ${results.cpus} cores, load ${results.load.start} → ${results.load.end} (max ${results.load.max}), ${results.durationSeconds} s\n${warnings}`,
  );
  const file = full ? RESULTS : join(OUT_DIR, 'results.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  if (full) {
    writePerformancePage(join(ROOT, PERFORMANCE_PAGE), results, join(ROOT, 'README.md'));
    process.stdout.write(`\nWrote bench/results.json and regenerated ${PERFORMANCE_PAGE} and README.md's Performance table.\n`);
  } else {
    process.stdout.write(
      `\nWrote bench/.out/results.json (bench/results.json, docs/performance.md and README.md's Performance table are written by a full run only).\n`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench failed: ${(err as Error)?.stack ?? err}\n`);
    process.exit(1);
  },
);
