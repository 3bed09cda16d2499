import type { Seed, SeedCampaign, SeedList } from './kore-emulator/state.js';
import { daysAgo } from './seed.js';

/**
 * The account the chaos run works on, the commands it sends, and what must be true at the end,
 * stated from Kore's side: which lists and campaigns must be gone and which must stay untouched.
 * Every path the consumer's safety rules have is here at least once: free lists, campaigns that
 * ended with exclusive and shared lists and their own DNC list (fan-out), running and recurring
 * campaigns, DNC lists named as such or only referenced by a campaign, protected, unsettled,
 * changed and stale lists, a bot Kore does not know, and malformed commands.
 */

export interface ChaosAccount {
  seed: Seed;
  /** Command bodies in sending order. */
  bodies: string[];
  /** Lists that must end gone, or with the command that deletes them in the DLQ; `campaignId`: the fan-out of that campaign deletes it. */
  mustGo: Map<string, { campaignId?: string }>;
  /** Lists that must stay untouched (no DELETE or PUT request at all): id → why. */
  mustStay: Map<string, string>;
  /** Campaigns that must still exist and receive no DELETE: id → why. */
  campaignsMustStay: Map<string, string>;
  /** Campaigns that must end gone, or with their campaign.ended in the DLQ. */
  campaignsMustGo: Set<string>;
  /** Lists a campaign.ended fan-out may queue, by campaign: exactly its exclusive lists. */
  fanoutAllowed: Map<string, Set<string>>;
  /** Allowed by ALLOWED_STREAM_IDS but unknown to Kore: its commands fail every time, then are parked. */
  unknownStreamId: string;
  /** Lists Kore cannot delete: every DELETE of them is answered 500. Their command must end parked, never done. */
  undeletable: Set<string>;
  /** A bot outside ALLOWED_STREAM_IDS: its command must end in the DLQ as `stream-not-allowed`. */
  notAllowedStreamId: string;
  /** Bodies no command schema accepts: each must end in the DLQ as `invalid-message`, never done. */
  malformed: Set<string>;
}

/** Deterministic Fisher–Yates. */
function shuffle<T>(items: T[], random: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

export function buildChaosAccount(n: number, now: number, random: () => number): ChaosAccount {
  const OLD = daysAgo(400, now);
  const iso = (msAgo: number) => new Date(now - msAgo).toISOString();
  const occurredAt = iso(60_000);
  const lists: SeedList[] = [];
  const campaigns: SeedCampaign[] = [];
  const commands: string[] = [];
  const mustGo = new Map<string, { campaignId?: string }>();
  const mustStay = new Map<string, string>();
  const campaignsMustStay = new Map<string, string>();
  const campaignsMustGo = new Set<string>();
  const fanoutAllowed = new Map<string, Set<string>>();
  const unknownStreamId = 'st-00000000-0000-4000-8000-0000000c4a05';
  const expire = (contactListId: string, extra: Record<string, unknown> = {}) => JSON.stringify({ type: 'list.expired', contactListId, occurredAt, ...extra });
  const ended = (campaignId: string) => JSON.stringify({ type: 'campaign.ended', campaignId, occurredAt, eventId: `crm-${campaignId}` });

  // Running campaigns (never deleted, whatever the event says) with their lists and DNC list.
  // Half the DNC lists are named so that only the campaign's dncLists reference protects them.
  const running = ['Active', 'Paused', 'Scheduled', 'Rescheduled'];
  const activeN = Math.max(2, Math.round(n / 60));
  for (let i = 0; i < activeN; i++) {
    const id = `cd-run-${i}`;
    const dnc = i % 2 ? `DNC run ${i}` : `Suppression run ${i}`;
    lists.push({ _id: `cl-run-${i}-a`, name: `Running ${i} A`, updatedAt: OLD }, { _id: `cl-run-${i}-b`, name: `Running ${i} B`, updatedAt: OLD });
    lists.push({ _id: `cl-run-${i}-dnc`, name: dnc, updatedAt: OLD });
    campaigns.push({
      _id: id,
      name: `Running ${i}`,
      status: running[i % running.length]!,
      updatedAt: OLD,
      contactLists: [`Running ${i} A`, `Running ${i} B`],
      dncList: dnc,
    });
    campaignsMustStay.set(id, `running (${running[i % running.length]})`);
    mustStay.set(`cl-run-${i}-a`, 'in use by a running campaign');
    mustStay.set(`cl-run-${i}-b`, 'in use by a running campaign');
    mustStay.set(`cl-run-${i}-dnc`, 'DNC list of a running campaign');
    commands.push(ended(id), expire(`cl-run-${i}-a`), expire(`cl-run-${i}-dnc`));
  }
  // Kore's sample quirk: isListInUse false while a campaign uses it.
  lists.push({ _id: 'cl-quirk-0', name: 'Quirk in use', updatedAt: OLD, isListInUse: false });
  campaigns[0]!.contactLists = [...(campaigns[0]!.contactLists ?? []), 'Quirk in use'];
  mustStay.set('cl-quirk-0', 'in use (isListInUse false, campaignInUse set)');
  commands.push(expire('cl-quirk-0'));

  // A Completed campaign that recurs: it runs again, so it and its list stay.
  lists.push({ _id: 'cl-recurring-0', name: 'Weekly callers', updatedAt: OLD });
  campaigns.push({
    _id: 'cd-recurring-0',
    name: 'Weekly reminders',
    status: 'Completed',
    updatedAt: OLD,
    contactLists: ['Weekly callers'],
    schedule: { isSchedulingEnabled: true, isRecurrenceEnabled: true },
  });
  campaignsMustStay.set('cd-recurring-0', 'recurring (Completed, isRecurrenceEnabled)');
  mustStay.set('cl-recurring-0', 'in use by a recurring campaign');
  // Sent twice: one path, two chances to take it whatever faults hit one of them.
  commands.push(ended('cd-recurring-0'), ended('cd-recurring-0'), expire('cl-recurring-0'));

  // Campaigns that ended: exclusive lists go (fan-out), the list shared with a running campaign
  // and the campaign's own DNC list stay, the campaign goes.
  const endedN = Math.max(2, Math.round(n / 40));
  for (let i = 0; i < endedN; i++) {
    const id = `cd-ended-${i}`;
    const shared = `Running ${i % activeN} A`;
    const dnc = i % 2 ? `DNC ended ${i}` : `Suppression ended ${i}`;
    lists.push({ _id: `cl-ended-${i}-x`, name: `Ended ${i} X`, updatedAt: OLD }, { _id: `cl-ended-${i}-y`, name: `Ended ${i} Y`, updatedAt: OLD });
    lists.push({ _id: `cl-ended-${i}-dnc`, name: dnc, updatedAt: OLD });
    campaigns.push({
      _id: id,
      name: `Ended ${i}`,
      status: i % 2 ? 'Stopped' : 'Completed',
      updatedAt: OLD,
      contactLists: [`Ended ${i} X`, `Ended ${i} Y`, shared],
      dncList: dnc,
    });
    campaignsMustGo.add(id);
    mustGo.set(`cl-ended-${i}-x`, { campaignId: id });
    mustGo.set(`cl-ended-${i}-y`, { campaignId: id });
    mustStay.set(`cl-ended-${i}-dnc`, 'own DNC list of an ended campaign (never fanned out)');
    fanoutAllowed.set(id, new Set([`cl-ended-${i}-x`, `cl-ended-${i}-y`]));
    commands.push(ended(id));
  }
  commands.push(ended('cd-ended-0')); // a duplicate: the second finds the campaign gone

  // Protected in every way the guard knows, each with a command that asks to delete it.
  const extra: Array<[SeedList, string, string?]> = [
    [{ _id: 'cl-global-dnc', name: 'Default Global DNC', isGlobalDNC: true, isDefault: true, updatedAt: OLD }, 'global DNC'],
    [{ _id: 'cl-default', name: 'Default list', isDefault: true, updatedAt: OLD }, 'default list'],
    [{ _id: 'cl-callback-dnc', name: 'Callback do-not-call requests', updatedAt: OLD }, 'named do-not-call'],
    [{ _id: 'cl-validating', name: 'Big CSV import', status: 'Validating', updatedAt: OLD }, 'unsettled (Validating)'],
    [{ _id: 'cl-changed', name: 'Edited this morning', updatedAt: iso(60_000) }, 'changed since the event', iso(3_600_000)],
    [{ _id: 'cl-stale', name: 'Stale command target', updatedAt: OLD }, 'its command is older than MAX_COMMAND_AGE_HOURS', iso(8 * 86_400_000)],
  ];
  for (const [list, why, at] of extra) {
    lists.push(list);
    mustStay.set(list._id!, why);
    commands.push(expire(list._id!, at ? { occurredAt: at } : {}), expire(list._id!, at ? { occurredAt: at } : {}));
  }
  // A bot this deployment may name (ALLOWED_STREAM_IDS) but Kore does not serve: every attempt
  // is an unknown route, never proof of anything; retried, then parked with its reason.
  for (let i = 0; i < 3; i++) {
    lists.push({ _id: `cl-other-bot-${i}`, name: `Other bot ${i}`, updatedAt: OLD });
    mustStay.set(`cl-other-bot-${i}`, 'its command names a bot Kore does not serve');
    commands.push(expire(`cl-other-bot-${i}`, { streamId: unknownStreamId }));
  }
  // A list Kore cannot delete (every DELETE is a 500): retried, then parked on its last receive.
  lists.push({ _id: 'cl-undeletable-0', name: 'Undeletable', updatedAt: OLD });
  mustGo.set('cl-undeletable-0', {});
  commands.push(expire('cl-undeletable-0'));
  lists.push({ _id: 'cl-not-allowed', name: 'Not allowed bot target', updatedAt: OLD });
  mustStay.set('cl-not-allowed', 'its command names a bot outside ALLOWED_STREAM_IDS');
  const notAllowedStreamId = 'st-11111111-1111-4111-8111-111111111111';
  commands.push(expire('cl-not-allowed', { streamId: notAllowedStreamId }));
  // Malformed: parked at once.
  const malformed = new Set([
    'not json',
    JSON.stringify({ type: 'list.expired', contactListId: 'cl-../../etc', occurredAt }),
    JSON.stringify({ type: 'list.expired', contactListId: 'cl-nowhere-0' }),
  ]);
  commands.push(...malformed);

  // The bulk: free lists, each with its command, some sent twice.
  const free = Math.max(4, Math.round((n - commands.length) / 1.08));
  for (let i = 0; i < free; i++) {
    lists.push({ _id: `cl-free-${i}`, name: `Free ${i}`, updatedAt: OLD });
    mustGo.set(`cl-free-${i}`, {});
    commands.push(expire(`cl-free-${i}`, { eventId: `crm-free-${i}` }));
  }
  while (commands.length < n) commands.push(expire(`cl-free-${Math.floor(random() * free)}`));

  return {
    seed: { lists, campaigns },
    bodies: shuffle(commands, random),
    mustGo,
    mustStay,
    campaignsMustStay,
    campaignsMustGo,
    fanoutAllowed,
    unknownStreamId,
    undeletable: new Set(['cl-undeletable-0']),
    malformed,
    notAllowedStreamId,
  };
}
