import { runSweep } from '../../lib/sweep/run.js';
import { parseFlags } from '../args.js';
import { UsageError } from '../errors.js';
import { formatTable } from '../table.js';
import type { CliContext } from './context.js';
import { commandHint } from './help.js';
import { send } from './send.js';
import { sweepSetup } from './sweep.js';

/** `restore cl-…`: queues a `list.restore` (docs/safety-model.md, "Recovery window"); the consumer puts the original name and description back. */
export async function restore(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [id, ...rest] = argv;
  if (id === '--help' || id === '-h') return ctx.help('restore');
  // No id is a mistake, not a request for help: exit 2, as for any incomplete command line.
  if (id === undefined || id.startsWith('--')) throw new UsageError(`restore needs a list id first: npm run cli -- restore <cl-…>. ${commandHint('restore')}`);
  return send(['list.restore', '--contactListId', id, ...rest], ctx);
}

/**
 * `archived`: what the recovery window holds, from one dry run of the sweep's code: the lists we
 * archived, when each may be deleted, and those whose grace period is over (the next live sweep
 * queues them for deletion). Nothing is queued.
 */
export async function archived(argv: readonly string[], ctx: CliContext): Promise<number> {
  const { values } = parseFlags(
    argv,
    { help: { type: 'boolean', short: 'h', default: false }, json: { type: 'boolean', default: false } },
    { helpHint: commandHint('archived') },
  );
  if (values.help) return ctx.help('archived');
  const { deps, settings } = await sweepSetup(ctx, () => ({ dryRun: true }));
  try {
    const report = await runSweep(deps, settings);
    const due = report.candidateLists.filter((c) => c.kind === 'grace');
    if (values.json) {
      ctx.out(
        JSON.stringify(
          {
            waiting: report.archived.map((a) => ({
              contactListId: a.contactListId,
              name: a.name,
              archivedAt: a.archivedAt,
              deleteAfter: a.deleteAfter ?? null,
            })),
            pastGracePeriod: due.map((c) => ({ contactListId: c.contactListId, name: c.name, updatedAt: c.updatedAt })),
          },
          null,
          2,
        ),
      );
      return 0;
    }
    ctx.out(
      formatTable([
        ...report.archived.map((a) => ({
          contactListId: a.contactListId,
          name: a.name,
          archived: a.archivedAt.slice(0, 10),
          'deleted after': a.deleteAfter?.slice(0, 10) ?? 'never (archive mode)',
        })),
        ...due.map((c) => ({
          contactListId: c.contactListId,
          name: c.name,
          archived: c.updatedAt.slice(0, 10),
          'deleted after': 'now: the next live sweep deletes it',
        })),
      ]),
    );
    ctx.out();
    ctx.out(`${report.archived.length} archived list(s) waiting, ${due.length} past the grace period. Undo one with: npm run cli -- restore <contactListId>`);
    return 0;
  } finally {
    deps.sqs.destroy();
    deps.secretsClient.destroy();
  }
}
