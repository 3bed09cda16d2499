import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { COMMAND_TYPES, parseCommand } from '../../lib/lifecycle/commands';
import { unwrap } from '../../lib/lifecycle/envelope';
import { MessageValidationError } from '../../lib/lifecycle/errors';
import { loadSamples, restamp } from '../../local/samples';

const dir = join(__dirname, '../../events');
const sqsEvents = readdirSync(dir).filter((f) => f.startsWith('sqs-'));
const parse = (body: string) => parseCommand(unwrap(body), Date.now());
/** Parses a sample as a producer would send it now: its fixed time would be "in the future" on a clock set back. */
const parseSent = (body: string) => parse(restamp(body, new Date().toISOString()));

describe('events/ samples', () => {
  it.each(sqsEvents)('%s is an SQS event whose records parse as the file name says', (file) => {
    const event = JSON.parse(readFileSync(join(dir, file), 'utf8')) as SQSEvent;
    expect(event.Records.length).toBeGreaterThan(0);
    for (const r of event.Records) {
      expect(r).toMatchObject({ eventSource: 'aws:sqs', messageId: expect.any(String), attributes: { ApproximateReceiveCount: '1' } });
      const bad = file.includes('bad') || (file.includes('mixed') && r.body === 'not json');
      if (bad) expect(() => parseSent(r.body)).toThrow(MessageValidationError);
      else expect(COMMAND_TYPES).toContain(parseSent(r.body).command.type);
    }
  });

  it('restamps every sample to the time it is sent (occurredAt, EventBridge time, SNS Timestamp)', () => {
    const at = new Date().toISOString();
    for (const s of loadSamples(dir)) {
      const body = restamp(s.body, at);
      if (s.body === 'not json' || s.file.includes('bad')) continue;
      // A restore may omit occurredAt (it undoes our own write): restamping leaves it without one.
      if (s.file.includes('restore')) expect(parse(body).command).not.toHaveProperty('occurredAt');
      else expect(parse(body).command).toMatchObject({ occurredAt: at });
    }
  });
});
