import type { Message } from '@aws-sdk/client-sqs';
import type { RecordedCall } from './kore-emulator/server.js';
import { formatTable } from './table.js';

/**
 * `npm start`'s summary, from what the run left behind: the consumer's JSON lines (outcomes
 * and audit results), the DLQ and the calls the Kore emulator received. Pure: the tables are
 * functions of those inputs, so a test can read them row by row.
 */

type Line = Record<string, unknown>;
type Row = Record<string, string | number>;

/** The last outcome of each message (a retried one logs one line per receive). */
export function finalOutcomes(lines: readonly Line[]): Line[] {
  const final = new Map<string, Line>();
  for (const l of lines) if (l.message === 'outcome') final.set(String(l.messageId), l);
  return [...final.values()];
}

export function outcomeRows(lines: readonly Line[]): Row[] {
  const counts = new Map<string, number>();
  for (const o of finalOutcomes(lines)) counts.set(String(o.outcome), (counts.get(String(o.outcome)) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([outcome, n]) => ({ outcome, messages: n }));
}

const WRITTEN = new Set(['deleted', 'archived', 'restored', 'updated', 'unconfirmed']);

/** What Kore applied, from the audit `result` lines (never from intents: an intent may not have happened). */
export function writtenRows(lines: readonly Line[]): Row[] {
  type Obj = { _id?: string; id?: string; name?: string; body?: { name?: string } };
  // The name the guard approved (the intent's object); a PUT's reply holds only what was sent.
  const intentName = new Map<string, string>();
  for (const l of lines) {
    const name = (l.object as Obj | undefined)?.name;
    if (l.audit === true && l.phase === 'intent' && name) intentName.set(`${String(l.messageId)}|${String(l.action)}`, name);
  }
  return lines
    .filter((l) => l.audit === true && l.phase === 'result' && WRITTEN.has(String(l.result)))
    .map((l) => {
      const o = (l.object ?? {}) as Obj;
      const name = intentName.get(`${String(l.messageId)}|${String(l.action)}`) ?? o.name ?? '';
      const now =
        typeof l.newName === 'string'
          ? ` → ${l.newName}`
          : typeof l.restoredName === 'string'
            ? ` → ${l.restoredName}`
            : l.action === 'updateContactList' && o.body?.name && o.body.name !== name
              ? ` → ${o.body.name}`
              : '';
      return { action: String(l.action), id: String(l.contactListId ?? l.campaignId ?? o._id ?? o.id ?? ''), name: name + now, result: String(l.result) };
    });
}

/** Every guard refusal and Kore refusal: the command was skipped and nothing was written. */
export function refusedRows(lines: readonly Line[]): Row[] {
  return finalOutcomes(lines)
    .filter((o) => o.outcome === 'skipped')
    .map((o) => ({
      command: String(o.type ?? ''),
      id: String(o.type === 'campaign.ended' ? o.campaignId : (o.contactListId ?? o.campaignId ?? '')),
      name: String(o.listName ?? ''),
      reason: String(o.reason ?? ''),
      rule: String(o.rule ?? ''),
      why: String(o.why ?? ''),
    }));
}

export function dlqRows(messages: readonly Message[]): Row[] {
  return messages.map((m) => ({
    error: m.MessageAttributes?.ErrorCode?.StringValue ?? '(redriven after maxReceiveCount)',
    message: (m.MessageAttributes?.ErrorMessage?.StringValue ?? '').slice(0, 60),
    body: (m.Body ?? '').slice(0, 40),
  }));
}

export function koreCallRows(calls: readonly RecordedCall[], o: { minutes: number; speed: number; budget: string }): Row[] {
  return [
    {
      calls: calls.length,
      '429s': calls.filter((c) => c.status === 429).length,
      '5xx/dropped': calls.filter((c) => c.status >= 500 || c.result === 'dropped').length,
      'budget/min': o.budget,
      'used/min (real-time equivalent)': (calls.length / Math.max(o.minutes * o.speed, 1e-9)).toFixed(1),
    },
  ];
}

export interface SummaryInput {
  lines: readonly Line[];
  dlq: readonly Message[];
  calls: readonly RecordedCall[];
  minutes: number;
  speed: number;
  budget: string;
}

/** The summary as text; `style` colours the headings on a terminal. */
export function renderSummary(s: SummaryInput, style: { bold: (x: string) => string; dim: (x: string) => string } = { bold: (x) => x, dim: (x) => x }): string {
  const table = (rows: Row[]) => formatTable(rows, { indent: '  ', header: style.bold, empty: style.dim('(none)') });
  const final = finalOutcomes(s.lines);
  return [
    style.bold('Summary'),
    style.bold('Commands by outcome') + style.dim(` (${final.length} messages)`),
    table(outcomeRows(s.lines)),
    style.bold('Written to Kore') + style.dim(' (audit result lines)'),
    table(writtenRows(s.lines)),
    style.bold('Refused') + style.dim(' (skipped: the guard or Kore said no; nothing written)'),
    table(refusedRows(s.lines)),
    style.bold('Dead-letter queue'),
    table(dlqRows(s.dlq)),
    style.bold('Kore calls'),
    table(koreCallRows(s.calls, s)),
  ].join('\n');
}
