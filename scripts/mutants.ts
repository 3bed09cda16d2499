/**
 * `npm run test:mutants [-- --only a,b] [--suites unit,chaos] [--keep] [--check]`: the mutation
 * check of the tests that are meant to fail (issue 15). Each mutant is one deliberate breakage of
 * lib/ (no fan-out, no in-use check, 5xx made permanent or taken for a deletion, retries without
 * bound, deadline ignored, DNC checks removed, campaign status ignored, …), applied to a scratch
 * copy of the repository (never to this one). The unit tests and the chaos runs are run against
 * each; a mutant is caught when at least one test fails. Prints a table and exits 1 if any
 * mutant survives, or if one no longer applies (lib changed: update its pattern).
 *
 * Not part of `npm test`: about a minute per mutant on 2 cores (the chaos runs dominate).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';

interface Mutant {
  name: string;
  /** What the breakage does, in the words of the rule it breaks. */
  breaks: string;
  file: string;
  /** Must match exactly once. */
  find: RegExp;
  replace: string;
}

const MUTANTS: Mutant[] = [
  {
    name: 'no-fanout',
    breaks: 'campaign.ended queues no follow-up for its lists',
    file: 'lib/lifecycle/commands/campaign-ended.ts',
    find: /if \(followUps\.length\) await ctx\.enqueue\(/,
    replace: 'if (false) await ctx.enqueue(',
  },
  {
    name: 'no-in-use-check',
    breaks: 'the guard no longer refuses a list a campaign uses',
    file: 'lib/guard/list.ts',
    find: /if \(list\.isListInUse \|\| list\.campaignIds\.length > 0\) \{/,
    replace: 'if (false) {',
  },
  {
    name: '5xx-permanent',
    breaks: 'a Kore 5xx is permanent: parked at once instead of retried',
    file: 'lib/kore/errors.ts',
    find: /(class KoreServerError extends KoreError \{\s*readonly kind = 'server';\s*readonly retryable = )true;/,
    replace: '$1false;',
  },
  {
    name: '5xx-delete-is-done',
    breaks: 'a DELETE that still fails with 5xx after its retries counts as deleted',
    file: 'lib/kore/http-client.ts',
    find: /(\n(\s*)if \(err instanceof KoreNotFoundError\)\s*return \{ deleted: false)/,
    replace: "\n$2if ((err as { kind?: string }).kind === 'server') return { deleted: true };$1",
  },
  {
    name: 'retries-unbounded',
    breaks: 'in-function retries ignore maxRetries (only the deadline stops them)',
    file: 'lib/retry.ts',
    find: /attempt >= policy\.maxRetries/,
    replace: 'attempt >= Number.POSITIVE_INFINITY',
  },
  {
    name: 'no-park-on-last-receive',
    breaks: "a retry on the last receive is left to SQS's redrive (DLQ without ErrorCode)",
    file: 'lib/lifecycle/settle.ts',
    find: /outcome\.outcome === 'retry' && receiveCount >= settings\.maxReceiveCount/,
    replace: 'false',
  },
  {
    name: 'deadline-ignored',
    breaks: "the invocation's deadline ignores the Lambda context's remaining time",
    file: 'lib/deadline.ts',
    find: /const remaining = context\?\.getRemainingTimeInMillis\?\.\(\) \?\? /,
    replace: 'const remaining = ',
  },
  {
    name: 'dnc-reference-ignored',
    breaks: 'the guard no longer refuses a list a campaign names in its dncLists',
    file: 'lib/guard/list.ts',
    find: /if \(dncOf\) return refuse\(/,
    replace: 'if (false) return refuse(',
  },
  {
    name: 'dnc-name-ignored',
    breaks: 'the guard no longer refuses a list whose name says do-not-call',
    file: 'lib/guard/list.ts',
    find: /if \(saysDoNotCall\(list\.name\)\) return refuse\(/,
    replace: 'if (false) return refuse(',
  },
  {
    name: 'own-dnc-fanned-out',
    breaks: 'campaign.ended queues its own DNC list with its other lists',
    file: 'lib/lifecycle/commands/campaign-ended.ts',
    find: /if \(ownDnc\.has\(list\._id\) \|\| ownDnc\.has\(dncListKey\(name\)\)\)/,
    replace: 'if (false)',
  },
  {
    name: 'dnc-name-whole-word',
    breaks: 'the DNC-name rule protects only a word that is exactly "dnc" (DNClist, optoutsDNC pass)',
    file: 'lib/guard/list.ts',
    find: /if \(joined\.some\(\(w\) => w\.includes\('dnc'\) \|\| w\.includes\('dnd'\)\)\) return true;/,
    replace: "if (joined.some((w) => w === 'dnc' || w === 'dnd')) return true;",
  },
  {
    name: 'dnc-name-look-alikes',
    breaks: 'the DNC-name rule reads the name as given: a fullwidth, zero-width or Cyrillic DNC is not protected',
    file: 'lib/guard/list.ts',
    find: /const folded = \[\.\.\.name\.normalize\('NFKC'\)\.replace\(\/\\p\{Cf\}\/gu, ''\)\]\.map\(\(c\) => LOOK_ALIKES\[c\] \?\? c\)\.join\(''\);/,
    replace: 'const folded = name;',
  },
  {
    name: 'write-retry-unchecked',
    breaks: "a write's retry in the function (after a 429's Retry-After) goes out without re-checking its evidence",
    file: 'lib/kore/http-client.ts',
    find: /opts\.beforeAttempt\?\.\(\);/,
    replace: '',
  },
  {
    name: 'records-unproven',
    breaks: "the consumer runs a hand-made event with the queue's ARN: receipt handles are not confirmed with SQS",
    file: 'lib/lifecycle/handler.ts',
    find: /refused = await deps\.sender\.proveReceived\(deps\.settings\.lifecycleQueueUrl, handles, \{ deadline \}\);/,
    replace: 'refused = [];',
  },
  {
    name: 'probe-any-route',
    breaks: 'the circuit breaker probes a campaign page whatever failed: a partial outage closes it at every cool-down',
    file: 'lib/lifecycle/breaker.ts',
    find: /const targets = \[\.\.\.this\.failed\.values\(\)\]\.reverse\(\);/,
    replace: 'const targets: Probe[] = [];',
  },
  {
    name: 'rename-on-listing',
    breaks: "an archive decided on the batch's listing is written without its own GET (a stale rename)",
    file: 'lib/lifecycle/commands/list-expired.ts',
    find: /if \(from\.evidence !== 'get'\) \{/,
    replace: 'if (false) {',
  },
  {
    name: 'rename-dnc-bound-ignored',
    breaks: 'a rename takes DNC references as old as a DELETE may (its own, shorter bound ignored)',
    file: 'lib/guard/campaign-index.ts',
    find: /return purpose === 'rename' \? this\.opts\.renameMaxAgeMs : this\.opts\.deleteMaxAgeMs;/,
    replace: 'return this.opts.deleteMaxAgeMs;',
  },
  {
    name: 'fixed-skip-paging',
    breaks: 'campaign pages follow one another by a fixed skip: no overlap, no anchor check (a deletion between pages hides a campaign)',
    file: 'lib/guard/campaign-index.ts',
    find: /if \(cursor\.skip > 0 && cursor\.anchors\.length > 0[\s\S]*?const overlap = Math\.min\(OVERLAP, Math\.floor\(page\.results\.length \/ 2\)\);/,
    replace: 'const overlap = 0;',
  },
  {
    name: 'unkeyed-archive-mark',
    breaks: 'any archive record is taken for ours: its HMAC is not checked (a forged mark is deleted after a grace period)',
    file: 'lib/guard/archive-mark.ts',
    find: /return want\.length === got\.length && timingSafeEqual\(want, got\);/,
    replace: 'return want.length >= 0;',
  },
  {
    name: 'campaign-status-ignored',
    breaks: 'a running (Active, Paused, Scheduled, …) campaign may be deleted',
    file: 'lib/guard/campaign.ts',
    find: /if \(\(CAMPAIGN_STATUSES\.running as readonly string\[\]\)\.includes\(status\.value\)\) return refuse\(/,
    replace: 'if (false) return refuse(',
  },
  {
    name: 'recurrence-ignored',
    breaks: 'a Completed campaign that recurs may be deleted',
    file: 'lib/guard/campaign.ts',
    find: /if \(recurrence\.value\) return refuse\(/,
    replace: 'if (false) return refuse(',
  },
];

const SUITES: Record<string, { paths: string[]; limitMs: number }> = {
  unit: { paths: ['test/unit'], limitMs: 3 * 60_000 },
  chaos: { paths: ['test/integration/chaos.test.ts', 'test/integration/chaos-strict.test.ts'], limitMs: 6 * 60_000 },
  integration: { paths: ['test/integration'], limitMs: 12 * 60_000 },
};

const COPY_SKIP = new Set(['node_modules', '.git', '.serverless', '.esbuild', 'coverage', '.local-stack', '.jest-cache']);

interface SuiteResult {
  suite: string;
  failed: string[];
  ms: number;
}

function copyRepo(root: string): string {
  const scratch = mkdtempSync(join(tmpdir(), 'kcl-mutants-'));
  cpSync(root, scratch, { recursive: true, filter: (src) => !COPY_SKIP.has(relative(root, src).split(/[\\/]/)[0] ?? '') });
  symlinkSync(join(root, 'node_modules'), join(scratch, 'node_modules'), 'dir');
  return scratch;
}

/** Runs one suite in the scratch copy; the names of the tests that failed (a suite that could not run counts as failed). */
function runSuite(scratch: string, suite: string): SuiteResult {
  const out = join(scratch, `.jest-${suite}.json`);
  const started = Date.now();
  const { paths, limitMs } = SUITES[suite]!;
  const r = spawnSync(
    process.execPath,
    [
      join(scratch, 'node_modules/jest/bin/jest.js'),
      ...paths,
      '--ci',
      '--silent',
      '--forceExit',
      '--json',
      `--outputFile=${out}`,
      `--cacheDirectory=${join(scratch, '.jest-cache')}`,
    ],
    // A mutant may make a test spin for ever (e.g. retries without bound on a fake clock, which
    // Jest's own timeout cannot interrupt): a suite that hangs has failed, as it would in CI.
    { cwd: scratch, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: limitMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 },
  );
  const ms = Date.now() - started;
  if (r.signal || (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT')
    return { suite, failed: [`(${suite} hung: killed after ${limitMs / 60_000} min)`], ms };
  if (!existsSync(out))
    return { suite, failed: [`(jest did not report: exit ${r.status}, ${r.error?.message ?? r.stderr.split('\n').find((l) => l.trim()) ?? ''})`], ms };
  const report = JSON.parse(readFileSync(out, 'utf8')) as {
    testResults: Array<{ name: string; status: string; message: string; assertionResults: Array<{ fullName: string; status: string }> }>;
  };
  rmSync(out);
  const failed: string[] = [];
  for (const file of report.testResults) {
    const short = relative(scratch, file.name);
    const tests = file.assertionResults.filter((a) => a.status === 'failed').map((a) => `${short}: ${a.fullName}`);
    if (tests.length) failed.push(...tests);
    else if (file.status === 'failed') failed.push(`${short}: ${file.message.split('\n').find((l) => l.trim()) ?? 'failed to run'}`);
  }
  return { suite, failed, ms };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      suites: { type: 'string', default: 'unit,chaos' },
      keep: { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`Usage: npm run test:mutants [-- --only ${MUTANTS[0]!.name},… --suites ${Object.keys(SUITES).join(',')} --keep --check]\n`);
    process.stdout.write(MUTANTS.map((m) => `  ${m.name.padEnd(24)} ${m.breaks}`).join('\n') + '\n');
    return;
  }
  const only = values.only ? new Set(values.only.split(',')) : undefined;
  const unknown = [...(only ?? [])].filter((n) => !MUTANTS.some((m) => m.name === n));
  const suites = values.suites.split(',');
  const badSuite = suites.filter((s) => !SUITES[s]);
  if (unknown.length || badSuite.length) {
    process.stderr.write(`unknown ${unknown.length ? `mutant(s) ${unknown.join(', ')}` : `suite(s) ${badSuite.join(', ')}`} (see --help)\n`);
    process.exit(2);
  }
  const mutants = MUTANTS.filter((m) => !only || only.has(m.name));
  const root = process.cwd();
  const say = (s: string) => process.stdout.write(`${s}\n`);

  // Every pattern must still match exactly once, or the mutant tests nothing.
  const stale = mutants.filter((m) => (readFileSync(join(root, m.file), 'utf8').match(new RegExp(m.find.source, 'g')) ?? []).length !== 1);
  if (stale.length) {
    for (const m of stale) say(`NOT APPLICABLE ${m.name}: ${m.find} does not match exactly once in ${m.file} (lib changed: update the mutant)`);
    process.exit(1);
  }
  if (values.check) {
    say(`${mutants.length} mutants apply.`);
    return;
  }

  const scratch = copyRepo(root);
  const started = Date.now();
  say(`scratch copy: ${scratch}`);
  try {
    say(`baseline (no mutant): ${suites.join(' + ')} …`);
    const baseline = suites.map((s) => runSuite(scratch, s));
    const broken = baseline.flatMap((b) => b.failed);
    if (broken.length) {
      say(`the unmutated copy already fails, so no mutant can be judged:\n  ${broken.join('\n  ')}`);
      process.exitCode = 1;
      return;
    }
    say(`baseline passes (${baseline.map((b) => `${b.suite} ${(b.ms / 1000).toFixed(0)} s`).join(', ')})`);

    const rows: Array<{ m: Mutant; results: SuiteResult[] }> = [];
    for (const m of mutants) {
      const path = join(scratch, m.file);
      const original = readFileSync(path, 'utf8');
      writeFileSync(path, original.replace(m.find, m.replace));
      try {
        const results = suites.map((s) => runSuite(scratch, s));
        rows.push({ m, results });
        const n = results.reduce((k, r) => k + r.failed.length, 0);
        say(`${m.name}: ${n ? `caught by ${n} failing test(s)` : 'SURVIVED'} (${results.map((r) => `${r.suite} ${r.failed.length}`).join(', ')})`);
      } finally {
        writeFileSync(path, original);
      }
    }

    say('');
    say(`| mutant | breaks | ${suites.map((s) => `${s}: failing tests`).join(' | ')} | caught |`);
    say(`|---|---|${suites.map(() => '---|').join('')}---|`);
    for (const { m, results } of rows) {
      const cells = results.map((r) =>
        r.failed.length
          ? `${r.failed.length}: ${r.failed
              .slice(0, 2)
              .map((f) => f.replace(/^test\/(unit|integration)\//, ''))
              .join('; ')}${r.failed.length > 2 ? '; …' : ''}`
          : '—',
      );
      say(`| ${m.name} | ${m.breaks} | ${cells.join(' | ')} | ${results.some((r) => r.failed.length) ? 'yes' : '**NO**'} |`);
    }
    const survived = rows.filter((r) => !r.results.some((x) => x.failed.length));
    say('');
    say(`${rows.length - survived.length} of ${rows.length} mutants caught in ${((Date.now() - started) / 60_000).toFixed(1)} min.`);
    if (survived.length) process.exitCode = 1;
  } finally {
    if (values.keep) say(`kept ${scratch}`);
    else rmSync(scratch, { recursive: true, force: true });
  }
}

main();
