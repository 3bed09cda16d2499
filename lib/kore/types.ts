/**
 * Shapes of Kore Campaign API v2 replies (docs/kore-api.md). Replies are kept as Kore sent them:
 * the fields a decision needs are checked where it is made (lib/guard), never filled in with
 * defaults, so a reply that lacks a flag cannot pass for one that says "false".
 */

/** A JSON object from Kore, as it arrived. */
export type KoreObject = Readonly<Record<string, unknown>>;

export interface KoreCredentials {
  /** https origin, checked against the host allowlist (lib/aws/secrets.ts). */
  host: string;
  clientId: string;
  clientSecret: string;
  /** 24 hex characters. */
  accountId: string;
  streamId: string;
  /** The `iid` header; defaults to streamId (the v2 samples send the stream id). */
  iid?: string;
  /** Signs our archive marks (lib/guard/archive-mark.ts); the client secret when absent. Never sent to Kore. */
  archiveKey?: string;
}

export type CampaignType = 'voice' | 'sms';

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
