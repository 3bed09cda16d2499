import type { Logger } from '@aws-lambda-powertools/logger';
import type { KoreObject } from '../kore/types.js';

export type AuditAction = 'deleteContactList' | 'deleteCampaign' | 'archiveContactList' | 'restoreContactList' | 'updateContactList';

/**
 * What happened to a write: `deleted`/`archived`/`updated` (Kore confirmed), `unconfirmed` (the
 * reply was lost and a retry found the entity gone: most likely this DELETE removed it),
 * `not-found` (gone before we got there), `refused` (Kore said no), `unknown` (no reply: the write
 * may or may not have been applied; the message is retried).
 */
export type AuditResult = 'deleted' | 'archived' | 'restored' | 'held' | 'updated' | 'unconfirmed' | 'not-found' | 'refused' | 'unknown';

/**
 * The audit trail of every write to Kore: an `intent` line before the request, with the object
 * the guard approved, and a `result` line after it, with the object Kore returned (or, when the
 * reply was lost, the one the GET returned). One JSON line each, `audit: true`, in the
 * consumer's log group, written by a logger whose level is pinned to INFO (lib/log.ts,
 * `createAuditLogger`): raising POWERTOOLS_LOG_LEVEL cannot switch them off. Metric filters count
 * the `result` lines of deletions and archives, for the alarms.
 */
export class AuditLog {
  constructor(
    private readonly logger: Logger,
    /** The message and who sent it (SQS's SenderId, the envelope's source). */
    private readonly context: { messageId: string; firstMessageId?: string; eventId?: string; senderId?: string; source?: string },
  ) {}

  intent(action: AuditAction, ids: Record<string, string>, object: KoreObject): void {
    this.logger.info('audit', { audit: true, phase: 'intent', action, ...this.context, ...ids, object });
  }

  result(action: AuditAction, ids: Record<string, string>, result: AuditResult, object?: KoreObject, extra?: Record<string, unknown>): void {
    const confirmed = result === 'deleted' || result === 'archived' || result === 'restored' || result === 'held' || result === 'updated';
    this.logger.info('audit', { audit: true, phase: 'result', action, result, confirmed, ...this.context, ...ids, ...extra, ...(object ? { object } : {}) });
  }
}
