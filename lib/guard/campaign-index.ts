import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { DeadlineError, StaleEvidenceError } from '../errors.js';
import type { CallOptions, CampaignPageQuery, KoreClient } from '../kore/client.js';
import { KoreUnexpectedReplyError } from '../kore/errors.js';
import type { CampaignType, KoreObject } from '../kore/types.js';
import type { DncRef } from './campaign.js';
import { campaignIdOf, readDncLists } from './campaign.js';

/** Which lists the account's campaigns name as their DNC list. */
export interface DncReferences {
  /** list id → campaign ids naming it in `dncLists`. */
  byId: ReadonlyMap<string, string[]>;
  /** list name, trimmed and lower-cased (`dncListKey`) → campaign ids (SMS campaigns name their DNC list only by name). */
  byName: ReadonlyMap<string, string[]>;
  /** Campaigns whose id or dncLists could not be read: while any exist, no DNC reference can be ruled out. */
  unreadable: readonly string[];
  /** Our clock: every campaign Kore had at this time is in the index (later changes may not be). */
  asOf: number;
}

export const NO_DNC_REFERENCES: DncReferences = { byId: new Map(), byName: new Map(), unreadable: [], asOf: 0 };

/** How a list name is compared with a campaign's DNC reference by name: trimmed, case-insensitive. */
export function dncListKey(name: string): string {
  return name.trim().toLowerCase();
}

/**
 * What a write needs from the index: a list DELETE, which Kore may refuse itself, or a rename
 * (a PUT), which Kore never refuses. Each has its own bound on the index's age at the write.
 */
export type DncPurpose = 'delete' | 'rename';

const TYPES: readonly CampaignType[] = ['voice', 'sms'];

/**
 * getAllCampaignDetails page size. Kore documents no maximum (docs/kore-api.md, "Paging of the listings"); its
 * samples use 50 and the only range it documents on a campaign route is 1–100. Pages are taken
 * by what came back (`skip` = campaigns received), so a Kore that returns fewer costs more pages,
 * never a campaign.
 */
export const CAMPAIGN_PAGE_SIZE = 100;
/** Each page re-reads the last few campaigns of the previous one: they anchor the next page. */
const OVERLAP = 5;
/** Anchors missing from a page: step back at most this often before reading the type again. */
const MAX_STEP_BACKS = 4;
/** A type whose count or order kept moving is read again at most this often, then the read fails (retryable). */
const MAX_RESTARTS = 2;

interface Entry {
  type: CampaignType;
  /** Undefined: the campaign's `dncLists` could not be read. */
  dnc?: DncRef[];
}

/** Where one paged read of one type stands: resumable across invocations. */
interface Cursor {
  skip: number;
  /** Ids of the last campaigns read, in order: the next page must contain one of them. */
  anchors: string[];
  stepBacks: number;
}

interface TypeRead {
  cursor: Cursor;
  /** Ids read by this pass. */
  seen: Set<string>;
  /** Kore's count of the type on the last page read. */
  total?: number;
  done: boolean;
  restarts: number;
}

/** A full read of the account's campaigns, in progress. */
interface FullRead {
  /** Our clock when it started: the index it builds is "as of" then. */
  startedAt: number;
  /** Kore's newest `updatedAt` per type when it started (null: none), from a page sorted by updatedAt. */
  probes: Partial<Record<CampaignType, number | null>>;
  reads: Record<CampaignType, TypeRead>;
  entries: Map<string, Entry>;
  anonymous: number;
  /** Campaigns Kore said were gone before this read started: its result proves whether they are. */
  proves: Set<string>;
  /** A refresh that reads only the types without deltas: not the periodic full read. */
  partial?: boolean;
}

interface StreamState {
  /** Present once a full read completed. */
  entries?: Map<string, Entry>;
  /** Results without an id: no reference can be ruled out while the last full read saw any. */
  anonymous: number;
  asOf: number;
  /** Kore's `updatedAt` high-water mark per type (null: no campaign of that type seen). */
  watermark: Record<CampaignType, number | null>;
  /** Kore sorts by updatedAt and every result carries it: a delta read can refresh the index. */
  deltaUsable: Record<CampaignType, boolean>;
  lastFullAt: number;
  building?: FullRead;
  view?: DncReferences;
  inflight?: Promise<unknown>;
}

export interface CampaignIndexOptions {
  /** DNC_MAX_AGE_SECONDS: the index's largest age at a list DELETE. */
  deleteMaxAgeMs: number;
  /** DNC_RENAME_MAX_AGE_SECONDS: its largest age at a rename. */
  renameMaxAgeMs: number;
  /**
   * How long before the write the index is made fresh: the calls between (a GET or the batch's
   * listing, then the write) at the client's pace, plus a reply. `assertFresh` enforces the bound
   * itself at the write; this only keeps it from firing.
   */
  headroomMs: number;
  /** CAMPAIGN_FULL_READ_HOURS: a full read again after this long (drops deleted campaigns, catches edits a delta cannot see). */
  fullReadEveryMs: number;
  clock?: Clock;
  pageSize?: number;
}

/** The index was older than its bound at the write: the write did not happen (retryable). */
export class StaleIndexError extends StaleEvidenceError {}

/** The campaign set changed too much between pages to read it whole: read again on the next attempt (retryable). */
export class CampaignSetMovedError extends KoreUnexpectedReplyError {
  constructor(message: string) {
    super(`${message}: read again on the next attempt`, { operation: 'campaignPage' });
  }
}

/**
 * The account's campaigns, reduced to their DNC references and their type, per bot, per
 * container. Its cost follows the work, not the account (docs/safety-model.md, "What evidence
 * costs"):
 *
 * - **Built once per container** by a full read: one page sorted by updatedAt per type (Kore's
 *   newest change, the delta's starting point), then every campaign sorted by createdAt, 100 a
 *   page. The read is resumable: a page read is never lost, so an invocation that runs out of
 *   time leaves the rest to the next one, and no account size stops the consumer.
 * - **Kept fresh by deltas**: before a write whose bound (delete / rename) the index is older
 *   than, one page per type sorted by updatedAt (newest first), read until a campaign older than
 *   the high-water mark: 2 calls whatever the account's size. Where Kore does not sort or leaves
 *   updatedAt out, a full read takes the delta's place (and costs what the account's size does).
 * - **Read again in full** every `fullReadEveryMs` (deleted campaigns drop out; an edit that did
 *   not move updatedAt is seen).
 *
 * Paging cannot skip a campaign when the set moves between pages: each page starts a few
 * campaigns before the last one read, and must contain one of them; when none is there the set
 * shrank ahead of the cursor, so the read steps back, and after a few misses reads the type
 * again. A read that ends with fewer campaigns than Kore's own count is read again, then fails
 * (retryable) rather than hand out an index with a hole.
 */
export class CampaignIndex {
  private readonly states = new Map<string, StreamState>();
  private readonly clock: Clock;
  private readonly pageSize: number;

  constructor(
    private readonly kore: KoreClient,
    private readonly opts: CampaignIndexOptions,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.pageSize = opts.pageSize ?? CAMPAIGN_PAGE_SIZE;
  }

  private state(streamId?: string): StreamState {
    const k = streamId ?? '';
    let s = this.states.get(k);
    if (!s) {
      s = { anonymous: 0, asOf: 0, watermark: { voice: null, sms: null }, deltaUsable: { voice: true, sms: true }, lastFullAt: 0 };
      this.states.set(k, s);
    }
    return s;
  }

  private maxAgeMs(purpose: DncPurpose): number {
    return purpose === 'rename' ? this.opts.renameMaxAgeMs : this.opts.deleteMaxAgeMs;
  }

  /** The index is built (a full read completed) for this bot. */
  complete(streamId?: string): boolean {
    return this.state(streamId).entries !== undefined;
  }

  /** How old the index is now (ms), or Infinity before it is built. */
  ageMs(streamId?: string): number {
    const s = this.state(streamId);
    return s.entries ? this.clock.now() - s.asOf : Number.POSITIVE_INFINITY;
  }

  private needsRefresh(s: StreamState, purpose: DncPurpose): boolean {
    return this.olderThanBound(s.asOf, purpose);
  }

  /** An index as of `asOf` is too old to serve a write of this kind now, with the headroom the write still needs. */
  private olderThanBound(asOf: number, purpose: DncPurpose): boolean {
    return this.clock.now() - asOf > Math.max(0, this.maxAgeMs(purpose) - this.opts.headroomMs);
  }

  /**
   * Kore calls the next `references(opts, purpose)` should spend: the rest of a full read while
   * the index is being built (an estimate from Kore's counts), a delta (2) when it is too old for
   * the purpose, else 0. What the consumer's admission counts for a record.
   */
  callsToEnsure(streamId: string | undefined, purpose: DncPurpose): number {
    const s = this.state(streamId);
    // A first read that is already older than the bound allows (it is as of when it started) ends with a delta.
    if (!s.entries) return this.fullReadCalls(s.building) + (s.building && this.olderThanBound(s.building.startedAt, purpose) ? TYPES.length : 0);
    if (s.building?.partial && this.needsRefresh(s, purpose)) return this.fullReadCalls(s.building);
    if (!this.needsRefresh(s, purpose)) return 0;
    // A delta (1 page) per type that has them, the whole of a type that does not.
    const step = Math.max(1, this.pageSize - OVERLAP);
    let calls = 0;
    for (const t of TYPES) {
      if (s.deltaUsable[t]) calls += 1;
      else calls += 1 + Math.ceil([...s.entries.values()].filter((e) => e.type === t).length / step);
    }
    return calls;
  }

  private fullReadCalls(b: FullRead | undefined, knownCampaigns = 0): number {
    const step = Math.max(1, this.pageSize - OVERLAP);
    if (!b) return TYPES.length + Math.ceil(knownCampaigns / step);
    let calls = 0;
    for (const t of TYPES) {
      const r = b.reads[t];
      // The probe may hold the whole type; what is left after it is known once it answered.
      if (b.probes[t] === undefined) {
        calls++;
        continue;
      }
      if (r.done) continue;
      calls += r.total === undefined ? 1 : Math.max(1, Math.ceil(Math.max(0, r.total - r.cursor.skip) / step));
    }
    return calls;
  }

  /**
   * The DNC references, fresh enough for `purpose`: built or refreshed first when needed.
   * Throws a DeadlineError when the invocation cannot finish the read (what was read is kept).
   */
  async references(opts: CallOptions, purpose: DncPurpose): Promise<DncReferences> {
    const s = this.state(opts.streamId);
    await this.serialize(s, async () => {
      if (!s.entries) {
        await this.build(s, opts);
        // The new index is as of when its read started: on a large account at Kore's pace (56
        // pages take 134 s at 5,000 campaigns) it can end older than the write's bound. A delta
        // (2 calls) makes it fresh; without it the write would be refused as stale, its calls spent.
        if (this.needsRefresh(s, purpose) && TYPES.some((t) => s.deltaUsable[t])) await this.refresh(s, opts);
      } else if (this.needsRefresh(s, purpose)) await this.refresh(s, opts);
      else if (this.clock.now() - s.lastFullAt > this.opts.fullReadEveryMs && (!opts.deadline || this.kore.fits(1, opts.deadline))) {
        // Due for a full read: one page per call, alongside the work, while the index in hand serves.
        await this.build(s, opts, 1).catch((err: unknown) => {
          if (!(err instanceof DeadlineError)) throw err;
        });
      }
    });
    return this.view(s);
  }

  /** Refreshes now whatever the index's age (a delta, or a full read where deltas do not work). */
  async refreshNow(opts: CallOptions): Promise<void> {
    const s = this.state(opts.streamId);
    await this.serialize(s, () => (s.entries ? this.refresh(s, opts) : this.build(s, opts)));
  }

  /**
   * The largest age the index may have at the write. A bound shorter than the headroom (0: "a
   * confirmation before every write") cannot be met literally: the confirmation comes before
   * the write's evidence read, so the write is at least that read and its own slot later. Such
   * a bound refreshes before every write (`needsRefresh`) and holds the write to the headroom.
   */
  private writeBoundMs(purpose: DncPurpose): number {
    return Math.max(this.maxAgeMs(purpose), this.opts.headroomMs);
  }

  /**
   * Right before a write: the index must be within its bound now. Throws a StaleIndexError
   * (retryable, nothing written) when it is not, e.g. when the calls before the write took longer
   * than the headroom allowed for.
   */
  assertFresh(streamId: string | undefined, purpose: DncPurpose): void {
    const s = this.state(streamId);
    const age = s.entries ? this.clock.now() - s.asOf : Number.POSITIVE_INFINITY;
    if (age > this.writeBoundMs(purpose)) {
      throw new StaleIndexError(
        `the DNC references are ${Math.round(age / 1000)} s old at the ${purpose}, over its bound of ${Math.round(this.writeBoundMs(purpose) / 1000)} s: nothing was written`,
      );
    }
  }

  /** The campaign's type, where a listing of that type returned it (undefined when the index does not hold it). */
  typeOf(campaignId: string, streamId?: string): CampaignType | undefined {
    return this.state(streamId).entries?.get(campaignId)?.type;
  }

  /** Whether the built index holds the campaign (undefined before it is built). */
  has(campaignId: string, streamId?: string): boolean | undefined {
    const e = this.state(streamId).entries;
    return e ? e.has(campaignId) : undefined;
  }

  /** We deleted it (Kore said so): drop it, so a duplicate command finds it gone without a full read. */
  forget(campaignId: string, streamId?: string): void {
    const s = this.state(streamId);
    if (s.entries?.delete(campaignId)) s.view = undefined;
  }

  /**
   * Proves a campaign gone after Kore's 404 for it: absent from the built index (it never existed
   * since the last full read), or absent from a full read made now (resumable: a DeadlineError
   * leaves the rest to the next receive). The rare path: a duplicate command, a redelivery.
   */
  async confirmAbsent(campaignId: string, opts: CallOptions): Promise<boolean> {
    const s = this.state(opts.streamId);
    await this.serialize(s, async () => {
      if (!s.entries) return this.build(s, opts);
      if (!s.entries.has(campaignId)) return;
      // A read that started before this 404 may have seen the campaign: only one started after it proves anything.
      if (!s.building?.proves.has(campaignId)) s.building = { ...this.newFullRead(), proves: new Set([campaignId]) };
      await this.build(s, opts);
    });
    return !s.entries!.has(campaignId);
  }

  /** One thing at a time per bot: records run one after another, but a caller may not. */
  private async serialize(s: StreamState, fn: () => Promise<void>): Promise<void> {
    while (s.inflight) await s.inflight.catch(() => undefined);
    const p = fn();
    s.inflight = p;
    try {
      await p;
    } finally {
      if (s.inflight === p) s.inflight = undefined;
    }
  }

  private view(s: StreamState): DncReferences {
    if (s.view) return s.view;
    const byId = new Map<string, string[]>();
    const byName = new Map<string, string[]>();
    const unreadable: string[] = [];
    const add = (map: Map<string, string[]>, key: string, campaign: string) => map.set(key, [...(map.get(key) ?? []), campaign]);
    for (const [id, e] of s.entries ?? []) {
      if (!e.dnc) {
        unreadable.push(id);
        continue;
      }
      for (const ref of e.dnc) {
        if (ref.id) add(byId, ref.id, id);
        if (ref.name) add(byName, dncListKey(ref.name), id);
      }
    }
    for (let i = 0; i < s.anonymous; i++) unreadable.push('(a campaign without an id)');
    s.view = { byId, byName, unreadable, asOf: s.asOf };
    return s.view;
  }

  private newFullRead(startedAt = this.clock.now()): FullRead {
    const read = (): TypeRead => ({ cursor: { skip: 0, anchors: [], stepBacks: 0 }, seen: new Set(), done: false, restarts: 0 });
    return { startedAt, probes: {}, reads: { voice: read(), sms: read() }, entries: new Map(), anonymous: 0, proves: new Set() };
  }

  /**
   * Makes the index fresh, type by type: a delta (1 page) for a type whose results Kore sorts and
   * dates, a full read of only that type for one it does not (Kore documents no `updatedAt` on SMS
   * results: docs/kore-api.md), the other type kept as its delta just left it.
   */
  private async refresh(s: StreamState, opts: CallOptions): Promise<void> {
    if (s.building?.partial) return this.build(s, opts); // a refresh read in progress goes on
    const startedAt = this.clock.now();
    const whole: CampaignType[] = [];
    for (const t of TYPES) {
      if (s.deltaUsable[t] && (await this.delta(s, t, opts))) continue;
      // Kore did not sort, or left updatedAt out: only a read of the whole type makes it fresh.
      s.deltaUsable[t] = false;
      whole.push(t);
    }
    if (whole.length === 0) {
      s.asOf = startedAt;
      s.view = undefined;
      return;
    }
    // (A periodic full read going on in the background is as of when it started: it gives way.)
    s.building = { ...this.newFullRead(startedAt), partial: whole.length < TYPES.length };
    for (const t of TYPES.filter((x) => !whole.includes(x))) {
      // Fresh from its delta: carried into the new index as it is.
      s.building.probes[t] = s.watermark[t];
      s.building.reads[t].done = true;
      for (const [id, e] of s.entries ?? []) if (e.type === t) s.building.entries.set(id, e);
    }
    s.building.anonymous = s.anonymous;
    return this.build(s, opts);
  }

  /**
   * Reads one type's campaigns changed since the high-water mark, newest first, into the index.
   * Returns false when the replies cannot prove completeness (unsorted, or no updatedAt).
   */
  private async delta(s: StreamState, type: CampaignType, opts: CallOptions): Promise<boolean> {
    const cursor: Cursor = { skip: 0, anchors: [], stepBacks: 0 };
    const mark = s.watermark[type];
    let newest = mark;
    for (;;) {
      const page = await this.page(type, { updatedAt: 'desc' }, cursor, opts);
      if (page === 'moved') continue;
      const times = page.results.map(updatedAtOf);
      if (!times.every((t, i) => t !== undefined && (i === 0 || t <= times[i - 1]!))) return false;
      for (const raw of page.results) this.upsert(s.entries!, raw, type);
      if (times.length) newest = Math.max(newest ?? Number.NEGATIVE_INFINITY, times[0]!);
      const oldest = times.at(-1);
      if (!page.hasMore || (mark !== null && oldest !== undefined && oldest < mark)) break;
    }
    s.watermark[type] = newest;
    return true;
  }

  /**
   * Runs (or continues) a full read. `maxPages` bounds the pages read now (a background read);
   * without it the read goes on until done, or throws a DeadlineError when no more fits.
   */
  private async build(s: StreamState, opts: CallOptions, maxPages = Number.POSITIVE_INFINITY): Promise<void> {
    const b = (s.building ??= this.newFullRead());
    let pages = 0;
    const room = () => {
      if (pages >= maxPages) return false;
      if (opts.deadline && !this.kore.fits(1, opts.deadline)) {
        throw new DeadlineError(
          `the campaign index is being built (${b.entries.size} campaigns read; about ${this.fullReadCalls(b)} calls to go): continued by the next invocation`,
        );
      }
      return true;
    };
    for (const type of TYPES) {
      if (b.probes[type] === undefined) {
        if (!room()) return;
        pages++;
        b.probes[type] = await this.probe(s, b, type, opts);
      }
      const r = b.reads[type];
      while (!r.done) {
        if (!room()) return;
        pages++;
        let page;
        try {
          page = await this.page(type, { createdAt: 'asc' }, r.cursor, opts);
        } catch (err) {
          if (!(err instanceof CampaignSetMovedError) || ++r.restarts > MAX_RESTARTS) throw err;
          r.cursor = { skip: 0, anchors: [], stepBacks: 0 };
          continue;
        }
        if (page === 'moved') continue;
        for (const raw of page.results) {
          const id = this.upsert(b.entries, raw, type);
          if (id) r.seen.add(id);
          else b.anonymous++;
        }
        if (page.totalResults !== undefined) r.total = page.totalResults;
        if (page.hasMore) continue;
        if (r.total !== undefined && r.seen.size < r.total) {
          // Kore counts more campaigns than the read found: a hole. Read the type again.
          if (++r.restarts > MAX_RESTARTS) {
            s.building = undefined;
            throw new CampaignSetMovedError(`the ${type} campaigns kept moving while they were read (${r.seen.size} read, Kore counts ${r.total})`);
          }
          r.cursor = { skip: 0, anchors: [], stepBacks: 0 };
          continue;
        }
        r.done = true;
      }
    }
    // Done: the new index replaces the old one, as of when this read started.
    s.entries = b.entries;
    s.anonymous = b.anonymous;
    s.asOf = b.startedAt;
    if (!b.partial) s.lastFullAt = this.clock.now();
    for (const t of TYPES) s.watermark[t] = b.probes[t] ?? null;
    s.building = undefined;
    s.view = undefined;
  }

  /**
   * Kore's newest change of a type, from one page sorted by updatedAt; also learns whether deltas
   * work. A type whose campaigns all fit that page is read whole by it (2 calls for an account
   * with up to 100 voice and 100 SMS campaigns).
   */
  private async probe(s: StreamState, b: FullRead, type: CampaignType, opts: CallOptions): Promise<number | null> {
    const page = await this.kore.campaignPage(type, { skip: 0, limit: this.pageSize, sortBy: { updatedAt: 'desc' } }, opts);
    const times = page.results.map(updatedAtOf);
    s.deltaUsable[type] = times.every((t, i) => t !== undefined && (i === 0 || t <= times[i - 1]!));
    const r = b.reads[type];
    for (const raw of page.results) {
      const id = this.upsert(b.entries, raw, type);
      if (id) r.seen.add(id);
      else b.anonymous++;
    }
    if (!page.hasMore && (page.totalResults === undefined || r.seen.size >= page.totalResults)) r.done = true;
    return times.length && s.deltaUsable[type] ? times[0]! : null;
  }

  /**
   * One page after the cursor. The page starts OVERLAP campaigns before the end of the previous
   * one and must contain one of that page's campaigns (the anchors): when none is there, enough
   * campaigns before the cursor were deleted that this page may have skipped some, so the cursor
   * steps back a page ('moved'). From skip 0 nothing can have been skipped.
   */
  private async page(
    type: CampaignType,
    sortBy: CampaignPageQuery['sortBy'],
    cursor: Cursor,
    opts: CallOptions,
  ): Promise<{ results: KoreObject[]; hasMore: boolean; totalResults?: number } | 'moved'> {
    const page = await this.kore.campaignPage(type, { skip: cursor.skip, limit: this.pageSize, ...(sortBy ? { sortBy } : {}) }, opts);
    const ids = page.results.map(campaignIdOf);
    if (cursor.skip > 0 && cursor.anchors.length > 0 && !ids.some((id) => id !== undefined && cursor.anchors.includes(id))) {
      if (++cursor.stepBacks > MAX_STEP_BACKS) throw new CampaignSetMovedError(`the ${type} campaigns moved too much between pages to page through them`);
      cursor.skip = Math.max(0, cursor.skip - (this.pageSize - OVERLAP));
      return 'moved';
    }
    const overlap = Math.min(OVERLAP, Math.floor(page.results.length / 2));
    cursor.anchors = ids.filter((id): id is string => id !== undefined);
    cursor.skip += Math.max(1, page.results.length - overlap);
    cursor.stepBacks = 0;
    return page;
  }

  /** Adds or replaces one campaign; returns its id (undefined when it has none). */
  private upsert(entries: Map<string, Entry>, raw: KoreObject, type: CampaignType): string | undefined {
    const id = campaignIdOf(raw);
    if (!id) return undefined;
    const dnc = readDncLists(raw);
    entries.set(id, { type, ...(dnc.ok ? { dnc: dnc.refs } : {}) });
    return id;
  }
}

function updatedAtOf(raw: KoreObject): number | undefined {
  const v = raw.updatedAt;
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : undefined;
}
