import { archiveDescription, archivedName, MarkKey } from '../lib/guard/archive-mark.js';
import type { Seed } from './kore-emulator/state.js';

const DAY = 86_400_000;

/**
 * An ISO time `days` before `now` (the clock in use). Seeds and tests derive every age from
 * this, never from a fixed date, so "150 days idle" stays 150 days idle next year.
 */
export function daysAgo(days: number, now: number = Date.now()): string {
  return new Date(now - days * DAY).toISOString();
}

/**
 * A realistic account for `npm start` and the tests: a Default Global DNC list, a campaign DNC
 * list, lists used by campaigns (one with the `isListInUse:false` quirk), idle lists, recent
 * lists and one still validating; an active campaign, a paused one, a completed one and a
 * completed one that recurs; and one list we archived ten days ago. Ids are fixed so sample
 * events can name them.
 */
/**
 * The archive key in the local stack's secret (`archiveKey`): the demo account's archived list is
 * signed with it, as this deployment would have signed it. A stable key, apart from the client
 * secret, so rotating that secret (the chaos run does) leaves the marks valid.
 */
export const LOCAL_ARCHIVE_KEY = 'local-archive-key-5b0c1e7f3a9d4e2b8c6a1f0e9d8c7b6a';

/** A list as our archive leaves it (name and signed description record), archived at `at`. */
function archivedLongAgo(key: MarkKey, id: string, name: string, description: string, at: string) {
  return {
    _id: id,
    name: archivedName(name),
    description: archiveDescription(id, { name, description }, at, key, { reason: 'crm-expiry' })!.description,
    updatedAt: at,
  };
}

export function demoSeed(now: number = Date.now(), key: MarkKey = new MarkKey(LOCAL_ARCHIVE_KEY)): Seed {
  const ago = (days: number) => daysAgo(days, now);
  return {
    lists: [
      { _id: 'cl-global-dnc-0001', name: 'Default Global DNC', isGlobalDNC: true, isDefault: true, updatedAt: ago(400) },
      { _id: 'cl-campaign-dnc-0002', name: 'DNC CL Dec 4', isGlobalDNC: false, updatedAt: ago(200) },
      { _id: 'cl-renewals-2025-0003', name: 'Renewal Due - May/June 2025', updatedAt: ago(90), totalRecordCount: 1200 },
      { _id: 'cl-winback-q3-0004', name: 'Winback Q3', updatedAt: ago(75), isListInUse: false },
      { _id: 'cl-survey-old-0005', name: 'NPS survey 2024', updatedAt: ago(120) },
      { _id: 'cl-promo-spring-0006', name: 'Spring promo leads', updatedAt: ago(61) },
      { _id: 'cl-fresh-upload-0007', name: 'Fresh upload this week', updatedAt: ago(3) },
      { _id: 'cl-validating-0008', name: 'Big CSV import', status: 'Validating', updatedAt: ago(45) },
      { _id: 'cl-ended-campaign-0009', name: 'Black Friday callers', updatedAt: ago(40) },
      { _id: 'cl-shared-list-0010', name: 'VIP customers', updatedAt: ago(50) },
      { _id: 'cl-archive-me-0011', name: 'Old partner referrals', updatedAt: ago(300) },
      // Idle lists no sample command touches: what the nightly sweep is for.
      { _id: 'cl-webinar-2024-0012', name: 'Summer 2024 webinar leads', updatedAt: ago(150), totalRecordCount: 310 },
      { _id: 'cl-tradeshow-0013', name: 'Trade show 2025 badge scans', updatedAt: ago(95), totalRecordCount: 88 },
      { _id: 'cl-reactivation-0014', name: 'Q1 reactivation', updatedAt: ago(33) },
      { _id: 'cl-callback-dnc-0015', name: 'Callback do-not-call requests', updatedAt: ago(365) },
      { _id: 'cl-payment-reminders-0016', name: 'Payment reminder contacts', updatedAt: ago(20) },
      // Archived by us ten days ago and not touched since: past its 7-day grace period, the live sweep deletes it.
      archivedLongAgo(key, 'cl-autumn-survey-0017', 'Autumn 2025 satisfaction survey', 'Post-call survey, autumn wave', ago(10)),
    ],
    campaigns: [
      {
        _id: 'cd-renewal-outreach-0001',
        name: 'Service Renewal Outreach',
        contactLists: ['Renewal Due - May/June 2025', 'VIP customers'],
        dncList: 'DNC CL Dec 4',
        status: 'Active',
      },
      // Uses "Winback Q3", whose isListInUse stays false (the v2 sample's quirk).
      { _id: 'cd-winback-0002', name: 'Winback calls', contactLists: ['Winback Q3'], status: 'Paused' },
      {
        _id: 'cd-black-friday-0003',
        name: 'Black Friday reminder',
        contactLists: ['Black Friday callers', 'VIP customers'],
        status: 'Completed',
      },
      // Completed, but recurring: it runs again at its next occurrence, so it is never deleted.
      {
        _id: 'cd-weekly-reminders-0004',
        name: 'Weekly payment reminders',
        contactLists: ['Payment reminder contacts'],
        status: 'Completed',
        schedule: { isSchedulingEnabled: true, isRecurrenceEnabled: true },
      },
    ],
  };
}
