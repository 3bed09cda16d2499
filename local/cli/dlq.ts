import { DeleteMessageBatchCommand, PurgeQueueCommand, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import type { Message } from '@aws-sdk/client-sqs';
import { parseFlags } from '../args.js';
import { LocalError, UsageError } from '../errors.js';
import { claimedCommand } from '../outcome-format.js';
import { holdAll, moveMessages, peekAll, queueArn, queueDepthDetail, READ_LIMIT, release } from '../queues.js';
import type { Depth } from '../queues.js';
import { formatTable } from '../table.js';
import type { CliContext } from './context.js';
import { commandHint } from './help.js';
import type { Target } from './target.js';

/**
 * `dlq list | delete | purge | redrive`: what an operator does when the DLQ alarm fires
 * (docs/operations.md, "Runbook: the DLQ alarm fires").
 */
export async function dlq(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || rest.includes('--help') || rest.includes('-h')) return ctx.help('dlq');
  switch (sub) {
    case 'list':
      return list(rest, ctx);
    case 'delete':
      return remove(rest, ctx);
    case 'purge':
      return purge(rest, ctx);
    case 'redrive':
      return redrive(rest, ctx);
    default:
      throw new UsageError(`unknown dlq command ${JSON.stringify(sub)}: expected list, delete, purge or redrive. ${commandHint('dlq')}`);
  }
}

const HINT = commandHint('dlq');

async function dlqTarget(ctx: CliContext): Promise<Target & { dlqUrl: string }> {
  const t = await ctx.target(['dlq']);
  return t as Target & { dlqUrl: string };
}

/** One DLQ message as `dlq list` shows it. */
export interface DlqEntry {
  /** The DLQ message's own id (`dlq delete` takes it too). */
  messageId: string;
  /**
   * The id the outcome lines printed: the SourceMessageId attribute parking sets, else the message's
   * own id (SQS keeps the id when its redrive policy moves a message after maxReceiveCount).
   */
  sourceMessageId: string;
  /** The id of the message as a producer first sent it, when the consumer had requeued it (KclOrigin). */
  firstMessageId?: string;
  /** Why it was parked; none when SQS moved it after maxReceiveCount receives. */
  errorCode?: string;
  errorMessage?: string;
  /** Receives in the lifecycle queue (parking records it; else SQS's count, which also counts reads of the DLQ). */
  receiveCount?: number;
  receiveCountApproximate?: boolean;
  /** When SQS took it (SentTimestamp), and how long ago. */
  sentAt?: string;
  ageSeconds?: number;
  rejectedAt?: string;
  eventId?: string;
  /** The command the body names, when it is a JSON object (valid or not). */
  command?: { type?: string; campaignId?: string; contactListId?: string };
  body: string;
  /** Every message attribute's name. */
  attributes: string[];
}

const ID = /^[A-Za-z0-9_.-]{1,128}$/;

function firstMessageIdOf(m: Message): string | undefined {
  const raw = m.MessageAttributes?.KclOrigin?.StringValue;
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as { messageId?: unknown };
    return typeof v?.messageId === 'string' && ID.test(v.messageId) ? v.messageId : undefined;
  } catch {
    return undefined;
  }
}

export function dlqEntry(m: Message, now = Date.now()): DlqEntry {
  const a = m.MessageAttributes ?? {};
  const s = (k: string) => a[k]?.StringValue;
  const sent = Number(m.Attributes?.SentTimestamp);
  const parkedCount = Number(s('ReceiveCount'));
  const sqsCount = Number(m.Attributes?.ApproximateReceiveCount);
  const first = firstMessageIdOf(m);
  const command = claimedCommand(m.Body);
  return {
    messageId: m.MessageId!,
    sourceMessageId: s('SourceMessageId') ?? m.MessageId!,
    ...(first && first !== (s('SourceMessageId') ?? m.MessageId) ? { firstMessageId: first } : {}),
    ...(s('ErrorCode') ? { errorCode: s('ErrorCode') } : {}),
    ...(s('ErrorMessage') ? { errorMessage: s('ErrorMessage') } : {}),
    ...(Number.isFinite(parkedCount) && s('ReceiveCount') !== undefined
      ? { receiveCount: parkedCount }
      : Number.isFinite(sqsCount) && m.Attributes?.ApproximateReceiveCount !== undefined
        ? { receiveCount: sqsCount, receiveCountApproximate: true }
        : {}),
    ...(Number.isSafeInteger(sent) && sent > 0 ? { sentAt: new Date(sent).toISOString(), ageSeconds: Math.max(0, Math.round((now - sent) / 1000)) } : {}),
    ...(s('RejectedAt') ? { rejectedAt: s('RejectedAt') } : {}),
    ...(s('EventId') ? { eventId: s('EventId') } : {}),
    ...(command ? { command } : {}),
    body: m.Body ?? '',
    attributes: Object.keys(a).sort(),
  };
}

/** 3d4h, 2h5m, 7m, 12s. */
export function formatAge(seconds: number | undefined): string {
  if (seconds === undefined) return '';
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  if (d > 0) return `${d}d${h}h`;
  if (h > 0) return `${h}h${m}m`;
  if (m > 0) return `${m}m`;
  return `${seconds}s`;
}

/** Text from a message, for a terminal: control characters shown as `?`, cut to `max`. */
const printable = (s: string, max: number) => {
  // eslint-disable-next-line no-control-regex -- exactly what must not reach a terminal
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

const describeDepth = (d: Depth) => `${d.visible + d.inFlight + d.delayed} message(s) (${d.visible} visible, ${d.inFlight} in flight, ${d.delayed} delayed)`;

async function list(argv: readonly string[], ctx: CliContext): Promise<number> {
  const { values } = parseFlags(argv, { json: { type: 'boolean', default: false } }, { helpHint: HINT });
  const t = await dlqTarget(ctx);
  const entries = (await peekAll(t.sqs, t.dlqUrl)).map((m) => dlqEntry(m));
  if (values.json) {
    ctx.out(JSON.stringify(entries, null, 2));
    return 0;
  }
  ctx.out(
    formatTable(
      entries.map((e) => ({
        sourceMessageId: e.sourceMessageId,
        error: e.errorCode ?? '(maxReceiveCount)',
        receives: e.receiveCount === undefined ? '' : `${e.receiveCountApproximate ? '~' : ''}${e.receiveCount}`,
        age: formatAge(e.ageSeconds),
        firstMessageId: e.firstMessageId ?? '',
        command: e.command
          ? printable([e.command.type ?? '(no type)', e.command.campaignId, e.command.contactListId].filter(Boolean).join(' '), 60)
          : printable(e.body, 40),
        message: printable(e.errorMessage ?? '', 70),
      })),
      { empty: '(none)' },
    ),
  );
  ctx.out();
  ctx.out(
    entries.length === 0
      ? 'The DLQ is empty.'
      : `${entries.length} message(s) in the DLQ${entries.length >= READ_LIMIT ? ` (the first ${READ_LIMIT} read)` : ''}, read and handed back. Delete one: npm run cli -- dlq delete <sourceMessageId>${t.flags}; move them all back: npm run cli -- dlq redrive${t.flags}`,
  );
  return 0;
}

async function remove(argv: readonly string[], ctx: CliContext): Promise<number> {
  const { positionals } = parseFlags(argv, {}, { helpHint: HINT, positionals: true });
  if (positionals.length !== 1) throw new UsageError(`dlq delete takes one id: npm run cli -- dlq delete <sourceMessageId or messageId>. ${HINT}`);
  const id = positionals[0]!;
  if (!ID.test(id)) throw new UsageError(`${JSON.stringify(id)} is not a message id (letters, digits, - _ .); \`dlq list\` shows them`);
  const t = await dlqTarget(ctx);
  const held = await holdAll(t.sqs, t.dlqUrl);
  const byOwnId = held.filter((m) => m.MessageId === id);
  const matches = byOwnId.length ? byOwnId : held.filter((m) => m.MessageAttributes?.SourceMessageId?.StringValue === id);
  const target = matches.length === 1 ? matches[0]! : undefined;
  const others = held.filter((m) => m !== target);
  try {
    if (matches.length === 0) {
      throw new LocalError(
        `no message in the DLQ has the id or SourceMessageId ${id} (${held.length} read): \`npm run cli -- dlq list${t.flags}\` shows them.`,
      );
    }
    if (!target) {
      throw new LocalError(
        `${matches.length} messages in the DLQ have SourceMessageId ${id} (copies of one command): delete each by its own id (${matches.map((m) => m.MessageId).join(', ')}); \`dlq list --json\` shows them.`,
      );
    }
    const r = await t.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: t.dlqUrl, Entries: [{ Id: 'd0', ReceiptHandle: target.ReceiptHandle! }] }));
    if (!r.Successful?.length)
      throw new LocalError(`SQS did not delete message ${target.MessageId}: ${r.Failed?.[0]?.Code ?? 'no reason given'}. It is still in the DLQ.`);
  } finally {
    await release(t.sqs, t.dlqUrl, others);
  }
  const e = dlqEntry(target);
  ctx.out(
    `Deleted from the DLQ: message ${e.messageId} (SourceMessageId ${e.sourceMessageId}${e.errorCode ? `, ${e.errorCode}` : ''}${e.command?.type ? `, ${[e.command.type, e.command.campaignId, e.command.contactListId].filter(Boolean).join(' ')}` : ''}).`,
  );
  ctx.out(`The DLQ now holds ${describeDepth(await queueDepthDetail(t.sqs, t.dlqUrl))}.`);
  return 0;
}

async function purge(argv: readonly string[], ctx: CliContext): Promise<number> {
  const { values } = parseFlags(argv, { yes: { type: 'boolean', default: false } }, { helpHint: HINT });
  if (!values.yes) {
    throw new UsageError(
      'dlq purge deletes every message in the DLQ for good (PurgeQueue): add --yes to do it. `dlq list` shows what it would delete; `dlq delete <id>` deletes one.',
    );
  }
  const t = await dlqTarget(ctx);
  const before = await queueDepthDetail(t.sqs, t.dlqUrl);
  await t.sqs.send(new PurgeQueueCommand({ QueueUrl: t.dlqUrl }));
  ctx.out(`Purged the DLQ ${t.dlqUrl} (PurgeQueue). It held ${describeDepth(before)}; SQS takes up to 60 seconds to finish a purge.`);
  return 0;
}

/** Where SQS (or an emulator) has no StartMessageMoveTask, it answers with one of these. */
const NO_MOVE_TASK = /UnsupportedOperation|InvalidAction|UnknownOperation|NotImplemented|InvalidParameterValue|not supported|Unknown action/i;

async function redrive(argv: readonly string[], ctx: CliContext): Promise<number> {
  const { values } = parseFlags(argv, { 'allow-stale': { type: 'boolean', default: false } }, { helpHint: HINT });
  const t = await dlqTarget(ctx);
  const allowStale = values['allow-stale'];
  if (allowStale) {
    ctx.out('--allow-stale: StartMessageMoveTask cannot add message attributes, so the messages move by receive → send → delete, each with AllowStale=true.');
  } else {
    try {
      const res = await t.sqs.send(
        new StartMessageMoveTaskCommand({ SourceArn: await queueArn(t.sqs, t.dlqUrl), DestinationArn: await queueArn(t.sqs, t.queueUrl) }),
      );
      ctx.out(`Started SQS message move task ${res.TaskHandle}: SQS moves the DLQ back to the lifecycle queue.`);
      return 0;
    } catch (err) {
      const e = err as Error;
      if (!NO_MOVE_TASK.test(`${e?.name ?? ''} ${e?.message ?? ''}`)) throw err;
      ctx.out(`StartMessageMoveTask is not available here (${e.name}); moving messages by receive → send → delete.`);
    }
  }
  const { received, moved } = await moveMessages(
    t.sqs,
    t.dlqUrl,
    t.queueUrl,
    allowStale ? { addAttributes: { AllowStale: { DataType: 'String', StringValue: 'true' } } } : {},
  );
  ctx.out(`Moved ${moved} of ${received} message(s) from the DLQ back to ${t.queueUrl}${allowStale ? ' with AllowStale=true' : ''}.`);
  return moved === received ? 0 : 1;
}
