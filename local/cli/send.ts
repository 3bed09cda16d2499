import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { errorMessage } from '../../lib/errors.js';
import { COMMAND_TYPES, parseCommand } from '../../lib/lifecycle/commands/index.js';
import { unwrap } from '../../lib/lifecycle/envelope.js';
import { intFlag, nearest } from '../args.js';
import { LocalError, UsageError } from '../errors.js';
import { LOCAL_ACCOUNT, LOCAL_QUEUE, LOCAL_REGION } from '../ports.js';
import { restamp } from '../samples.js';
import type { CliContext } from './context.js';
import { commandHint } from './help.js';
import { logOffset, waitForOutcome } from './wait.js';

/** `--field value` pairs → an object; true/false become booleans. */
export function fieldsFrom(tokens: readonly string[], cmd: string): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!t.startsWith('--') || t.length < 3) throw new UsageError(`expected --field value, got ${JSON.stringify(t)}. ${commandHint(cmd)}`);
    const value = tokens[i + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${t} needs a value. ${commandHint(cmd)}`);
    fields[t.slice(2)] = value === 'true' ? true : value === 'false' ? false : value;
    i++;
  }
  return fields;
}

/** A command from the command line, stamped now (unless --occurredAt), checked by the consumer's own schema. */
export function commandFrom(argv: readonly string[], cmd: string, refusal: string): string {
  const [type, ...rest] = argv;
  if (!type || type.startsWith('--')) throw new UsageError(`${cmd} needs a command type: ${COMMAND_TYPES.join(', ')}. ${commandHint(cmd)}`);
  if (!(COMMAND_TYPES as readonly string[]).includes(type)) {
    const guess = nearest(type, COMMAND_TYPES);
    throw new UsageError(
      `${refusal}: unknown command type ${JSON.stringify(type)}${guess ? ` (did you mean ${guess}?)` : ''}; expected one of ${COMMAND_TYPES.join(', ')}`,
    );
  }
  const body = JSON.stringify({ type, occurredAt: new Date().toISOString(), ...fieldsFrom(rest, cmd) });
  try {
    parseCommand(unwrap(body), Date.now());
  } catch (err) {
    throw new UsageError(`${refusal}: ${errorMessage(err)}`);
  }
  return body;
}

/** `send --wait`'s default and longest wait, seconds. */
export const WAIT_DEFAULT_SECONDS = 30;
const WAIT_MAX_SECONDS = 900;
/** Exit code of `send --wait` when no outcome came in time. */
export const EXIT_NO_OUTCOME = 3;

/** Takes `--wait [seconds]` (or `--wait=seconds`) off a send's command line: the rest are the command's fields. */
export function takeWait(argv: readonly string[]): { waitSeconds?: number; rest: string[] } {
  const rest: string[] = [];
  let waitSeconds: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const m = /^--wait(?:=(.*))?$/.exec(argv[i]!);
    if (!m) {
      rest.push(argv[i]!);
      continue;
    }
    const next = argv[i + 1];
    const given = m[1] ?? (next !== undefined && /^\d+$/.test(next) ? next : undefined);
    if (m[1] === undefined && given !== undefined) i++;
    waitSeconds = given === undefined ? WAIT_DEFAULT_SECONDS : intFlag('wait', given, WAIT_DEFAULT_SECONDS, 1, WAIT_MAX_SECONDS);
  }
  return { ...(waitSeconds !== undefined ? { waitSeconds } : {}), rest };
}

export async function send(argv: readonly string[], ctx: CliContext): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) return ctx.help('send');
  const { waitSeconds, rest } = takeWait(argv);
  const body = commandFrom(rest, 'send', 'Not sent');
  const t = await ctx.target();
  if (waitSeconds !== undefined && !t.local) {
    throw new UsageError(
      '--wait works on the local stack only: it reads the running consumer\'s outcome lines. Send without --wait, then find the outcome in the consumer\'s log group (CloudWatch Logs Insights: filter message = "outcome" and messageId = "<the message id printed>").',
    );
  }
  if (waitSeconds !== undefined && !t.logFile) {
    throw new UsageError(
      `--wait reads the outcome log of \`npm start -- --keep-running\`, which its endpoints file names; ${t.source} names none: run it on the kept-running stack (no --stage, LIFECYCLE_QUEUE_URL unset).`,
    );
  }
  const offset = t.logFile ? logOffset(t.logFile) : 0;
  const res = await t.sqs.send(new SendMessageCommand({ QueueUrl: t.queueUrl, MessageBody: body }));
  ctx.out(`Queued ${rest[0]} as message ${res.MessageId} on ${t.queueUrl}.`);
  if (waitSeconds === undefined) {
    if (t.local) ctx.out('Its outcome appears in the terminal of `npm start -- --keep-running` (or here, with --wait).');
    return 0;
  }
  ctx.out(`Waiting up to ${waitSeconds} s for its outcome…`);
  const r = await waitForOutcome({ file: t.logFile!, offset, messageId: res.MessageId!, body, timeoutMs: waitSeconds * 1000, print: (l) => ctx.out(l) });
  if (!r.final) {
    throw new LocalError(
      `no outcome for message ${res.MessageId} within ${waitSeconds} s${r.last ? ` (last: ${r.last.replace(/\s+/g, ' ').trim()})` : ''}: it is still in the queue or being run. Watch the terminal of \`npm start -- --keep-running\`; \`npm run cli -- brake status\` says whether the brake holds it.`,
      EXIT_NO_OUTCOME,
    );
  }
  return r.final.outcome === 'rejected' ? 1 : 0;
}

const LOCAL_QUEUE_ARN = `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${LOCAL_QUEUE}`;

/** One record in the shape Lambda gives the consumer (the events/ files' shape), sent now. */
export function sqsRecord(body: string, now = Date.now()): SQSRecord {
  const messageId = randomUUID();
  return {
    messageId,
    receiptHandle: `local-receipt-${messageId}`,
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(now), SenderId: 'AIDALOCAL', ApproximateFirstReceiveTimestamp: String(now + 1) },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: LOCAL_QUEUE_ARN,
    awsRegion: LOCAL_REGION,
  };
}

/** A sample file's SQS event with every record's event time set to now (samples.ts `restamp`). */
export function restampedEvent(file: string): SQSEvent {
  let event: SQSEvent;
  try {
    event = JSON.parse(readFileSync(file, 'utf8')) as SQSEvent;
  } catch (err) {
    throw new UsageError(`cannot read --from ${file} (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})`);
  }
  if (!Array.isArray(event?.Records))
    throw new UsageError(`--from ${file} is not an SQS event (a sweep or schedule event does not go stale: pass it as it is)`);
  const now = new Date().toISOString();
  return { Records: event.Records.map((r) => ({ ...sqsRecord(restamp(r.body, now)), messageAttributes: r.messageAttributes ?? {} })) };
}

export async function event(argv: readonly string[], ctx: CliContext): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) return ctx.help('event');
  if (argv[0] === '--from') {
    if (argv.length !== 2) throw new UsageError(`event --from takes one file and nothing else. ${commandHint('event')}`);
    ctx.out(JSON.stringify(restampedEvent(argv[1]!), null, 2));
    return 0;
  }
  const body = commandFrom(argv, 'event', 'Not printed');
  ctx.out(JSON.stringify({ Records: [sqsRecord(body)] } satisfies SQSEvent, null, 2));
  return 0;
}
