import * as z from 'zod/mini';
import type { CampaignType, KoreObject } from '../kore/types.js';
import { BOOLEAN, field, isoTime, STRING } from './fields.js';
import type { Verdict } from './rules.js';
import { refuse } from './rules.js';

/** Campaign statuses Kore documents (docs/kore-api.md, "Campaign status"), by what they mean for deletion. */
export const CAMPAIGN_STATUSES = {
  /** Over: the only statuses in which a campaign may be deleted. */
  ended: ['Completed', 'Stopped'],
  /** Running, or will run again without anyone starting it. */
  running: ['Active', 'Paused', 'Scheduled', 'Rescheduled', 'Rerun'],
  /** Never ran yet. */
  notStarted: ['Preparing', 'Ready'],
} as const;

export interface DncRef {
  id?: string;
  name?: string;
}

export interface VerifiedCampaign {
  id: string;
  name?: string;
  status: string;
  type: CampaignType;
  /** The campaign's own DNC list(s): never queued for deletion with it. */
  dncLists: DncRef[];
  updatedAtMs: number;
}

const dncRef = z.looseObject({ id: z.optional(z.string()), name: z.optional(z.string()) });
const dncListsSchema = z.union([z.null(), dncRef, z.array(dncRef)]);
const OBJECT = z.looseObject({});

/** A campaign's DNC references: `{id, name}` (voice), `{name}` (SMS), an array, null or absent; anything else is unreadable. */
export function readDncLists(raw: KoreObject): { ok: true; refs: DncRef[] } | { ok: false } {
  if (raw.dncLists === undefined) return { ok: true, refs: [] };
  const r = dncListsSchema.safeParse(raw.dncLists);
  if (!r.success) return { ok: false };
  const refs = (r.data === null ? [] : Array.isArray(r.data) ? r.data : [r.data]).map((d) => ({
    ...(d.id ? { id: d.id } : {}),
    ...(d.name ? { name: d.name } : {}),
  }));
  return refs.every((d) => d.id || d.name) ? { ok: true, refs } : { ok: false };
}

/** Voice results carry `_id`, SMS results and create replies `id` (docs/kore-api.md, "Campaign ids"). */
export function campaignIdOf(raw: KoreObject): string | undefined {
  const id = raw._id ?? raw.id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * May this campaign be deleted? Only when it is over and will not run again, proven from the
 * campaign as Kore returns it now. A running campaign is never deleted, whatever the event says.
 */
export function checkCampaign(raw: KoreObject, input: { requestedId: string; occurredAtMs?: number }): Verdict<VerifiedCampaign> {
  const id = campaignIdOf(raw);
  if (id !== input.requestedId) return refuse('campaign-identity', id ? `the reply is about ${id.slice(0, 80)}` : '_id missing');
  const status = field(raw, 'status', STRING, 'a string');
  if (!status.ok) return refuse('campaign-verifiable', status.why);
  const known = [...CAMPAIGN_STATUSES.ended, ...CAMPAIGN_STATUSES.running, ...CAMPAIGN_STATUSES.notStarted] as string[];
  if (!known.includes(status.value)) return refuse('campaign-verifiable', `status ${status.value.slice(0, 40)} is not one Kore documents`);
  if ((CAMPAIGN_STATUSES.running as readonly string[]).includes(status.value)) return refuse('campaign-ended', `status ${status.value}`);
  if ((CAMPAIGN_STATUSES.notStarted as readonly string[]).includes(status.value)) {
    return { ...refuse('campaign-ended', `status ${status.value}`), reason: 'campaign-not-ended' };
  }
  const schedule = field(raw, 'schedule', OBJECT, 'an object');
  if (!schedule.ok) return refuse('campaign-verifiable', schedule.why);
  const s = schedule.value as Record<string, unknown>;
  const scheduling = field(s, 'isSchedulingEnabled', BOOLEAN, 'a boolean');
  if (!scheduling.ok) return refuse('campaign-verifiable', `schedule.${scheduling.why}`);
  if (s.isRecurrenceEnabled !== undefined || scheduling.value) {
    const recurrence = field(s, 'isRecurrenceEnabled', BOOLEAN, 'a boolean');
    if (!recurrence.ok) return refuse('campaign-verifiable', `schedule.${recurrence.why}`);
    // A Completed campaign with recurrence runs again at its next occurrence (docs/kore-api.md).
    if (recurrence.value) return refuse('campaign-not-recurring', 'schedule.isRecurrenceEnabled is true');
  }
  const updatedAt = field(raw, 'updatedAt', isoTime, 'an ISO time');
  if (!updatedAt.ok) return refuse('campaign-verifiable', updatedAt.why);
  const updatedAtMs = Date.parse(updatedAt.value);
  if (input.occurredAtMs !== undefined && updatedAtMs > input.occurredAtMs) {
    return refuse('campaign-unchanged', `updatedAt ${updatedAt.value} is after the event (${new Date(input.occurredAtMs).toISOString()})`);
  }
  const dnc = readDncLists(raw);
  if (!dnc.ok) return refuse('campaign-verifiable', 'dncLists is unreadable');
  const type: CampaignType = raw.campaignType === 'sms' ? 'sms' : 'voice';
  return {
    allow: true,
    value: { id, ...(typeof raw.name === 'string' ? { name: raw.name } : {}), status: status.value, type, dncLists: dnc.refs, updatedAtMs },
  };
}
