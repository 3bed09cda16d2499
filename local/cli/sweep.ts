import { Logger } from '@aws-lambda-powertools/logger';
import { loadSweepConfig } from '../../lib/config.js';
import type { DeletionMode } from '../../lib/config.js';
import { createSweepDeps } from '../../lib/deps.js';
import { resolveSettings } from '../../lib/sweep/event.js';
import type { SweepOverrides, SweepSettings } from '../../lib/sweep/event.js';
import { runSweep } from '../../lib/sweep/run.js';
import { intFlag, parseFlags } from '../args.js';
import { UsageError } from '../errors.js';
import { describeExcluded } from '../scenario.js';
import { formatTable } from '../table.js';
import type { CliContext } from './context.js';
import { commandHint } from './help.js';

const DAY_MS = 86_400_000;

/**
 * The sweep's wiring and settings as the Lambda reads them (SWEEP_* and DELETION_MODE from the
 * environment, what the target implies filling the rest), with `overrides` on top and the
 * Lambda's limits: a live run wider than the floor or ceiling is refused.
 */
export async function sweepSetup(ctx: CliContext, overrides: (defaults: SweepSettings) => SweepOverrides, deployment: Record<string, string> = {}) {
  const t = await ctx.target(['secret']);
  const config = loadSweepConfig({ ...t.env, ...process.env, KORE_SECRET_ID: t.secretId!, LIFECYCLE_QUEUE_URL: t.queueUrl, ...deployment });
  const deps = createSweepDeps(config, { aws: t.aws, logger: new Logger({ logLevel: 'SILENT' }) });
  return { deps, settings: resolveSettings(deps.defaults, overrides(deps.defaults), deps.limits) };
}

/**
 * What the consumer does with the queued candidates: an idle list is archived, or deleted when
 * DELETION_MODE is `delete`; a list we archived whose grace period is over is deleted (its
 * command says so). Each after the consumer re-checks the list.
 */
export function whatTheConsumerDoes(candidates: ReadonlyArray<{ kind?: string }>, mode: DeletionMode | undefined): string {
  const grace = candidates.filter((c) => c.kind === 'grace').length;
  const idle = candidates.length - grace;
  const parts = [
    idle ? `${mode === 'delete' ? 'deletes' : 'archives'} ${idle}` : '',
    grace ? `deletes ${grace} archived by us whose grace period is over` : '',
  ].filter(Boolean);
  return parts.length ? `the consumer re-checks each list, then ${parts.join(' and ')}` : 'nothing for the consumer to do';
}

/**
 * The nightly sweep's code, run once from a terminal with the sweep's own wiring (lib/deps.ts)
 * and settings (SWEEP_* from the environment, the flags on top). Dry by default; --live queues
 * the candidates, on the local stack only: in AWS the live sweep is the scheduled Lambda.
 */
export async function sweep(argv: readonly string[], ctx: CliContext): Promise<number> {
  const { values } = parseFlags(
    argv,
    {
      live: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      'max-lists': { type: 'string' },
      'min-idle-days': { type: 'string' },
      'name-pattern': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    { helpHint: commandHint('sweep') },
  );
  if (values.help) return ctx.help('sweep');
  if (values.live && values['dry-run']) throw new UsageError(`--live and --dry-run contradict each other. ${commandHint('sweep')}`);
  // The command line first: a bad flag is refused before anything is read.
  const namePattern = values['name-pattern'];
  if (namePattern !== undefined) {
    try {
      new RegExp(namePattern);
    } catch {
      throw new UsageError(`--name-pattern ${JSON.stringify(namePattern)} is not a valid regular expression`);
    }
  }
  intFlag('max-lists', values['max-lists'], 0, 0, 100_000);
  intFlag('min-idle-days', values['min-idle-days'], 0, 0, 3650);
  const t = await ctx.target(['secret']);
  if (values.live && !t.local) {
    throw new UsageError(
      'sweep --live works on the local stack only; in AWS the live sweep is the scheduled Lambda (deploy with --param="sweepDryRun=false").',
    );
  }
  const maxLists = values['max-lists'];
  const minIdleDays = values['min-idle-days'];
  // --live (local only) deploys: the flags are the deployment's settings, as sweepDryRun=false and
  // the sweep* params are in AWS, and the floor and ceiling hold them as they hold the Lambda. A
  // dry run takes them as an event's overrides (a dry run may look further: it queues nothing).
  const { deps, settings } = values.live
    ? await sweepSetup(ctx, () => ({}), {
        SWEEP_DRY_RUN: 'false',
        ...(maxLists !== undefined ? { SWEEP_MAX_LISTS: String(intFlag('max-lists', maxLists, 0, 0, 100_000)) } : {}),
        ...(minIdleDays !== undefined ? { SWEEP_MIN_IDLE_DAYS: String(intFlag('min-idle-days', minIdleDays, 0, 0, 3650)) } : {}),
        ...(namePattern !== undefined ? { SWEEP_NAME_PATTERN: namePattern } : {}),
      })
    : await sweepSetup(ctx, (d) => ({
        dryRun: true,
        maxLists: intFlag('max-lists', maxLists, d.maxLists, 0, 100_000),
        minIdleDays: intFlag('min-idle-days', minIdleDays, d.minIdleDays, 0, 3650),
        ...(namePattern !== undefined ? { namePattern } : {}),
      }));
  try {
    const report = await runSweep(deps, settings);
    ctx.out(
      formatTable(
        report.candidateLists.map((c) => ({
          contactListId: c.contactListId,
          name: c.name,
          updatedAt: c.updatedAt,
          idleDays: Math.floor((Date.now() - Date.parse(c.updatedAt)) / DAY_MS),
          next: c.kind === 'grace' ? 'delete (grace period over)' : `${deps.defaults.deletion?.mode === 'delete' ? 'delete' : 'archive'}`,
          // The listing lacked these flags: the consumer's GET must prove them before any DELETE.
          ...(report.toVerify > 0 ? { 'to verify': (c.unverified ?? []).join(', ') } : {}),
        })),
      ),
    );
    ctx.out();
    ctx.out(
      report.dryRun
        ? `${report.seen} lists seen, ${report.candidates} candidates (dry run: nothing queued; --live queues them).`
        : `${report.seen} lists seen, ${report.candidates} candidates, ${report.queued} list.expired queued (run ${report.runId}): ${whatTheConsumerDoes(report.candidateLists, deps.defaults.deletion?.mode)}.`,
    );
    ctx.out(`Excluded: ${describeExcluded(report.excluded)}. Kore calls: ${report.koreCalls}.`);
    return 0;
  } finally {
    deps.sqs.destroy();
    deps.secretsClient.destroy();
  }
}
