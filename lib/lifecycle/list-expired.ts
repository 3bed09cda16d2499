import { isListInUse, isProtectedList } from '../kore/client.js';
import { KoreInUseError } from '../kore/errors.js';
import { archivedDescription, archivedName, isArchivedName } from './archive.js';
import type { CommandContext } from './context.js';
import { callOptions, findList } from './context.js';
import type { Outcome } from './outcome.js';
import { alreadyDone, done, skipped } from './outcome.js';
import type { ListExpired } from './schema.js';

/**
 * GET the list, then guard: protected (DNC/default) and in-use lists are skipped, and so is a
 * list changed since the sweep saw it. Only then DELETE (or PUT an archive name). Kore refuses
 * in-use deletes too; that refusal is also a skip, never a retry loop.
 */
export async function listExpired(cmd: ListExpired, ctx: CommandContext): Promise<Outcome> {
  const opts = callOptions(ctx, cmd.streamId);
  const ids = { contactListId: cmd.contactListId };
  const list = await findList(ctx, cmd.contactListId, cmd.streamId);
  if (!list) return alreadyDone('not-found', ids);
  const detail = { ...ids, listName: list.name };
  if (isProtectedList(list)) return skipped('protected', { ...detail, isGlobalDNC: !!list.isGlobalDNC, isDefault: !!list.isDefault });
  if (isListInUse(list)) {
    return skipped('in-use', { ...detail, campaignInUse: list.campaignInUse.map((c) => c.id) });
  }
  if (cmd.listUpdatedAt && list.updatedAt && Date.parse(list.updatedAt) !== Date.parse(cmd.listUpdatedAt)) {
    return skipped('changed-since-sweep', { ...detail, listUpdatedAt: list.updatedAt, sweepSaw: cmd.listUpdatedAt });
  }

  if (cmd.action === 'archive') {
    if (isArchivedName(list.name)) return alreadyDone('already-archived', detail);
    const patch = {
      name: archivedName(list.name),
      description: archivedDescription(list.description, new Date(ctx.now()).toISOString(), cmd.reason),
    };
    await ctx.kore.updateContactList(cmd.contactListId, patch, opts);
    return done({ ...detail, action: 'archive', newName: patch.name });
  }

  try {
    const res = await ctx.kore.deleteContactList(cmd.contactListId, opts);
    if (!res.deleted) return alreadyDone('not-found', detail);
    ctx.audit('deleteContactList', res.data);
    return done({ ...detail, action: 'delete' });
  } catch (err) {
    // A campaign picked the list up between our GET and DELETE: Kore refused, nothing changed.
    if (err instanceof KoreInUseError) return skipped('in-use', { ...detail, koreMessage: err.koreMessage });
    throw err;
  }
}
