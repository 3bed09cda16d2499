/**
 * `npm start`: the whole job on one machine, no AWS account.
 *
 * Starts the local stack (Kore emulator seeded with a realistic account, SQS, Secrets Manager),
 * tells the demo story (scenario.ts), prints the summary (report.ts) and, with --keep-running,
 * keeps the consumer polling for commands sent by hand (keep-running.ts).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS } from '../lib/config.js';
import { intFlag, parseFlags } from './args.js';
import { LocalError, PortInUseError, runMain, UsageError } from './errors.js';
import type { BatchHandler } from './event-source-mapping.js';
import { LocalEventSourceMapping } from './event-source-mapping.js';
import { keepRunning } from './keep-running.js';
import { JWT_PATTERN, LogTap } from './log-tap.js';
import { formatOutcome, isOutcomeLine } from './outcome-format.js';
import { LOCAL_PORTS, LOCAL_QUEUE, LOCAL_SECRET_NAME } from './ports.js';
import { receiveAll } from './queues.js';
import { renderSummary } from './report.js';
import type { SweepHandler } from './scenario.js';
import { runScenario } from './scenario.js';
import { demoSeed } from './seed.js';
import { LOCAL_CLIENT_SECRET, startLocalStack } from './stack.js';
import type { LocalStack } from './stack.js';
import { claimStackFile, DEFAULT_STACK_FILE, StackFileTaken, stackFilePath } from './stack-file.js';

const HELP = `Usage: npm start [-- options]

Runs the lifecycle consumer and the nightly sweep against an embedded local stack (Kore emulator,
SQS, Secrets Manager) with the sample commands of events/, then prints a summary. Exits 0.

Options:
  --keep-running       then keep the stack up and the consumer polling, printing each outcome as it
                       happens, until Ctrl-C. Fixed ports ${LOCAL_PORTS.sqs} (SQS), ${LOCAL_PORTS.secrets} (Secrets Manager), ${LOCAL_PORTS.kore} (Kore),
                       ${LOCAL_PORTS.lambda} (Lambda API, for the brake), which serverless.yml's local stage and the
                       printed AWS CLI hints use
  --random-ports       with --keep-running: let the OS choose the ports (when those are busy)
  --skip-demo          with --keep-running: start with the untouched demo account, no story
  --stack-file <path>  with --keep-running: where to write the endpoints for npm run cli
                       (default .local-stack/stack.json; also LOCAL_STACK_FILE)
  --speed <n>          compress Kore's one-minute budget window n times, 1-60 (default 10;
                       1 = real time: the story then takes about 1.5 minutes)
  -h, --help           show this help

JSON log lines go to .local-stack/run-<time>.ndjson. See also: npm run cli -- --help.
`;
const HELP_HINT = 'Run `npm start -- --help` for the options.';

const OPTIONS = {
  'keep-running': { type: 'boolean', default: false },
  'random-ports': { type: 'boolean', default: false },
  'skip-demo': { type: 'boolean', default: false },
  'stack-file': { type: 'string' },
  speed: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const root = join(__dirname, '..');
/** The account's real limit, as in serverless.yml's koreAccountCallsPerMinute. */
const ACCOUNT_PER_MINUTE = 60;
/** Local only: short, so a retry comes back in seconds (AWS: 6 × the consumer timeout). */
const VISIBILITY_SECONDS = 3;
const MAX_RECEIVE_COUNT = 3;
const FUNCTION_TIMEOUT_MS = 30_000;

const color = process.stdout.isTTY && !process.env.NO_COLOR ? (code: number, s: string) => `\x1b[${code}m${s}\x1b[0m` : (_: number, s: string) => s;
const bold = (s: string) => color(1, s);
const dim = (s: string) => color(2, s);

/** The Lambda environment: what serverless.yml sets, pointed at the local stack and sped up. */
function lambdaEnvironment(stack: LocalStack, speed: number): Record<string, string> {
  return {
    ...stack.env,
    KORE_CALLS_PER_MINUTE: String(DEFAULTS.KORE_CALLS_PER_MINUTE * speed),
    KORE_TIMEOUT_MS: '3000',
    FANOUT_DELAY_SECONDS: '1',
    // The queue's redrive limit and the consumer's last receive are one number, as in serverless.yml.
    MAX_RECEIVE_COUNT: String(MAX_RECEIVE_COUNT),
    DEFERRED_VISIBILITY_SECONDS: '1',
    // Live, as a deployment with sweepDryRun=false: the story's dry run narrows it by its event.
    SWEEP_DRY_RUN: 'false',
    POWERTOOLS_SERVICE_NAME: 'kore-campaign-lifecycle',
    POWERTOOLS_METRICS_NAMESPACE: 'KoreCampaignLifecycle/local',
  };
}

function portFix(err: PortInUseError, keep: boolean): LocalError {
  return new LocalError(
    keep
      ? `${err.message}: another \`npm start -- --keep-running\` or \`npm run emulator\`? Stop it, or add --random-ports to let the OS choose (npm run cli finds those through ${DEFAULT_STACK_FILE.replace(root + '/', '')}).`
      : `${err.message}.`,
  );
}

function claimOrExplain(stackFile: string, named: boolean): void {
  try {
    claimStackFile(stackFile, named);
  } catch (err) {
    if (err instanceof StackFileTaken) throw new LocalError(err.message);
    throw err;
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const { values: args } = parseFlags(argv, OPTIONS, { helpHint: HELP_HINT });
  if (args.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const keep = args['keep-running'];
  for (const f of ['random-ports', 'skip-demo', 'stack-file'] as const) {
    if (args[f] !== undefined && args[f] !== false && !keep) throw new UsageError(`--${f} only makes sense with --keep-running. ${HELP_HINT}`);
  }
  const speed = intFlag('speed', args.speed, 10, 1, 60);
  const fixedPorts = keep && !args['random-ports'];
  const stackFile = stackFilePath(args['stack-file']);
  const stackFileNamed = args['stack-file'] !== undefined;
  // A file --stack-file names that a running stack holds: refused now, not after the story.
  if (keep) claimOrExplain(stackFile, stackFileNamed);

  const started = Date.now();
  const logDir = join(root, '.local-stack');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `run-${new Date().toISOString().replace(/[:.]/g, '-')}.ndjson`);
  let leaked = false;
  // The consumer's mapping, once it exists: it remembers the bodies it received, which name the
  // command of an outcome line that has none (an invalid one).
  let esm: LocalEventSourceMapping | undefined;
  // Every line the handlers write goes to the log file as it happens; outcome lines are also
  // printed in a readable form, so a command sent by hand is seen done, skipped or parked.
  const tap = new LogTap((line) => {
    appendFileSync(logFile, line + '\n');
    if (line.includes(LOCAL_CLIENT_SECRET) || JWT_PATTERN.test(line)) leaked = true;
    if (!line.startsWith('{')) return;
    let l: Record<string, unknown>;
    try {
      l = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (!isOutcomeLine(l)) return;
    const body = typeof l.messageId === 'string' ? esm?.bodyOf(l.messageId) : undefined;
    tap.print(`  ${formatOutcome(l, { time: keep, ...(body !== undefined ? { body } : {}) })}\n`);
  });
  const say = (s: string) => tap.print(s + '\n');
  const step = (s: string) => say(`${color(36, '▸')} ${s}`);

  step(`Starting the local stack ${dim(`(Kore emulator, SQS, Secrets Manager; Kore budget window compressed ${speed}×)`)}`);
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      kore: {
        seed: demoSeed(),
        rateLimit: { perMinute: ACCOUNT_PER_MINUTE, windowMs: 60_000 / speed, retryAfter: true },
        randomSeed: 7,
      },
      visibilityTimeout: VISIBILITY_SECONDS,
      maxReceiveCount: MAX_RECEIVE_COUNT,
      queuePrefix: LOCAL_QUEUE,
      secretName: LOCAL_SECRET_NAME,
      // A run that ends needs no known ports: the OS picks, so a busy 4566 never breaks `npm start`.
      ...(fixedPorts ? { ports: LOCAL_PORTS } : {}),
    });
  } catch (err) {
    if (err instanceof PortInUseError) throw portFix(err, keep);
    throw err;
  }
  say(dim(`  Kore ${stack.kore.url}   SQS ${stack.env.AWS_ENDPOINT_URL_SQS}   Secrets Manager ${stack.secrets.url}`));

  let exitCode = 0;
  try {
    Object.assign(process.env, lambdaEnvironment(stack, speed));
    tap.start();
    // The real Lambda modules, configured by the environment above at their cold start.
    const consumer = (await import('../functions/lifecycle-events.js')).handler as unknown as BatchHandler;
    const sweep = (await import('../functions/nightly-sweep.js')).handler as unknown as SweepHandler;
    esm = new LocalEventSourceMapping({
      sqs: stack.sqs,
      queueUrl: stack.queueUrl,
      queueArn: stack.queueArn,
      handler: consumer,
      batchSize: 10,
      functionTimeoutMs: FUNCTION_TIMEOUT_MS,
    });

    if (!args['skip-demo']) {
      await runScenario({ root, stack, esm, sweep, io: { step, note: say, dim, bold } });
      // Visibility 0: a look, not a claim, so `npm run cli -- dlq list` still sees them.
      const dlq = await receiveAll(stack.sqs, stack.dlqUrl, 0);
      say('');
      say(
        renderSummary(
          {
            lines: tap.json(),
            dlq,
            calls: stack.kore.apiCalls(),
            minutes: (Date.now() - started) / 60_000,
            speed,
            budget: `${DEFAULTS.KORE_CALLS_PER_MINUTE} of ${ACCOUNT_PER_MINUTE}`,
          },
          { bold, dim },
        ),
      );
      say(dim(`Secrets Manager reads: ${stack.secrets.calls.GetSecretValue ?? 0}. Logs (JSON lines): ${logFile}`));
    }
    // The summary needed the story's lines; a stack kept running for hours keeps none in memory.
    tap.retain = false;
    tap.raw.length = 0;
    if (leaked) {
      say(color(31, 'A secret or JWT reached the logs: this is a bug.'));
      exitCode = 1;
    }
    if (keep) {
      try {
        await keepRunning({
          stack,
          esm,
          stackFile,
          stackFileNamed,
          fixedPorts,
          koreCallsPerMinute: DEFAULTS.KORE_CALLS_PER_MINUTE * speed,
          logFile,
          io: { say, dim, bold },
        });
      } catch (err) {
        if (err instanceof PortInUseError) throw portFix(err, keep);
        if (err instanceof StackFileTaken) throw new LocalError(err.message);
        throw err;
      }
    }
  } finally {
    tap.stop();
    await stack.stop();
  }
  if (leaked) exitCode = 1;
  return exitCode;
}

runMain('npm start', () => main(process.argv.slice(2)));
