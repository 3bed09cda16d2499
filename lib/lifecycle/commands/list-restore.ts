import * as z from 'zod/mini';
import { readArchive } from '../../guard/archive-mark.js';
import { verifyList } from '../../guard/list.js';
import { refuse } from '../../guard/rules.js';
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

/**
 * Puts back the name and description an archive recorded (README, "Recovery window"). Only a
 * list archived by us is restored (our name and our description record); DNC and default lists
 * are never touched. A restored list carries no archive mark, so no sweep deletes it unless it
 * is archived again.
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
  const record = readArchive(list);
  if (!record) return skipped('not-archived', { ...ids, listName: list.name, why: 'the list does not carry our archive record' });
  const patch = { name: record.name, description: record.desc };
  const detail = { ...ids, listName: list.name, restoredName: record.name, archivedAt: record.at, ...(record.cut ? { descriptionCut: true } : {}) };
  if (ctx.dryRun) return wouldDo('would-restore', detail);
  await audited(
    ctx,
    'restoreContactList',
    ids,
    raw,
    () => ctx.kore.updateContactList(cmd.contactListId, patch, callOptions(ctx, cmd.streamId)),
    (echoed) => ({
      result: 'restored',
      ...(echoed ? { object: echoed } : {}),
      extra: { restoredName: record.name },
    }),
  );
  return done({ ...detail, metric: 'restored' });
}

export const listRestore = defineCommand<ListRestore>({
  type: 'list.restore',
  schema: listRestoreSchema,
  // GET + PUT.
  calls: 2,
  readsCampaigns: false,
  run,
});
