import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { errorMessage } from '../../lib/errors.js';
import { COMMAND_TYPES, parseCommand } from '../../lib/lifecycle/commands/index.js';
import { unwrap } from '../../lib/lifecycle/envelope.js';
import { nearest } from '../args.js';
import { UsageError } from '../errors.js';
import { LOCAL_ACCOUNT, LOCAL_QUEUE, LOCAL_REGION } from '../ports.js';
import { restamp } from '../samples.js';
import type { CliContext } from './context.js';
import { commandHint } from './help.js';

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

export async function send(argv: readonly string[], ctx: CliContext): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) return ctx.help('send');
  const body = commandFrom(argv, 'send', 'Not sent');
  const t = await ctx.target();
  const res = await t.sqs.send(new SendMessageCommand({ QueueUrl: t.queueUrl, MessageBody: body }));
  ctx.out(`Queued ${argv[0]} as message ${res.MessageId} on ${t.queueUrl}.`);
  if (t.local) ctx.out('Its outcome appears in the terminal of `npm start -- --keep-running`.');
  return 0;
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
