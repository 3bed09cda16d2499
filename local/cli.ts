/**
 * Operator CLI: `npm run cli -- <command> [options]`.
 *
 * Works against the local stack of `npm start -- --keep-running` (the default when
 * LIFECYCLE_QUEUE_URL is not set) or against AWS when the usual AWS environment is set
 * (AWS_REGION, credentials or AWS_PROFILE) plus LIFECYCLE_QUEUE_URL, DEAD_LETTER_QUEUE_URL and,
 * for `sweep`, KORE_SECRET_ID.
 */
import { parseArgs } from 'node:util';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loadSweepConfig } from '../lib/config.js';
import { createSweepDeps } from '../lib/deps.js';
import { errorMessage } from '../lib/errors.js';
import { COMMAND_TYPES, parseCommand } from '../lib/lifecycle/commands/index.js';
import { unwrap } from '../lib/lifecycle/envelope.js';
import { runSweep } from '../lib/sweep/run.js';
import { LOCAL_PORTS, LOCAL_QUEUE, LOCAL_SECRET_NAME, localQueueUrl } from './ports.js';
import { receiveAll } from './queues.js';
import { formatTable } from './table.js';

const HELP: Record<string, string> = {
  main: `Usage: npm run cli -- <command> [options]

Commands:
  send <type> [--field value]…   validate a command with the consumer's schema and queue it
  sweep --dry-run                list the nightly sweep's candidates (queues nothing)
  dlq list                       show parked messages: error attributes, receive count, body
  dlq redrive                    move every DLQ message back to the lifecycle queue

Targets the local stack (npm start -- --keep-running) unless LIFECYCLE_QUEUE_URL is set.
Run any command with --help for its options.
`,
  send: `Usage: npm run cli -- send <type> [--field value]…

Types: ${COMMAND_TYPES.join(', ')}. Fields are the message contract's (README, "Message contract"):
  --contactListId cl-…  --campaignId cd-…  --action delete|archive  --reason word
  --name text  --description text  --keepContactLists true|false  --eventId id  --streamId st-…
The command is checked by the same schema as the consumer; an invalid one is not sent.

Examples:
  npm run cli -- send list.expired --contactListId cl-promo-spring-0006 --reason crm-expiry
  npm run cli -- send campaign.ended --campaignId cd-winback-0002 --keepContactLists true
`,
  sweep: `Usage: npm run cli -- sweep --dry-run [--max-lists N] [--min-idle-days N] [--name-pattern REGEX]

Reads the Kore secret (KORE_SECRET_ID), calls getAllListDetails once and prints the candidate
table the nightly sweep would queue. Only --dry-run is offered: live runs belong to the scheduled
Lambda, whose deletions the consumer paces.
`,
  dlq: `Usage: npm run cli -- dlq list | dlq redrive

  list     prints every message in the DLQ with ErrorCode, ErrorMessage, ReceiveCount and body
  redrive  moves them back to the lifecycle queue: StartMessageMoveTask where SQS offers it,
           else receive → send → delete, in that order, so nothing is lost
`,
};

interface Target {
  sqs: SQSClient;
  sqsEndpoint?: string;
  secretsEndpoint?: string;
  queueUrl: string;
  dlqUrl: string;
  secretId: string;
  secrets: SecretsManagerClient;
  local: boolean;
}

function target(): Target {
  const local = !process.env.LIFECYCLE_QUEUE_URL;
  if (local) {
    const cfg = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
    const sqsEndpoint = process.env.AWS_ENDPOINT_URL_SQS ?? `http://127.0.0.1:${LOCAL_PORTS.sqs}`;
    const secretsEndpoint = process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? `http://127.0.0.1:${LOCAL_PORTS.secrets}`;
    return {
      local,
      sqsEndpoint,
      secretsEndpoint,
      sqs: new SQSClient({ ...cfg, endpoint: sqsEndpoint }),
      secrets: new SecretsManagerClient({ ...cfg, endpoint: secretsEndpoint }),
      queueUrl: localQueueUrl(LOCAL_QUEUE),
      dlqUrl: localQueueUrl(`${LOCAL_QUEUE}-dlq`),
      secretId: process.env.KORE_SECRET_ID ?? LOCAL_SECRET_NAME,
    };
  }
  const need = (k: string) => {
    const v = process.env[k];
    if (!v) throw new Error(`${k} is not set`);
    return v;
  };
  return {
    local,
    sqs: new SQSClient({}),
    secrets: new SecretsManagerClient({}),
    queueUrl: need('LIFECYCLE_QUEUE_URL'),
    dlqUrl: process.env.DEAD_LETTER_QUEUE_URL ?? '',
    secretId: process.env.KORE_SECRET_ID ?? '',
  };
}

const out = (s = '') => process.stdout.write(s + '\n');

const table = (rows: Array<Record<string, string | number>>) => out(formatTable(rows));

/** `--field value` pairs → an object; true/false become booleans. */
function fieldsFrom(tokens: string[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!t.startsWith('--')) throw new Error(`expected --field value, got ${JSON.stringify(t)}`);
    const value = tokens[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`${t} needs a value`);
    fields[t.slice(2)] = value === 'true' ? true : value === 'false' ? false : value;
    i++;
  }
  return fields;
}

async function send(argv: string[]): Promise<number> {
  const [type, ...rest] = argv;
  if (!type || type === '--help' || rest.includes('--help')) return help('send');
  // A CLI send is an event happening now, unless --occurredAt says otherwise.
  const command = { type, occurredAt: new Date().toISOString(), ...fieldsFrom(rest) };
  const body = JSON.stringify(command);
  try {
    parseCommand(unwrap(body), Date.now());
  } catch (err) {
    process.stderr.write(`Not sent: ${errorMessage(err)}\n`);
    return 2;
  }
  const t = target();
  const res = await t.sqs.send(new SendMessageCommand({ QueueUrl: t.queueUrl, MessageBody: body }));
  out(`Queued ${type} as message ${res.MessageId} on ${t.queueUrl}`);
  return 0;
}

async function sweep(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'dry-run': { type: 'boolean', default: false },
      'max-lists': { type: 'string', default: '200' },
      'min-idle-days': { type: 'string', default: '30' },
      'name-pattern': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return help('sweep');
  if (!values['dry-run']) {
    process.stderr.write('Only `sweep --dry-run` is available here; live sweeps run on the schedule.\n');
    return 2;
  }
  const t = target();
  if (!t.secretId) throw new Error('KORE_SECRET_ID is not set');
  // The nightly sweep's own wiring and settings, from the environment (the local stack's when none is set).
  const deps = createSweepDeps(
    loadSweepConfig({ KORE_SECRET_ID: t.secretId, LIFECYCLE_QUEUE_URL: t.queueUrl, ...(t.local ? { KORE_ALLOW_LOOPBACK_HTTP: 'true' } : {}), ...process.env }),
    t.local ? { aws: { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, endpoints: { sqs: t.sqsEndpoint, secretsManager: t.secretsEndpoint } } } : {},
  );
  const report = await runSweep(
    deps,
    {
      dryRun: true,
      maxLists: Number(values['max-lists']),
      minIdleDays: Number(values['min-idle-days']),
      ...(values['name-pattern'] ? { namePattern: new RegExp(values['name-pattern']) } : {}),
    },
  );
  table(
    report.candidateLists.map((c) => ({
      contactListId: c.contactListId,
      name: c.name,
      updatedAt: c.updatedAt,
      idleDays: Math.floor((Date.now() - Date.parse(c.updatedAt)) / 86_400_000),
    })),
  );
  out();
  out(`${report.seen} lists seen, ${report.candidates} candidates (dry run: nothing queued).`);
  out(`Excluded: ${Object.entries(report.excluded).map(([k, v]) => `${k} ${v}`).join(', ')}. Kore calls: ${report.koreCalls}.`);
  return 0;
}

async function dlq(argv: string[]): Promise<number> {
  const [sub] = argv;
  if (!sub || argv.includes('--help') || !['list', 'redrive'].includes(sub)) return help('dlq');
  const t = target();
  if (!t.dlqUrl) throw new Error('DEAD_LETTER_QUEUE_URL is not set');
  if (sub === 'list') {
    // Visibility 0: a look, not a claim; the messages stay there for the next reader.
    const msgs = await receiveAll(t.sqs, t.dlqUrl, 0);
    table(
      msgs.map((m) => ({
        messageId: m.MessageId!,
        error: m.MessageAttributes?.ErrorCode?.StringValue ?? '(maxReceiveCount)',
        message: (m.MessageAttributes?.ErrorMessage?.StringValue ?? '').slice(0, 70),
        receives: m.MessageAttributes?.ReceiveCount?.StringValue ?? m.Attributes?.ApproximateReceiveCount ?? '',
        body: (m.Body ?? '').slice(0, 60),
      })),
    );
    return 0;
  }
  const arn = async (url: string) =>
    (await t.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  try {
    const res = await t.sqs.send(new StartMessageMoveTaskCommand({ SourceArn: await arn(t.dlqUrl), DestinationArn: await arn(t.queueUrl) }));
    out(`Started SQS message move task ${res.TaskHandle}: SQS moves the DLQ back to the lifecycle queue.`);
    return 0;
  } catch (err) {
    const name = (err as Error)?.name ?? '';
    if (!/UnsupportedOperation|InvalidAction|UnknownOperation|NotImplemented|InvalidParameterValue/i.test(name + errorMessage(err))) throw err;
    out(`StartMessageMoveTask is not available here (${name}); moving messages by receive → send → delete.`);
  }
  // Receive with a long visibility, send to the lifecycle queue, then delete from the DLQ:
  // a crash in between leaves a copy in both queues (handled by idempotent commands), never none.
  const msgs = await receiveAll(t.sqs, t.dlqUrl, 120);
  let moved = 0;
  for (let i = 0; i < msgs.length; i += 10) {
    const chunk = msgs.slice(i, i + 10);
    const sent = await t.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: t.queueUrl, Entries: chunk.map((m, j) => ({ Id: `m${j}`, MessageBody: m.Body! })) }),
    );
    const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
    const toDelete = chunk.filter((_, j) => ok.has(`m${j}`));
    if (toDelete.length) {
      await t.sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: t.dlqUrl, Entries: toDelete.map((m, j) => ({ Id: `d${j}`, ReceiptHandle: m.ReceiptHandle! })) }),
      );
    }
    moved += toDelete.length;
  }
  out(`Moved ${moved} of ${msgs.length} message(s) from the DLQ back to ${t.queueUrl}.`);
  return moved === msgs.length ? 0 : 1;
}

function help(topic: keyof typeof HELP): number {
  out(HELP[topic]);
  return 0;
}

export async function cli(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'send':
      return send(rest);
    case 'sweep':
      return sweep(rest);
    case 'dlq':
      return dlq(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return help('main');
    default:
      process.stderr.write(`Unknown command ${JSON.stringify(cmd)}.\n${HELP.main}`);
      return 2;
  }
}

if (require.main === module) {
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${errorMessage(err)}\n`);
      process.exit(1);
    },
  );
}
