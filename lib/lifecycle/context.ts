import type { OutgoingMessage } from '../aws/queue.js';
import type { DeletionMode } from '../config.js';
import type { Deadline } from '../deadline.js';
import { isRetryable, StaleEvidenceError } from '../errors.js';
import type { MarkKey } from '../guard/archive-mark.js';
import type { CampaignIndex, DncPurpose } from '../guard/campaign-index.js';
import { checkFresh } from '../guard/evidence.js';
import type { ListEvidence, VerifiedList } from '../guard/list.js';
import { checkList } from '../guard/list.js';
import type { Verdict } from '../guard/rules.js';
import type { CallOptions, CallStats, DeleteResult, KoreClient } from '../kore/client.js';
import { KoreNotFoundError, KoreUnexpectedReplyError } from '../kore/errors.js';
import type { CampaignType, KoreObject } from '../kore/types.js';
import type { AuditAction, AuditLog, AuditResult } from './audit.js';
import type { Outcome } from './outcome.js';
import { refused } from './outcome.js';
import type { ListSnapshot } from './snapshot.js';

/** What a command needs; built per record by the record handler. */
export interface CommandContext {
  kore: KoreClient;
  /** The account's campaigns (DNC references, types), per container. */
  campaigns: CampaignIndex;
  /** The invocation's deadline: every call carries it. */
  deadline: Deadline;
  /** Kore calls made for this record. */
  stats: CallStats;
  now(): number;
  /** CONSUMER_DRY_RUN: decide everything, write nothing. */
  dryRun: boolean;
  /** The batch's shared account listing, when the batch has several list.expired records that may delete. */
  listSnapshot?: ListSnapshot;
  limits: {
    maxCommandAgeHours: number;
    fanoutMaxLists: number;
    /**
     * How long after its evidence was read a write's attempt may still go out (the first or a
     * retry): what a write needs after the read at the configured pace (lib/time-budget.ts,
     * dncHeadroomMs). A later attempt is not sent: stale-evidence.
     */
    writeEvidenceMaxAgeMs: number;
  };
  /** Set by `audited` while its write is in flight: every attempt of the write runs it first. */
  beforeWriteAttempt?: () => void;
  /** DELETION_MODE and GRACE_DAYS: what list.expired may do. */
  deletion: { mode: DeletionMode; graceDays: number };
  /**
   * The SQS message this command came in. `sentAtMs`: SQS's SentTimestamp (an `occurredAt` after
   * it vouches for nothing: the producer could not have known then).
   */
  record: { messageId: string; eventId?: string; receiveCount: number; allowStale: boolean; sentAtMs?: number };
  /** The key our archive marks are signed with (from the secret). */
  markKey(): Promise<MarkKey>;
  /** Sends commands to the lifecycle queue (campaign.ended fan-out), delayed by FANOUT_DELAY_SECONDS. */
  enqueue(messages: OutgoingMessage[]): Promise<void>;
  audit: AuditLog;
}

export function callOptions(ctx: CommandContext, streamId?: string): CallOptions {
  return { deadline: ctx.deadline, stats: ctx.stats, ...(streamId ? { streamId } : {}), beforeAttempt: () => ctx.beforeWriteAttempt?.() };
}

/**
 * When the command's claim was true, as evidence: its `occurredAt`, but never later than SQS's
 * SentTimestamp. A producer cannot vouch for an edit made after it sent the message, whatever
 * its clock said.
 */
export function eventTimeMs(ctx: CommandContext, occurredAt: string): number {
  const t = Date.parse(occurredAt);
  return ctx.record.sentAtMs !== undefined ? Math.min(t, ctx.record.sentAtMs) : t;
}

/** The `fresh` rule, before any Kore call: a stale command is skipped without spending one. */
export function staleness(ctx: CommandContext, occurredAt: string): Outcome | undefined {
  const r = checkFresh(eventTimeMs(ctx, occurredAt), ctx.now(), ctx.limits.maxCommandAgeHours, ctx.record.allowStale);
  return r ? refused(r, { occurredAt }) : undefined;
}

/**
 * GETs a list. A 404 is only believed when Kore's own listing, on the same bot, confirms the list
 * is absent (one more call, on this rare path; read as a stream for this one id): a 404 from a
 * wrong route or a proxy proves nothing. Returns undefined when the list is proven gone.
 */
export async function findList(ctx: CommandContext, id: string, streamId?: string): Promise<KoreObject | undefined> {
  try {
    return await ctx.kore.getContactList(id, callOptions(ctx, streamId));
  } catch (err) {
    if (!(err instanceof KoreNotFoundError)) throw err;
    const scan = await ctx.kore.scanContactLists([id], callOptions(ctx, streamId));
    if (scan.lists.some((l) => l._id === id)) {
      throw new KoreUnexpectedReplyError(`getContactList: Kore answered 404 for ${id}, but its listing still has it`, {
        operation: 'getContactList',
        cause: err,
      });
    }
    return undefined;
  }
}

/**
 * GETs a campaign; a 404 is believed only when the account's campaigns lack it too (the built
 * index, or a full read made after the 404 when the index still holds it).
 */
export async function findCampaign(ctx: CommandContext, id: string, streamId?: string): Promise<KoreObject | undefined> {
  try {
    return await ctx.kore.getCampaign(id, callOptions(ctx, streamId));
  } catch (err) {
    if (!(err instanceof KoreNotFoundError)) throw err;
    if (!(await ctx.campaigns.confirmAbsent(id, callOptions(ctx, streamId)))) {
      throw new KoreUnexpectedReplyError(`getCampaign: Kore answered 404 for ${id}, but its campaign listing still has it`, {
        operation: 'getCampaign',
        cause: err,
      });
    }
    return undefined;
  }
}

/**
 * The campaign's type, where Kore listed it (docs/kore-api.md, "Campaign ids"): the GET reply
 * does not say, and a DELETE with the wrong `campaignType` may read as "not found". From the
 * index; a campaign it does not hold yet (created since) is looked for once more by a refresh.
 * Undefined when it cannot be proven.
 */
export async function campaignTypeOf(ctx: CommandContext, id: string, raw: KoreObject, streamId?: string): Promise<CampaignType | undefined> {
  const opts = callOptions(ctx, streamId);
  await ctx.campaigns.references(opts, 'delete');
  let type = ctx.campaigns.typeOf(id, streamId);
  if (!type) {
    await ctx.campaigns.refreshNow(opts);
    type = ctx.campaigns.typeOf(id, streamId);
  }
  // A reply that names a type must agree with the listing it was found in.
  if (type && raw.campaignType !== undefined && raw.campaignType !== type) return undefined;
  return type;
}

export interface GuardedList {
  /** The object the verdict was reached on (the evidence an audit line records). */
  raw: KoreObject;
  verdict: Verdict<VerifiedList>;
  /** Where the evidence came from: the batch's shared listing, or this list's own GET. */
  evidence: 'listing' | 'get';
}

/**
 * Reads a list and passes the guard on it. The account's campaigns first, fresh enough for the
 * write that may follow (`purpose`; if they cannot be read no list read is spent). Then the
 * evidence: the batch's listing only where it may stand (`listing`: a DELETE, which Kore refuses
 * for a list in use, and only while the listing is young), else the list's own GET, the last
 * read before the write. Undefined when the list is proven gone.
 */
export async function guardedList(
  ctx: CommandContext,
  id: string,
  streamId: string | undefined,
  evidence: ListEvidence,
  how: { purpose: DncPurpose; listing: boolean },
): Promise<GuardedList | undefined> {
  const opts = callOptions(ctx, streamId);
  const input = { requestedId: id, dnc: await ctx.campaigns.references(opts, how.purpose), evidence };
  if (how.listing && ctx.listSnapshot) {
    const entry = await ctx.listSnapshot.entry(id, opts);
    if (entry) {
      const verdict = checkList(entry.list, input);
      if (verdict.allow || verdict.rule !== 'verifiable') return { raw: entry.list, verdict, evidence: 'listing' };
    }
  }
  const raw = await findList(ctx, id, streamId);
  return raw ? { raw, verdict: checkList(raw, input), evidence: 'get' } : undefined;
}

export type DeleteKind = 'deleted' | 'unconfirmed' | 'not-found';

/** One write to Kore: what it does, to what, on which evidence; `dnc`: the DNC-reference bound it needs. */
export interface Write {
  action: AuditAction;
  ids: Record<string, string>;
  /** The object the guard approved (the intent line records it). */
  before: KoreObject;
  streamId?: string;
  dnc?: DncPurpose;
}

/**
 * A write to Kore between its two audit lines: the intent (with the object the guard approved)
 * and the result. Right before it, the DNC references must still be within the write's bound
 * (else nothing is written and the record is retried). A 4xx is recorded as `refused` (nothing
 * changed); anything transient as `unknown` (it may or may not have been applied; retried).
 */
export async function audited<T>(
  ctx: CommandContext,
  w: Write,
  call: () => Promise<T>,
  settle: (value: T) => { result: AuditResult; object?: KoreObject; extra?: Record<string, unknown> },
): Promise<T> {
  // The evidence was read right before this (the GET, or the listing and its own bound): from
  // here on, every attempt of the write (retries too, after a backoff or a Retry-After) must still
  // be within the write's bounds, or it is not sent.
  const readAt = ctx.now();
  const fresh = () => {
    if (w.dnc) ctx.campaigns.assertFresh(w.streamId, w.dnc);
    const age = ctx.now() - readAt;
    if (age > ctx.limits.writeEvidenceMaxAgeMs) {
      throw new StaleEvidenceError(
        `the ${w.action} would go out ${(age / 1000).toFixed(1)} s after its evidence was read, over ${(ctx.limits.writeEvidenceMaxAgeMs / 1000).toFixed(1)} s: nothing was written`,
      );
    }
  };
  fresh();
  ctx.audit.intent(w.action, w.ids, w.before);
  // Whatever happens next, the batch's listing no longer speaks for this list.
  if (w.ids.contactListId) ctx.listSnapshot?.forget(w.ids.contactListId);
  let value: T;
  ctx.beforeWriteAttempt = fresh;
  try {
    value = await call();
  } catch (err) {
    const koreMessage = (err as { koreMessage?: string }).koreMessage;
    ctx.audit.result(w.action, w.ids, isRetryable(err) ? 'unknown' : 'refused', undefined, {
      error: (err as Error)?.name,
      ...(koreMessage ? { koreMessage } : {}),
    });
    throw err;
  } finally {
    ctx.beforeWriteAttempt = undefined;
  }
  const r = settle(value);
  ctx.audit.result(w.action, w.ids, r.result, r.object, r.extra);
  return value;
}

/**
 * A DELETE, audited. A reply lost in flight followed by Kore's 404 on the retry is `unconfirmed`:
 * most likely this DELETE removed it, and it is recorded as such, never as someone else's.
 */
export async function auditedDelete(ctx: CommandContext, w: Write, del: () => Promise<DeleteResult>): Promise<DeleteKind> {
  const res = await audited(ctx, w, del, (r) =>
    r.deleted ? { result: 'deleted', object: r.data ?? w.before } : r.afterLostReply ? { result: 'unconfirmed', object: w.before } : { result: 'not-found' },
  );
  return res.deleted ? 'deleted' : res.afterLostReply ? 'unconfirmed' : 'not-found';
}

/**
 * The entity a deleting command was about is gone on a later receive. An earlier receive may have
 * sent the DELETE and lost its reply (its result line said `unknown`): so the disappearance is
 * recorded as `unconfirmed`, and the deletions metric counts it. Never under-counts; may count a
 * list someone else deleted between two receives.
 */
export function goneOnRedelivery(ctx: CommandContext, action: AuditAction, ids: Record<string, string>): Record<string, unknown> {
  if (ctx.dryRun || ctx.record.receiveCount <= 1) return {};
  ctx.audit.result(action, ids, 'unconfirmed', undefined, { why: `gone on receive ${ctx.record.receiveCount}: an earlier receive may have deleted it` });
  return { unconfirmed: true };
}
