import * as z from 'zod/mini';
import { checkCampaign } from '../../guard/campaign.js';
import { dncListKey } from '../../guard/campaign-index.js';
import { refuse } from '../../guard/rules.js';
import { saysDoNotCall } from '../../guard/list.js';
import type { KoreObject } from '../../kore/types.js';
import type { CommandContext } from '../context.js';
import { auditedDelete, callOptions, campaignTypeOf, eventTimeMs, findCampaign, goneOnRedelivery, staleness } from '../context.js';
import { FanoutCapError } from '../errors.js';
import { alreadyDone, done, refused, wouldDo } from '../outcome.js';
import type { Outcome } from '../outcome.js';
import { campaignId, commonFields, defineCommand, occurredAt } from './define.js';
import type { ListExpired } from './list-expired.js';

export const campaignEndedSchema = z.strictObject({
  type: z.literal('campaign.ended'),
  campaignId,
  keepContactLists: z.optional(z.boolean()),
  occurredAt,
  ...commonFields,
});
export type CampaignEnded = z.output<typeof campaignEndedSchema>;

function campaignIdsOf(list: KoreObject): string[] {
  return Array.isArray(list.campaignInUse) ? list.campaignInUse.map((c) => (typeof c === 'string' ? c : String((c as { id?: unknown })?.id ?? ''))) : [];
}

/**
 * 1. GET the campaign and pass the campaign guard: only a Completed or Stopped campaign that will
 *    not run again may go (a running one never, whatever the event says); its type (voice or SMS)
 *    must be proven from where Kore listed it (the campaign index), or nothing is deleted;
 * 2. one getAllListDetails, read as a stream for this campaign's id, finds the lists that hold it
 *    (before the delete, which may clear `campaignInUse`); those no *other* campaign uses, that
 *    are not the campaign's own DNC list and not protected, get a delayed `list.expired`
 *    follow-up, each of which passes the list guard on its own when it arrives; more than
 *    FANOUT_MAX_LISTS is parked for a person;
 * 3. GET the campaign again and pass the guard again: the DELETE acts on a reply one pacing
 *    interval old (Kore may not refuse to delete a campaign restarted in the meantime);
 * 4. DELETE it with its proven type, between its audit lines.
 * Every step is safe to repeat: a redelivered campaign.ended queues the follow-ups again.
 */
async function run(cmd: CampaignEnded, ctx: CommandContext): Promise<Outcome> {
  const ids = { campaignId: cmd.campaignId };
  const stale = staleness(ctx, cmd.occurredAt);
  if (stale) return stale;
  const opts = callOptions(ctx, cmd.streamId);
  const occurredAtMs = eventTimeMs(ctx, cmd.occurredAt);
  const raw = await findCampaign(ctx, cmd.campaignId, cmd.streamId);
  if (!raw) return alreadyDone('not-found', { ...ids, ...goneOnRedelivery(ctx, 'deleteCampaign', ids) });
  const verdict = checkCampaign(raw, { requestedId: cmd.campaignId, occurredAtMs });
  if (!verdict.allow) return refused(verdict, { ...ids, ...(typeof raw.status === 'string' ? { status: raw.status } : {}) });
  const campaign = verdict.value;
  const type = await campaignTypeOf(ctx, campaign.id, raw, cmd.streamId);
  if (!type) {
    return refused(refuse('campaign-verifiable', 'its type (voice or sms) cannot be proven: no listing of either type holds it'), {
      ...ids,
      status: campaign.status,
    });
  }

  const followUps: ListExpired[] = [];
  const kept: Record<string, string> = {};
  if (!cmd.keepContactLists) {
    const ownDnc = new Set(campaign.dncLists.flatMap((d) => [d.id, d.name === undefined ? undefined : dncListKey(d.name)]).filter((x): x is string => !!x));
    const at = new Date(ctx.now()).toISOString();
    const scan = await ctx.kore.scanContactLists([campaign.id], opts);
    for (const list of scan.lists) {
      const inUse = campaignIdsOf(list);
      if (!inUse.includes(campaign.id) || typeof list._id !== 'string') continue;
      const name = typeof list.name === 'string' ? list.name : '';
      if (ownDnc.has(list._id) || ownDnc.has(dncListKey(name))) kept[list._id] = 'dnc-of-campaign';
      else if (inUse.some((c) => c !== campaign.id)) kept[list._id] = 'used-by-another-campaign';
      // A flag the listing does not carry is left to the follow-up's GET, which must prove it.
      else if (list.isGlobalDNC === true || list.isDefault === true || saysDoNotCall(name)) kept[list._id] = 'protected';
      else {
        followUps.push({
          type: 'list.expired',
          contactListId: list._id,
          reason: 'campaign-ended',
          campaignId: campaign.id,
          occurredAt: at,
          ...(typeof list.updatedAt === 'string' && Number.isFinite(Date.parse(list.updatedAt)) ? { listUpdatedAt: list.updatedAt } : {}),
          ...(ctx.record.eventId ? { eventId: `${ctx.record.eventId}/${list._id}`.slice(0, 256) } : {}),
          ...(cmd.streamId ? { streamId: cmd.streamId } : {}),
        });
      }
    }
    if (followUps.length > ctx.limits.fanoutMaxLists) {
      throw new FanoutCapError(
        `campaign ${campaign.id} would queue ${followUps.length} lists for deletion, more than FANOUT_MAX_LISTS (${ctx.limits.fanoutMaxLists}); nothing was deleted`,
      );
    }
  }
  const detail = {
    ...ids,
    status: campaign.status,
    campaignType: type,
    listsQueued: followUps.length,
    contactListIds: followUps.map((f) => f.contactListId),
    ...(Object.keys(kept).length ? { listsKept: kept } : {}),
  };
  if (ctx.dryRun) return wouldDo('would-delete', detail);
  if (followUps.length) await ctx.enqueue(followUps.map((f) => ({ body: JSON.stringify(f) })));
  // The campaign as Kore has it now: restarted, rescheduled or edited since the first GET, it stays.
  const now = await findCampaign(ctx, cmd.campaignId, cmd.streamId);
  if (!now) return alreadyDone('not-found', detail);
  const again = checkCampaign(now, { requestedId: cmd.campaignId, occurredAtMs });
  if (!again.allow) return refused(again, { ...detail, ...(typeof now.status === 'string' ? { status: now.status } : {}), recheck: true });
  const kind = await auditedDelete(ctx, { action: 'deleteCampaign', ids, before: now, ...(cmd.streamId ? { streamId: cmd.streamId } : {}) }, () =>
    ctx.kore.deleteCampaign(campaign.id, { ...opts, campaignType: type }),
  );
  if (kind !== 'not-found') ctx.campaigns.forget(campaign.id, cmd.streamId);
  if (kind === 'not-found') return alreadyDone('not-found', detail);
  return done({ ...detail, confirmed: kind === 'deleted' });
}

export const campaignEnded = defineCommand<CampaignEnded>({
  type: 'campaign.ended',
  schema: campaignEndedSchema,
  // GET campaign + getAllListDetails + GET campaign again + DELETE.
  calls: 4,
  // Its type comes from the campaign index.
  campaigns: () => 'delete',
  run,
});
