import type {
  Campaign,
  ContactList,
  ContactListPatch,
  ContactListSummary,
  CreateContactListInput,
  UpdateContactListResult,
} from './types.js';

/** Per-call options: the Lambda deadline and a counter of HTTP calls made for one message. */
export interface CallOptions {
  /** Absolute epoch ms; no attempt starts that could not finish before it. */
  deadline?: number;
  /** Incremented once per HTTP request sent to Kore (retries included). */
  stats?: { koreCalls: number };
  /** Overrides the secret's default streamId (a command's `streamId`). */
  streamId?: string;
}

export interface DeleteResult<T> {
  /** false when Kore answered 404: already gone, which counts as done (idempotent delete). */
  deleted: boolean;
  /** The object Kore echoed back, for the audit log. */
  data?: T;
  message?: string;
}

/** The port the lifecycle and sweep code receive; HttpKoreClient is the one adapter. */
export interface KoreClient {
  getContactList(id: string, opts?: CallOptions): Promise<ContactList>;
  updateContactList(id: string, patch: ContactListPatch, opts?: CallOptions): Promise<UpdateContactListResult>;
  deleteContactList(id: string, opts?: CallOptions): Promise<DeleteResult<ContactList>>;
  createContactList(input: CreateContactListInput, opts?: CallOptions): Promise<ContactList>;
  listContactLists(opts?: CallOptions): Promise<ContactListSummary[]>;
  getCampaign(id: string, opts?: CallOptions): Promise<Campaign>;
  deleteCampaign(id: string, opts?: CallOptions & { campaignType?: 'voice' | 'sms' }): Promise<DeleteResult<Campaign>>;
}

/** DESIGN.md: in use if *either* flag says so (`isListInUse` can be false with campaigns attached). */
export function isListInUse(list: Pick<ContactListSummary, 'isListInUse' | 'campaignInUse'>): boolean {
  return list.isListInUse === true || (Array.isArray(list.campaignInUse) && list.campaignInUse.length > 0);
}

/** DNC and default lists are never deleted or renamed. */
export function isProtectedList(list: Pick<ContactListSummary, 'isGlobalDNC' | 'isDefault'>): boolean {
  return list.isGlobalDNC === true || list.isDefault === true;
}
