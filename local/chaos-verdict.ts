import type { Message } from '@aws-sdk/client-sqs';
import type { ChaosAccount } from './chaos-account.js';
import type { ChaosPoller } from './chaos-poller.js';
import type { KoreEmulator } from './kore-emulator/server.js';
import { JWT_PATTERN } from './log-tap.js';
import type { SqsFaultProxy } from './sqs-fault-proxy.js';

/**
 * Judges a chaos run from Kore's side (the calls the emulator recorded, `committed` when the
 * account changed, and the account's final state), from the queues' side (what is left, what is
 * in the DLQ with which attributes, what the consumer sent through the SQS proxy) and only then
 * from the consumer's own log lines (the outcome of each message, the audit trail, and the
 * `invocation` line each handler writes when it answers).
 */

export interface ChaosInput {
  account: ChaosAccount;
  sentIds: string[];
  maxReceiveCount: number;
  concurrency: number;
  drained: boolean;
  /** Messages left in the lifecycle queue at the end. */
  remaining: number;
  dlq: Message[];
  kore: KoreEmulator;
  ourAppId: string;
  proxy: SqsFaultProxy;
  lifecycleQueue: string;
  pollers: ChaosPoller[];
  logs: Record<string, unknown>[];
  logText: string;
  secrets: string[];
  secretReads: number;
  otherCalls: number;
  /** DELETEs of the undeletable lists (answered 500 before Kore). */
  undeletableDeletes: number;
  durationMs: number;
}

export interface ChaosReport {
  /** Commands the harness sent. */
  sent: number;
  /** Where each message (sent or fanned out) ended: its outcome, or `dlq:<ErrorCode>`. */
  final: Record<string, number>;
  inDlq: number;
  accountedFor: number;
  /** Messages neither finished nor in the DLQ: must be empty. */
  unaccounted: string[];
  /** Messages both finished and in the DLQ (beyond what the harness's own lost SQS replies explain): must be empty. */
  doubleCounted: string[];
  /** Ids Kore applied more than one DELETE to. */
  deletedTwice: string[];
  /** Lists that had to stay and got a DELETE or PUT request (whatever Kore answered). */
  protectedTouched: string[];
  /** Lists that had to go, are still there, and have no command naming them in the DLQ. */
  shouldBeGoneButAreNot: string[];
  /** The client secret (old or rotated) or a JWT appeared in the output. */
  leaked: boolean;
  /** Invocations that did not answer before their deadline, measured at the handler. */
  cutOff: number;
  invocations: number;
  /** Kore calls made by the consumers. */
  koreCalls: number;
  /** Kore calls by what the emulator did with them (`ok`, `fault-5xx`, `rate-limited`, `committed-dropped`, …). */
  faults: Record<string, number>;
  secretReads: number;
  durationMs: number;

  drained: boolean;
  remaining: number;
  maxReceiveCount: number;
  /** Messages tracked: the commands sent plus the follow-ups the consumers queued. */
  messages: number;
  followUps: number;
  /** Copies the consumer requeued (the circuit breaker, the brake, a deadline on a last receive). */
  requeuedCopies: number;
  /** Of `shouldBeGoneButAreNot`, the lists only a campaign.ended's fan-out could delete. */
  fanoutListsLeft: string[];
  /** Lists only a campaign.ended's fan-out could delete that are gone. */
  fanoutGone: number;
  /** Lists a campaign.ended reported as kept (`listsKept` of its outcome line), with the reason it gave. */
  fanoutKept: Record<string, string>;
  /** Follow-ups a campaign.ended queued for a list other than that campaign's exclusive ones. */
  fanoutOutOfBounds: string[];
  /**
   * Messages in the DLQ without any copy carrying an ErrorCode, that neither the harness's own
   * lost SQS replies nor a failed park explain: must be empty.
   */
  dlqWithoutErrorCode: string[];
  /**
   * Redriven without an ErrorCode after the consumer tried to park them on their last receive
   * and SQS (the proxy's faults) or the deadline defeated the park: logged, then SQS's redrive.
   */
  parkFailed: string[];
  /** Messages parked with a retry reason before their last receive. */
  parkedEarly: string[];
  /** Running or recurring campaigns that got a DELETE request or are gone. */
  campaignsTouched: string[];
  /** Ended campaigns still there with no campaign.ended in the DLQ. */
  campaignsShouldBeGone: string[];
  /** Deletions Kore applied without an audit intent and result line. */
  unaudited: string[];
  /** Audit lines claiming a deletion Kore never applied. */
  falselyAudited: string[];
  /** Outcome lines with more Kore calls than a record can spend with bounded retries. */
  overCallBudget: string[];
  invocationLines: number;
  minRemainingMs: number;
  pastDeadline: string[];
  /** Messages received again because the harness's poller lost an SQS reply (not the consumer's doing). */
  harnessRedeliveries: number;
  committed: { listDeletes: number; campaignDeletes: number; repliesLost: number; unconfirmedOutcomes: number };
  /** Final outcomes by `outcome:reason`. */
  outcomes: Record<string, number>;
  /** Every outcome line (retries included) by `outcome:reason`. */
  outcomeLines: Record<string, number>;
  deferred: number;
  unauthorized: number;
  sqsFaults: Record<string, Record<string, number>>;
  mustGo: number;
  gone: number;
  mustStay: number;
  otherCalls: number;
  /** Commands naming the allowed bot Kore does not serve: Kore's answers to them, and how many ended in the DLQ. */
  unknownBot: { commands: number; parked: number; calls: number; notFound: number };
  /** The lists Kore cannot delete: DELETEs tried, and how their commands ended (as `malformed`). */
  undeletable: { deletes: number; ended: string[] };
  /**
   * How each malformed command ended: `dlq:<ErrorCode>@<ReceiveCount>`, `dlq:redriven (harness)` or
   * `dlq:redriven (park failed)` when a lost SQS reply or a failed park on the last receive left
   * SQS's redrive to park it, or its last outcome.
   */
  malformed: string[];
  /** How the command naming a bot outside ALLOWED_STREAM_IDS ended (as `malformed`). */
  notAllowed: string[];
  /** What Kore did with the other caller's calls. */
  otherCallerResults: Record<string, number>;
}

/** Reasons a message is parked at once; any other reason is a retry, parked only on the last receive. */
export const PERMANENT_REASONS = new Set(['invalid-message', 'stream-not-allowed', 'fanout-cap', 'kore-validation', 'kore-argument']);

/**
 * The most Kore calls one record may spend in one receive: at most 5 logical requests (list.expired:
 * GET, a listing to confirm a 404, the campaigns' DNC references for voice and SMS when the
 * cache is due, the DELETE; campaign.ended: GET, the campaign listings to confirm a 404,
 * getAllListDetails, the DELETE), each with at most 3 attempts plus one re-signed attempt after
 * a 401.
 */
export const MAX_KORE_CALLS_PER_RECORD = 5 * (3 + 1);

const FINISHED = new Set(['done', 'already-done', 'skipped', 'would-delete', 'would-archive', 'would-update']);

function idOfPath(path: string): string {
  return decodeURIComponent(path.split('/').pop() ?? '');
}

function attr(m: Message, name: string): string | undefined {
  return m.MessageAttributes?.[name]?.StringValue;
}

export function assessChaos(i: ChaosInput): ChaosReport {
  const { account, logs } = i;
  const outcomeLines = logs.filter((l) => l.message === 'outcome');
  const last = new Map<string, Record<string, unknown>>();
  for (const l of outcomeLines) last.set(String(l.messageId), l);

  // ------------------------------------------------------------ the queues' side
  // What the consumer sent to the lifecycle queue: follow-ups (a campaign's lists), and copies it
  // requeued (KclOrigin names the message each stands for).
  const toLifecycle = i.proxy.sent.filter((s) => s.queue === i.lifecycleQueue);
  const followUps = toLifecycle.filter((s) => s.origin === undefined);
  const firstOf = new Map<string, string>();
  for (const s of toLifecycle) {
    if (s.origin === undefined) continue;
    try {
      const first = (JSON.parse(s.origin) as { messageId?: unknown }).messageId;
      if (typeof first === 'string') firstOf.set(s.messageId, first);
    } catch {
      // not a copy we can place: tracked as a message of its own
    }
  }
  const copiesOf = new Map<string, string[]>();
  for (const [copy, first] of firstOf) copiesOf.set(first, [...(copiesOf.get(first) ?? []), copy]);
  const rootOf = (id: string) => firstOf.get(id) ?? id;
  const tracked = [...new Set([...i.sentIds, ...toLifecycle.map((f) => f.messageId)])];
  const parkedBy = new Map<string, Message[]>();
  const redriven = new Set<string>();
  for (const m of i.dlq) {
    const src = attr(m, 'SourceMessageId');
    if (src) parkedBy.set(src, [...(parkedBy.get(src) ?? []), m]);
    else redriven.add(m.MessageId!);
  }
  // What the harness's own lost SQS replies explain: only on a message's last receive can a lost
  // receive reply, or a lost delete of a finished message, make SQS redrive it (no ErrorCode,
  // perhaps finished too). Earlier, the message simply comes back and is judged by what follows.
  const harness = new Set([
    ...i.proxy.lostReceives.filter((r) => (r.receiveCount ?? i.maxReceiveCount) >= i.maxReceiveCount).map((r) => r.messageId),
    ...i.pollers.flatMap((p) => [...p.deleteFailed].filter(([, count]) => count >= i.maxReceiveCount).map(([id]) => id)),
  ]);
  // A message requeued is accounted for by its copy (itself tracked until it ends).
  const handedOff = (id: string) => last.get(id)?.outcome === 'requeued' && (copiesOf.get(rootOf(id)) ?? []).some((c) => c !== id);
  const finished = (id: string) => FINISHED.has(String(last.get(id)?.outcome)) || handedOff(id);
  const parked = (id: string) => parkedBy.has(id) || redriven.has(id);
  const final: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  for (const id of tracked) {
    const l = last.get(id);
    const k = finished(id)
      ? String(l!.outcome)
      : parked(id)
        ? `dlq:${attr(parkedBy.get(id)?.[0] ?? ({} as Message), 'ErrorCode') ?? 'redriven'}`
        : `unfinished:${String(l?.outcome ?? 'never-seen')}`;
    final[k] = (final[k] ?? 0) + 1;
    const o = l ? `${String(l.outcome)}${l.reason ? `:${String(l.reason)}` : ''}` : 'never-seen';
    outcomes[o] = (outcomes[o] ?? 0) + 1;
  }
  const lineCounts: Record<string, number> = {};
  for (const l of outcomeLines) {
    const o = `${String(l.outcome)}${l.reason ? `:${String(l.reason)}` : ''}`;
    lineCounts[o] = (lineCounts[o] ?? 0) + 1;
  }
  const fanoutOutOfBounds: string[] = [];
  for (const f of followUps) {
    let cmd: { type?: unknown; campaignId?: unknown; contactListId?: unknown } = {};
    try {
      cmd = JSON.parse(f.body) as typeof cmd;
    } catch {
      // reported below as out of bounds
    }
    const allowed = typeof cmd.campaignId === 'string' ? account.fanoutAllowed.get(cmd.campaignId) : undefined;
    if (cmd.type !== 'list.expired' || !allowed || typeof cmd.contactListId !== 'string' || !allowed.has(cmd.contactListId)) {
      fanoutOutOfBounds.push(`${String(cmd.campaignId)} → ${String(cmd.contactListId ?? f.body.slice(0, 80))}`);
    }
  }
  const sentBodies = new Map(i.sentIds.map((id, k) => [id, account.bodies[k] ?? '']));
  const unknownBotIds = i.sentIds.filter((id) => sentBodies.get(id)!.includes(account.unknownStreamId));
  const fanoutKept: Record<string, string> = {};
  for (const l of outcomeLines) {
    if (l.type !== 'campaign.ended' || typeof l.listsKept !== 'object' || l.listsKept === null) continue;
    for (const [id, why] of Object.entries(l.listsKept as Record<string, unknown>)) fanoutKept[id] = String(why);
  }
  const dlqBodies = i.dlq.map((m) => m.Body ?? '');
  const inDlq = (id: string) => dlqBodies.some((b) => b.includes(`"${id}"`));

  // ------------------------------------------------------------ Kore's side
  const calls = i.kore.apiCalls().filter((c) => c.appId === i.ourAppId);
  const otherCallerResults: Record<string, number> = {};
  for (const c of i.kore.apiCalls()) if (c.appId !== i.ourAppId) otherCallerResults[c.result] = (otherCallerResults[c.result] ?? 0) + 1;
  const faults: Record<string, number> = {};
  for (const c of calls) faults[c.result] = (faults[c.result] ?? 0) + 1;
  const applied = new Map<string, number>();
  for (const c of calls) if (c.method === 'DELETE' && c.committed) applied.set(idOfPath(c.path), (applied.get(idOfPath(c.path)) ?? 0) + 1);
  const writes = calls.filter((c) => c.method === 'DELETE' || c.method === 'PUT');
  const protectedTouched = [
    ...new Set(
      writes
        .filter((c) => account.mustStay.has(idOfPath(c.path)))
        .map((c) => `${idOfPath(c.path)} (${account.mustStay.get(idOfPath(c.path))}): ${c.method} ${c.result}`),
    ),
  ];
  const campaignsTouched = [...account.campaignsMustStay.keys()].filter((id) => !i.kore.state.campaigns.has(id) || writes.some((c) => idOfPath(c.path) === id));
  const mustGo = [...account.mustGo.entries()];
  const shouldBeGoneButAreNot = mustGo
    .filter(([id, m]) => i.kore.state.lists.has(id) && !inDlq(id) && !(m.campaignId && inDlq(m.campaignId)))
    .map(([id]) => id);
  const campaignsShouldBeGone = [...account.campaignsMustGo].filter((id) => i.kore.state.campaigns.has(id) && !inDlq(id));

  // ------------------------------------------------------------ the consumer's audit trail, against Kore's record
  const audit = logs.filter((l) => l.audit === true);
  const auditId = (l: Record<string, unknown>) => String(l.action === 'deleteCampaign' ? l.campaignId : l.contactListId);
  const deletions = audit.filter((l) => l.action === 'deleteContactList' || l.action === 'deleteCampaign');
  const unaudited = [...applied.keys()].filter(
    (id) =>
      !deletions.some((l) => auditId(l) === id && l.phase === 'intent') ||
      !deletions.some((l) => auditId(l) === id && l.phase === 'result' && ['deleted', 'unconfirmed', 'unknown'].includes(String(l.result))),
  );
  const falselyAudited = [
    ...new Set(deletions.filter((l) => l.phase === 'result' && ['deleted', 'unconfirmed'].includes(String(l.result)) && !applied.has(auditId(l))).map(auditId)),
  ];

  // ------------------------------------------------------------ deadlines, measured at the handler
  const invocationLines = new Map(logs.filter((l) => l.message === 'invocation').map((l) => [String(l.function_request_id), l]));
  const invocations = i.pollers.flatMap((p) => p.invocations);
  const pastDeadline: string[] = [];
  let minRemainingMs = Number.POSITIVE_INFINITY;
  for (const inv of invocations) {
    const line = invocationLines.get(inv.requestId);
    const remaining = Number(line?.remainingMs);
    if (line) minRemainingMs = Math.min(minRemainingMs, remaining);
    if (!line || !(remaining > 0) || inv.timedOut || inv.invocationError) {
      pastDeadline.push(
        `${inv.requestId}: ${inv.timedOut ? 'timed out' : (inv.invocationError ?? (line ? `remainingMs ${String(line.remainingMs)}` : 'no invocation line'))}`,
      );
    }
  }

  const parkFailedOnLastReceive = (id: string) => {
    const l = last.get(id);
    const message = String((l?.error as { message?: unknown } | undefined)?.message ?? '');
    // A park SQS refused, or a batch SQS could not be asked about (source-unverified: such a record is never parked by the consumer).
    return l?.outcome === 'retry' && Number(l.receiveCount) >= i.maxReceiveCount && (/\bpark/.test(message) || l.reason === 'source-unverified');
  };
  // How a command ended: `dlq:<ErrorCode>@<ReceiveCount>` for the consumer's own park; SQS's redrive
  // (no ErrorCode) with what explains it; else its last outcome.
  const howEnded = (sent: string): string => {
    // A command requeued ended where its last copy did.
    const chain = [sent, ...(copiesOf.get(sent) ?? [])];
    const id = [...chain].reverse().find((c) => parkedBy.has(c) || redriven.has(c) || (last.has(c) && !handedOff(c))) ?? sent;
    const p = parkedBy.get(id)?.[0];
    if (p) return `dlq:${attr(p, 'ErrorCode')}@${attr(p, 'ReceiveCount')}`;
    if (redriven.has(id)) return harness.has(id) ? 'dlq:redriven (harness)' : parkFailedOnLastReceive(id) ? 'dlq:redriven (park failed)' : 'dlq:redriven';
    return String(last.get(id)?.outcome ?? 'never-seen');
  };
  const withoutCode = [...redriven].filter((id) => !parkedBy.has(id) && !harness.has(id));
  const dlqWithoutErrorCode = withoutCode
    .filter((id) => !parkFailedOnLastReceive(id))
    .map((id) => `${id}: last outcome ${JSON.stringify(last.get(id) ?? null).slice(0, 300)}`);
  const parkFailed = withoutCode.filter(parkFailedOnLastReceive);
  const parkedEarly = i.dlq
    .filter((m) => attr(m, 'ErrorCode') && !PERMANENT_REASONS.has(attr(m, 'ErrorCode')!) && Number(attr(m, 'ReceiveCount')) < i.maxReceiveCount)
    .map((m) => `${attr(m, 'SourceMessageId')}: ${attr(m, 'ErrorCode')} on receive ${attr(m, 'ReceiveCount')}`);

  return {
    sent: i.sentIds.length,
    final,
    inDlq: i.dlq.length,
    accountedFor: tracked.filter((id) => finished(id) || parked(id)).length,
    unaccounted: tracked.filter((id) => !finished(id) && !parked(id)),
    doubleCounted: tracked.filter((id) => finished(id) && parked(id) && !harness.has(id)),
    deletedTwice: [...applied.entries()].filter(([, n]) => n > 1).map(([id]) => id),
    protectedTouched,
    shouldBeGoneButAreNot,
    leaked: i.secrets.some((s) => i.logText.includes(s)) || JWT_PATTERN.test(i.logText),
    cutOff: pastDeadline.length,
    invocations: invocations.length,
    koreCalls: calls.length,
    faults,
    secretReads: i.secretReads,
    durationMs: i.durationMs,
    drained: i.drained,
    remaining: i.remaining,
    maxReceiveCount: i.maxReceiveCount,
    messages: tracked.length,
    followUps: followUps.length,
    requeuedCopies: firstOf.size,
    fanoutListsLeft: shouldBeGoneButAreNot.filter((id) => account.mustGo.get(id)?.campaignId),
    fanoutGone: mustGo.filter(([id, m]) => m.campaignId && !i.kore.state.lists.has(id)).length,
    fanoutKept,
    fanoutOutOfBounds,
    dlqWithoutErrorCode,
    parkFailed,
    parkedEarly,
    campaignsTouched,
    campaignsShouldBeGone,
    unaudited,
    falselyAudited,
    overCallBudget: outcomeLines
      .filter((l) => Number(l.koreCalls) > MAX_KORE_CALLS_PER_RECORD)
      .map((l) => `${String(l.messageId)} (${String(l.type)}): ${String(l.koreCalls)} calls`),
    invocationLines: invocationLines.size,
    minRemainingMs,
    pastDeadline,
    harnessRedeliveries: harness.size,
    committed: {
      listDeletes: [...applied.keys()].filter((id) => id.startsWith('cl-')).length,
      campaignDeletes: [...applied.keys()].filter((id) => id.startsWith('cd-')).length,
      repliesLost: calls.filter((c) => c.result === 'committed-dropped').length,
      unconfirmedOutcomes: outcomeLines.filter((l) => l.outcome === 'done' && l.confirmed === false).length,
    },
    outcomes,
    outcomeLines: lineCounts,
    deferred: logs.filter((l) => l.message === 'invocation').reduce((s, l) => s + Number(l.deferred ?? 0), 0),
    unauthorized: calls.filter((c) => c.status === 401).length,
    sqsFaults: i.proxy.counts(),
    mustGo: mustGo.length,
    gone: mustGo.filter(([id]) => !i.kore.state.lists.has(id)).length,
    mustStay: account.mustStay.size,
    otherCalls: i.otherCalls,
    otherCallerResults,
    undeletable: {
      deletes: i.undeletableDeletes,
      ended: i.sentIds.filter((id) => [...account.undeletable].some((l) => sentBodies.get(id)!.includes(`"${l}"`))).map(howEnded),
    },
    malformed: i.sentIds.filter((id) => account.malformed.has(sentBodies.get(id)!)).map(howEnded),
    notAllowed: i.sentIds.filter((id) => sentBodies.get(id)!.includes(account.notAllowedStreamId)).map(howEnded),
    unknownBot: {
      commands: unknownBotIds.length,
      parked: unknownBotIds.filter((id) => howEnded(id).startsWith('dlq:')).length,
      calls: calls.filter((c) => c.path.includes(`/${account.unknownStreamId}/`)).length,
      notFound: calls.filter((c) => c.path.includes(`/${account.unknownStreamId}/`) && c.status === 404).length,
    },
  };
}
