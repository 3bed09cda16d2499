import * as z from 'zod/mini';
import type { VerifiedList } from '../../guard/list.js';
import type { KoreObject } from '../../kore/types.js';
import { KoreInUseError } from '../../kore/errors.js';
import { archiveDescription, archivedName, archivedNameFor, readArchive } from '../../guard/archive-mark.js';
import type { DncPurpose } from '../../guard/campaign-index.js';
import { checkGrace, deleteAfterMs } from '../../guard/grace.js';
import { refuse } from '../../guard/rules.js';
import type { DeletionMode } from '../../config.js';
import type { CommandContext, GuardedList } from '../context.js';
import { audited, auditedDelete, callOptions, eventTimeMs, goneOnRedelivery, guardedList, staleness } from '../context.js';
import { StillAttachedError } from '../errors.js';
import { nameTaken } from './list-restore.js';
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

/** The reason an archive record keeps (the full reason is in the logs): the record has 256 characters for everything. */
const RECORD_REASON_MAX = 40;

/** The campaign.ended follow-up found its list attached to nothing but the campaign that ended. */
function stillAttachedTo(campaign: string | undefined, raw: Readonly<Record<string, unknown>>): boolean {
  if (!campaign) return false;
  const ids = Array.isArray(raw.campaignInUse) ? raw.campaignInUse.map((c) => (typeof c === 'string' ? c : (c as { id?: unknown })?.id)) : [];
  return ids.length > 0 ? ids.every((id) => id === campaign) : raw.isListInUse === true;
}

/** Whether the command asks to delete, as far as the deployment's mode allows: a command may ask for less, never more. */
export function wantsDelete(cmd: Pick<ListExpired, 'action'>, mode: DeletionMode): boolean {
  return (cmd.action ?? (mode === 'delete' ? 'delete' : 'archive')) === 'delete' && mode !== 'archive';
}

/** The write it asks for: a DELETE, or an archive (a rename; in archive-then-delete mode a not-yet-archived list is archived instead, at the rename's bound). */
function firstWrite(cmd: Pick<ListExpired, 'action'>, mode: DeletionMode): DncPurpose {
  return wantsDelete(cmd, mode) ? 'delete' : 'rename';
}

/**
 * The list's evidence passes the guard (lib/guard/list.ts); then, by DELETION_MODE and the
 * command's action: DELETE, archive (rename and record), or in `archive-then-delete` mode archive
 * first and DELETE only what stayed archived for GRACE_DAYS. A DELETE may rest on the batch's
 * young listing (Kore refuses to delete a list in use); an archive always on the list's own GET,
 * read right before its PUT, and on DNC references within the rename bound.
 */
async function run(cmd: ListExpired, ctx: CommandContext): Promise<Outcome> {
  const ids = { contactListId: cmd.contactListId };
  const stale = staleness(ctx, cmd.occurredAt);
  if (stale) return stale;
  const evidence = { occurredAtMs: eventTimeMs(ctx, cmd.occurredAt), ...(cmd.listUpdatedAt ? { listUpdatedAt: cmd.listUpdatedAt } : {}) };
  const { mode, graceDays } = ctx.deletion;
  const deleting = wantsDelete(cmd, mode);
  const guarded = await guardedList(ctx, cmd.contactListId, cmd.streamId, evidence, { purpose: deleting ? 'delete' : 'rename', listing: deleting });
  if (!guarded) return alreadyDone('not-found', { ...ids, ...(deleting ? goneOnRedelivery(ctx, 'deleteContactList', ids) : {}) });
  const key = await ctx.markKey();
  const { raw, verdict, evidence: source } = guarded;
  const listName = typeof raw.name === 'string' ? raw.name : undefined;
  const description = typeof raw.description === 'string' ? raw.description : undefined;
  // A list we archived after this event was sent: changed since, but nothing is left to do.
  if (!verdict.allow && verdict.rule === 'unchanged' && !deleting && listName !== undefined) {
    if (readArchive({ id: cmd.contactListId, name: listName, ...(description !== undefined ? { description } : {}) }, key)?.ours) {
      return alreadyDone('already-archived', { ...ids, listName, evidence: source });
    }
  }
  if (!verdict.allow) {
    if (verdict.rule === 'not-in-use' && stillAttachedTo(cmd.campaignId, raw)) {
      throw new StillAttachedError(`${cmd.contactListId} is still attached to ${cmd.campaignId}, which ended`);
    }
    return refused(verdict, { ...ids, ...(listName ? { listName } : {}), evidence: source });
  }
  const list = verdict.value;
  const detail = { ...ids, listName: list.name, evidence: source };
  if (deleting && mode === 'archive-then-delete') {
    const grace = checkGrace(list, key, ctx.now(), graceDays);
    if (grace.archived === 'not-ours') return skipped('not-ours', { ...detail, why: grace.why });
    if (grace.archived && grace.refusal) {
      return refused(grace.refusal, {
        ...detail,
        ...(grace.record.held ? { held: true } : { deleteAfter: new Date(deleteAfterMs(list, grace.record, graceDays)).toISOString() }),
      });
    }
    if (!grace.archived) return archive(cmd, ctx, guarded, evidence);
    return remove(cmd, ctx, raw, { ...detail, archivedAt: grace.record.at, metric: 'deletedAfterGrace' });
  }
  if (!deleting) return archive(cmd, ctx, guarded, evidence);
  return remove(cmd, ctx, raw, detail);
}

/**
 * Renames the list `[expired] <name>` and records what it was (signed), so that `list.restore`
 * puts it back exactly. Kore refuses no rename, so the evidence must be the list's own GET, the
 * last call before the PUT, with DNC references within the rename bound: a decision reached on
 * the batch's listing is read again.
 */
async function archive(cmd: ListExpired, ctx: CommandContext, from: GuardedList, evidence: { occurredAtMs: number; listUpdatedAt?: string }): Promise<Outcome> {
  const ids = { contactListId: cmd.contactListId };
  let guarded: GuardedList | undefined = from;
  if (from.evidence !== 'get') {
    guarded = await guardedList(ctx, cmd.contactListId, cmd.streamId, evidence, { purpose: 'rename', listing: false });
    if (!guarded) return alreadyDone('not-found', ids);
    if (!guarded.verdict.allow)
      return refused(guarded.verdict, { ...ids, ...(typeof guarded.raw.name === 'string' ? { listName: guarded.raw.name } : {}), evidence: 'get' });
  }
  if (!guarded.verdict.allow) throw new Error('unreachable: archive of a refused list');
  const list: VerifiedList = guarded.verdict.value;
  const raw: KoreObject = guarded.raw;
  const detail = { ...ids, listName: list.name, evidence: guarded.evidence };
  const key = await ctx.markKey();
  const reading = readArchive(list, key);
  if (reading?.ours) return alreadyDone('already-archived', detail);
  // Named "[expired] …" by hand, or a record that does not verify: not ours to archive again, restore or delete after a grace period.
  if (reading) return skipped('not-ours', { ...detail, why: reading.why });
  // Without the description in the reply, the record could not hold it and the undo would lose it.
  if (list.description === undefined) return refused(refuse('verifiable', 'description missing: an archive must record it to be undone'), detail);
  const atIso = new Date(ctx.now()).toISOString();
  const reason = cmd.reason ? { reason: [...cmd.reason].slice(0, RECORD_REASON_MAX).join('') } : {};
  /** The PUT of an archive under `name` (`as`: recorded when it is not the default archived name). */
  const archiveAs = async (name: string, as?: string) => {
    const record = archiveDescription(list.id, { name: list.name, description: list.description! }, atIso, key, { ...reason, ...(as ? { as } : {}) });
    if (!record) return undefined;
    const patch = { name, description: record.description };
    await audited(
      ctx,
      { action: 'archiveContactList', ids, before: raw, ...(cmd.streamId ? { streamId: cmd.streamId } : {}), dnc: 'rename' },
      () => ctx.kore.updateContactList(cmd.contactListId, patch, callOptions(ctx, cmd.streamId)),
      (echoed) => ({
        result: 'archived',
        ...(echoed ? { object: echoed } : {}),
        extra: { newName: patch.name, archivedAt: atIso, descriptionCut: record.cut },
      }),
    );
    return record;
  };
  const defaultName = archivedName(list.name);
  const alternative = archivedNameFor(list.name, list.id);
  const fits = archiveDescription(list.id, { name: list.name, description: list.description }, atIso, key, reason);
  if (!fits) return skipped('unarchivable', { ...detail, why: 'the name and the archive record do not fit in 256 characters' });
  if (ctx.dryRun) return wouldDo('would-archive', { ...detail, newName: defaultName });
  let newName = defaultName;
  let record: { cut: boolean } | undefined;
  try {
    record = await archiveAs(defaultName);
  } catch (err) {
    // Another list has that name (an earlier list of the same name waiting out its grace period,
    // or two long names cut to the same one): archived under a name with this list's id instead.
    if (!nameTaken(err)) throw err;
    newName = alternative;
    record = await archiveAs(alternative, alternative);
  }
  if (!record) return skipped('unarchivable', { ...detail, why: 'the name and the archive record do not fit in 256 characters' });
  const patch = { name: newName };
  // In archive-then-delete mode the sweep may delete it once GRACE_DAYS pass without a change.
  const { mode, graceDays } = ctx.deletion;
  const deleteAfter = mode === 'archive-then-delete' ? { deleteAfter: new Date(ctx.now() + graceDays * 86_400_000).toISOString() } : {};
  return done({
    ...detail,
    action: 'archive',
    newName: patch.name,
    ...(patch.name !== defaultName ? { nameTaken: defaultName } : {}),
    ...deleteAfter,
    ...(record.cut ? { descriptionCut: true } : {}),
    metric: 'archived',
  });
}

/** DELETE, between its audit lines. Kore refusing it as in use is a skip, never a retry loop. */
async function remove(cmd: ListExpired, ctx: CommandContext, raw: KoreObject, detail: Record<string, unknown>): Promise<Outcome> {
  const ids = { contactListId: cmd.contactListId };
  if (ctx.dryRun) return wouldDo('would-delete', { ...detail, action: 'delete' });
  try {
    const kind = await auditedDelete(
      ctx,
      { action: 'deleteContactList', ids, before: raw, ...(cmd.streamId ? { streamId: cmd.streamId } : {}), dnc: 'delete' },
      () => ctx.kore.deleteContactList(cmd.contactListId, callOptions(ctx, cmd.streamId)),
    );
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
  // The evidence (GET, or a share of the batch's listing) + the DELETE or PUT.
  calls: 2,
  campaigns: firstWrite,
  run,
});
