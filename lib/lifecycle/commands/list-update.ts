import * as z from 'zod/mini';
import type { CommandContext } from '../context.js';
import { audited, callOptions, guardedList, staleness } from '../context.js';
import { alreadyDone, done, refused, skipped, wouldDo } from '../outcome.js';
import type { Outcome } from '../outcome.js';
import { commonFields, contactListId, defineCommand, listDescription, listName, occurredAt } from './define.js';

export const listUpdateSchema = z
  .strictObject({
    type: z.literal('list.update'),
    contactListId,
    name: z.optional(listName),
    description: z.optional(listDescription),
    occurredAt,
    ...commonFields,
  })
  .check(z.refine((c) => c.name !== undefined || c.description !== undefined, 'list.update needs a name or a description'));
export type ListUpdate = z.output<typeof listUpdateSchema>;

/**
 * A rename passes the same guard as a deletion: DNC and default lists are never renamed, and
 * neither is a list a campaign uses (campaigns name their lists by name, docs/kore-api.md), nor
 * one changed since the event. An unchanged list costs no PUT.
 */
async function run(cmd: ListUpdate, ctx: CommandContext): Promise<Outcome> {
  const ids = { contactListId: cmd.contactListId };
  const stale = staleness(ctx, cmd.occurredAt);
  if (stale) return stale;
  const guarded = await guardedList(ctx, cmd.contactListId, cmd.streamId, { occurredAtMs: Date.parse(cmd.occurredAt) });
  if (!guarded) return skipped('not-found', ids);
  const { raw, verdict } = guarded;
  if (!verdict.allow) return refused(verdict, { ...ids, ...(typeof raw.name === 'string' ? { listName: raw.name } : {}) });
  const list = verdict.value;
  const patch: { name?: string; description?: string } = {};
  if (cmd.name !== undefined && cmd.name !== list.name) patch.name = cmd.name;
  if (cmd.description !== undefined && cmd.description !== list.description) patch.description = cmd.description;
  const changed = Object.keys(patch);
  if (changed.length === 0) return alreadyDone('unchanged', { ...ids, listName: list.name });
  if (ctx.dryRun) return wouldDo('would-update', { ...ids, listName: list.name, changed });
  await audited(
    ctx,
    'updateContactList',
    ids,
    raw,
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
  readsCampaigns: true,
  run,
});
