import { CAMPAIGN_STATUSES, checkCampaign, readDncLists } from '../../lib/guard/campaign';
import type { KoreObject } from '../../lib/kore/types';
import { aCampaign } from '../helpers/factories';

const EVENT = Date.parse('2026-03-01T00:00:00.000Z');
const base = (over: Record<string, unknown> = {}) => aCampaign({ _id: 'cd-1', ...over });
const check = (c: KoreObject) => checkCampaign(c, { requestedId: 'cd-1', occurredAtMs: EVENT });

describe('the campaign guard', () => {
  it.each(CAMPAIGN_STATUSES.running)('never deletes a %s campaign (campaign-active)', (status) => {
    expect(check(base({ status }))).toMatchObject({ allow: false, reason: 'campaign-active', rule: 'campaign-ended' });
  });

  it.each(CAMPAIGN_STATUSES.notStarted)('never deletes a %s campaign that has not run yet (campaign-not-ended)', (status) => {
    expect(check(base({ status }))).toMatchObject({ allow: false, reason: 'campaign-not-ended', rule: 'campaign-ended' });
  });

  it.each<[string, Record<string, unknown>, string, string, RegExp]>([
    [
      'a Completed campaign that recurs',
      { schedule: { isSchedulingEnabled: true, isRecurrenceEnabled: true } },
      'campaign-recurring',
      'campaign-not-recurring',
      /isRecurrenceEnabled is true/,
    ],
    [
      'a recurring flag even with scheduling off',
      { schedule: { isSchedulingEnabled: false, isRecurrenceEnabled: true } },
      'campaign-recurring',
      'campaign-not-recurring',
      /isRecurrenceEnabled/,
    ],
    [
      'a scheduled campaign whose recurrence is not stated',
      { schedule: { isSchedulingEnabled: true } },
      'unverifiable',
      'campaign-verifiable',
      /isRecurrenceEnabled missing/,
    ],
    ['a reply without schedule', { schedule: undefined }, 'unverifiable', 'campaign-verifiable', /schedule missing/],
    ['a reply without status', { status: undefined }, 'unverifiable', 'campaign-verifiable', /status missing/],
    ['a status Kore does not document', { status: 'Archived' }, 'unverifiable', 'campaign-verifiable', /Archived is not one Kore documents/],
    ['a reply about another campaign', { _id: 'cd-2' }, 'unverifiable', 'campaign-identity', /cd-2/],
    ['a campaign changed after the event', { updatedAt: '2026-03-02T00:00:00.000Z' }, 'changed-since-event', 'campaign-unchanged', /after the event/],
    ['a reply without updatedAt', { updatedAt: undefined }, 'unverifiable', 'campaign-verifiable', /updatedAt missing/],
    ['an unreadable dncLists', { dncLists: 'DNC' }, 'unverifiable', 'campaign-verifiable', /dncLists/],
  ])('refuses %s', (_n, over, reason, rule, why) => {
    const v = check(base(over));
    expect(v).toMatchObject({ allow: false, reason, rule });
    expect(v.allow ? '' : v.why).toMatch(why);
  });

  it.each(CAMPAIGN_STATUSES.ended)('deletes a %s campaign that does not recur, and names its own DNC list', (status) => {
    expect(check(base({ status }))).toMatchObject({
      allow: true,
      value: { id: 'cd-1', status, type: 'voice', dncLists: [{ id: 'cl-dnc-of-campaign', name: 'Campaign DNC' }] },
    });
  });

  it('reads SMS campaigns by `id` and their DNC list by name', () => {
    const sms = { ...base({ campaignType: 'sms', dncLists: { name: 'SMS DNC' } }), _id: undefined, id: 'cd-1' };
    expect(check(sms)).toMatchObject({ allow: true, value: { type: 'sms', dncLists: [{ name: 'SMS DNC' }] } });
  });

  it('reads dncLists as an object, an array, null or absent; anything else is unreadable', () => {
    expect(readDncLists({ dncLists: { id: 'cl-1', name: 'A' } })).toEqual({ ok: true, refs: [{ id: 'cl-1', name: 'A' }] });
    expect(readDncLists({ dncLists: [{ name: 'A' }, { id: 'cl-2' }] })).toEqual({ ok: true, refs: [{ name: 'A' }, { id: 'cl-2' }] });
    expect(readDncLists({ dncLists: null })).toEqual({ ok: true, refs: [] });
    expect(readDncLists({})).toEqual({ ok: true, refs: [] });
    expect(readDncLists({ dncLists: {} })).toEqual({ ok: false });
    expect(readDncLists({ dncLists: [1] })).toEqual({ ok: false });
  });
});
