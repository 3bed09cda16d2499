import { userInfo } from 'node:os';
import { readBrake } from '../../lib/aws/brake.js';
import { BRAKE_CHECK_MS } from '../../lib/aws/brake.js';
import { brakeStatus, setBrake } from '../../lib/brake/switch.js';
import type { BrakeReport, BrakeTargets } from '../../lib/brake/switch.js';
import { parseFlags } from '../args.js';
import { LocalError, UsageError } from '../errors.js';
import type { CliContext } from './context.js';
import { explain } from './explain.js';
import { commandHint } from './help.js';
import type { Target } from './target.js';

/**
 * `brake on [--note text] | off | status [--json]` (docs/operations.md, "The brake"), with
 * lib/brake/switch.ts: the tag on the lifecycle queue and the consumer's event source mapping,
 * on AWS (--stage, or the environment) and on the local stack (its Lambda API).
 */
export async function brake(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || rest.includes('--help') || rest.includes('-h')) return ctx.help('brake');
  if (sub !== 'on' && sub !== 'off' && sub !== 'status')
    throw new UsageError(`unknown brake command ${JSON.stringify(sub)}: expected on, off or status. ${commandHint('brake')}`);
  const { values } = parseFlags(rest, sub === 'on' ? { note: { type: 'string' } } : sub === 'status' ? { json: { type: 'boolean', default: false } } : {}, {
    helpHint: commandHint('brake'),
  });
  const note = (values as { note?: string }).note;
  if (note !== undefined && note.trim() === '') throw new UsageError('--note needs text: who pulls the brake and why, e.g. --note "jane: runaway CRM"');
  const t = await ctx.target(['mapping']);
  const targets: BrakeTargets = { lambda: t.lambda(), sqs: t.sqs, queueUrl: t.queueUrl, eventSourceMappingUuid: t.mappingUuid! };

  if (sub === 'status') {
    const r = await brakeStatus(targets);
    if ((values as { json?: boolean }).json) ctx.out(JSON.stringify({ ...r, queueUrl: t.queueUrl, eventSourceMappingUuid: t.mappingUuid }, null, 2));
    else describe(r, t, ctx);
    return 0;
  }

  if (sub === 'on') {
    // Who and why, on the queue's tag for whoever looks next (the tag is free text, ≤ 256 characters).
    const text = note ?? `${safeUser()} with npm run cli at ${new Date().toISOString()}`;
    let r: BrakeReport;
    try {
      r = await setBrake(targets, true, text);
    } catch (err) {
      // The tag goes first: say whether it is on, since it alone stops the consumer at its next record.
      const tag = await readBrake(t.sqs, t.queueUrl).catch(() => undefined);
      const cause = explain(err, t)?.message ?? `${(err as Error)?.name ?? 'Error'}: ${(err as Error)?.message ?? String(err)}`;
      throw new LocalError(
        tag?.on
          ? `the tag kcl-brake is on (each consumer stops at its next record), but disabling the event source mapping failed: ${cause}`
          : `the brake is not on: ${cause}`,
      );
    }
    ctx.out(`Brake ON: tag kcl-brake on ${t.queueUrl}: ${JSON.stringify(r.note ?? text)}.`);
    ctx.out(`Event source mapping ${t.mappingUuid}: ${r.mapping ?? 'state not reported'}: no new batch is received.`);
    ctx.out(
      `A batch already running stops at its next record (each consumer reads the tag at most every ${BRAKE_CHECK_MS / 1000} s); nothing is lost: the messages wait in the queue. Release: npm run cli -- brake off${t.flags}`,
    );
    return 0;
  }

  const r = await setBrake(targets, false);
  ctx.out(`Brake released: tag kcl-brake removed from ${t.queueUrl}; event source mapping ${t.mappingUuid}: ${r.mapping ?? 'state not reported'}.`);
  ctx.out(
    `The consumer takes the waiting messages again (each consumer sees the tag gone within ${BRAKE_CHECK_MS / 1000} s). Check: npm run cli -- brake status${t.flags}`,
  );
  return 0;
}

function describe(r: BrakeReport, t: Target, ctx: CliContext): void {
  ctx.out(`Brake: ${r.on ? 'ON' : 'off'}`);
  ctx.out(`  tag kcl-brake on ${t.queueUrl}: ${r.note !== undefined ? JSON.stringify(r.note) : '(none)'}`);
  ctx.out(`  event source mapping ${t.mappingUuid}: ${r.mapping ?? '(state not reported)'}`);
  // Half pulled (a failed `brake on`, a hand edit): say what the other half does.
  if (r.on && r.note === undefined) ctx.out('  The tag is off but the mapping is not enabled: no batch is received. `brake off` enables it.');
  if (r.note !== undefined && r.mapping === 'Enabled')
    ctx.out('  The mapping is enabled but the tag is on: batches are received and each record is put back. `brake on` or `brake off` settles it.');
}

/** The OS user, for the default note; never fails. */
function safeUser(): string {
  try {
    return userInfo().username || 'someone';
  } catch {
    return 'someone';
  }
}
