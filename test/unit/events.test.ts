import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { parseCommand } from '../../lib/lifecycle/commands';
import { unwrap } from '../../lib/lifecycle/envelope';
import { MessageValidationError } from '../../lib/lifecycle/errors';
import { loadSamples, restamp } from '../../local/samples';

const dir = join(__dirname, '../../events');
const sqsEvents = readdirSync(dir).filter((f) => f.startsWith('sqs-'));
const parse = (body: string) => parseCommand(unwrap(body), Date.now());

describe('events/ samples', () => {
  it.each(sqsEvents)('%s is an SQS event whose records parse as the file name says', (file) => {
    const event = JSON.parse(readFileSync(join(dir, file), 'utf8')) as SQSEvent;
    expect(event.Records.length).toBeGreaterThan(0);
    for (const r of event.Records) {
      expect(r).toMatchObject({ eventSource: 'aws:sqs', messageId: expect.any(String), attributes: { ApproximateReceiveCount: '1' } });
      const bad = file.includes('bad') || (file.includes('mixed') && r.body === 'not json');
      if (bad) expect(() => parse(r.body)).toThrow(MessageValidationError);
      else expect(parse(r.body).command.type).toMatch(/^(campaign\.ended|list\.expired|list\.update)$/);
    }
  });

  it('restamps every sample to the time it is sent (occurredAt, EventBridge time, SNS Timestamp)', () => {
    const at = new Date().toISOString();
    for (const s of loadSamples(dir)) {
      const body = restamp(s.body, at);
      if (s.body === 'not json' || s.file.includes('bad')) continue;
      expect(parse(body).command).toMatchObject({ occurredAt: at });
    }
  });
});
