import * as z from 'zod/mini';
import { DeadlineError } from '../../errors.js';
import type { VerifiedList } from '../../guard/list.js';
import { checkList } from '../../guard/list.js';
import type { Verdict } from '../../guard/rules.js';
import type { CallOptions } from '../../kore/client.js';
import type { KoreObject } from '../../kore/types.js';
import { KoreInUseError } from '../../kore/errors.js';
import { archivedDescription, archivedName, isArchivedName } from '../archive.js';
import type { CommandContext } from '../context.js';
import { audited, auditedDelete, callOptions, findList, staleness } from '../context.js';
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
 * GET the list, pass the guard on that reply (lib/guard/list.ts), then DELETE, or for
 * `archive` PUT an expired name. Kore refuses in-use deletes too; that refusal is a skip, never a
 * retry loop.
 */
/** The list's entry in the batch's listing; a listing that fails leaves the record to its own GET. */
async function listingEntry(ctx: CommandContext, id: string, opts: CallOptions) {
  try {
    return await ctx.listSnapshot!.entry(id, opts);
  } catch (err) {
    if (err instanceof DeadlineError) throw err;
    return undefined;
  }
}

async function run(cmd: ListExpired, ctx: CommandContext): Promise<Outcome> {
  const ids = { contactListId: cmd.contactListId };
  const stale = staleness(ctx, cmd.occurredAt);
  if (stale) return stale;
  const opts = callOptions(ctx, cmd.streamId);
  // The campaigns first (usually cached): the list's evidence, on which the DELETE rests, stays
  // as close to the DELETE as it can, and is not spent if the campaigns cannot be read.
  const dnc = await ctx.campaigns.references(opts);
  const input = {
    requestedId: cmd.contactListId,
    dnc,
    evidence: { occurredAtMs: Date.parse(cmd.occurredAt), ...(cmd.listUpdatedAt ? { listUpdatedAt: cmd.listUpdatedAt } : {}) },
  };
  // The batch's shared listing, when it proves everything the guard needs; otherwise this list's own GET.
  let raw: KoreObject | undefined;
  let verdict: Verdict<VerifiedList> | undefined;
  let evidence: 'listing' | 'get' = 'get';
  const entry = ctx.listSnapshot ? await listingEntry(ctx, cmd.contactListId, opts) : undefined;
  if (entry) {
    const v = checkList(entry.list, input);
    if (v.allow || v.rule !== 'verifiable') [raw, verdict, evidence] = [entry.list, v, 'listing'];
  }
  if (!raw || !verdict) {
    raw = await findList(ctx, cmd.contactListId, cmd.streamId);
    if (!raw) return alreadyDone('not-found', ids);
    verdict = checkList(raw, input);
  }
  const listName = typeof raw.name === 'string' ? raw.name : undefined;
  if (!verdict.allow) {
    if (verdict.rule === 'not-in-use' && stillAttachedTo(cmd.campaignId, raw)) {
      throw new StillAttachedError(`${cmd.contactListId} is still attached to ${cmd.campaignId}, which ended`);
    }
    return refused(verdict, { ...ids, ...(listName ? { listName } : {}), evidence });
  }
  const list = verdict.value;
  const detail = { ...ids, listName: list.name, evidence };

  if (cmd.action === 'archive') {
    if (isArchivedName(list.name)) return alreadyDone('already-archived', detail);
    const patch = { name: archivedName(list.name), description: archivedDescription(list.description, new Date(ctx.now()).toISOString(), cmd.reason) };
    if (ctx.dryRun) return wouldDo('would-archive', { ...detail, newName: patch.name });
    await audited(ctx, 'archiveContactList', ids, raw, () => ctx.kore.updateContactList(cmd.contactListId, patch, opts), (echoed) => ({
      result: 'archived',
      ...(echoed ? { object: echoed } : {}),
      extra: { newName: patch.name },
    }));
    return done({ ...detail, action: 'archive', newName: patch.name });
  }

  if (ctx.dryRun) return wouldDo('would-delete', { ...detail, action: 'delete' });
  try {
    const kind = await auditedDelete(ctx, 'deleteContactList', ids, raw, () => ctx.kore.deleteContactList(cmd.contactListId, opts));
    if (kind === 'not-found') return alreadyDone('not-found', detail);
    return done({ ...detail, action: 'delete', confirmed: kind === 'deleted' });
  } catch (err) {
    // A campaign picked the list up between our GET and DELETE: Kore refused, nothing changed.
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
