import type { Deadline } from '../deadline.js';
import type { CampaignType, ContactListPatch, CreateContactListInput, KoreObject } from './types.js';

export interface CallStats {
  /** Incremented once per HTTP request sent to Kore (retries included). */
  koreCalls: number;
  /** Of those, the ones Kore answered 429 (its account-wide window was full): the dashboard's measure of the budget. */
  koreThrottled?: number;
}

/** Per-call options: the invocation's deadline, a counter of HTTP calls, a bot override. */
export interface CallOptions {
  /** No attempt starts that could not finish before it; its signal aborts the I/O. */
  deadline?: Deadline;
  stats?: CallStats;
  /** Overrides the secret's default streamId (a command's `streamId`, checked against the allowlist first). */
  streamId?: string;
  /**
   * Runs right before each attempt is sent (after the limiter's wait, retries included): a write
   * re-checks that its evidence is still within its bound, and throws (nothing sent) when not.
   */
  beforeAttempt?: () => void;
}

export type DeleteResult =
  /** Kore answered 2xx: `data` is the object it echoed (absent in the older reply shape). */
  | { deleted: true; data?: KoreObject; message?: string }
  /**
   * Kore answered 404 in its own JSON. `afterLostReply`: an earlier attempt of this same DELETE
   * got no reply (timeout, dropped connection), so it may be this DELETE that removed it.
   */
  | { deleted: false; afterLostReply: boolean; message?: string };

export interface ListScan {
  lists: KoreObject[];
  /** Lists in the reply. */
  seen: number;
  bytes: number;
}

export interface CampaignPageQuery {
  skip: number;
  limit: number;
  /** Kore documents `sortBy` with one key of name, createdAt, updatedAt and "asc" or "desc". */
  sortBy?: { createdAt: 'asc' | 'desc' } | { updatedAt: 'asc' | 'desc' };
}

export interface CampaignPage {
  results: KoreObject[];
  hasMore: boolean;
  /** Kore's count of every campaign of this type when it answered, if it said. */
  totalResults?: number;
}

/** The port the lifecycle and sweep code receive; HttpKoreClient is the one adapter, unit tests pass fakes. */
export interface KoreClient {
  getContactList(id: string, opts?: CallOptions): Promise<KoreObject>;
  updateContactList(id: string, patch: ContactListPatch, opts?: CallOptions): Promise<KoreObject | undefined>;
  deleteContactList(id: string, opts?: CallOptions): Promise<DeleteResult>;
  createContactList(input: CreateContactListInput, opts?: CallOptions): Promise<KoreObject>;
  /** getAllListDetails: every list of the account in one reply (Kore documents no paging), parsed whole. */
  listContactLists(opts?: CallOptions): Promise<KoreObject[]>;
  /**
   * getAllListDetails read as a stream: only the lists whose JSON contains one of `needles` (list
   * ids, a campaign id) are parsed and returned; the caller checks their fields. One call, and
   * memory for the matches only, whatever the account's size.
   */
  scanContactLists(needles: readonly string[], opts?: CallOptions, limits?: { maxBytes?: number }): Promise<ListScan>;
  getCampaign(id: string, opts?: CallOptions): Promise<KoreObject>;
  /** The type must be proven (where Kore listed the campaign): a wrong one may read as "not found". */
  deleteCampaign(id: string, opts: CallOptions & { campaignType: CampaignType }): Promise<DeleteResult>;
  /** One page of getAllCampaignDetails for one campaign type (the paging itself is the caller's: lib/guard/campaign-index.ts). */
  campaignPage(type: CampaignType, query: CampaignPageQuery, opts?: CallOptions): Promise<CampaignPage>;
  /**
   * Could `calls` more Kore calls be paced in and answered before the deadline? Answered from
   * the client's own limiter and timeout, so a record that cannot finish gives way before it
   * spends a call.
   */
  fits(calls: number, deadline: Deadline): boolean;
  /** How long until the next call could start (a 429's pause included): deferred records come back no sooner. */
  nextCallInMs(): number;
}
