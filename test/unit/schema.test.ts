import { MessageValidationError } from '../../lib/errors';
import { parseMessage } from '../../lib/lifecycle/schema';

describe('parseMessage', () => {
  it('accepts each command bare, with its optional fields', () => {
    expect(parseMessage(JSON.stringify({ type: 'campaign.ended', campaignId: 'cd-1', keepContactLists: true, eventId: 'e1', occurredAt: '2026-11-25T18:00:00Z' }))).toEqual({
      envelope: 'none',
      command: { type: 'campaign.ended', campaignId: 'cd-1', keepContactLists: true, eventId: 'e1', occurredAt: '2026-11-25T18:00:00Z' },
    });
    expect(parseMessage(JSON.stringify({ type: 'list.expired', contactListId: 'cl-1', action: 'archive', reason: 'crm-expiry', streamId: 'st-2' })).command).toMatchObject({ action: 'archive', streamId: 'st-2' });
    expect(parseMessage(JSON.stringify({ type: 'list.update', contactListId: 'cl-1', description: '' })).command).toMatchObject({ description: '' });
  });

  it('unwraps EventBridge and SNS envelopes, and EventBridge inside SNS, taking their ids as eventId', () => {
    const eb = { 'detail-type': 'list.expired', source: 'crm', id: 'eb-1', detail: { contactListId: 'cl-1' } };
    expect(parseMessage(JSON.stringify(eb))).toEqual({ envelope: 'eventbridge', command: { type: 'list.expired', contactListId: 'cl-1', eventId: 'eb-1' } });
    const sns = { Type: 'Notification', MessageId: 'sns-1', Message: JSON.stringify(eb) };
    expect(parseMessage(JSON.stringify(sns))).toEqual({ envelope: 'sns', command: { type: 'list.expired', contactListId: 'cl-1', eventId: 'eb-1' } });
    const own = { Type: 'Notification', MessageId: 'sns-2', Message: JSON.stringify({ type: 'list.expired', contactListId: 'cl-1', eventId: 'mine' }) };
    expect(parseMessage(JSON.stringify(own)).command.eventId).toBe('mine');
  });

  it('rejects with a MessageValidationError that says what is wrong', () => {
    const reject = (v: unknown) => {
      try {
        parseMessage(typeof v === 'string' ? v : JSON.stringify(v));
      } catch (e) {
        expect(e).toBeInstanceOf(MessageValidationError);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(reject({ type: 'list.expired', contactListId: 'cl-1', extra: 1 })).toMatch(/unknown field\(s\): extra/);
    expect(reject({ type: 'list.expired', contactListId: 'cl-1', action: null })).toMatch(/action/);
    expect(reject({ type: 'list.update', contactListId: 'cl-1' })).toMatch(/needs a name or a description/);
    expect(reject({ type: 'campaign.ended', campaignId: 'cl-1' })).toMatch(/campaignId must match/);
  });
});
