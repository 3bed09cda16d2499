/**
 * The safety model as data: every rule a destructive step must pass, what evidence it reads and
 * what a failure becomes. The table of docs/safety-model.md, "The rules", is this table (a unit test checks
 * that every rule id appears there). Rules are an allowlist: each must be *proven* from Kore's
 * freshest reply; a field that is missing, mistyped or unknown fails the rule.
 */

export type GuardReason =
  | 'unverifiable'
  | 'protected'
  | 'in-use'
  | 'unsettled'
  | 'changed-since-event'
  | 'stale'
  | 'campaign-active'
  | 'campaign-not-ended'
  | 'campaign-recurring'
  | 'in-grace';

export interface Rule {
  id: string;
  /** What the rule guards: deleting or renaming a list, or deleting a campaign. */
  applies: 'list' | 'campaign' | 'command';
  /** What must be proven. */
  requires: string;
  /** Where the proof comes from. */
  evidence: string;
  /** The `skipped` reason when it is not proven. */
  failsAs: GuardReason;
}

export const RULES = [
  {
    id: 'fresh',
    applies: 'command',
    requires: 'the command is at most MAX_COMMAND_AGE_HOURS old (unless redriven with AllowStale)',
    evidence: 'occurredAt (producers), the sweep run time, the fan-out time',
    failsAs: 'stale',
  },
  {
    id: 'identity',
    applies: 'list',
    requires: 'the reply is about the list asked for',
    evidence: "GET contact list: `_id` equals the command's id",
    failsAs: 'unverifiable',
  },
  {
    id: 'verifiable',
    applies: 'list',
    requires: 'every field below is present and well typed',
    evidence: '`isGlobalDNC`, `isDefault`, `isListInUse` (booleans), `campaignInUse` (array), `status`, `name` (strings), `updatedAt` (ISO time)',
    failsAs: 'unverifiable',
  },
  { id: 'not-global-dnc', applies: 'list', requires: '`isGlobalDNC` is false', evidence: 'the list', failsAs: 'protected' },
  { id: 'not-default', applies: 'list', requires: '`isDefault` is false', evidence: 'the list', failsAs: 'protected' },
  {
    id: 'not-dnc-name',
    applies: 'list',
    requires: 'the name does not say do-not-call: `DNC` in any word (`DNC_list`, `SMS_DNC`, `dnc2024`), "do not call/contact" however joined',
    evidence: "the list's name",
    failsAs: 'protected',
  },
  {
    id: 'not-dnc-of-campaign',
    applies: 'list',
    requires: 'no campaign names the list in its `dncLists`',
    evidence:
      'the campaign index (getAllCampaignDetails, voice and SMS; by id, or by name trimmed and case-insensitive for SMS), no older than DNC_MAX_AGE_SECONDS at a DELETE and DNC_RENAME_MAX_AGE_SECONDS at a rename',
    failsAs: 'protected',
  },
  {
    id: 'not-in-use',
    applies: 'list',
    requires: '`isListInUse` is false and `campaignInUse` is empty',
    evidence: 'the list (either flag is enough to refuse)',
    failsAs: 'in-use',
  },
  {
    id: 'settled',
    applies: 'list',
    requires: '`status` is a settled one: Ready, Validated or Invalid (not Validating or any status we do not know)',
    evidence: 'the list',
    failsAs: 'unsettled',
  },
  {
    id: 'unchanged',
    applies: 'list',
    requires: "the list has not changed since the command's evidence",
    evidence: "`updatedAt` equals the sweep's/fan-out's `listUpdatedAt`, and is not after `occurredAt`",
    failsAs: 'changed-since-event',
  },
  {
    id: 'archived-for-grace',
    applies: 'list',
    requires:
      'in `archive-then-delete` mode, the list carries our archive mark (name, and a description record whose HMAC verifies), not held, for GRACE_DAYS since the later of the recorded archive time and `updatedAt`',
    evidence: "the list's name, description (our signed record) and `updatedAt`; a list not yet archived is archived instead",
    failsAs: 'in-grace',
  },
  {
    id: 'campaign-identity',
    applies: 'campaign',
    requires: 'the reply is about the campaign asked for',
    evidence: "GET campaign: `_id` (or `id`) equals the command's id",
    failsAs: 'unverifiable',
  },
  {
    id: 'campaign-verifiable',
    applies: 'campaign',
    requires:
      '`status`, `updatedAt`, `schedule.isSchedulingEnabled` (and `isRecurrenceEnabled` when scheduled) present and well typed; the status is one Kore documents',
    evidence: 'GET campaign',
    failsAs: 'unverifiable',
  },
  {
    id: 'campaign-ended',
    applies: 'campaign',
    requires: 'status is Completed or Stopped',
    evidence: 'GET campaign: Active, Paused, Scheduled, Rescheduled, Rerun → campaign-active; Ready, Preparing → campaign-not-ended',
    failsAs: 'campaign-active',
  },
  {
    id: 'campaign-not-recurring',
    applies: 'campaign',
    requires: 'the campaign will not run again',
    evidence: '`schedule.isRecurrenceEnabled` is false (or scheduling is off)',
    failsAs: 'campaign-recurring',
  },
  {
    id: 'campaign-unchanged',
    applies: 'campaign',
    requires: 'the campaign has not changed since the event',
    evidence: '`updatedAt` is not after `occurredAt`',
    failsAs: 'changed-since-event',
  },
] as const satisfies readonly Rule[];

export type RuleId = (typeof RULES)[number]['id'];

export interface Refusal {
  allow: false;
  reason: GuardReason;
  rule: RuleId;
  /** A short human reason, e.g. "isDefault missing" or "status Validating". Never a secret. */
  why: string;
}

export type Verdict<T> = { allow: true; value: T } | Refusal;

export function refuse(rule: RuleId, why: string): Refusal {
  const r = RULES.find((x) => x.id === rule)!;
  return { allow: false, reason: r.failsAs, rule, why };
}
