import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';

/**
 * The sample SQS events in events/. Their times are fixed (they document the contract); a
 * producer stamps the time an event happens, so `npm start` and the tests send them restamped to
 * the clock in use: a sample is never stale, whatever today's date.
 */
export function loadSamples(dir: string): Array<{ file: string; body: string }> {
  return readdirSync(dir)
    .filter((f) => f.startsWith('sqs-') && f.endsWith('.json'))
    .sort()
    .flatMap((file) => (JSON.parse(readFileSync(join(dir, file), 'utf8')) as SQSEvent).Records.map((r) => ({ file, body: r.body })));
}

/** The body with its event time (`occurredAt`, EventBridge `time`, SNS `Timestamp`) set to `iso`; anything else unchanged. */
export function restamp(body: string, iso: string): string {
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return body;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return body;
  const o = v as Record<string, unknown>;
  if ('occurredAt' in o) o.occurredAt = iso;
  if ('detail-type' in o && typeof o.time === 'string') o.time = iso;
  if (o.Type === 'Notification') {
    if (typeof o.Timestamp === 'string') o.Timestamp = iso;
    if (typeof o.Message === 'string') o.Message = restamp(o.Message, iso);
  }
  return JSON.stringify(o);
}
