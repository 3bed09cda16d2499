import type { ContactListSummary, KoreCredentials } from '../../lib/kore/types';

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
export function aList(over: Partial<ContactListSummary> = {}): ContactListSummary {
  n++;
  return {
    _id: `cl-test-${n}`,
    name: `List ${n}`,
    status: 'Ready',
    isListInUse: false,
    campaignInUse: [],
    isGlobalDNC: false,
    isDefault: false,
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}
