import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { formatOutcome, isOutcomeLine } from '../outcome-format.js';

/**
 * `send --wait`: the command's outcome, read from the kept-running stack's JSON log (its endpoints
 * file names it; keep-running appends every handler line to it as it is written), in the same
 * one-line form `npm start` prints.
 */

/** Outcomes after which nothing more happens to the message (retry and requeued are on the way). */
const FINAL = new Set(['done', 'already-done', 'skipped', 'would-delete', 'would-archive', 'would-update', 'would-restore', 'rejected']);

/** Where the log ends now: outcomes after this are the new command's. */
export function logOffset(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

export interface WaitResult {
  /** The final outcome line, or undefined if none came in time. */
  final?: Record<string, unknown>;
  /** The last line printed for it (a retry, say), for the timeout's message. */
  last?: string;
}

/**
 * Follows `file` from `offset` until an outcome line of `messageId` (or of a copy the consumer
 * requeued in its place: `firstMessageId`) is final, or `timeoutMs` passes. Each of its lines is
 * printed as it comes.
 */
export async function waitForOutcome(o: {
  file: string;
  offset: number;
  messageId: string;
  body: string;
  timeoutMs: number;
  print: (line: string) => void;
  pollMs?: number;
}): Promise<WaitResult> {
  const deadline = Date.now() + o.timeoutMs;
  let offset = o.offset;
  let partial = '';
  let last: string | undefined;
  for (;;) {
    const chunk = readFrom(o.file, offset);
    offset += chunk.length;
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const text of lines) {
      if (!text.startsWith('{') || !text.includes(o.messageId)) continue;
      let l: Record<string, unknown>;
      try {
        l = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (!isOutcomeLine(l) || (l.messageId !== o.messageId && l.firstMessageId !== o.messageId)) continue;
      last = formatOutcome(l, { time: true, body: o.body });
      o.print(last);
      if (FINAL.has(String(l.outcome))) return { final: l, last };
    }
    if (Date.now() >= deadline) return { ...(last ? { last } : {}) };
    await new Promise((r) => setTimeout(r, Math.min(o.pollMs ?? 100, Math.max(0, deadline - Date.now()))));
  }
}

function readFrom(file: string, offset: number): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const size = statSync(file).size;
    if (size <= offset) return Buffer.alloc(0);
    const buf = Buffer.alloc(size - offset);
    const n = readSync(fd, buf, 0, buf.length, offset);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
