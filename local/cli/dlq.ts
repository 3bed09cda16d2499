import { StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import { parseFlags } from '../args.js';
import { LocalError, UsageError } from '../errors.js';
import { moveMessages, queueArn, receiveAll } from '../queues.js';
import { formatTable } from '../table.js';
import type { CliContext } from './context.js';
import { commandHint } from './help.js';

/** Where SQS (or an emulator) has no StartMessageMoveTask, it answers with one of these. */
const NO_MOVE_TASK = /UnsupportedOperation|InvalidAction|UnknownOperation|NotImplemented|InvalidParameterValue|not supported|Unknown action/i;

export async function dlq(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || rest.includes('--help')) return ctx.help('dlq');
  if (sub !== 'list' && sub !== 'redrive') throw new UsageError(`unknown dlq command ${JSON.stringify(sub)}: expected list or redrive. ${commandHint('dlq')}`);
  const { values } = parseFlags(rest, sub === 'redrive' ? { 'allow-stale': { type: 'boolean', default: false } } : {}, { helpHint: commandHint('dlq') });
  const t = await ctx.target(['dlq']);
  if (!t.dlqUrl) throw new LocalError('DEAD_LETTER_QUEUE_URL is not set: export it beside LIFECYCLE_QUEUE_URL.');

  if (sub === 'list') {
    // Visibility 0: a look, not a claim; the messages stay there for the next reader.
    const msgs = await receiveAll(t.sqs, t.dlqUrl, 0);
    ctx.out(
      formatTable(
        msgs.map((m) => ({
          messageId: m.MessageId!,
          error: m.MessageAttributes?.ErrorCode?.StringValue ?? '(maxReceiveCount)',
          message: (m.MessageAttributes?.ErrorMessage?.StringValue ?? '').slice(0, 70),
          receives: m.MessageAttributes?.ReceiveCount?.StringValue ?? m.Attributes?.ApproximateReceiveCount ?? '',
          body: (m.Body ?? '').slice(0, 60),
        })),
      ),
    );
    return 0;
  }

  const allowStale = (values as { 'allow-stale'?: boolean })['allow-stale'] === true;
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
