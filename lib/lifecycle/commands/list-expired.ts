import * as z from 'zod/mini';
import type { VerifiedList } from '../../guard/list.js';
import type { KoreObject } from '../../kore/types.js';
import { KoreInUseError } from '../../kore/errors.js';
import { archiveDescription, archivedName, looksArchived, readArchive } from '../../guard/archive-mark.js';
import { checkGrace, deleteAfterMs } from '../../guard/grace.js';
import type { CommandContext } from '../context.js';
import { audited, auditedDelete, callOptions, guardedList, staleness } from '../context.js';
import { StillAttachedError } from '../errors.js';
import { alreadyDone, done, refused, skipped, wouldDo } from '../outcome.js';
import type { Outcome } from '../outcome.js';
import { campaignId, commonFields, contactListId, defineCommand, isoDateTime, occurredAt, reason } from './define.js';

export const listExpiredSchema = z.strictObject({
  type: z.literal('list.expired'),
  contactListId,
  action: z.optional(z.enum(['delete', 'archive'])),
  reason: z.optional(reason),
  occurredAt,
  /** Set by the nightly sweep. */
  runId: z.optional(z.string().check(z.regex(/^[A-Za-z0-9:._-]{1,128}$/, 'runId must be a short token'))),
  /** The list's `updatedAt` when the sweep or the fan-out saw it: a list changed since then is skipped. */
  listUpdatedAt: z.optional(isoDateTime),
  /** The ended campaign, when fanned out from campaign.ended. */
  campaignId: z.optional(campaignId),
  ...commonFields,
});
export type ListExpired = z.output<typeof listExpiredSchema>;

/** The campaign.ended follow-up found its list attached to nothing but the campaign that ended. */
function stillAttachedTo(campaign: string | undefined, raw: Readonly<Record<string, unknown>>): boolean {
  if (!campaign) return false;
  const ids = Array.isArray(raw.campaignInUse) ? raw.campaignInUse.map((c) => (typeof c === 'string' ? c : (c as { id?: unknown })?.id)) : [];
  return ids.length > 0 ? ids.every((id) => id === campaign) : raw.isListInUse === true;
}

/**
 * The list's evidence (the batch's listing or its own GET) passes the guard (lib/guard/list.ts);
 * then, by DELETION_MODE and the command's action: DELETE, archive (rename and record), or in
 * `archive-then-delete` mode archive first and DELETE only what stayed archived for GRACE_DAYS.
 */
async function run(cmd: ListExpired, ctx: CommandContext): Promise<Outcome> {
  const ids = { contactListId: cmd.contactListId };
  const stale = staleness(ctx, cmd.occurredAt);
  if (stale) return stale;
  const guarded = await guardedList(ctx, cmd.contactListId, cmd.streamId, {
    occurredAtMs: Date.parse(cmd.occurredAt),
    ...(cmd.listUpdatedAt ? { listUpdatedAt: cmd.listUpdatedAt } : {}),
  });
  if (!guarded) return alreadyDone('not-found', ids);
  const { raw, verdict, evidence } = guarded;
  const listName = typeof raw.name === 'string' ? raw.name : undefined;
  const { mode, graceDays } = ctx.deletion;
  const wantsDelete = (cmd.action ?? (mode === 'delete' ? 'delete' : 'archive')) === 'delete' && mode !== 'archive';
  // A list we archived after this event was sent: changed since, but nothing is left to do.
  if (
    !verdict.allow &&
    verdict.rule === 'unchanged' &&
    !wantsDelete &&
    typeof raw.name === 'string' &&
    readArchive({ name: raw.name, description: typeof raw.description === 'string' ? raw.description : '' })
  ) {
    return alreadyDone('already-archived', { ...ids, listName, evidence });
  }
  if (!verdict.allow) {
    if (verdict.rule === 'not-in-use' && stillAttachedTo(cmd.campaignId, raw)) {
      throw new StillAttachedError(`${cmd.contactListId} is still attached to ${cmd.campaignId}, which ended`);
    }
    return refused(verdict, { ...ids, ...(listName ? { listName } : {}), evidence });
  }
  const list = verdict.value;
  const detail = { ...ids, listName: list.name, evidence };
  // The deployment's mode wins over the command's action: a command may ask for less, never more.
  if (wantsDelete && mode === 'archive-then-delete') {
    const grace = checkGrace(list, ctx.now(), graceDays);
    if (grace.archived && grace.refusal) return refused(grace.refusal, { ...detail, deleteAfter: new Date(deleteAfterMs(list, graceDays)).toISOString() });
    if (!grace.archived) return archive(cmd, ctx, raw, list, detail);
    return remove(cmd, ctx, raw, { ...detail, archivedAt: grace.record.at, metric: 'deletedAfterGrace' });
  }
  if (!wantsDelete) return archive(cmd, ctx, raw, list, detail);
  return remove(cmd, ctx, raw, detail);
}

/** Renames the list `[expired] <name>` and records what it was, so that `list.restore` puts it back exactly. */
async function archive(cmd: ListExpired, ctx: CommandContext, raw: KoreObject, list: VerifiedList, detail: Record<string, unknown>): Promise<Outcome> {
  const ids = { contactListId: cmd.contactListId };
  if (readArchive(list)) return alreadyDone('already-archived', detail);
  // Someone named it "[expired] …" by hand: not ours to archive again, restore or delete after a grace period.
  if (looksArchived(list.name)) return skipped('not-ours', { ...detail, why: 'the name starts with [expired] but the description is not our archive record' });
  const record = archiveDescription(list, new Date(ctx.now()).toISOString(), cmd.reason);
  if (!record) return skipped('unarchivable', { ...detail, why: 'the name and the archive record do not fit in 256 characters' });
  const patch = { name: archivedName(list.name), description: record.description };
  if (ctx.dryRun) return wouldDo('would-archive', { ...detail, newName: patch.name });
  await audited(
    ctx,
    'archiveContactList',
    ids,
    raw,
    () => ctx.kore.updateContactList(cmd.contactListId, patch, callOptions(ctx, cmd.streamId)),
    (echoed) => ({
      result: 'archived',
      ...(echoed ? { object: echoed } : {}),
      extra: { newName: patch.name, descriptionCut: record.cut },
    }),
  );
  // In archive-then-delete mode the sweep may delete it once GRACE_DAYS pass without a change.
  const { mode, graceDays } = ctx.deletion;
  const deleteAfter = mode === 'archive-then-delete' ? { deleteAfter: new Date(ctx.now() + graceDays * 86_400_000).toISOString() } : {};
  return done({ ...detail, action: 'archive', newName: patch.name, ...deleteAfter, ...(record.cut ? { descriptionCut: true } : {}), metric: 'archived' });
}

/** DELETE, between its audit lines. Kore refusing it as in use is a skip, never a retry loop. */
async function remove(cmd: ListExpired, ctx: CommandContext, raw: KoreObject, detail: Record<string, unknown>): Promise<Outcome> {
  const ids = { contactListId: cmd.contactListId };
  if (ctx.dryRun) return wouldDo('would-delete', { ...detail, action: 'delete' });
  try {
    const kind = await auditedDelete(ctx, 'deleteContactList', ids, raw, () => ctx.kore.deleteContactList(cmd.contactListId, callOptions(ctx, cmd.streamId)));
    if (kind === 'not-found') return alreadyDone('not-found', detail);
    return done({ ...detail, action: 'delete', confirmed: kind === 'deleted' });
  } catch (err) {
    // A campaign picked the list up between our evidence and the DELETE: Kore refused, nothing changed.
    if (err instanceof KoreInUseError) return skipped('in-use', { ...detail, rule: 'kore-refused', why: err.koreMessage ?? 'Kore refused the DELETE' });
    throw err;
  }
}

export const listExpired = defineCommand<ListExpired>({
  type: 'list.expired',
  schema: listExpiredSchema,
  // GET + DELETE (or PUT).
  calls: 2,
  readsCampaigns: true,
  run,
});
