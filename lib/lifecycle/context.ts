import type { OutgoingMessage } from '../aws/queue.js';
import type { DeletionMode } from '../config.js';
import type { Deadline } from '../deadline.js';
import type { CampaignIndex } from '../guard/campaign-index.js';
import { checkFresh } from '../guard/evidence.js';
import type { CallOptions, CallStats, DeleteResult, KoreClient } from '../kore/client.js';
import { DeadlineError, isRetryable } from '../errors.js';
import type { ListEvidence, VerifiedList } from '../guard/list.js';
import { checkList } from '../guard/list.js';
import type { Verdict } from '../guard/rules.js';
import { KoreNotFoundError, KoreUnexpectedReplyError } from '../kore/errors.js';
import type { KoreObject } from '../kore/types.js';
import type { AuditAction, AuditLog, AuditResult } from './audit.js';
import type { Outcome } from './outcome.js';
import type { ListSnapshot } from './snapshot.js';
import { refused } from './outcome.js';

/** What a command needs; built per record by the record handler. */
export interface CommandContext {
  kore: KoreClient;
  /** The account's campaigns (DNC references), cached per container. */
  campaigns: CampaignIndex;
  /** The invocation's deadline: every call carries it. */
  deadline: Deadline;
  /** Kore calls made for this record. */
  stats: CallStats;
  now(): number;
  /** CONSUMER_DRY_RUN: decide everything, write nothing. */
  dryRun: boolean;
  /** The batch's shared account listing, when the batch has several list.expired records. */
  listSnapshot?: ListSnapshot;
  limits: {
    maxCommandAgeHours: number;
    fanoutMaxLists: number;
  };
  /** DELETION_MODE and GRACE_DAYS: what list.expired may do. */
  deletion: { mode: DeletionMode; graceDays: number };
  /** The SQS message this command came in. */
  record: { messageId: string; eventId?: string; receiveCount: number; allowStale: boolean };
  /** Sends commands to the lifecycle queue (campaign.ended fan-out), delayed by FANOUT_DELAY_SECONDS. */
  enqueue(messages: OutgoingMessage[]): Promise<void>;
  audit: AuditLog;
}

export function callOptions(ctx: CommandContext, streamId?: string): CallOptions {
  return { deadline: ctx.deadline, stats: ctx.stats, ...(streamId ? { streamId } : {}) };
}

/** The `fresh` rule, before any Kore call: a stale command is skipped without spending one. */
export function staleness(ctx: CommandContext, occurredAt: string): Outcome | undefined {
  const r = checkFresh(Date.parse(occurredAt), ctx.now(), ctx.limits.maxCommandAgeHours, ctx.record.allowStale);
  return r ? refused(r, { occurredAt }) : undefined;
}

/**
 * GETs a list. A 404 is only believed when Kore's own listing, on the same bot, confirms the list
 * is absent (one more call, on this rare path): a 404 from a wrong route or a proxy proves
 * nothing. Returns undefined when the list is proven gone.
 */
export async function findList(ctx: CommandContext, id: string, streamId?: string): Promise<KoreObject | undefined> {
  try {
    return await ctx.kore.getContactList(id, callOptions(ctx, streamId));
  } catch (err) {
    if (!(err instanceof KoreNotFoundError)) throw err;
    const lists = await ctx.kore.listContactLists(callOptions(ctx, streamId));
    if (lists.some((l) => l._id === id)) {
      throw new KoreUnexpectedReplyError(`getContactList: Kore answered 404 for ${id}, but its listing still has it`, {
        operation: 'getContactList',
        cause: err,
      });
    }
    return undefined;
  }
}

/** GETs a campaign; a 404 is believed only when a fresh read of the account's campaigns lacks it too. */
export async function findCampaign(ctx: CommandContext, id: string, streamId?: string): Promise<KoreObject | undefined> {
  try {
    return await ctx.kore.getCampaign(id, callOptions(ctx, streamId));
  } catch (err) {
    if (!(err instanceof KoreNotFoundError)) throw err;
    const refs = await ctx.campaigns.references(callOptions(ctx, streamId), true);
    if (refs.campaignIds.has(id)) {
      throw new KoreUnexpectedReplyError(`getCampaign: Kore answered 404 for ${id}, but its campaign listing still has it`, {
        operation: 'getCampaign',
        cause: err,
      });
    }
    return undefined;
  }
}

export interface GuardedList {
  /** The object the verdict was reached on (the evidence an audit line records). */
  raw: KoreObject;
  verdict: Verdict<VerifiedList>;
  /** Where the evidence came from: the batch's shared listing, or this list's own GET. */
  evidence: 'listing' | 'get';
}

/**
 * Reads a list and passes the guard on it: the account's campaigns first (usually cached, and if
 * they cannot be read no list read is spent), then the batch's shared listing when it proves
 * everything the guard needs, otherwise the list's own GET (the evidence closest to the write).
 * Undefined when the list is proven gone.
 */
export async function guardedList(ctx: CommandContext, id: string, streamId: string | undefined, evidence: ListEvidence): Promise<GuardedList | undefined> {
  const opts = callOptions(ctx, streamId);
  const input = { requestedId: id, dnc: await ctx.campaigns.references(opts), evidence };
  if (ctx.listSnapshot) {
    let entry;
    try {
      entry = await ctx.listSnapshot.entry(id, opts);
    } catch (err) {
      // A listing that fails leaves the record to its own GET.
      if (err instanceof DeadlineError) throw err;
    }
    if (entry) {
      const verdict = checkList(entry.list, input);
      if (verdict.allow || verdict.rule !== 'verifiable') return { raw: entry.list, verdict, evidence: 'listing' };
    }
  }
  const raw = await findList(ctx, id, streamId);
  return raw ? { raw, verdict: checkList(raw, input), evidence: 'get' } : undefined;
}

export type DeleteKind = 'deleted' | 'unconfirmed' | 'not-found';

/**
 * A write to Kore between its two audit lines: the intent (with the object the guard approved)
 * and the result. A 4xx is recorded as `refused` (nothing changed); anything transient as
 * `unknown` (it may or may not have been applied; the message is retried).
 */
export async function audited<T>(
  ctx: CommandContext,
  action: AuditAction,
  ids: Record<string, string>,
  before: KoreObject,
  call: () => Promise<T>,
  settle: (value: T) => { result: AuditResult; object?: KoreObject; extra?: Record<string, unknown> },
): Promise<T> {
  ctx.audit.intent(action, ids, before);
  // Whatever happens next, the batch's listing no longer speaks for this list.
  if (ids.contactListId) ctx.listSnapshot?.forget(ids.contactListId);
  let value: T;
  try {
    value = await call();
  } catch (err) {
    const koreMessage = (err as { koreMessage?: string }).koreMessage;
    ctx.audit.result(action, ids, isRetryable(err) ? 'unknown' : 'refused', undefined, {
      error: (err as Error)?.name,
      ...(koreMessage ? { koreMessage } : {}),
    });
    throw err;
  }
  const r = settle(value);
  ctx.audit.result(action, ids, r.result, r.object, r.extra);
  return value;
}

/**
 * A DELETE, audited. A reply lost in flight followed by Kore's 404 on the retry is `unconfirmed`:
 * most likely this DELETE removed it, and it is recorded as such, never as someone else's.
 */
export async function auditedDelete(
  ctx: CommandContext,
  action: AuditAction,
  ids: Record<string, string>,
  before: KoreObject,
  del: () => Promise<DeleteResult>,
): Promise<DeleteKind> {
  const res = await audited(ctx, action, ids, before, del, (r) =>
    r.deleted ? { result: 'deleted', object: r.data ?? before } : r.afterLostReply ? { result: 'unconfirmed', object: before } : { result: 'not-found' },
  );
  return res.deleted ? 'deleted' : res.afterLostReply ? 'unconfirmed' : 'not-found';
}
