import type { Deadline } from '../../lib/deadline';
import type { CallOptions, CampaignPage, CampaignPageQuery, DeleteResult, KoreClient, ListScan } from '../../lib/kore/client';
import { KoreNotFoundError } from '../../lib/kore/errors';
import type { CampaignType, ContactListPatch, CreateContactListInput, KoreObject } from '../../lib/kore/types';

type Op =
  | 'getContactList'
  | 'updateContactList'
  | 'deleteContactList'
  | 'createContactList'
  | 'listContactLists'
  | 'scanContactLists'
  | 'getCampaign'
  | 'deleteCampaign'
  | 'campaignPage';

/**
 * An in-memory KoreClient for unit tests, injected through the deps: lists and campaigns as Kore
 * would return them, every call recorded, and per-operation overrides to script failures.
 */
export class FakeKore implements KoreClient {
  readonly lists = new Map<string, Record<string, unknown>>();
  readonly campaigns = new Map<string, Record<string, unknown>>();
  readonly calls: Array<{ op: Op; id?: string; body?: unknown }> = [];
  /** Throw or answer differently for an operation (called instead of the default behaviour). */
  readonly overrides: Partial<Record<Op, (id?: string) => unknown>> = {};
  /** Answer for `fits()`. */
  fitsAnswer = true;
  /** Lose the reply of the next DELETE: it is applied, then the call throws as a network error would, and the retry sees 404. */
  deleteAfterLostReply = false;

  /** Kore's clock: a PUT sets the list's `updatedAt`, as Kore does. */
  now: () => number = () => Date.now();

  constructor(seed: { lists?: KoreObject[]; campaigns?: KoreObject[] } = {}) {
    for (const l of seed.lists ?? []) this.lists.set(String(l._id), { ...l });
    for (const c of seed.campaigns ?? []) this.campaigns.set(String(c._id ?? c.id), { ...c });
  }

  private record(op: Op, opts: CallOptions | undefined, id?: string, body?: unknown): (() => unknown) | undefined {
    this.calls.push({ op, ...(id ? { id } : {}), ...(body !== undefined ? { body } : {}) });
    if (opts?.stats) opts.stats.koreCalls++;
    const o = this.overrides[op];
    return o ? () => o(id) : undefined;
  }

  writes(): string[] {
    return this.calls
      .filter((c) => ['updateContactList', 'deleteContactList', 'deleteCampaign', 'createContactList'].includes(c.op))
      .map((c) => `${c.op} ${c.id ?? ''}`.trim());
  }

  fits(_calls: number, _deadline: Deadline): boolean {
    return this.fitsAnswer;
  }

  /** Answer for `nextCallInMs()`. */
  nextCallIn = 0;
  nextCallInMs(): number {
    return this.nextCallIn;
  }

  async getContactList(id: string, opts?: CallOptions): Promise<KoreObject> {
    const o = this.record('getContactList', opts, id);
    if (o) return o() as KoreObject;
    const l = this.lists.get(id);
    if (!l) throw new KoreNotFoundError(`getContactList: 404`, { status: 404, operation: 'getContactList' });
    return { ...l };
  }

  async updateContactList(id: string, patch: ContactListPatch, opts?: CallOptions): Promise<KoreObject | undefined> {
    const o = this.record('updateContactList', opts, id, patch);
    if (o) return o() as KoreObject;
    const l = this.lists.get(id);
    if (!l) throw new KoreNotFoundError(`updateContactList: 404`, { status: 404, operation: 'updateContactList' });
    Object.assign(l, patch, { updatedAt: new Date(this.now()).toISOString() });
    return { contactListId: id, body: patch };
  }

  async deleteContactList(id: string, opts?: CallOptions): Promise<DeleteResult> {
    const o = this.record('deleteContactList', opts, id);
    if (o) return o() as DeleteResult;
    const l = this.lists.get(id);
    if (this.deleteAfterLostReply) {
      this.deleteAfterLostReply = false;
      this.lists.delete(id);
      return { deleted: false, afterLostReply: true };
    }
    if (!l) return { deleted: false, afterLostReply: false };
    this.lists.delete(id);
    return { deleted: true, data: { ...l, isActive: true } };
  }

  async createContactList(input: CreateContactListInput, opts?: CallOptions): Promise<KoreObject> {
    this.record('createContactList', opts, undefined, input);
    throw new Error(`not used in these tests: ${input.name}`);
  }

  async listContactLists(opts?: CallOptions): Promise<KoreObject[]> {
    const o = this.record('listContactLists', opts);
    if (o) return o() as KoreObject[];
    return [...this.lists.values()].map((l) => ({ ...l }));
  }

  /** The lists whose JSON mentions a needle, as the streaming read returns them. */
  async scanContactLists(needles: readonly string[], opts?: CallOptions, limits?: { maxBytes?: number }): Promise<ListScan> {
    const o = this.record('scanContactLists', opts, needles.join(','), limits);
    if (o) return o() as ListScan;
    const all = [...this.lists.values()];
    return {
      lists: all.filter((l) => needles.some((n) => JSON.stringify(l).includes(n))).map((l) => ({ ...l })),
      seen: all.length,
      bytes: JSON.stringify(all).length,
    };
  }

  async getCampaign(id: string, opts?: CallOptions): Promise<KoreObject> {
    const o = this.record('getCampaign', opts, id);
    if (o) return o() as KoreObject;
    const c = this.campaigns.get(id);
    if (!c) throw new KoreNotFoundError(`getCampaign: 404`, { status: 404, operation: 'getCampaign' });
    return { ...c };
  }

  async deleteCampaign(id: string, opts: CallOptions & { campaignType: CampaignType }): Promise<DeleteResult> {
    const o = this.record('deleteCampaign', opts, `${id}?${opts.campaignType}`);
    if (o) return o() as DeleteResult;
    const c = this.campaigns.get(id);
    if (!c) return { deleted: false, afterLostReply: false };
    this.campaigns.delete(id);
    return { deleted: true, data: { ...c } };
  }

  /** One page of one type, in insertion order or sorted as asked; `campaignType` on a campaign says its type (voice when absent). */
  async campaignPage(type: CampaignType, q: CampaignPageQuery, opts?: CallOptions): Promise<CampaignPage> {
    const o = this.record('campaignPage', opts, type, q);
    if (o) return o() as CampaignPage;
    let all = [...this.campaigns.values()].filter((c) => (c.campaignType ?? 'voice') === type);
    const sort = q.sortBy as Record<string, 'asc' | 'desc'> | undefined;
    const [key, dir] = sort ? Object.entries(sort)[0]! : [];
    if (key) all = [...all].sort((a, b) => (dir === 'asc' ? 1 : -1) * (Date.parse(String(a[key])) - Date.parse(String(b[key]))));
    const results = all.slice(q.skip, q.skip + q.limit).map((c) => ({ ...c }));
    return { results, hasMore: q.skip + results.length < all.length, totalResults: all.length };
  }
}
