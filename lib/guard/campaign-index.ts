import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { CallOptions, KoreClient } from '../kore/client.js';
import type { CampaignType } from '../kore/types.js';
import { campaignIdOf, readDncLists } from './campaign.js';

/** Which lists the account's campaigns name as their DNC list. */
export interface DncReferences {
  /** list id → campaign ids naming it in `dncLists`. */
  byId: ReadonlyMap<string, string[]>;
  /** lower-cased list name → campaign ids (SMS campaigns name their DNC list only by name). */
  byName: ReadonlyMap<string, string[]>;
  /** Every campaign id seen (voice and SMS). */
  campaignIds: ReadonlySet<string>;
  /** Campaigns whose id or dncLists could not be read: while any exist, no DNC reference can be ruled out. */
  unreadable: readonly string[];
  fetchedAt: number;
}

export const NO_DNC_REFERENCES: DncReferences = { byId: new Map(), byName: new Map(), campaignIds: new Set(), unreadable: [], fetchedAt: 0 };

const TYPES: readonly CampaignType[] = ['voice', 'sms'];

/**
 * The account's campaigns, reduced to their DNC references, cached per container for
 * CAMPAIGN_CACHE_SECONDS (per bot). Cost: one getAllCampaignDetails call per page (50
 * campaigns) and type, i.e. 2 calls for an account with up to 50 voice and 50 SMS campaigns,
 * once per cache period: at the default 300 s and 25 calls/min that is under 2 % of the budget.
 */
export class CampaignIndex {
  private readonly entries = new Map<string, { refs: DncReferences; calls: number }>();
  private readonly inflight = new Map<string, Promise<DncReferences>>();
  private readonly clock: Clock;

  constructor(
    private readonly kore: KoreClient,
    private readonly opts: { ttlMs: number; clock?: Clock },
  ) {
    this.clock = opts.clock ?? systemClock;
  }

  private key(streamId?: string): string {
    return streamId ?? '';
  }

  private fresh(streamId?: string): DncReferences | undefined {
    const e = this.entries.get(this.key(streamId));
    return e && this.clock.now() - e.refs.fetchedAt < this.opts.ttlMs ? e.refs : undefined;
  }

  /** Kore calls the next `references()` will spend: 0 when the cache is fresh, else what the last read cost. */
  callsToRefresh(streamId?: string): number {
    if (this.fresh(streamId)) return 0;
    return Math.max(TYPES.length, this.entries.get(this.key(streamId))?.calls ?? 0);
  }

  /** The references, from the cache or freshly read (`force`: always read, e.g. to confirm a campaign is gone). */
  references(opts: CallOptions = {}, force = false): Promise<DncReferences> {
    const cached = force ? undefined : this.fresh(opts.streamId);
    if (cached) return Promise.resolve(cached);
    const k = this.key(opts.streamId);
    const running = this.inflight.get(k);
    if (running) return running;
    const p = this.load(opts).finally(() => this.inflight.delete(k));
    this.inflight.set(k, p);
    return p;
  }

  private async load(opts: CallOptions): Promise<DncReferences> {
    const byId = new Map<string, string[]>();
    const byName = new Map<string, string[]>();
    const campaignIds = new Set<string>();
    const unreadable: string[] = [];
    // Count this load's calls apart, to know what the next refresh will cost.
    const local = { koreCalls: 0 };
    const o: CallOptions = { ...opts, stats: local };
    let calls = 0;
    const add = (map: Map<string, string[]>, key: string, campaign: string) => map.set(key, [...(map.get(key) ?? []), campaign]);
    for (const type of TYPES) {
      let results;
      try {
        results = await this.kore.listCampaigns(type, o);
      } finally {
        if (opts.stats) opts.stats.koreCalls += local.koreCalls;
        calls += local.koreCalls;
        local.koreCalls = 0;
      }
      for (const raw of results) {
        const id = campaignIdOf(raw);
        const dnc = readDncLists(raw);
        if (!id || !dnc.ok) {
          unreadable.push(id ?? '(a campaign without an id)');
          continue;
        }
        campaignIds.add(id);
        for (const ref of dnc.refs) {
          if (ref.id) add(byId, ref.id, id);
          if (ref.name) add(byName, ref.name.toLowerCase(), id);
        }
      }
    }
    const refs: DncReferences = { byId, byName, campaignIds, unreadable, fetchedAt: this.clock.now() };
    this.entries.set(this.key(opts.streamId), { refs, calls: Math.max(TYPES.length, calls) });
    return refs;
  }
}
