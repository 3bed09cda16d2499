import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { MessageValidationError } from '../../lib/errors';
import { parseMessage } from '../../lib/lifecycle/schema';

const dir = join(__dirname, '../../events');
const sqsEvents = readdirSync(dir).filter((f) => f.startsWith('sqs-'));

describe('events/ samples', () => {
  it.each(sqsEvents)('%s is an SQS event whose records parse as the file name says', (file) => {
    const event = JSON.parse(readFileSync(join(dir, file), 'utf8')) as SQSEvent;
    expect(event.Records.length).toBeGreaterThan(0);
    for (const r of event.Records) {
      expect(r).toMatchObject({ eventSource: 'aws:sqs', messageId: expect.any(String), attributes: { ApproximateReceiveCount: '1' } });
      const bad = file.includes('bad') || (file.includes('mixed') && r.body === 'not json');
      if (bad) expect(() => parseMessage(r.body)).toThrow(MessageValidationError);
      else expect(parseMessage(r.body).command.type).toMatch(/^(campaign\.ended|list\.expired|list\.update)$/);
    }
  });
});
