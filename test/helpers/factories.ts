import type { DncReferences } from '../../lib/guard/campaign-index';
import type { KoreCredentials, KoreObject } from '../../lib/kore/types';

export const TEST_CLIENT_ID = 'cs-test-client';
export const TEST_CLIENT_SECRET = 'test-client-secret';
export const TEST_ACCOUNT = '67777ce93e25326494e1a2b3';
export const TEST_STREAM = 'st-0603182c-7ffb-53c3-b307-47ca14b1a2b3';

export function credentials(host: string, over: Partial<KoreCredentials> = {}): KoreCredentials {
  return {
    host,
    clientId: TEST_CLIENT_ID,
    clientSecret: TEST_CLIENT_SECRET,
    accountId: TEST_ACCOUNT,
    streamId: TEST_STREAM,
    ...over,
  };
}

let n = 0;
/** A contact list as Kore's GET returns it, with every field the guard reads present and harmless. */
export function aList(over: Record<string, unknown> = {}): KoreObject {
  n++;
  return {
    _id: `cl-test-${n}`,
    name: `List ${n}`,
    description: '',
    status: 'Ready',
    isListInUse: false,
    campaignInUse: [],
    isGlobalDNC: false,
    isDefault: false,
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

/** A campaign as Kore's GET returns it: Completed, not scheduled, one DNC list. */
export function aCampaign(over: Record<string, unknown> = {}): KoreObject {
  n++;
  return {
    _id: `cd-test-${n}`,
    name: `Campaign ${n}`,
    status: 'Completed',
    schedule: { isSchedulingEnabled: false, isRecurrenceEnabled: false },
    dncLists: { id: 'cl-dnc-of-campaign', name: 'Campaign DNC' },
    contactLists: [],
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

/** DNC references as the campaign index builds them. */
export function dncReferences(
  over: { byId?: Record<string, readonly string[]>; byName?: Record<string, readonly string[]>; unreadable?: readonly string[] } = {},
): DncReferences {
  return {
    byId: new Map(Object.entries(over.byId ?? {}).map(([k, v]) => [k, [...v]])),
    byName: new Map(Object.entries(over.byName ?? {}).map(([k, v]) => [k, [...v]])),
    unreadable: over.unreadable ?? [],
    asOf: 0,
  };
}
