import { DeleteMessageBatchCommand, ListMessageMoveTasksCommand, PurgeQueueCommand, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import type { ListMessageMoveTasksResultEntry, Message } from '@aws-sdk/client-sqs';
import { parseFlags } from '../args.js';
import { LocalError, UsageError } from '../errors.js';
import { claimedCommand } from '../outcome-format.js';
import { holdAll, peekAll, queueArn, queueDepthDetail, READ_LIMIT, redriveByHand, release } from '../queues.js';
import type { Depth, RedriveReport } from '../queues.js';
import { formatTable } from '../table.js';
import type { CliContext } from './context.js';
import { commandHint } from './help.js';
import type { Target } from './target.js';

/**
 * `dlq list | delete | purge | redrive | tasks`: what an operator does when the DLQ alarm fires
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
    case 'tasks':
      return tasks(rest, ctx);
    default:
      throw new UsageError(`unknown dlq command ${JSON.stringify(sub)}: expected list, delete, purge, redrive or tasks. ${commandHint('dlq')}`);
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

/**
 * The errors that mean "no message move task here", so receive → send → delete is the way:
 * - InvalidAction / UnknownOperationException naming the action: the endpoint does not implement
 *   it (fauxqs answers `InvalidAction: Unknown action: StartMessageMoveTask`);
 * - UnsupportedOperation: SQS supports no move task for this queue (a FIFO queue, say);
 * - InvalidParameterValue only when it says the source is not a dead-letter queue: the same
 *   code also means a malformed ARN or a destination that refuses, which a hand move would not fix.
 * Anything else (access denied, throttling, a missing queue, the network) is an error, not a
 * reason to move by hand.
 */
export function moveTaskUnavailable(err: unknown): string | undefined {
  const e = err as { name?: string; message?: string };
  const name = e?.name ?? '';
  const message = (e?.message ?? '').split('\n')[0]!;
  if ((name === 'InvalidAction' || name === 'UnknownOperationException') && /MessageMoveTask/.test(message)) {
    return `this SQS endpoint has no message move tasks (${name}: ${message})`;
  }
  if (name === 'UnsupportedOperation') return `SQS supports no move task for this queue (${name}: ${message})`;
  if (name === 'InvalidParameterValue' && /dead[- ]?letter|redrive/i.test(message))
    return `SQS has no move task for a queue that is no dead-letter queue (${name}: ${message})`;
  return undefined;
}

const ALLOW_STALE_NOTE =
  'AllowStale=true is honoured only for a sender in OVERRIDE_SENDER_IDS (the param overrideSenderIds): these copies are sent with your credentials, so the consumer honours it only if your role is listed; otherwise it runs them without it and says overrideIgnored: "AllowStale".';

async function redrive(argv: readonly string[], ctx: CliContext): Promise<number> {
  const { values } = parseFlags(
    argv,
    { 'allow-stale': { type: 'boolean', default: false }, 'by-hand': { type: 'boolean', default: false } },
    { helpHint: HINT },
  );
  const t = await dlqTarget(ctx);
  const before = await queueDepthDetail(t.sqs, t.dlqUrl);
  if (before.visible + before.inFlight + before.delayed === 0) {
    ctx.out('The DLQ is empty: nothing to redrive.');
    return 0;
  }
  let why: string;
  if (values['allow-stale']) why = 'a move task cannot add the attribute AllowStale';
  else if (values['by-hand']) why = '--by-hand';
  else {
    const sourceArn = await queueArn(t.sqs, t.dlqUrl);
    const started = await startMoveTask(t, sourceArn, before, ctx);
    if (started.kind === 'task') return 0;
    why = started.why;
  }
  ctx.out(`Redrive by receive → send → delete (${why}).`);
  const report = await redriveByHand(t.sqs, t.dlqUrl, t.queueUrl, {
    ...(values['allow-stale'] ? { addAttributes: { AllowStale: { DataType: 'String', StringValue: 'true' } } } : {}),
  });
  const after = await queueDepthDetail(t.sqs, t.dlqUrl);
  printReport(report, after, t, values['allow-stale'], ctx);
  return report.notMoved.length === 0 &&
    report.sentNotDeleted === 0 &&
    report.moved === report.received - report.cameBack &&
    after.visible + after.inFlight + after.delayed === 0
    ? 0
    : 1;
}

function printReport(r: RedriveReport, after: Depth, t: Target, allowStale: boolean, ctx: CliContext): void {
  ctx.out(
    `Moved ${r.moved} of ${r.received} message(s) to ${t.queueUrl}, each with its message attributes${allowStale ? ' and AllowStale=true' : ''}${r.dropped.length ? ` (past SQS's 10 attributes, ${r.dropped.join(', ')} gave way)` : ''}.`,
  );
  if (r.notMoved.length) {
    ctx.out(`Not moved, left in the DLQ: ${r.notMoved.length} message(s):`);
    for (const n of r.notMoved) ctx.out(`  ${n.messageId}${n.sourceMessageId ? ` (SourceMessageId ${n.sourceMessageId})` : ''}: ${n.reason}`);
  }
  if (r.sentNotDeleted) ctx.out(`Sent but not deleted from the DLQ: ${r.sentNotDeleted} message(s): each is in both queues now (every command is idempotent).`);
  if (r.cameBack) ctx.out(`Parked again by the consumer while this ran: ${r.cameBack} message(s), left in the DLQ (\`dlq list\` says why).`);
  if (allowStale) ctx.out(ALLOW_STALE_NOTE);
  const left = after.visible + after.inFlight + after.delayed;
  ctx.out(`The DLQ now holds ${describeDepth(after)}${left > 0 ? `: \`npm run cli -- dlq list${t.flags}\` shows them` : ''}.`);
}

/** Lists the move tasks of the DLQ; undefined when this SQS has none (moveTaskUnavailable). */
async function moveTasks(t: Target, sourceArn: string): Promise<{ tasks: ListMessageMoveTasksResultEntry[] } | { unavailable: string }> {
  try {
    const r = await t.sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 10 }));
    return { tasks: r.Results ?? [] };
  } catch (err) {
    const why = moveTaskUnavailable(err);
    if (why) return { unavailable: why };
    throw err;
  }
}

async function startMoveTask(t: Target, sourceArn: string, before: Depth, ctx: CliContext): Promise<{ kind: 'task' } | { kind: 'hand'; why: string }> {
  const listed = await moveTasks(t, sourceArn);
  if ('unavailable' in listed) return { kind: 'hand', why: listed.unavailable };
  const follow = `npm run cli -- dlq tasks${t.flags}`;
  const running = listed.tasks.find((x) => x.Status === 'RUNNING');
  if (running) {
    ctx.out(
      `A message move task is already running on the DLQ (started ${isoOf(running.StartedTimestamp)}, ${running.ApproximateNumberOfMessagesMoved ?? 0} of ${running.ApproximateNumberOfMessagesToMove ?? '?'} moved): SQS allows one at a time, so none was started. Follow it: ${follow}`,
    );
    return { kind: 'task' };
  }
  let handle: string | undefined;
  try {
    const r = await t.sqs.send(new StartMessageMoveTaskCommand({ SourceArn: sourceArn, DestinationArn: await queueArn(t.sqs, t.queueUrl) }));
    handle = r.TaskHandle;
  } catch (err) {
    const why = moveTaskUnavailable(err);
    if (why) return { kind: 'hand', why };
    throw err;
  }
  ctx.out(`Started an SQS message move task (StartMessageMoveTask) from the DLQ to ${t.queueUrl}: about ${before.visible} message(s) to move.`);
  ctx.out(`Task handle: ${handle ?? '(none returned)'}`);
  ctx.out('SQS moves them in the background, with their attributes; this command has moved nothing itself. Follow it with:');
  ctx.out(`  ${follow}   (ListMessageMoveTasks: status, moved of to move, failure reason)`);
  ctx.out(`It is done when its status is COMPLETED and \`npm run cli -- dlq list${t.flags}\` shows nothing.`);
  return { kind: 'task' };
}

const isoOf = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : '?');

async function tasks(argv: readonly string[], ctx: CliContext): Promise<number> {
  const { values } = parseFlags(argv, { json: { type: 'boolean', default: false } }, { helpHint: HINT });
  const t = await dlqTarget(ctx);
  const listed = await moveTasks(t, await queueArn(t.sqs, t.dlqUrl));
  const depth = await queueDepthDetail(t.sqs, t.dlqUrl);
  if ('unavailable' in listed) {
    if (values.json) ctx.out(JSON.stringify({ tasks: [], unavailable: listed.unavailable, depth }, null, 2));
    else ctx.out(`No message move tasks: ${listed.unavailable}. \`dlq redrive\` moves by receive → send → delete here. The DLQ holds ${describeDepth(depth)}.`);
    return 0;
  }
  if (values.json) {
    ctx.out(JSON.stringify({ tasks: listed.tasks, depth }, null, 2));
    return 0;
  }
  ctx.out(
    formatTable(
      listed.tasks.map((x) => ({
        status: x.Status ?? '?',
        started: isoOf(x.StartedTimestamp),
        moved: x.ApproximateNumberOfMessagesMoved ?? 0,
        'to move': x.ApproximateNumberOfMessagesToMove ?? '',
        'failure reason': x.FailureReason ?? '',
        handle: x.Status === 'RUNNING' ? (x.TaskHandle ?? '') : '',
      })),
      { empty: '(no move task on the DLQ)' },
    ),
  );
  ctx.out();
  ctx.out(`The DLQ holds ${describeDepth(depth)}.`);
  return 0;
}
