import { COMMAND_TYPES, MAX_CALLS_PER_RECORD, parseCommand } from '../../lib/lifecycle/commands';
import { MAX_BODY_BYTES, unwrap } from '../../lib/lifecycle/envelope';
import { MessageValidationError } from '../../lib/lifecycle/errors';

const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const AT = '2026-06-01T11:00:00.000Z';
const parse = (body: unknown) => parseCommand(unwrap(typeof body === 'string' ? body : JSON.stringify(body)), NOW);

/** Parses `body`, which must be refused, and returns the reason. */
function refusal(body: unknown): string {
  let thrown: unknown;
  try {
    parse(body);
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(MessageValidationError);
  return (thrown as Error).message;
}

describe('the command registry', () => {
  it('knows the four commands and the most calls one of them needs', () => {
    expect([...COMMAND_TYPES].sort()).toEqual(['campaign.ended', 'list.expired', 'list.restore', 'list.update']);
    expect(MAX_CALLS_PER_RECORD).toBe(4);
  });

  it('accepts each command bare, with its optional fields', () => {
    expect(parse({ type: 'campaign.ended', campaignId: 'cd-1', keepContactLists: true, eventId: 'e1', occurredAt: AT }).command).toEqual({
      type: 'campaign.ended',
      campaignId: 'cd-1',
      keepContactLists: true,
      eventId: 'e1',
      occurredAt: AT,
    });
    expect(
      parse({ type: 'list.expired', contactListId: 'cl-1', action: 'archive', reason: 'crm-expiry', streamId: 'st-2', occurredAt: AT }).command,
    ).toMatchObject({ action: 'archive', streamId: 'st-2' });
    expect(parse({ type: 'list.update', contactListId: 'cl-1', description: '', occurredAt: AT }).command).toMatchObject({ description: '' });
  });

  it('accepts list.restore without occurredAt: a restore undoes our own write', () => {
    expect(parse({ type: 'list.restore', contactListId: 'cl-1' }).command).toEqual({ type: 'list.restore', contactListId: 'cl-1' });
  });

  it('requires occurredAt on every command that deletes or renames: it is the evidence the safety rules read', () => {
    for (const c of [
      { type: 'campaign.ended', campaignId: 'cd-1' },
      { type: 'list.expired', contactListId: 'cl-1' },
      { type: 'list.update', contactListId: 'cl-1', name: 'x' },
    ]) {
      expect(refusal(c)).toMatch(/occurredAt is required/);
    }
  });

  it('refuses an occurredAt more than five minutes in the future, and accepts small clock skew', () => {
    expect(refusal({ type: 'list.expired', contactListId: 'cl-1', occurredAt: new Date(NOW + 3_600_000).toISOString() })).toMatch(/in the future/);
    expect(parse({ type: 'list.expired', contactListId: 'cl-1', occurredAt: new Date(NOW + 60_000).toISOString() }).command.type).toBe('list.expired');
  });

  it('unwraps EventBridge and SNS envelopes, and EventBridge inside SNS, taking their ids and times when the command has none', () => {
    const eb = { 'detail-type': 'list.expired', source: 'crm', id: 'eb-1', time: AT, detail: { contactListId: 'cl-1' } };
    expect(unwrap(JSON.stringify(eb)).envelope).toBe('eventbridge');
    expect(parse(eb).command).toEqual({ type: 'list.expired', contactListId: 'cl-1', eventId: 'eb-1', occurredAt: AT });
    const sns = { Type: 'Notification', MessageId: 'sns-1', Timestamp: '2026-06-01T11:30:00.000Z', Message: JSON.stringify(eb) };
    expect(unwrap(JSON.stringify(sns)).envelope).toBe('sns');
    expect(parse(sns).command).toEqual({ type: 'list.expired', contactListId: 'cl-1', eventId: 'eb-1', occurredAt: AT });
    const own = {
      Type: 'Notification',
      MessageId: 'sns-2',
      Timestamp: AT,
      Message: JSON.stringify({ type: 'list.expired', contactListId: 'cl-1', eventId: 'mine' }),
    };
    expect(parse(own).command).toMatchObject({ eventId: 'mine', occurredAt: AT });
  });

  it('rejects with a MessageValidationError that says what is wrong', () => {
    expect(refusal({ type: 'list.expired', contactListId: 'cl-1', occurredAt: AT, extra: 1 })).toMatch(/unknown field\(s\): extra/);
    expect(refusal({ type: 'list.expired', contactListId: 'cl-1', occurredAt: AT, action: null })).toMatch(/action/);
    expect(refusal({ type: 'list.update', contactListId: 'cl-1', occurredAt: AT })).toMatch(/needs a name or a description/);
    expect(refusal({ type: 'campaign.ended', campaignId: 'cl-1', occurredAt: AT })).toMatch(/campaignId must match/);
    expect(refusal({ type: 'list.purge', contactListId: 'cl-1' })).toMatch(/unknown command type "list.purge"/);
    expect(refusal({ type: 'list.update', contactListId: 'cl-1', occurredAt: AT, name: 'x'.repeat(49) })).toMatch(/name is 49 characters/);
    expect(refusal({ type: 'list.update', contactListId: 'cl-1', occurredAt: AT, name: '🎉'.repeat(25) })).toMatch(/UTF-16/);
  });

  it('refuses __proto__ and constructor keys, bare and inside an EventBridge detail, without touching any prototype', () => {
    const proto = '{"type":"list.expired","contactListId":"cl-1","occurredAt":"' + AT + '","__proto__":{"polluted":true}}';
    expect(refusal(proto)).toMatch(/unknown field\(s\): __proto__/);
    expect(refusal({ type: 'list.expired', contactListId: 'cl-1', occurredAt: AT, constructor: { prototype: { polluted: true } } })).toMatch(
      /unknown field\(s\): constructor/,
    );
    const eb = '{"detail-type":"list.expired","source":"crm","time":"' + AT + '","detail":{"contactListId":"cl-1","__proto__":{"polluted":true}}}';
    expect(refusal(eb)).toMatch(/__proto__/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses deep nesting, oversized bodies, non-objects and nested SNS', () => {
    expect(refusal('['.repeat(5000) + ']'.repeat(5000))).toMatch(/nests deeper|must be a JSON object/);
    expect(refusal(`{"type":"list.expired","a":${'{"b":'.repeat(100)}1${'}'.repeat(100)}}`)).toMatch(/nests deeper than 32/);
    expect(refusal(JSON.stringify({ type: 'list.expired', contactListId: 'cl-1', occurredAt: AT, reason: 'x'.repeat(MAX_BODY_BYTES) }))).toMatch(
      /commands are at most 16384/,
    );
    expect(refusal('null')).toMatch(/must be a JSON object, got null/);
    expect(refusal('not json')).toMatch(/not valid JSON/);
    const inner = { Type: 'Notification', MessageId: 'a', Message: JSON.stringify({ type: 'list.expired', contactListId: 'cl-1', occurredAt: AT }) };
    expect(refusal({ Type: 'Notification', MessageId: 'b', Message: JSON.stringify(inner) })).toMatch(/nested SNS/);
  });

  it('refuses an EventBridge detail whose type disagrees with detail-type', () => {
    expect(refusal({ 'detail-type': 'list.expired', source: 'crm', time: AT, detail: { type: 'campaign.ended', contactListId: 'cl-1' } })).toMatch(/ambiguous/);
  });
});
