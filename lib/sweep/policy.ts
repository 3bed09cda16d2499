import type { DeletionMode } from '../config.js';
import type { ArchiveRecord, MarkKey } from '../guard/archive-mark.js';
import { readArchive } from '../guard/archive-mark.js';
import type { DncReferences } from '../guard/campaign-index.js';
import { deleteAfterMs } from '../guard/grace.js';
import type { VerifiedList } from '../guard/list.js';
import { checkList } from '../guard/list.js';
import type { GuardReason } from '../guard/rules.js';
import type { KoreObject } from '../kore/types.js';

/**
 * Why a list is not a sweep candidate: a guard rule (the same guard the consumer applies to every
 * DELETE), or one of the sweep's own: too recent, name pattern, archived and waiting out its
 * grace period, named "[expired]" by hand (never touched), cap (applied last, to lists that
 * qualified).
 */
export const EXCLUSION_REASONS = ['unverifiable', 'protected', 'in-use', 'unsettled', 'too-recent', 'pattern', 'archived', 'not-ours', 'cap'] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

/** A list-name filter: a RegExp, or several that must all match (a sweep event narrowing the deployment's). */
export interface NamePattern {
  test(name: string): boolean;
  readonly source: string;
}

export interface SweepPolicy {
  minIdleDays: number;
  maxLists: number;
  namePattern?: NamePattern;
  /** DELETION_MODE and GRACE_DAYS (default: delete at once). */
  deletion?: { mode: DeletionMode; graceDays: number };
}

/** What the policy needs besides the settings: the key our archive marks are signed with. */
export interface PolicyKeys {
  markKey: MarkKey;
}

const DAY_MS = 86_400_000;

/**
 * `idle`: unused for minIdleDays, queued as list.expired (the consumer deletes or archives it by
 * mode); `grace`: archived by us and unchanged for GRACE_DAYS, queued for deletion
 * (`archive-then-delete` only).
 */
export type Verdict =
  | { candidate: 'idle' | 'grace'; list: VerifiedList }
  | { candidate: false; reason: Exclude<ExclusionReason, 'cap'>; why?: string; list?: VerifiedList; record?: ArchiveRecord };

function asExclusion(reason: GuardReason): 'unverifiable' | 'protected' | 'in-use' | 'unsettled' {
  // The sweep's evidence is the listing itself, so `changed`/`stale` cannot occur; anything else unexpected is unverifiable.
  return reason === 'protected' || reason === 'in-use' || reason === 'unsettled' ? reason : 'unverifiable';
}

/** Decides one list. Pure: the same list, references, policy and time always give the same verdict. */
export function classifyList(raw: KoreObject, dnc: DncReferences, policy: Omit<SweepPolicy, 'maxLists'>, keys: PolicyKeys, nowMs: number): Verdict {
  // getAllListDetails: flags it does not carry are left for the consumer's GET to prove.
  const v = checkList(raw, { dnc, source: 'listing' });
  if (!v.allow) return { candidate: false, reason: asExclusion(v.reason), why: v.why };
  const list = v.value;
  const mode = policy.deletion?.mode ?? 'delete';
  if (mode !== 'delete') {
    const reading = readArchive(list, keys.markKey);
    if (reading?.ours) {
      const { record } = reading;
      if (mode === 'archive-then-delete' && !record.held && nowMs >= deleteAfterMs(list, record, policy.deletion!.graceDays)) {
        // The name pattern bounds the grace deletions too, matched on the name the list had.
        if (policy.namePattern && !policy.namePattern.test(record.name)) return { candidate: false, reason: 'pattern' };
        return { candidate: 'grace', list };
      }
      return { candidate: false, reason: 'archived', list, record };
    }
    if (reading) return { candidate: false, reason: 'not-ours', why: reading.why };
  }
  if (nowMs - list.updatedAtMs < policy.minIdleDays * DAY_MS) return { candidate: false, reason: 'too-recent' };
  if (policy.namePattern && !policy.namePattern.test(list.name)) return { candidate: false, reason: 'pattern' };
  return { candidate: 'idle', list };
}

export interface Selection {
  /** Oldest first, at most `maxLists` together: archived lists past their grace period, then idle lists. */
  candidates: Array<{ list: VerifiedList; kind: 'idle' | 'grace' }>;
  /** Archived by us and still inside their grace period (with when each may go; none when held). */
  waiting: Array<{ list: VerifiedList; record: ArchiveRecord; deleteAfterMs?: number }>;
  excluded: Record<ExclusionReason, number>;
}

export function selectCandidates(lists: readonly KoreObject[], dnc: DncReferences, policy: SweepPolicy, keys: PolicyKeys, nowMs: number): Selection {
  const excluded = Object.fromEntries(EXCLUSION_REASONS.map((r) => [r, 0])) as Record<ExclusionReason, number>;
  const grace: VerifiedList[] = [];
  const idle: VerifiedList[] = [];
  const waiting: Selection['waiting'] = [];
  for (const raw of lists) {
    const v = classifyList(raw, dnc, policy, keys, nowMs);
    if (v.candidate === 'grace') grace.push(v.list);
    else if (v.candidate === 'idle') idle.push(v.list);
    else if (v.candidate === false) {
      excluded[v.reason]++;
      if (v.reason === 'archived' && v.list && v.record) {
        const r = v.record;
        waiting.push({
          list: v.list,
          record: r,
          ...(policy.deletion?.mode === 'archive-then-delete' && !r.held ? { deleteAfterMs: deleteAfterMs(v.list, r, policy.deletion.graceDays) } : {}),
        });
      }
    }
  }
  const oldest = (a: VerifiedList, b: VerifiedList) => a.updatedAtMs - b.updatedAtMs || a.id.localeCompare(b.id);
  const all = [...grace.sort(oldest).map((list) => ({ list, kind: 'grace' as const })), ...idle.sort(oldest).map((list) => ({ list, kind: 'idle' as const }))];
  const cap = Math.max(0, policy.maxLists);
  excluded.cap = Math.max(0, all.length - cap);
  waiting.sort((a, b) => oldest(a.list, b.list));
  return { candidates: all.slice(0, cap), waiting, excluded };
}
