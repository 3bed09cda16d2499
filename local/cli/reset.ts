import { parseFlags } from '../args.js';
import { LocalError, UsageError } from '../errors.js';
import { purgeQueues, queueDepth } from '../queues.js';
import type { CliContext } from './context.js';
import { commandHint } from './help.js';

/**
 * Local stack only: the demo account again (the Kore emulator's POST /__admin/reset) and both
 * queues purged, so the samples and the README's commands work again without a restart.
 */
export async function reset(argv: readonly string[], ctx: CliContext): Promise<number> {
  const { values } = parseFlags(argv, { help: { type: 'boolean', short: 'h', default: false } }, { helpHint: commandHint('reset') });
  if (values.help) return ctx.help('reset');
  const t = await ctx.target();
  if (!t.local || !t.koreUrl) {
    throw new UsageError(
      'reset works on the local stack only (it would purge the queues): unset LIFECYCLE_QUEUE_URL, or for a local endpoint also set KORE_EMULATOR_URL.',
    );
  }
  const queues = [t.queueUrl, ...(t.dlqUrl ? [t.dlqUrl] : [])];
  // Count first, so the reply says what was thrown away; this also fails fast if the stack is down.
  const depths = await Promise.all(queues.map((q) => queueDepth(t.sqs, q)));
  let res: Response;
  try {
    res = await fetch(`${t.koreUrl}/__admin/reset`, { method: 'POST', signal: AbortSignal.timeout(5_000) });
  } catch (err) {
    throw new LocalError(
      `the Kore emulator at ${t.koreUrl} did not answer (${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name}): is \`npm start -- --keep-running\` still running?`,
    );
  }
  if (!res.ok) throw new LocalError(`the Kore emulator at ${t.koreUrl} refused the reset: HTTP ${res.status}`);
  const state = (await res.json()) as { lists?: unknown[]; campaigns?: unknown[] };
  await purgeQueues(t.sqs, queues);
  ctx.out(
    `Kore emulator ${t.koreUrl}: back to the starting account (${state.lists?.length ?? '?'} lists, ${state.campaigns?.length ?? '?'} campaigns), faults, clock and call log.`,
  );
  ctx.out(`Queues purged: lifecycle queue ${depths[0]} message(s)${t.dlqUrl ? `, DLQ ${depths[1]}` : ''}.`);
  return 0;
}
