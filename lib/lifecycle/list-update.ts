import { isProtectedList } from '../kore/client.js';
import type { CommandContext } from './context.js';
import { callOptions, findList } from './context.js';
import type { Outcome } from './outcome.js';
import { alreadyDone, done, skipped } from './outcome.js';
import type { ListUpdate } from './schema.js';

/** PUT a new name/description; DNC and default lists are never renamed, and an unchanged list costs no PUT. */
export async function listUpdate(cmd: ListUpdate, ctx: CommandContext): Promise<Outcome> {
  const opts = callOptions(ctx, cmd.streamId);
  const ids = { contactListId: cmd.contactListId };
  const list = await findList(ctx, cmd.contactListId, cmd.streamId);
  if (!list) return skipped('not-found', ids);
  if (isProtectedList(list)) return skipped('protected', { ...ids, listName: list.name });
  const patch: { name?: string; description?: string } = {};
  if (cmd.name !== undefined && cmd.name !== list.name) patch.name = cmd.name;
  if (cmd.description !== undefined && cmd.description !== list.description) patch.description = cmd.description;
  if (Object.keys(patch).length === 0) return alreadyDone('unchanged', { ...ids, listName: list.name });
  await ctx.kore.updateContactList(cmd.contactListId, patch, opts);
  return done({ ...ids, listName: patch.name ?? list.name, changed: Object.keys(patch) });
}
