import type { DncReferences } from '../guard/campaign-index.js';
import type { VerifiedList } from '../guard/list.js';
import { checkList } from '../guard/list.js';
import type { GuardReason } from '../guard/rules.js';
import type { KoreObject } from '../kore/types.js';

/**
 * Why a list is not a sweep candidate: a guard rule (the same guard the consumer applies to every
 * DELETE), or one of the sweep's own: too recent, name pattern, cap (applied last, to lists that
 * qualified).
 */
export const EXCLUSION_REASONS = ['unverifiable', 'protected', 'in-use', 'unsettled', 'too-recent', 'pattern', 'cap'] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

export interface SweepPolicy {
  minIdleDays: number;
  maxLists: number;
  namePattern?: RegExp;
}

const DAY_MS = 86_400_000;

export type Verdict = { candidate: true; list: VerifiedList } | { candidate: false; reason: Exclude<ExclusionReason, 'cap'>; why?: string };

function asExclusion(reason: GuardReason): Exclude<ExclusionReason, 'cap' | 'too-recent' | 'pattern'> {
  // The sweep's evidence is the listing itself, so `changed`/`stale` cannot occur; anything else unexpected is unverifiable.
  return reason === 'protected' || reason === 'in-use' || reason === 'unsettled' ? reason : 'unverifiable';
}

/** Decides one list. Pure: the same list, references, policy and time always give the same verdict. */
export function classifyList(raw: KoreObject, dnc: DncReferences, policy: Omit<SweepPolicy, 'maxLists'>, nowMs: number): Verdict {
  // getAllListDetails: flags it does not carry are left for the consumer's GET to prove.
  const v = checkList(raw, { dnc, source: 'listing' });
  if (!v.allow) return { candidate: false, reason: asExclusion(v.reason), why: v.why };
  if (nowMs - v.value.updatedAtMs < policy.minIdleDays * DAY_MS) return { candidate: false, reason: 'too-recent' };
  if (policy.namePattern && !policy.namePattern.test(v.value.name)) return { candidate: false, reason: 'pattern' };
  return { candidate: true, list: v.value };
}

export interface Selection {
  /** Oldest first, at most `maxLists`. */
  candidates: VerifiedList[];
  excluded: Record<ExclusionReason, number>;
}

export function selectCandidates(lists: readonly KoreObject[], dnc: DncReferences, policy: SweepPolicy, nowMs: number): Selection {
  const excluded = Object.fromEntries(EXCLUSION_REASONS.map((r) => [r, 0])) as Record<ExclusionReason, number>;
  const eligible: VerifiedList[] = [];
  for (const raw of lists) {
    const v = classifyList(raw, dnc, policy, nowMs);
    if (v.candidate) eligible.push(v.list);
    else excluded[v.reason]++;
  }
  eligible.sort((a, b) => a.updatedAtMs - b.updatedAtMs || a.id.localeCompare(b.id));
  const cap = Math.max(0, policy.maxLists);
  excluded.cap = Math.max(0, eligible.length - cap);
  return { candidates: eligible.slice(0, cap), excluded };
}
