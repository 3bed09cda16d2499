import { isProtectedList } from '../kore/client.js';
import type { CommandContext } from './context.js';
import { callOptions } from './context.js';
import type { Outcome } from './outcome.js';
import { alreadyDone, done } from './outcome.js';
import type { CampaignEnded, ListExpired } from './schema.js';

/**
 * 1. one getAllListDetails call finds the lists that hold the campaign (before the delete,
 *    which may clear `campaignInUse`);
 * 2. queue a list.expired for each list no *other* campaign uses (SendMessageBatch);
 * 3. DELETE the campaign (404 = already gone).
 * The consumer delays the fanned-out commands (FANOUT_DELAY_SECONDS) so they arrive after the
 * campaign is gone; a list still in use when one arrives is skipped, and a redelivered
 * campaign.ended queues them again, so every step is safe to repeat.
 */
export async function campaignEnded(cmd: CampaignEnded, ctx: CommandContext): Promise<Outcome> {
  const opts = callOptions(ctx, cmd.streamId);
  let queued: string[] = [];
  if (!cmd.keepContactLists) {
    const lists = await ctx.kore.listContactLists(opts);
    const freed = lists.filter(
      (l) =>
        l.campaignInUse.some((c) => c.id === cmd.campaignId) &&
        l.campaignInUse.every((c) => c.id === cmd.campaignId) &&
        !isProtectedList(l),
    );
    queued = freed.map((l) => l._id);
    await ctx.enqueue(
      freed.map((l) => {
        const child: ListExpired = {
          type: 'list.expired',
          contactListId: l._id,
          reason: 'campaign-ended',
          campaignId: cmd.campaignId,
          ...(cmd.eventId ? { eventId: `${cmd.eventId}/${l._id}`.slice(0, 256) } : {}),
          ...(cmd.streamId ? { streamId: cmd.streamId } : {}),
        };
        return { body: JSON.stringify(child) };
      }),
    );
  }
  const res = await ctx.kore.deleteCampaign(cmd.campaignId, opts);
  const detail = { campaignId: cmd.campaignId, listsQueued: queued.length, contactListIds: queued };
  if (!res.deleted) return alreadyDone('not-found', detail);
  ctx.audit('deleteCampaign', res.data);
  return done(detail);
}
