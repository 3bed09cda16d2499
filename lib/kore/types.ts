/** Shapes of Kore Campaign API v2 replies (seeds/ and REFERENCE.md §2). */

export interface CampaignRef {
  id: string;
  name: string;
}

export interface ContactListSummary {
  _id: string;
  name: string;
  description?: string;
  totalRecordCount?: number;
  status?: string;
  isListInUse: boolean;
  /** Objects `{id,name}` in samples, though Kore's table says "campaign IDs": accept both. */
  campaignInUse: CampaignRef[];
  isGlobalDNC?: boolean;
  isDefault?: boolean;
  listType?: string;
  source?: string;
  updatedAt?: string;
  [key: string]: unknown;
}

export interface ContactList extends ContactListSummary {
  isActive?: boolean;
  createdAt?: string;
  createdBy?: string;
  updatedBy?: string;
  lname?: string;
}

export interface Campaign {
  _id: string;
  name: string;
  status?: string;
  contactLists?: string[];
  dncLists?: { id?: string; name: string };
  [key: string]: unknown;
}

export interface UpdateContactListResult {
  contactListId: string;
  body: Record<string, unknown>;
}

export interface KoreCredentials {
  host: string;
  clientId: string;
  clientSecret: string;
  accountId: string;
  streamId: string;
  /** The `iid` header; defaults to streamId (the v2 samples send the stream id). */
  iid?: string;
}

export interface CreateContactListInput {
  name: string;
  description: string;
  source?: string;
  allowDuplicates?: boolean;
}

export interface ContactListPatch {
  name?: string;
  description?: string;
}
