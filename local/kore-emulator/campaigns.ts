import { randomUUID } from 'node:crypto';
import { checkText } from './api-context.js';
import type { ApiContext } from './api-context.js';
import { entityNotFound, koreError, ok } from './reply.js';
import type { Reply } from './reply.js';
import type { CampaignType, EmuCampaign } from './state.js';
import { campaignDetail, campaignResult } from './views.js';

/** Campaign endpoints (docs/kore-api.md, "getAllCampaignDetails" to "Disable schedule") as functions of the account state and realism. */

/** States in which a running-campaign guard (`campaignDeleteRefusesRunning`) refuses a DELETE. */
export const RUNNING_STATUSES = ['Active', 'Scheduled', 'Rescheduled', 'Paused'];

const FILTER_STATUSES = ['Active', 'Completed', 'Ready', 'Paused', 'Preparing', 'Stopped', 'Scheduled', 'Rescheduled'];
const SORT_KEYS = ['name', 'createdAt', 'updatedAt'] as const;

function find(ctx: ApiContext, id: string): EmuCampaign | Reply {
  return ctx.state.campaigns.get(id) ?? entityNotFound(ctx.realism.notFoundStyle, `Campaign ${id} not found`);
}

function isReply(x: EmuCampaign | Reply): x is Reply {
  return 'status' in x && typeof x.status === 'number' && 'body' in x;
}

export function getCampaign(ctx: ApiContext, id: string): Reply {
  const c = find(ctx, id);
  if (isReply(c)) return c;
  return ok(`Campaign ${c.name} retrieved successfully`, campaignDetail(c));
}

/** DELETE needs `campaignType` (docs/kore-api.md, "Delete campaign"). Whether Kore detaches lists or refuses running campaigns: realism. */
export function deleteCampaign(ctx: ApiContext, id: string): Reply {
  const type = ctx.query.get('campaignType');
  if (type !== 'voice' && type !== 'sms') return koreError(400, 'campaignType must be voice or sms');
  const c = find(ctx, id);
  if (isReply(c)) return c;
  // Kore may look the campaign up by id and type together: the other type's DELETE then finds nothing.
  if (ctx.realism.campaignDeleteChecksType && c.campaignType !== type) return entityNotFound(ctx.realism.notFoundStyle, `Campaign ${id} not found`);
  if (ctx.realism.campaignDeleteRefusesRunning && RUNNING_STATUSES.includes(c.status)) {
    return koreError(400, `Campaign ${c.name} is ${c.status}; stop it before deleting it`);
  }
  ctx.state.campaigns.delete(c._id);
  if (ctx.realism.detachOnCampaignDelete) ctx.state.detachCampaign(c._id);
  return ok(`Campaign ${c.name} deleted successfully`, campaignDetail(c), true);
}

/** `POST V2/{id}/status?view=status|contacts` (docs/kore-api.md, "Status views"). */
export function campaignStatus(ctx: ApiContext, id: string): Reply {
  const view = ctx.query.get('view');
  if (view !== 'status' && view !== 'contacts') return koreError(400, 'view must be status or contacts');
  const c = find(ctx, id);
  if (isReply(c)) return c;
  if (view === 'status') return { status: 200, body: { status: 'success', data: { id: c._id, status: c.status, name: c.name } } };
  const page = intIn(ctx.body.page, 'page', 1, Number.MAX_SAFE_INTEGER, 1);
  if (typeof page !== 'number') return page;
  const limit = intIn(ctx.body.limit, 'limit', 1, 100, 10);
  if (typeof limit !== 'number') return limit;
  // The emulator holds no per-contact outcomes: an empty, well-formed page.
  return { status: 200, body: { status: 'success', data: { results: [], page, limit, totalPages: 0, totalResults: 0 } } };
}

/**
 * Start/stop (docs/kore-api.md, "Trigger paths"): `campaignType` and `trigger=play|stop` in the query, every
 * documented path. The replies have no success envelope; `status` is the campaign's state.
 */
export function triggerCampaign(ctx: ApiContext, id: string): Reply {
  const type = ctx.query.get('campaignType');
  if (type !== 'voice' && type !== 'sms') return koreError(400, 'campaignType must be voice or sms');
  const trigger = ctx.query.get('trigger');
  if (trigger !== 'play' && trigger !== 'stop') return koreError(400, 'trigger must be play or stop');
  const c = find(ctx, id);
  if (isReply(c)) return c;
  const now = ctx.state.iso();
  c.updatedAt = now;
  c.campaignInstanceUpdatedAt = now;
  const sms = c.campaignType === 'sms';
  if (trigger === 'play') {
    c.status = 'Active';
    c.campaignInstanceId = `cid-${randomUUID()}`;
    const body = sms
      ? { status: 'Active', message: 'Campaign Started', updatedAt: now }
      : { status: 'Active', message: 'Campaign Started', totalCallsCompleted: 0, updatedAt: now, campaignInstanceId: c.campaignInstanceId };
    return { status: 200, body, committed: true };
  }
  c.status = 'Stopped';
  const body = sms
    ? { status: 'Stopped', message: 'Campaign Stopped', updatedAt: now, campaignExecutionType: c.campaignExecutionType ?? 'NORMAL' }
    : { status: 'Stopped', message: 'Campaign Stopped', updatedAt: now, campaignInstanceId: c.campaignInstanceId ?? `cid-${randomUUID()}` };
  return { status: 200, body, committed: true };
}

/** `POST V2/schedule?enableSchedule=false&campaignName=` (docs/kore-api.md, "Disable schedule"): by name. */
export function disableSchedule(ctx: ApiContext): Reply {
  if (ctx.query.get('enableSchedule') !== 'false') return koreError(400, 'enableSchedule must be false (enabling is not emulated)');
  const name = ctx.query.get('campaignName');
  if (!name) return koreError(400, 'campaignName is required');
  const c = ctx.state.findCampaignByName(name);
  if (!c) return entityNotFound(ctx.realism.notFoundStyle, `Campaign ${name} not found`);
  c.schedule = { ...c.schedule, isSchedulingEnabled: false };
  ctx.state.touch(c);
  return { status: 200, body: { status: 'success', message: `Campaign ${c.name} schedule has been disabled successfully`, id: c._id }, committed: true };
}

/**
 * `POST V2/getAllCampaignDetails` (docs/kore-api.md, "getAllCampaignDetails", "Paging of the listings"). `type` is required. Paging: `limit` 1–100
 * (default 50), `page` ≥ 1, `skip` ≥ 0; each may be `""`. A `skip` > 0 wins over `page`
 * (Kore does not say which wins). Default order: as created; `sortBy` sorts on one key.
 */
export function getAllCampaigns(ctx: ApiContext): Reply {
  const b = ctx.body;
  const type = b.type;
  if (type !== 'voice' && type !== 'sms') return koreError(400, 'type is required and must be voice or sms');
  const limit = intIn(b.limit, 'limit', 1, 100, 50);
  if (typeof limit !== 'number') return limit;
  const page = intIn(b.page, 'page', 1, Number.MAX_SAFE_INTEGER, 1);
  if (typeof page !== 'number') return page;
  const skipIn = intIn(b.skip, 'skip', 0, Number.MAX_SAFE_INTEGER, 0);
  if (typeof skipIn !== 'number') return skipIn;
  const skip = skipIn > 0 ? skipIn : (page - 1) * limit;

  const filtered = filterCampaigns(ctx, type);
  if (!Array.isArray(filtered)) return filtered;
  const shown = filtered.slice(skip, skip + limit);
  const results = shown.map((c) => campaignResult(c, ctx.realism));
  // Another consumer ends some of the campaigns this page showed, right after it was sent.
  for (const c of shown.slice(0, ctx.realism.campaignSetShift)) {
    ctx.state.campaigns.delete(c._id);
    if (ctx.realism.detachOnCampaignDelete) ctx.state.detachCampaign(c._id);
  }
  return {
    status: 200,
    body: {
      status: 'success',
      message: 'Campaign  retrieved successfully',
      data: {
        results,
        skip,
        limit,
        hasMore: skip + results.length < filtered.length,
        totalPages: Math.ceil(filtered.length / limit),
        totalResults: filtered.length,
      },
    },
  };
}

function filterCampaigns(ctx: ApiContext, type: CampaignType): EmuCampaign[] | Reply {
  const b = ctx.body;
  let all = [...ctx.state.campaigns.values()].filter((c) => c.campaignType === type);
  const filters = b.filters ?? {};
  if (typeof filters !== 'object' || filters === null || Array.isArray(filters)) return koreError(400, 'filters must be an object');
  const f = filters as Record<string, unknown>;
  if (f.status !== undefined) {
    if (!Array.isArray(f.status) || !f.status.every((s) => typeof s === 'string' && FILTER_STATUSES.includes(s))) {
      return koreError(400, `filters.status must be an array of ${FILTER_STATUSES.join(', ')}`);
    }
    const wanted = f.status as string[];
    if (wanted.length) all = all.filter((c) => wanted.includes(c.status));
  }
  if (f.priority !== undefined) {
    if (!Array.isArray(f.priority) || !f.priority.every((p) => typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 5)) {
      return koreError(400, 'filters.priority must be an array of numbers 1-5');
    }
    const wanted = f.priority as number[];
    if (wanted.length) all = all.filter((c) => wanted.includes(Number(c.priority)));
  }
  if (f.dialingMode !== undefined && type === 'voice') {
    if (!Array.isArray(f.dialingMode) || !f.dialingMode.every((m) => typeof m === 'string'))
      return koreError(400, 'filters.dialingMode must be an array of strings');
    const wanted = f.dialingMode as string[];
    if (wanted.length) all = all.filter((c) => wanted.includes(c.dialingMode));
  }
  for (const [key, keep] of [
    ['startDate', (c: EmuCampaign, t: number) => Date.parse(c.createdAt) >= t],
    ['endDate', (c: EmuCampaign, t: number) => Date.parse(c.createdAt) <= t],
  ] as const) {
    const v = b[key];
    if (v === undefined || v === '') continue;
    const t = typeof v === 'string' ? Date.parse(v) : NaN;
    if (Number.isNaN(t)) return koreError(400, `${key} must be an ISO 8601 date`);
    all = all.filter((c) => keep(c, t));
  }
  if (b.sortBy !== undefined) {
    const sortBy = b.sortBy;
    if (typeof sortBy !== 'object' || sortBy === null || Array.isArray(sortBy)) return koreError(400, 'sortBy must be an object');
    const entries = Object.entries(sortBy);
    for (const [k, dir] of entries) {
      if (!(SORT_KEYS as readonly string[]).includes(k) || (dir !== 'asc' && dir !== 'desc')) {
        return koreError(400, 'sortBy takes name, createdAt or updatedAt with "asc" or "desc"');
      }
    }
    const [first] = entries;
    if (first) {
      const [k, dir] = first as [(typeof SORT_KEYS)[number], 'asc' | 'desc'];
      const sign = dir === 'asc' ? 1 : -1;
      all.sort((x, y) => sign * (k === 'name' ? x.lname.localeCompare(y.lname) : Date.parse(x[k]) - Date.parse(y[k])));
    }
  }
  return all;
}

/** `POST V2?campaignType=voice|sms` (docs/kore-api.md, "Create campaign ranges"): checks the documented ranges; the new campaign is `Preparing`. */
export function createCampaign(ctx: ApiContext): Reply {
  const b = ctx.body;
  const type = ctx.query.get('campaignType');
  if (type !== 'voice' && type !== 'sms') return koreError(400, 'campaignType must be voice or sms');
  const bad = checkText(ctx, { name: b.name, ...(b.description !== undefined ? { description: b.description } : {}) }, false);
  if (bad || typeof b.name !== 'string') return bad ?? koreError(400, 'name is required');
  if (ctx.state.findCampaignByName(b.name)) return koreError(400, `Campaign ${b.name} already exists`);
  const lists = Array.isArray(b.contactLists) ? b.contactLists.filter((x): x is string => typeof x === 'string') : [];
  for (const name of lists) if (!ctx.state.findListByName(name)) return koreError(400, `Contact list ${name} not found`);
  const dnc = (b.dncLists as { name?: unknown } | undefined)?.name;
  if (type === 'voice' && typeof dnc !== 'string') return koreError(400, 'dncLists.name is required for voice campaigns');
  if (typeof dnc === 'string' && !ctx.state.findListByName(dnc)) return koreError(400, `DNC list ${dnc} not found`);
  const priority = b.priority === undefined ? '5' : String(b.priority);
  if (!/^[1-5]$/.test(priority)) return koreError(400, 'priority must be "1" to "5"');
  const mode = b.dialingMode ?? 'Agentless';
  if (type === 'voice' && mode !== 'Agentless' && mode !== 'Progressive' && mode !== 'Preview') {
    return koreError(400, 'dialingMode must be Agentless, Progressive or Preview');
  }
  const strategy = (b.dialingStrategy ?? {}) as Record<string, unknown>;
  for (const [key, min, max] of [
    ['maxAttemptsPerRecord', 1, 100],
    ['defaultRetryPeriod', 1, 1440],
    ['maxRingTime', 5, 120],
  ] as const) {
    const v = strategy[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)) {
      return koreError(400, `dialingStrategy.${key} must be ${min}-${max}`);
    }
  }
  const schedule = (b.schedule ?? {}) as Record<string, unknown>;
  const c = ctx.state.addCampaign({
    name: b.name,
    campaignType: type,
    description: typeof b.description === 'string' ? b.description : '',
    contactLists: lists,
    ...(typeof dnc === 'string' ? { dncList: dnc } : {}),
    priority,
    ...(type === 'voice' ? { dialingMode: String(mode) } : {}),
    schedule: { isSchedulingEnabled: schedule.isSchedulingEnabled === true, isRecurrenceEnabled: schedule.isRecurrenceEnabled === true },
    status: 'Preparing',
  });
  return ok(`Campaign ${c.name} creation in progress`, { ...campaignDetail(c), id: c._id }, true);
}

/** An integer in [min, max], or `""`/absent for the default; anything else is Kore's 400 (docs/kore-api.md, "Errors"). */
function intIn(v: unknown, key: string, min: number, max: number, dflt: number): number | Reply {
  if (v === undefined || v === '' || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    return koreError(400, max === Number.MAX_SAFE_INTEGER ? `${key} must be an integer ≥ ${min}` : `${key} must be an integer from ${min} to ${max}`);
  }
  return v;
}
