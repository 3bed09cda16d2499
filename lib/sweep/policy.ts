import { isListInUse, isProtectedList } from '../kore/client.js';
import type { ContactListSummary } from '../kore/types.js';

/** Why a list is not a sweep candidate. `cap` is applied last, to lists that qualified. */
export const EXCLUSION_REASONS = ['protected', 'in-use', 'validating', 'too-recent', 'pattern', 'cap'] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

export interface SweepPolicy {
  minIdleDays: number;
  maxLists: number;
  namePattern?: RegExp;
}

const DAY_MS = 86_400_000;

/**
 * Names that say "do not call". Kore's flags are the rule; this is a second guard for a list
 * whose flags a reply omitted (REFERENCE §2.2 does not say getAllListDetails carries them).
 */
const DNC_NAME = /\bdnc\b|do[\s_-]*not[\s_-]*call/i;

export type Verdict = { candidate: true; updatedAtMs: number } | { candidate: false; reason: Exclude<ExclusionReason, 'cap'> };

/** Decides one list. Pure: the same list, policy and time always give the same verdict. */
export function classifyList(list: ContactListSummary, policy: Omit<SweepPolicy, 'maxLists'>, nowMs: number): Verdict {
  if (isProtectedList(list) || DNC_NAME.test(String(list.name ?? ''))) return { candidate: false, reason: 'protected' };
  if (isListInUse(list)) return { candidate: false, reason: 'in-use' };
  if (list.status === 'Validating') return { candidate: false, reason: 'validating' };
  // No readable timestamp: we cannot prove the list is idle, so it is too recent.
  const updatedAtMs = typeof list.updatedAt === 'string' ? Date.parse(list.updatedAt) : NaN;
  if (!Number.isFinite(updatedAtMs) || nowMs - updatedAtMs < policy.minIdleDays * DAY_MS) return { candidate: false, reason: 'too-recent' };
  if (policy.namePattern && !policy.namePattern.test(String(list.name ?? ''))) return { candidate: false, reason: 'pattern' };
  return { candidate: true, updatedAtMs };
}

export interface Selection {
  /** Oldest first, at most `maxLists`. */
  candidates: ContactListSummary[];
  excluded: Record<ExclusionReason, number>;
}

export function selectCandidates(lists: readonly ContactListSummary[], policy: SweepPolicy, nowMs: number): Selection {
  const excluded = Object.fromEntries(EXCLUSION_REASONS.map((r) => [r, 0])) as Record<ExclusionReason, number>;
  const eligible: { list: ContactListSummary; at: number }[] = [];
  for (const list of lists) {
    const v = classifyList(list, policy, nowMs);
    if (v.candidate) eligible.push({ list, at: v.updatedAtMs });
    else excluded[v.reason]++;
  }
  eligible.sort((a, b) => a.at - b.at || a.list._id.localeCompare(b.list._id));
  const cap = Math.max(0, policy.maxLists);
  excluded.cap = Math.max(0, eligible.length - cap);
  return { candidates: eligible.slice(0, cap).map((e) => e.list), excluded };
}
