import * as z from 'zod/mini';
import { ARCHIVE_PREFIX, looksArchived, looksLikeRecord, readArchive } from '../../guard/archive-mark.js';
import type { CommandContext } from '../context.js';
import { audited, callOptions, eventTimeMs, guardedList, staleness } from '../context.js';
import { alreadyDone, done, refused, skipped, wouldDo } from '../outcome.js';
import type { Outcome } from '../outcome.js';
import { commonFields, contactListId, defineCommand, listDescription, listName, occurredAt } from './define.js';

/** Our archive mark is written only by list.expired: a producer may not rename a list to look archived. */
export const updateName = listName.check(
  z.refine((s) => !looksArchived(s), `name must not start with "${ARCHIVE_PREFIX.trim()}": only an archive writes that`),
);
export const updateDescription = listDescription.check(z.refine((s) => !looksLikeRecord(s), 'description must not look like an archive record ({"kcl": …})'));

export const listUpdateSchema = z
  .strictObject({
    type: z.literal('list.update'),
    contactListId,
    name: z.optional(updateName),
    description: z.optional(updateDescription),
    occurredAt,
    ...commonFields,
  })
  .check(z.refine((c) => c.name !== undefined || c.description !== undefined, 'list.update needs a name or a description'));
export type ListUpdate = z.output<typeof listUpdateSchema>;

/**
 * A rename passes the same guard as a deletion, on the list's own GET read right before the PUT
 * and DNC references within the rename bound: DNC and default lists are never renamed, and
 * neither is a list a campaign uses (campaigns name their lists by name, docs/kore-api.md), nor
 * one changed since the event, nor one we archived (restore it first: an update would erase our
 * record). An unchanged list costs no PUT.
 */
async function run(cmd: ListUpdate, ctx: CommandContext): Promise<Outcome> {
  const ids = { contactListId: cmd.contactListId };
  const stale = staleness(ctx, cmd.occurredAt);
  if (stale) return stale;
  const guarded = await guardedList(
    ctx,
    cmd.contactListId,
    cmd.streamId,
    { occurredAtMs: eventTimeMs(ctx, cmd.occurredAt) },
    { purpose: 'rename', listing: false },
  );
  if (!guarded) return skipped('not-found', ids);
  const { raw, verdict } = guarded;
  if (!verdict.allow) return refused(verdict, { ...ids, ...(typeof raw.name === 'string' ? { listName: raw.name } : {}) });
  const list = verdict.value;
  if (readArchive(list, await ctx.markKey())?.ours) {
    return skipped('archived', {
      ...ids,
      listName: list.name,
      why: 'archived by us: restore it first (list.restore), an update would erase the record of what it was',
    });
  }
  const patch: { name?: string; description?: string } = {};
  if (cmd.name !== undefined && cmd.name !== list.name) patch.name = cmd.name;
  if (cmd.description !== undefined && cmd.description !== list.description) patch.description = cmd.description;
  const changed = Object.keys(patch);
  if (changed.length === 0) return alreadyDone('unchanged', { ...ids, listName: list.name });
  if (ctx.dryRun) return wouldDo('would-update', { ...ids, listName: list.name, changed });
  await audited(
    ctx,
    { action: 'updateContactList', ids, before: raw, ...(cmd.streamId ? { streamId: cmd.streamId } : {}), dnc: 'rename' },
    () => ctx.kore.updateContactList(cmd.contactListId, patch, callOptions(ctx, cmd.streamId)),
    (echoed) => ({
      result: 'updated',
      ...(echoed ? { object: echoed } : {}),
      extra: { changed },
    }),
  );
  return done({ ...ids, listName: patch.name ?? list.name, changed });
}

export const listUpdate = defineCommand<ListUpdate>({
  type: 'list.update',
  schema: listUpdateSchema,
  // GET + PUT.
  calls: 2,
  campaigns: () => 'rename',
  run,
});
