/**
 * The consumer's outcome lines (docs/contract.md, "Outcomes") in a form a person reads at a terminal:
 * one line per message with the outcome, what it was about, why, and what it cost. The JSON line
 * stays the record (the log file); this is only its reading.
 */

import { unwrap } from '../lib/lifecycle/envelope.js';

type Line = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export const OUTCOME_MARK: Record<string, string> = {
  done: '✔',
  'already-done': '=',
  skipped: '⊘',
  'would-delete': '~',
  'would-archive': '~',
  'would-update': '~',
  'would-restore': '~',
  retry: '↻',
  rejected: '✖',
};

/** The ids a line is about, with the list's name when the consumer read it. */
export function subjectOf(l: Line): string {
  const parts: string[] = [];
  if (str(l.campaignId) && !(str(l.contactListId) && l.type === 'list.expired')) parts.push(String(l.campaignId));
  if (str(l.contactListId)) parts.push(String(l.contactListId));
  const name = str(l.listName);
  return [parts.join(' '), name ? JSON.stringify(name) : ''].filter(Boolean).join(' ');
}

/** What happened, in words: the reason and rule of a refusal, the error of a failure, the effect of a success. */
export function detailOf(l: Line): string {
  const outcome = String(l.outcome);
  const reason = str(l.reason);
  const error = (l.error as { message?: string } | undefined)?.message;
  switch (outcome) {
    case 'done': {
      if (l.type === 'campaign.ended') {
        const ids = Array.isArray(l.contactListIds) ? (l.contactListIds as string[]) : [];
        const kept = l.listsKept && typeof l.listsKept === 'object' ? Object.keys(l.listsKept) : [];
        return `campaign deleted; ${ids.length} list(s) queued${ids.length ? ` (${ids.join(', ')})` : ''}${kept.length ? `; kept ${kept.join(', ')}` : ''}`;
      }
      if (l.type === 'list.update') return `updated ${Array.isArray(l.changed) ? (l.changed as string[]).join(', ') : ''}`.trim();
      if (l.type === 'list.restore') return `restored as ${JSON.stringify(l.restoredName)}${l.descriptionCut ? ' (description as far as it was kept)' : ''}`;
      if (l.action === 'archive')
        return `archived${str(l.newName) ? ` as ${JSON.stringify(l.newName)}` : ''}${str(l.deleteAfter) ? `; deleted after ${String(l.deleteAfter).slice(0, 10)} unless restored` : ''}`;
      const grace = str(l.archivedAt) ? ` after its grace period (archived ${String(l.archivedAt).slice(0, 10)})` : '';
      return `deleted${grace}${l.confirmed === false ? ' (unconfirmed: the reply was lost, the retry found it gone)' : ''}`;
    }
    case 'skipped': {
      const rule = str(l.rule);
      const why = str(l.why);
      return `${reason ?? 'skipped'}${rule ? ` (rule ${rule}${why ? `: ${why}` : ''})` : why ? ` (${why})` : ''}`;
    }
    case 'retry':
      return `${reason ?? 'retry'}${error ? `: ${error}` : ''}; SQS redelivers it after the visibility timeout`;
    case 'rejected':
      return `${reason ?? 'rejected'}${error ? `: ${error}` : ''} → parked in the DLQ`;
    default:
      return reason ?? '';
  }
}

/** Printable as it is: a body's own text reaches a terminal only in these shapes (no control characters, no escapes). */
const TYPE_SHAPE = /^[A-Za-z0-9_.:-]{1,64}$/;
const ID_SHAPE = /^[A-Za-z0-9_.-]{1,128}$/;

/**
 * The type and ids a message body claims, when it is a JSON object (bare or in an envelope) that
 * the consumer's schema refused: the outcome line of an invalid command has none (nothing was
 * validated), and "(no command)" hides which command it was. Only text of an id's shape is kept.
 */
export function claimedCommand(body: string | undefined): { type?: string; campaignId?: string; contactListId?: string } | undefined {
  if (body === undefined) return undefined;
  let value: Record<string, unknown>;
  try {
    value = unwrap(body).value;
  } catch {
    return undefined;
  }
  const pick = (v: unknown, shape: RegExp) => (typeof v === 'string' && shape.test(v) ? v : undefined);
  const type = pick(value.type, TYPE_SHAPE);
  const campaignId = pick(value.campaignId, ID_SHAPE);
  const contactListId = pick(value.contactListId, ID_SHAPE);
  if (!type && !campaignId && !contactListId) return undefined;
  return { ...(type ? { type } : {}), ...(campaignId ? { campaignId } : {}), ...(contactListId ? { contactListId } : {}) };
}

/**
 * One readable line for one outcome line, e.g. `✔ done  list.expired cl-x "Old leads"  deleted  · 2 Kore calls`.
 * `body`, the message's body when the caller has it, names the command of a line that has no
 * type (a body that parsed but failed validation).
 */
export function formatOutcome(l: Line, opts: { time?: boolean; body?: string } = {}): string {
  const outcome = String(l.outcome ?? '?');
  const calls = Number(l.koreCalls ?? 0);
  const receive = Number(l.receiveCount ?? 1);
  const time = opts.time && str(l.timestamp) ? `${String(l.timestamp).slice(11, 19)}  ` : '';
  const head = `${OUTCOME_MARK[outcome] ?? '·'} ${outcome.padEnd(12)}`;
  const claimed = str(l.type) ? undefined : claimedCommand(opts.body);
  const what = claimed
    ? [claimed.type ?? '(no type)', subjectOf(claimed)].filter(Boolean).join(' ')
    : [str(l.type) ?? '(no command)', subjectOf(l)].filter(Boolean).join(' ');
  const tail = [
    `${calls} Kore call${calls === 1 ? '' : 's'}`,
    receive > 1 ? `receive ${receive}` : '',
    l.dryRun ? 'dry run' : '',
    // The start of the id `npm run cli -- send` printed, to tell which message this was.
    str(l.messageId) ? `msg ${String(l.messageId).slice(0, 8)}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${time}${head} ${what}  ${detailOf(l)}  · ${tail}`;
}

export const isOutcomeLine = (l: Line): boolean => l.message === 'outcome' && typeof l.outcome === 'string';
