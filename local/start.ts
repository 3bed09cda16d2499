/**
 * `npm start`: the whole job on one machine, no AWS account.
 *
 * Starts the local stack (Kore emulator seeded with a realistic account, SQS, Secrets Manager),
 * sends the sample commands from events/, runs the real Lambda handlers the way Lambda's event
 * source mapping and scheduler would, runs the sweep (dry run, then live), and prints a summary.
 * `npm start -- --keep-running` leaves the stack up on fixed ports for trying things by hand.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { SweepReport } from '../lib/sweep/run.js';
import { LocalEventSourceMapping, lambdaContext } from './event-source-mapping.js';
import { JWT_PATTERN, LogTap } from './log-tap.js';
import { receiveAll } from './queues.js';
import { formatTable } from './table.js';
import { LOCAL_PORTS, LOCAL_SECRET_NAME, LOCAL_QUEUE } from './ports.js';
import { loadSamples, restamp } from './samples.js';
import { demoSeed } from './seed.js';
import { LOCAL_CLIENT_SECRET, startLocalStack } from './stack.js';

const HELP = `Usage: npm start [-- options]

Runs the lifecycle consumer and the nightly sweep against an embedded local stack.

Options:
  --keep-running   leave the stack up afterwards, on fixed ports ${LOCAL_PORTS.sqs}/${LOCAL_PORTS.secrets}/${LOCAL_PORTS.kore}
                   (what the CLI and serverless.yml's local stage expect), and print its endpoints
  --random-ports   with --keep-running: let the OS choose ports instead
  --speed <n>      compress Kore's one-minute budget window n times (default 10; 1 = real time, ~2 min)
  -h, --help       show this help
`;

const { values: args } = parseArgs({
  options: {
    'keep-running': { type: 'boolean', default: false },
    'random-ports': { type: 'boolean', default: false },
    speed: { type: 'string', default: '10' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const root = join(__dirname, '..');
const speed = Math.max(1, Number(args.speed) || 10);
/** The account's real limit and this deployment's share, as in serverless.yml. */
const ACCOUNT_PER_MINUTE = 60;
const CONSUMER_PER_MINUTE = 25;
const FUNCTION_TIMEOUT_MS = 30_000;

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
type SweepHandler = (event: unknown, context: Context) => Promise<SweepReport>;

const color = process.stdout.isTTY ? (code: number, s: string) => `\x1b[${code}m${s}\x1b[0m` : (_: number, s: string) => s;
const bold = (s: string) => color(1, s);
const dim = (s: string) => color(2, s);

const table = (rows: Array<Record<string, string | number>>) => formatTable(rows, { indent: '  ', header: bold, empty: dim('(none)') });

async function main(): Promise<void> {
  if (args.help) {
    process.stdout.write(HELP);
    return;
  }
  const started = Date.now();
  const logDir = join(root, '.local-stack');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `run-${new Date().toISOString().replace(/[:.]/g, '-')}.ndjson`);
  const tap = new LogTap();
  const say = (s: string) => tap.print(s + '\n');
  const step = (s: string) => say(`${color(36, '▸')} ${s}`);

  step(`Starting the local stack ${dim(`(Kore emulator, SQS, Secrets Manager; Kore budget window compressed ${speed}×)`)}`);
  const stack = await startLocalStack({
    kore: {
      seed: demoSeed(),
      rateLimit: { perMinute: ACCOUNT_PER_MINUTE, windowMs: 60_000 / speed, retryAfter: true },
      randomSeed: 7,
    },
    // Local only: AWS uses 6 × the consumer timeout; a short one lets retries come back quickly.
    visibilityTimeout: 3,
    maxReceiveCount: 3,
    queuePrefix: LOCAL_QUEUE,
    secretName: LOCAL_SECRET_NAME,
    // A run that ends needs no known ports: let the OS pick, so a busy 4566 never breaks `npm start`.
    ...(args['keep-running'] && !args['random-ports'] ? { ports: LOCAL_PORTS } : {}),
  });
  say(dim(`  Kore ${stack.kore.url}   SQS ${stack.env.AWS_ENDPOINT_URL_SQS}   Secrets Manager ${stack.secrets.url}`));

  // The Lambda environment: exactly what serverless.yml sets, pointed at the local stack.
  Object.assign(process.env, stack.env, {
    KORE_CALLS_PER_MINUTE: String(CONSUMER_PER_MINUTE * speed),
    SECRET_TTL_SECONDS: '300',
    FANOUT_DELAY_SECONDS: '1',
    KORE_TIMEOUT_MS: '3000',
    SWEEP_DRY_RUN: 'true',
    SWEEP_MIN_IDLE_DAYS: '30',
    SWEEP_MAX_LISTS: '200',
    POWERTOOLS_SERVICE_NAME: 'kore-campaign-lifecycle',
    POWERTOOLS_METRICS_NAMESPACE: 'KoreCampaignLifecycle',
  });

  tap.start();
  let consumer: Handler;
  let sweep: SweepHandler;
  try {
    consumer = (await import('../functions/lifecycle-events.js')).handler as unknown as Handler;
    sweep = (await import('../functions/nightly-sweep.js')).handler as unknown as SweepHandler;
  } catch (err) {
    tap.stop();
    throw err;
  }
  const esm = new LocalEventSourceMapping({
    sqs: stack.sqs,
    queueUrl: stack.queueUrl,
    queueArn: stack.queueArn,
    handler: consumer,
    batchSize: 10,
    functionTimeoutMs: FUNCTION_TIMEOUT_MS,
  });
  const drain = async (label: string) => {
    let n = 0;
    await esm.drain({
      timeoutMs: 180_000,
      idleMs: 200,
      onInvocation: (r) => {
        n++;
        say(dim(`  ${label} invocation ${n}: ${r.received} received, ${r.deleted} done or parked, ${r.failed} left for redelivery${r.timedOut ? ' (TIMED OUT)' : ''}`));
      },
    });
  };

  try {
    // 1. The sample commands, as a CRM would send them.
    const samples = loadSamples(join(root, 'events'));
    step(`Sending ${samples.length} sample commands from events/ ${dim('(stamped now; one malformed, DNC lists, an active and a recurring campaign)')}`);
    const now = new Date().toISOString();
    for (const s of samples) await stack.sqs.send(new SendMessageCommand({ QueueUrl: stack.queueUrl, MessageBody: restamp(s.body, now) }));
    // One fault on the way: Kore's first answer is a 429 with Retry-After, then a dropped connection.
    stack.kore.setFaults({ failNext: 1, failStatus: 429 });

    step('Running the consumer as Lambda\'s SQS event source mapping would (batches, partial failures, redrive)');
    await drain('consumer');
    stack.kore.setFaults({ failNext: 0 });

    // 2. The nightly sweep: a dry run first, then live.
    step('Nightly sweep, dry run (the default)');
    const schedule = JSON.parse(readFileSync(join(root, 'events/schedule.json'), 'utf8'));
    const dry = await sweep(schedule, lambdaContext(300_000, 'nightly-sweep'));
    say(
      table(
        dry.candidateLists.map((c) => ({ list: c.contactListId, name: c.name, 'idle days': Math.floor((Date.now() - Date.parse(c.updatedAt)) / 86_400_000) })),
      ),
    );
    say(dim(`  ${dry.seen} lists seen, ${dry.candidates} candidates, ${dry.queued} queued; excluded ${JSON.stringify(dry.excluded)}`));

    step('Nightly sweep, live ({"dryRun": false})');
    const live = await sweep({ dryRun: false }, lambdaContext(300_000, 'nightly-sweep'));
    say(dim(`  run ${live.runId}: ${live.queued} list.expired commands queued`));
    step('Consumer deletes what the sweep queued, re-checking each list first');
    await drain('consumer');
  } finally {
    tap.stop();
  }
  writeFileSync(logFile, tap.text);

  // 3. Summary.
  const outcomes = tap.outcomes();
  const final = new Map<string, Record<string, unknown>>();
  for (const o of outcomes) final.set(String(o.messageId), o);
  const byOutcome = new Map<string, number>();
  for (const o of final.values()) byOutcome.set(String(o.outcome), (byOutcome.get(String(o.outcome)) ?? 0) + 1);
  const deleted = tap
    .json()
    .filter((l) => l.audit === true)
    .map((l) => ({ action: String(l.action), ...(l.deleted as { _id: string; name: string }) }));
  const skippedRows = [...final.values()]
    .filter((o) => o.outcome === 'skipped')
    .map((o) => ({ list: String(o.contactListId ?? ''), name: String(o.listName ?? ''), reason: String(o.reason) }));
  // Visibility 0: a look, not a claim, so `npm run cli -- dlq list` still sees them.
  const dlq = (await receiveAll(stack.sqs, stack.dlqUrl, 0)).map((m) => ({
    error: m.MessageAttributes?.ErrorCode?.StringValue ?? '(redriven after maxReceiveCount)',
    message: (m.MessageAttributes?.ErrorMessage?.StringValue ?? '').slice(0, 60),
    body: (m.Body ?? '').slice(0, 40),
  }));
  const calls = stack.kore.apiCalls();
  const minutes = (Date.now() - started) / 60_000;
  const leaked = tap.text.includes(LOCAL_CLIENT_SECRET) || JWT_PATTERN.test(tap.text);

  say('');
  say(bold('Summary'));
  say(bold('Commands by outcome') + dim(` (${final.size} messages)`));
  say(table([...byOutcome.entries()].sort().map(([outcome, n]) => ({ outcome, messages: n }))));
  say(bold('Deleted') + dim(' (audit records)'));
  say(table(deleted.map((d) => ({ action: d.action, id: d._id, name: d.name }))));
  say(bold('Skipped'));
  say(table(skippedRows));
  say(bold('Dead-letter queue'));
  say(table(dlq));
  say(bold('Kore calls'));
  say(
    table([
      {
        calls: calls.length,
        '429s': calls.filter((c) => c.status === 429).length,
        '5xx/dropped': calls.filter((c) => c.status >= 500 || c.result === 'dropped').length,
        'budget/min': `${CONSUMER_PER_MINUTE} of ${ACCOUNT_PER_MINUTE}`,
        'used/min (real-time equivalent)': (calls.length / (minutes * speed)).toFixed(1),
      },
    ]),
  );
  say(dim(`Secrets Manager reads: ${stack.secrets.calls.GetSecretValue ?? 0}. Logs (JSON lines): ${logFile}`));
  if (leaked) {
    say(color(31, 'A secret or JWT reached the logs: this is a bug.'));
    process.exitCode = 1;
  }

  if (args['keep-running']) {
    say('');
    say(bold('The stack keeps running. Endpoints:'));
    say(`  export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local`);
    say(`  export AWS_ENDPOINT_URL_SQS=${stack.env.AWS_ENDPOINT_URL_SQS} AWS_ENDPOINT_URL_SECRETS_MANAGER=${stack.secrets.url}`);
    say(`  export LIFECYCLE_QUEUE_URL=${stack.queueUrl} DEAD_LETTER_QUEUE_URL=${stack.dlqUrl} KORE_SECRET_ID=${LOCAL_SECRET_NAME}`);
    say(`  Kore emulator: ${stack.kore.url} (admin: ${stack.kore.url}/__admin/state)`);
    say(dim(`  Try: aws sqs get-queue-attributes --queue-url ${stack.dlqUrl} --attribute-names All`));
    say(dim('       npm run cli -- send list.expired --contactListId cl-promo-spring-0006'));
    say(dim('       npm run cli -- dlq list'));
    say(dim('Ctrl-C stops it.'));
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  }
  await stack.stop();
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    process.stderr.write(`npm start failed: ${(err as Error)?.stack ?? err}\n`);
    process.exit(1);
  },
);
