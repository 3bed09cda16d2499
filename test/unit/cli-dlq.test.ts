import type { Message } from '@aws-sdk/client-sqs';
import { dlqEntry, formatAge, moveTaskUnavailable } from '../../local/cli/dlq';
import { attributesToSend } from '../../local/queues';

const err = (name: string, message: string) => Object.assign(new Error(message), { name });
const s = (StringValue: string) => ({ DataType: 'String', StringValue });

describe('dlq redrive: which errors mean "no message move task here"', () => {
  it.each([
    ['InvalidAction', 'Unknown action: StartMessageMoveTask', /this SQS endpoint has no message move tasks/],
    ['InvalidAction', 'Unknown action: ListMessageMoveTasks', /this SQS endpoint has no message move tasks/],
    ['UnknownOperationException', 'StartMessageMoveTask is not known', /this SQS endpoint has no message move tasks/],
    ['UnsupportedOperation', 'FIFO queues are not supported', /SQS supports no move task for this queue/],
    ['InvalidParameterValue', 'Source queue must be configured as a Dead Letter Queue.', /no dead-letter queue/],
  ])('%s "%s": move by hand', (name, message, why) => {
    expect(moveTaskUnavailable(err(name, message))).toMatch(why);
  });

  it.each([
    ['InvalidParameterValue', 'Value x for parameter SourceArn is invalid.'],
    ['InvalidParameterValue', 'One or more parameters are invalid. Reason: Message must be shorter than 65536 bytes.'],
    ['InvalidAction', 'Unknown action: SendMessage'],
    ['AccessDenied', 'not authorized to perform sqs:StartMessageMoveTask'],
    ['RequestThrottled', 'slow down'],
    ['ResourceNotFoundException', 'no such queue'],
    ['TimeoutError', 'socket hang up'],
  ])('%s "%s": an error, not a reason to move by hand', (name, message) => {
    expect(moveTaskUnavailable(err(name, message))).toBeUndefined();
  });
});

describe('a redriven message’s attributes', () => {
  it('keeps every attribute as SQS takes it back, with the added ones on top', () => {
    const received = { ErrorCode: s('kore-server'), Size: { DataType: 'Number', StringValue: '3', StringListValues: [] } };
    expect(attributesToSend(received, { AllowStale: s('true') })).toEqual({
      attributes: { ErrorCode: s('kore-server'), Size: { DataType: 'Number', StringValue: '3' }, AllowStale: s('true') },
      dropped: [],
    });
  });

  it('past SQS’s 10 attributes, lets parking’s bookkeeping give way first, never the error, the origin or the producer’s own', () => {
    const names = ['ErrorCode', 'ErrorMessage', 'SourceMessageId', 'ReceiveCount', 'RejectedAt', 'KclOrigin', 'P1', 'P2', 'P3', 'P4'];
    const received = Object.fromEntries(names.map((n) => [n, s(n)]));
    const { attributes, dropped } = attributesToSend(received, { AllowStale: s('true') });
    expect(dropped).toEqual(['RejectedAt']);
    expect(Object.keys(attributes)).toHaveLength(10);
    expect(Object.keys(attributes)).toEqual(expect.arrayContaining(['ErrorCode', 'ErrorMessage', 'SourceMessageId', 'KclOrigin', 'P1', 'P4', 'AllowStale']));
  });
});

describe('dlq list', () => {
  const message = (o: Partial<Message>): Message => ({ MessageId: 'own-id', ReceiptHandle: 'rh', Body: '{}', ...o });

  it('shows the SourceMessageId parking set, else the message’s own id, and a requeued command’s first id', () => {
    const parked = dlqEntry(
      message({
        MessageAttributes: {
          SourceMessageId: s('src-1'),
          ReceiveCount: { DataType: 'Number', StringValue: '3' },
          KclOrigin: s(JSON.stringify({ messageId: 'first-1', requeues: 2 })),
        },
        Attributes: { SentTimestamp: '1000', ApproximateReceiveCount: '9' },
      }),
      61_000,
    );
    expect(parked).toMatchObject({ messageId: 'own-id', sourceMessageId: 'src-1', firstMessageId: 'first-1', receiveCount: 3, ageSeconds: 60 });
    expect(parked.receiveCountApproximate).toBeUndefined();
    const movedBySqs = dlqEntry(message({ Attributes: { ApproximateReceiveCount: '6' } }));
    expect(movedBySqs).toMatchObject({ sourceMessageId: 'own-id', receiveCount: 6, receiveCountApproximate: true });
    expect(movedBySqs.firstMessageId).toBeUndefined();
    // A KclOrigin that is not ours to believe in shape is ignored.
    expect(dlqEntry(message({ MessageAttributes: { KclOrigin: s('{"messageId":"a b\\n"}') } })).firstMessageId).toBeUndefined();
  });

  it('says an age in its largest units', () => {
    expect([12, 420, 7_500, 273_600].map(formatAge)).toEqual(['12s', '7m', '2h5m', '3d4h']);
  });
});
