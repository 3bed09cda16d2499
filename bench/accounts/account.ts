/**
 * Realistic Kore accounts for the accounts benchmark and the scale tests: `lists` contact lists
 * and `campaigns` campaigns, half voice and half SMS, with years of history behind them.
 *
 * - One Default Global DNC list, and a pool of campaign DNC lists (about one per 250 campaigns):
 *   half named so the name rule protects them ("DNC …"), half not ("Opt-outs …"), which only the
 *   campaign index protects. Voice campaigns name theirs by id (Kore shows `{id, name}`), SMS
 *   campaigns by name only.
 * - Lists in use: 30 % of the account (at most 2 per campaign), each campaign using 1 or 2 of them,
 *   so old completed campaigns keep lists attached, as Kore's do.
 * - Recent lists (updated within the last 30 days): 10 %.
 * - Idle lists: the rest, updated 31 to 900 days ago, attached to nothing: what `list.expired`
 *   and the sweep delete or archive. `idleIds` lists them oldest first.
 * - Campaigns created over three years (oldest first), most of them Completed, a few Active,
 *   Paused, Scheduled or Ready; 70 % have a DNC list.
 *
 * Deterministic: the same sizes and `now` always give the same account.
 */
import type { Seed, SeedCampaign, SeedList } from '../../local/kore-emulator/server.js';

const DAY = 86_400_000;

export interface AccountProfile {
  lists: number;
  campaigns: number;
}

export interface Account {
  seed: Seed;
  /** Idle lists, oldest first: every one passes the guard (none is named by a campaign). */
  idleIds: string[];
  /** The campaign DNC lists (by id), for tests that check they are never touched. */
  dncListIds: string[];
  usedListIds: string[];
  voice: number;
  sms: number;
}

const STATUSES: Array<[string, number]> = [
  ['Completed', 0.85],
  ['Stopped', 0.05],
  ['Active', 0.04],
  ['Paused', 0.02],
  ['Scheduled', 0.02],
  ['Ready', 0.02],
];

function statusOf(i: number): string {
  // A fixed, spread-out pattern rather than randomness: the same account every run.
  const x = ((i * 7919) % 1000) / 1000;
  let acc = 0;
  for (const [s, p] of STATUSES) {
    acc += p;
    if (x < acc) return s;
  }
  return 'Completed';
}

export function buildAccount(p: AccountProfile, now: number): Account {
  const iso = (msAgo: number) => new Date(now - msAgo).toISOString();
  const lists: SeedList[] = [];
  const gdnc: SeedList = { _id: 'cl-global-dnc', name: 'Default Global DNC', isGlobalDNC: true, isDefault: true, updatedAt: iso(1000 * DAY) };
  lists.push(gdnc);
  const dncCount = Math.max(1, Math.min(Math.round(p.campaigns / 250), Math.floor(p.lists * 0.05)));
  const dnc: SeedList[] = Array.from({ length: dncCount }, (_, i) => ({
    _id: `cl-dnc-${i}`,
    name: i % 2 === 0 ? `DNC region ${i}` : `Reserve region ${i}`,
    updatedAt: iso((20 + (i % 40)) * DAY),
  }));
  lists.push(...dnc);
  const usedCount = Math.max(1, Math.min(Math.round(p.lists * 0.3), p.campaigns * 2));
  const used: SeedList[] = Array.from({ length: usedCount }, (_, i) => ({
    _id: `cl-used-${i}`,
    name: `Campaign audience ${i}`,
    updatedAt: iso((5 + (i % 700)) * DAY),
    totalRecordCount: 100 + (i % 5000),
  }));
  lists.push(...used);
  const recentCount = Math.round(p.lists * 0.1);
  for (let i = 0; i < recentCount; i++) lists.push({ _id: `cl-recent-${i}`, name: `Fresh upload ${i}`, updatedAt: iso((i % 29) * DAY + 3_600_000) });
  const idleCount = Math.max(0, p.lists - lists.length);
  const idle: SeedList[] = Array.from({ length: idleCount }, (_, i) => ({
    _id: `cl-idle-${i}`,
    name: `Leads ${2023 + (i % 3)} batch ${i}`,
    description: `Imported leads, batch ${i}`,
    // Oldest first: idle-0 was last touched 900 days ago.
    updatedAt: iso((900 - Math.floor((i * 869) / Math.max(1, idleCount))) * DAY),
    totalRecordCount: 50 + (i % 2000),
  }));
  lists.push(...idle);

  const voice = Math.ceil(p.campaigns / 2);
  const campaigns: SeedCampaign[] = [];
  for (let i = 0; i < p.campaigns; i++) {
    const type = i % 2 === 0 ? 'voice' : 'sms';
    // Created over three years, oldest first; updated some days after.
    const createdMsAgo = 3 * 365 * DAY - Math.floor((i * 3 * 365 * DAY) / Math.max(1, p.campaigns));
    const updatedMsAgo = Math.max(60_000, createdMsAgo - ((i % 20) + 1) * DAY);
    const audience = [used[i % usedCount]!.name, ...(i % 3 === 0 ? [used[(i + 7) % usedCount]!.name] : [])];
    const withDnc = i % 10 < 7;
    campaigns.push({
      _id: `cd-${type}-${String(i).padStart(6, '0')}`,
      name: `${type === 'voice' ? 'Outbound' : 'SMS'} campaign ${i}`,
      campaignType: type,
      status: statusOf(i),
      createdAt: iso(createdMsAgo),
      updatedAt: iso(updatedMsAgo),
      contactLists: [...new Set(audience)],
      ...(withDnc ? { dncList: dnc[i % dncCount]!.name } : {}),
      schedule: { isSchedulingEnabled: i % 25 === 0, isRecurrenceEnabled: i % 50 === 0 },
    });
  }
  return {
    seed: { lists, campaigns },
    idleIds: idle.map((l) => l._id!),
    dncListIds: dnc.map((l) => l._id!),
    usedListIds: used.map((l) => l._id!),
    voice,
    sms: p.campaigns - voice,
  };
}
