import { checkText } from './api-context.js';
import type { ApiContext } from './api-context.js';
import { fillMessage } from './realism.js';
import { entityNotFound, koreError, ok } from './reply.js';
import type { Reply } from './reply.js';
import type { EmuList } from './state.js';
import { effectiveUse, listDetail, listEcho, listSummary } from './views.js';

/** Contact-list endpoints (docs/kore-api.md, "Create contact list" to "Delete contact list") as functions of the account state and realism. */

export function createList(ctx: ApiContext): Reply {
  const b = ctx.body;
  const bad = checkText(ctx, b, true);
  if (bad) return bad;
  if (typeof b.source !== 'string') return koreError(400, 'source is required');
  const name = b.name as string;
  if (ctx.state.findListByName(name)) return koreError(400, `Contact list ${name} already exists`);
  const list = ctx.state.addList({
    name,
    description: b.description as string,
    source: b.source,
    allowDuplicates: b.allowDuplicates === true,
  });
  return ok(`Contact list ${name} created successfully`, listEcho(list), true);
}

/** One plain array, no paging (docs/kore-api.md, "Paging of the listings"); `?type=` filters on `listType`. */
export function getAllLists(ctx: ApiContext): Reply {
  const type = ctx.query.get('type');
  const lists = [...ctx.state.lists.values()].filter((l) => !type || l.listType === type).map((l) => listSummary(l, ctx.state, ctx.realism));
  return ok('', lists);
}

export function listById(ctx: ApiContext, id: string): Reply {
  const list = ctx.state.lists.get(id);
  if (!list) return entityNotFound(ctx.realism.notFoundStyle, `Contact list ${id} not found`);
  if (ctx.method === 'GET') return ok('', listDetail(list, ctx.state, ctx.realism));
  if (ctx.method === 'PUT') return updateList(ctx, list);
  return deleteList(ctx, list);
}

function updateList(ctx: ApiContext, list: EmuList): Reply {
  const b = ctx.body;
  const bad = checkText(ctx, b, false);
  if (bad) return bad;
  if (b.name === undefined && b.description === undefined) return koreError(400, 'name or description is required');
  if (list.isGlobalDNC || list.isDefault) return koreError(400, 'The default and global DNC lists cannot be renamed');
  if (typeof b.name === 'string') {
    const other = ctx.state.findListByName(b.name);
    if (other && other._id !== list._id) return koreError(400, `Contact list ${b.name} already exists`);
    renameInCampaigns(ctx, list, b.name);
    list.name = b.name;
    list.lname = b.name.toLowerCase();
  }
  if (typeof b.description === 'string') list.description = b.description;
  if (ctx.realism.renameBumpsUpdatedAt || typeof b.name !== 'string') ctx.state.touch(list);
  return ok(
    `Contact list ${list.name} updated successfully`,
    {
      contactListId: list._id,
      body: {
        name: list.name,
        ...(typeof b.description === 'string' ? { description: list.description } : {}),
        scope: ['campaign_management'],
        orgId: list.orgId,
        iId: list.iId,
        listType: list.listType,
        accountId: list.accountId,
        updatedBy: list.updatedBy,
      },
    },
    true,
  );
}

/** Campaigns name their lists (docs/kore-api.md, "Emulator quirks checklist"): a rename must follow, or the link would silently break. */
function renameInCampaigns(ctx: ApiContext, list: EmuList, name: string): void {
  for (const c of ctx.state.campaigns.values()) {
    c.contactLists = c.contactLists.map((n) => (n.toLowerCase() === list.lname ? name : n));
    if (c.dncLists?.id === list._id) c.dncLists = { ...c.dncLists, name };
  }
}

/**
 * Kore refuses to delete a list a campaign uses, by either flag, and a global DNC or default
 * list (docs/kore-api.md, "Deleting a list in use", "DNC lists"); how it says so is `realism.inUseRefusal`.
 */
function deleteList(ctx: ApiContext, list: EmuList): Reply {
  const use = effectiveUse(list, ctx.state, ctx.realism);
  const refusal = ctx.realism.inUseRefusal;
  const values = { name: list.name, id: list._id, count: use.campaignInUse.length };
  if (use.campaignInUse.length > 0 || use.isListInUse) return koreError(refusal.status, fillMessage(refusal.message, values));
  if (list.isGlobalDNC || list.isDefault) {
    return koreError(refusal.status, fillMessage(refusal.protectedMessage ?? refusal.message, values));
  }
  ctx.state.lists.delete(list._id);
  return ok(`Contact list ${list.name} deleted successfully`, listEcho(list), true);
}
