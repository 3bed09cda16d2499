import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import type { OutgoingMessage, QueueSender } from '../aws/queue.js';
import type { Clock } from '../clock.js';
import type { DeletionMode } from '../config.js';
import type { Deadline } from '../deadline.js';
import { DeadlineError, errorCode, isRetryable } from '../errors.js';
import type { CampaignIndex } from '../guard/campaign-index.js';
import type { CallStats, KoreClient } from '../kore/client.js';
import type { CredentialsSource } from '../kore/credentials.js';
import { markKeyOf } from '../guard/archive-mark.js';
import { AuditLog } from './audit.js';
import type { Command, ParsedCommand } from './commands/index.js';
import { parseCommand } from './commands/index.js';
import type { CommandContext } from './context.js';
import { unwrap } from './envelope.js';
import type { EnvelopeKind } from './envelope.js';
import type { BrakeWatch } from '../aws/brake.js';
import { KoreBreaker } from './breaker.js';
import type { Probe } from './breaker.js';
import { BrakeOnError, KoreUnavailableError, StreamNotAllowedError } from './errors.js';
import type { Origin } from './origin.js';
import { originOf, senderMatches } from './origin.js';
import type { Outcome } from './outcome.js';
import { settle } from './settle.js';
import type { ListingCapability, ListSnapshot } from './snapshot.js';

export interface ConsumerSettings {
  lifecycleQueueUrl: string;
  /** Records from any other event source are refused (the queue is the only way in). */
  lifecycleQueueArn: string;
  /** SQS SenderIds whose AllowStale is honoured (OVERRIDE_SENDER_IDS). */
  overrideSenderIds: readonly string[];
  /** The consumer's own SenderId: a copy it requeued may carry where the message first came from. */
  consumerSenderId?: string;
  deadLetterQueueUrl: string;
  deadlineMarginMs: number;
  fanoutDelaySeconds: number;
  fanoutMaxLists: number;
  dryRun: boolean;
  maxCommandAgeHours: number;
  /** streamId overrides allowed besides the secret's own bot. */
  allowedStreamIds: readonly string[];
  maxReceiveCount: number;
  deferredVisibilitySeconds: number;
  /** How old an account listing may be to stand as a batch's evidence (0: every list gets its own GET). */
  snapshotMaxAgeSeconds: number;
  /** The local stack only (KORE_ALLOW_LOOPBACK_HTTP): `npm run cli -- event`'s receipt handles are taken without asking SQS. */
  acceptLocalReceipts?: boolean;
  /** How long after its evidence a write's attempt may go out (lib/time-budget.ts, dncHeadroomMs). */
  writeEvidenceMaxAgeMs: number;
  /** What list.expired does (docs/safety-model.md, "Recovery window"). */
  deletionMode: DeletionMode;
  graceDays: number;
}

export interface ConsumerDeps {
  kore: KoreClient;
  credentials: CredentialsSource;
  campaigns: CampaignIndex;
  sender: QueueSender;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  settings: ConsumerSettings;
  /** Whether this account's listings carry what the guard needs (learnt per container). */
  listing?: ListingCapability;
  /** Writes the audit lines whatever the log level (lib/log.ts); `logger` when absent. */
  auditLogger?: Logger;
  /** The brake (a tag on the lifecycle queue): while on, no record runs. */
  brake?: BrakeWatch;
  /** Kore outages: while open, records are requeued instead of run. */
  breaker?: KoreBreaker;
}

/** One invocation: its deadline, the records deferred for lack of time (their visibility is shortened at the end), the batch's shared listing. */
export interface Invocation {
  /** Work (admission, Kore, fan-out) ends here: DEADLINE_MARGIN_MS before the Lambda timeout. */
  deadline: Deadline;
  /**
   * Parking ends here: closer to the timeout (FINAL_STEP_MARGIN_MS), inside the margin work may
   * not use. A record on its last receive that ran out of work time, or whose Kore or SQS
   * calls ate the invocation, is still parked with its ErrorCode instead of reaching the DLQ by
   * redrive without one. Without it, parking uses `deadline`.
   */
  settleDeadline?: Deadline;
  deferred: string[];
  /** Set when the batch holds several list.expired records: one listing serves them all. */
  listSnapshot?: ListSnapshot;
}

/** What the pipeline learnt about a record, for settling it. */
export interface RecordState {
  record: SQSRecord;
  receiveCount: number;
  startedAt: number;
  stats: CallStats;
  /** Who sent it and when, as SQS says (or, for a copy we requeued, as the original said). */
  origin: Origin;
  envelope?: EnvelopeKind;
  /** The envelope's own source (EventBridge source, SNS topic): logged, never trusted. */
  source?: string;
  /** An override the message asked for and its sender may not use. */
  overrideIgnored?: string;
  command?: Command;
}

/** 1. parse: the body into a command of a known type (a bad one is rejected before any call). */
function parse(state: RecordState, now: number): ParsedCommand {
  const u = unwrap(state.record.body);
  state.envelope = u.envelope;
  if (u.source) state.source = u.source;
  const parsed = parseCommand(u, now);
  state.command = parsed.command;
  return parsed;
}

/**
 * 2. admit: may this record run in this invocation? A bot outside the allowlist is rejected;
 * a record whose calls cannot be paced in before the deadline gives way without spending one.
 */
async function admit(deps: ConsumerDeps, p: ParsedCommand, state: RecordState, invocation: Invocation): Promise<void> {
  if (invocation.deadline.expired()) throw new DeadlineError('the invocation is past its deadline before the record started');
  const brake = await deps.brake?.state(invocation.deadline);
  if (brake?.on) throw new BrakeOnError(`the brake is on (${brake.note ?? 'on'}): nothing runs until it is released`);
  const breaker = deps.breaker;
  if (breaker?.probeDue) {
    // One cheap read, not counted to this record: Kore's answer, not the record's, decides.
    const probe = breaker.probeRead((deadline) => deps.kore.campaignPage('voice', { skip: 0, limit: 1 }, { deadline }));
    await breaker.probe(() => probe(invocation.deadline));
    deps.logger.info('breaker probe', { open: breaker.openForMs() > 0, openForMs: breaker.openForMs() });
  }
  const openForMs = breaker?.openForMs() ?? 0;
  if (openForMs > 0) throw new KoreUnavailableError(`Kore has been failing: tried again in ${Math.ceil(openForMs / 1000)} s (circuit breaker)`, openForMs);
  const stream = p.command.streamId;
  if (stream !== undefined && !deps.settings.allowedStreamIds.includes(stream)) {
    const own = (await deps.credentials.get(invocation.deadline)).streamId;
    if (stream !== own) throw new StreamNotAllowedError(`streamId ${stream} is not this deployment's bot and not in ALLOWED_STREAM_IDS`);
  }
  const purpose = p.spec.campaigns?.(p.command, deps.settings.deletionMode);
  const indexCalls = () => (purpose ? deps.campaigns.callsToEnsure(stream, purpose) : 0);
  if (purpose && !deps.kore.fits(p.spec.calls + indexCalls(), invocation.deadline) && !deps.campaigns.complete(stream)) {
    // The campaign index is still being built (a fresh container, a large account): this record
    // spends the time the invocation has on it. Every page read is kept, so the next invocation
    // goes on from there, and no account size can leave the consumer unable to delete.
    await deps.campaigns.references({ deadline: invocation.deadline, stats: state.stats, ...(stream ? { streamId: stream } : {}) }, purpose);
  }
  const calls = p.spec.calls + indexCalls();
  if (!deps.kore.fits(calls, invocation.deadline)) {
    throw new DeadlineError(`not enough time left to pace this record's ${calls} Kore calls before the deadline`);
  }
}

/**
 * AllowStale (an operator's redrive of an old command) is honoured only when its sender is one
 * OVERRIDE_SENDER_IDS lists; from anyone else the command is run without it (and the outcome line
 * says the override was ignored).
 */
function allowStale(deps: ConsumerDeps, state: RecordState): boolean {
  if (state.record.messageAttributes?.AllowStale?.stringValue !== 'true') return false;
  if (deps.settings.overrideSenderIds.some((id) => senderMatches(state.origin.senderId, id))) return true;
  state.overrideIgnored = 'AllowStale';
  return false;
}

/** 3. run: the command's own handler, with a context built for this record. */
function run(deps: ConsumerDeps, p: ParsedCommand, state: RecordState, invocation: Invocation): Promise<Outcome> {
  const { record } = state;
  const eventId = p.command.eventId;
  const sender = { ...(state.origin.senderId ? { senderId: state.origin.senderId } : {}), ...(state.source ? { source: state.source } : {}) };
  const ctx: CommandContext = {
    kore: deps.kore,
    campaigns: deps.campaigns,
    deadline: invocation.deadline,
    stats: state.stats,
    now: () => deps.clock.now(),
    dryRun: deps.settings.dryRun,
    ...(invocation.listSnapshot ? { listSnapshot: invocation.listSnapshot } : {}),
    limits: {
      maxCommandAgeHours: deps.settings.maxCommandAgeHours,
      fanoutMaxLists: deps.settings.fanoutMaxLists,
      writeEvidenceMaxAgeMs: deps.settings.writeEvidenceMaxAgeMs,
    },
    deletion: { mode: deps.settings.deletionMode, graceDays: deps.settings.graceDays },
    record: {
      messageId: record.messageId,
      ...(eventId ? { eventId } : {}),
      receiveCount: state.receiveCount,
      allowStale: allowStale(deps, state),
      ...(state.origin.sentAtMs !== undefined ? { sentAtMs: state.origin.sentAtMs } : {}),
    },
    markKey: async () => markKeyOf(await deps.credentials.get(invocation.deadline)),
    enqueue: async (messages: OutgoingMessage[]) => {
      await deps.sender.sendBatch(
        deps.settings.lifecycleQueueUrl,
        messages.map((m) => ({ ...m, delaySeconds: m.delaySeconds ?? deps.settings.fanoutDelaySeconds })),
        { deadline: invocation.deadline },
      );
    },
    audit: new AuditLog(deps.auditLogger ?? deps.logger, {
      messageId: record.messageId,
      ...(state.origin.firstMessageId && state.origin.firstMessageId !== record.messageId ? { firstMessageId: state.origin.firstMessageId } : {}),
      ...(eventId ? { eventId } : {}),
      ...sender,
    }),
  };
  return p.spec.run(p.command, ctx);
}

/**
 * The consumer's record handler: parse → admit → run → settle. Settling makes the one outcome
 * so: done/already-done/skipped/would-* return (deleted from the queue), rejected is parked in
 * the DLQ and returns, retry throws (listed in batchItemFailures).
 */
/**
 * The circuit breaker's probe for this record: a GET of its list or campaign (read-only, one call),
 * under the deployment's own bot: a command naming another bot that Kore does not serve (an HTML
 * page) is that command's trouble, and must not keep the breaker open for every other one.
 */
function probeOf(deps: ConsumerDeps, state: RecordState): { key: string; read: Probe } | undefined {
  const c = state.command as { contactListId?: string; campaignId?: string } | undefined;
  if (c?.contactListId) {
    const id = c.contactListId;
    return { key: id, read: (deadline) => deps.kore.getContactList(id, { deadline }) };
  }
  if (c?.campaignId) {
    const id = c.campaignId;
    return { key: id, read: (deadline) => deps.kore.getCampaign(id, { deadline }) };
  }
  return undefined;
}

export function createRecordHandler(deps: ConsumerDeps) {
  return async function recordHandler(record: SQSRecord, invocation: Invocation): Promise<Outcome> {
    const state: RecordState = {
      record,
      receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? '1') || 1,
      startedAt: deps.clock.now(),
      stats: { koreCalls: 0 },
      origin: originOf(record, deps.settings.consumerSenderId),
    };
    let outcome: Outcome;
    let error: unknown;
    let admitted = false;
    try {
      const p = parse(state, deps.clock.now());
      await admit(deps, p, state, invocation);
      admitted = true;
      outcome = await run(deps, p, state, invocation);
    } catch (err) {
      error = err;
      outcome = { outcome: isRetryable(err) ? 'retry' : 'rejected', reason: errorCode(err) };
    }
    // What this record says about Kore: an outage (the breaker counts it), or Kore answering.
    if (admitted && KoreBreaker.isOutage(error)) deps.breaker?.failure(probeOf(deps, state));
    else if (state.stats.koreCalls > 0 && !(error instanceof DeadlineError)) deps.breaker?.success();
    return settle(deps, state, invocation, outcome, error);
  };
}
