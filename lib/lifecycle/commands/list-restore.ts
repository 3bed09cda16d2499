import * as z from 'zod/mini';
import type { ArchiveRecord } from '../../guard/archive-mark.js';
import { archiveDescription, readArchive } from '../../guard/archive-mark.js';
import { verifyList } from '../../guard/list.js';
import { refuse } from '../../guard/rules.js';
import { KoreValidationError } from '../../kore/errors.js';
import { NAME_MAX, truncateText } from '../../kore/limits.js';
import type { KoreObject } from '../../kore/types.js';
import type { CommandContext } from '../context.js';
import { audited, callOptions, findList } from '../context.js';
import { done, refused, skipped, wouldDo } from '../outcome.js';
import type { Outcome } from '../outcome.js';
import { commonFields, contactListId, defineCommand, isoDateTime } from './define.js';

export const listRestoreSchema = z.strictObject({
  type: z.literal('list.restore'),
  contactListId,
  /** Optional: a restore undoes our own write and may come from an old event. */
  occurredAt: z.optional(isoDateTime),
  ...commonFields,
});
export type ListRestore = z.output<typeof listRestoreSchema>;

/** What a restore that finds its name taken renames the list to (within Kore's 48 characters). */
export function alternativeName(name: string): string {
  const suffix = ' (restored)';
  return truncateText(name, NAME_MAX - suffix.length) + suffix;
}

/** Kore's reply to a rename onto a name another list has (its wording is not documented: docs/kore-api.md). */
export function nameTaken(err: unknown): boolean {
  return err instanceof KoreValidationError && /already exist|duplicate|is taken|not unique/i.test(err.koreMessage ?? '');
}

/**
 * Puts back the name and description an archive recorded (docs/safety-model.md, "Recovery
 * window"), on the list's own GET read right before the PUT. Only a list archived by us is
 * restored (our name and our signed record); DNC and default lists are never touched. A restored
 * list carries no archive mark, so no sweep deletes it unless it is archived again.
 *
 * The undo always holds: when another list took the original name during the grace period, the
 * list is restored under `<name> (restored)`; when that is taken too, our record is rewritten as
 * held, so no sweep deletes it, and a later restore tries again. Each says so in its outcome.
 */
async function run(cmd: ListRestore, ctx: CommandContext): Promise<Outcome> {
  const ids = { contactListId: cmd.contactListId };
  const raw = await findList(ctx, cmd.contactListId, cmd.streamId);
  if (!raw) return skipped('not-found', { ...ids, why: 'the list is gone: deleted after its grace period, or never existed' });
  const v = verifyList(raw);
  if (!v.ok) return refused(refuse('verifiable', v.why), ids);
  const list = v.list;
  if (list.isGlobalDNC || list.isDefault)
    return refused(refuse(list.isGlobalDNC ? 'not-global-dnc' : 'not-default', 'a protected list is never touched'), { ...ids, listName: list.name });
  const key = await ctx.markKey();
  const reading = readArchive(list, key);
  if (!reading) return skipped('not-archived', { ...ids, listName: list.name, why: 'the list does not carry our archive record' });
  if (!reading.ours) return skipped('not-ours', { ...ids, listName: list.name, why: reading.why });
  const record = reading.record;
  const detail = { ...ids, listName: list.name, restoredName: record.name, archivedAt: record.at, ...(record.cut ? { descriptionCut: true } : {}) };
  if (ctx.dryRun) return wouldDo('would-restore', detail);
  const put = (patch: { name?: string; description: string }, result: 'restored' | 'held', extra: Record<string, unknown>) =>
    audited(
      ctx,
      { action: 'restoreContactList', ids, before: raw, ...(cmd.streamId ? { streamId: cmd.streamId } : {}) },
      () => ctx.kore.updateContactList(cmd.contactListId, patch, callOptions(ctx, cmd.streamId)),
      (echoed) => ({ result, ...(echoed ? { object: echoed } : {}), extra }),
    );
  try {
    const echoed = await put({ name: record.name, description: record.desc }, 'restored', { restoredName: record.name });
    return done({ ...detail, ...(await idleAgain(ctx, cmd, raw, echoed)), metric: 'restored' });
  } catch (err) {
    if (!nameTaken(err)) throw err;
  }
  const alternative = alternativeName(record.name);
  try {
    const echoed = await put({ name: alternative, description: record.desc }, 'restored', { restoredName: alternative, nameTaken: record.name });
    return done({
      ...detail,
      restoredName: alternative,
      why: `the name "${record.name}" is taken by another list: restored as "${alternative}"`,
      ...(await idleAgain(ctx, cmd, raw, echoed)),
      metric: 'restored',
    });
  } catch (err) {
    if (!nameTaken(err)) throw err;
  }
  return hold(ctx, cmd, list.id, record, detail, put);
}

/**
 * Did Kore move the list's updatedAt on the restore (docs/kore-api.md: not documented)? When it did
 * not, the restored list looks as idle to the sweep as before it was archived, and the next live
 * sweep archives it again (and, GRACE_DAYS later, deletes it): the outcome says so, with the fix.
 * Read from the PUT's reply, or one GET when the reply does not echo the list.
 */
async function idleAgain(ctx: CommandContext, cmd: ListRestore, before: KoreObject, echoed: unknown): Promise<Record<string, unknown>> {
  const was = before.updatedAt;
  let now = (echoed as KoreObject | undefined)?.updatedAt;
  if (typeof now !== 'string') now = (await findList(ctx, cmd.contactListId, cmd.streamId))?.updatedAt;
  if (typeof was !== 'string' || typeof now !== 'string' || Date.parse(now) > Date.parse(was)) return {};
  return {
    idleAgain: true,
    warning:
      `Kore kept the list's updatedAt (${was.slice(0, 10)}): to the sweep it is as idle as before, so a live sweep archives it again. ` +
      'Use the list in a campaign, or keep it out of the sweep (SWEEP_NAME_PATTERN)',
  };
}

/** Both names taken: keep the list archived but held (signed), so no sweep deletes it; a later restore tries again. */
async function hold(
  ctx: CommandContext,
  cmd: ListRestore,
  id: string,
  record: ArchiveRecord,
  detail: Record<string, unknown>,
  put: (patch: { name?: string; description: string }, result: 'restored' | 'held', extra: Record<string, unknown>) => Promise<unknown>,
): Promise<Outcome> {
  const held = archiveDescription(id, { name: record.name, description: record.desc }, record.at, await ctx.markKey(), {
    ...(record.reason ? { reason: record.reason } : {}),
    ...(record.as !== undefined ? { as: record.as } : {}),
    held: true,
  });
  if (!held) throw new Error(`unreachable: the held record of ${cmd.contactListId} does not fit where the archived one did`);
  await put({ description: held.description }, 'held', { held: true });
  return done({
    ...detail,
    held: true,
    why: `the names "${record.name}" and "${alternativeName(record.name)}" are both taken: kept archived and held (never deleted); free a name and restore again`,
    metric: 'restored',
  });
}

export const listRestore = defineCommand<ListRestore>({
  type: 'list.restore',
  schema: listRestoreSchema,
  // GET + PUT (one or two more PUTs only when the original name is taken).
  calls: 2,
  run,
});
