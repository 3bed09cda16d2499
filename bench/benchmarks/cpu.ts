import { randomUUID } from 'node:crypto';
/**
 * CPU per message of the shipped consumer (warm), and what the same HTTP requests cost through
 * a bare `fetch`, measured batch by batch in the same process, so that the account's listing is
 * the same size for both. Then the same for a GET per list (SNAPSHOT_MAX_AGE_SECONDS=0), and
 * the secret reads. The emulators run in another process (bench/emulators-child.ts).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { SQSEvent } from 'aws-lambda';
import jwt from 'jsonwebtoken';
import { createLocalConsumer } from '../../local/consumer.js';
import { lambdaContext } from '../../local/event-source-mapping.js';
import { LogTap } from '../../local/log-tap.js';
import { ROOT } from '../bundles.js';
import type { Bench } from '../report.js';

const GOAL_MS = 0.2;
const BATCH = 10;

interface PathFigures {
  messages: number;
  done: number;
  koreCalls: number;
  cpuMsPerMessage: number;
  fetchOnlyMsPerMessage: number;
  ownMsPerMessage: number;
  wallMsPerMessage: number;
  /** Lists in the account's listing at the start and the end of the run. */
  listing: { start: number; end: number };
}

export async function cpu(b: Bench): Promise<void> {
  const messages = b.scaled(1000, 200);
  const others = 1000;
  if (messages < 500) b.warn(`cpu: ${messages} messages (full scale 1,000): JIT warm-up and GC weigh more per message`);
  // Targets for both paths and the warm-up batches.
  const targets = 2 * (messages + BATCH);
  const child = spawn(
    process.execPath,
    [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(__dirname, '..', 'emulators-child.ts'), JSON.stringify({ targets, others })],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  try {
    const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
    const endpoints = JSON.parse(line) as { kore: string; secrets: string; secretId: string };
    const shipped = await measure(endpoints, { first: 0, messages, snapshot: true });
    const perList = await measure(endpoints, { first: messages + BATCH, messages, snapshot: false });
    b.record('cpu', { others, shipped: shipped.figures, getPerList: perList.figures });
    b.record('secrets', { messages: 2 * messages, reads: shipped.secretReads + perList.secretReads });
    const f = shipped.figures;
    const ms = (x: number) => `${x.toFixed(3)} ms`;
    const calls = (x: PathFigures) => (x.koreCalls / x.messages).toFixed(2);
    b.row({
      section: 'cpu',
      metric: `CPU per message, warm (${f.messages} list.expired, DELETION_MODE=delete, ${calls(f)} Kore calls each, a listing of ${f.listing.start}–${f.listing.end} lists per batch)`,
      goal: `≤ ${GOAL_MS} ms`,
      value: ms(f.cpuMsPerMessage),
      met: f.cpuMsPerMessage <= GOAL_MS,
      why: `The same requests through a bare \`fetch\` (the listing once per batch of 10, one request per deletion) cost ${ms(f.fetchOnlyMsPerMessage)} per message on their own on this machine, so the goal cannot be met with HTTP through \`fetch\`; our own code (parsing the listing, the guard, JWT, one log line, metrics, the batch) costs ${ms(f.ownMsPerMessage)}. At 25 Kore calls a minute the budget, not the CPU, bounds throughput: one consumer handles about ${(25 / (f.koreCalls / f.messages)).toFixed(0)} messages a minute, ${((25 / (f.koreCalls / f.messages)) * f.cpuMsPerMessage).toFixed(0)} ms of CPU.`,
    });
    b.row({ section: 'cpu', metric: '  of which the same requests through a bare fetch', goal: '', value: ms(f.fetchOnlyMsPerMessage) });
    b.row({ section: 'cpu', metric: '  the rest: parse (the listing too), guard, JWT, logs, metrics, batch', goal: '', value: ms(f.ownMsPerMessage) });
    b.row({
      section: 'cpu',
      metric: `CPU per message with a GET per list (SNAPSHOT_MAX_AGE_SECONDS=0, ${calls(perList.figures)} Kore calls each)`,
      goal: 'report',
      value: `${ms(perList.figures.cpuMsPerMessage)} (bare fetch ${ms(perList.figures.fetchOnlyMsPerMessage)})`,
    });
    const reads = shipped.secretReads + perList.secretReads;
    b.row({
      section: 'secrets',
      metric: `Secrets Manager reads per 1,000 messages (warm, TTL 300 s, ${2 * messages} messages)`,
      goal: '1 per TTL',
      value: ((reads / (2 * messages)) * 1000).toFixed(1),
      met: reads <= 2,
      why: `${reads} reads for ${2 * messages} warm messages in two consumers.`,
    });
    b.describe(
      'cpu',
      `\`process.cpuUsage()\` around each warm batch of 10 \`list.expired\` (the shipped consumer, \`DELETION_MODE=delete\`, no pacing: \`KORE_CALLS_PER_MINUTE\` is set out of the way), ${messages} messages per path, on an account that also holds ${others} lists nothing deletes (the batch's listing carries them). After each batch the same requests go through a bare \`fetch\` with the same headers (the listing, and a GET in place of each DELETE), measured apart: the transport's share. The emulators run in another process, so only the handler's CPU counts.`,
    );
  } finally {
    child.stdin!.end();
  }
}

/** The queue the records say they came from: the consumer refuses records from any other. */
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:q';

async function measure(
  endpoints: { kore: string; secrets: string; secretId: string },
  o: { first: number; messages: number; snapshot: boolean },
): Promise<{ figures: PathFigures; secretReads: number }> {
  const { kore, secrets, secretId } = endpoints;
  const smCalls = async () => ((await (await fetch(`${secrets}/__admin/calls`)).json()) as Record<string, number>).GetSecretValue ?? 0;
  const koreCalls = async () => ((await (await fetch(`${kore}/__admin/calls`)).json()) as unknown[]).length;
  const nowhere = { region: 'us-east-1', credentials: { accessKeyId: 'b', secretAccessKey: 'b' } };
  // list.expired never sends to SQS (nor asks it for a receipt handle's proof: these are local): the SQS client points nowhere.
  const { handler, deps } = createLocalConsumer(
    { env: {}, aws: { ...nowhere, endpoints: { sqs: 'http://127.0.0.1:9', secretsManager: secrets } } },
    {
      KORE_SECRET_ID: secretId,
      LIFECYCLE_QUEUE_URL: 'http://127.0.0.1:9/q',
      LIFECYCLE_QUEUE_ARN: QUEUE_ARN,
      DEAD_LETTER_QUEUE_URL: 'http://127.0.0.1:9/dlq',
      KORE_CALLS_PER_MINUTE: '100000', // the most the config accepts: one call each 0.6 ms
      KORE_TIMEOUT_MS: '5000',
      DEADLINE_MARGIN_MS: '1000',
      KORE_ALLOW_LOOPBACK_HTTP: 'true',
      DELETION_MODE: 'delete',
      SNAPSHOT_MAX_AGE_SECONDS: o.snapshot ? '30' : '0',
    },
  );
  // The brake is the queue's tag, read through SQS (nowhere here) at most once a minute: off.
  deps.brake = { state: async () => ({ on: false }) } as unknown as typeof deps.brake;
  let n = o.first;
  const batch = (): SQSEvent => ({
    Records: Array.from({ length: BATCH }, () => {
      const i = n++;
      return {
        messageId: `m-${i}`,
        // What `npm run cli -- event` prints: taken without asking SQS on the local stack only (KORE_ALLOW_LOOPBACK_HTTP).
        receiptHandle: `local-receipt-${randomUUID()}`,
        body: JSON.stringify({ type: 'list.expired', contactListId: `cl-bench-${i}`, eventId: `e-${i}`, occurredAt: new Date().toISOString() }),
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'b', ApproximateFirstReceiveTimestamp: String(Date.now()) },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: QUEUE_ARN,
        awsRegion: 'us-east-1',
      };
    }),
  });
  // The bare requests: the same URLs and headers the client sends.
  const s = JSON.parse(
    (
      (await (
        await fetch(`${secrets}/`, {
          method: 'POST',
          headers: { 'x-amz-target': 'secretsmanager.GetSecretValue', 'content-type': 'application/x-amz-json-1.1' },
          body: JSON.stringify({ SecretId: secretId }),
        })
      ).json()) as { SecretString: string }
    ).SecretString,
  ) as { streamId: string; accountId: string; clientId: string; clientSecret: string };
  const base = `${kore}/campaign/api/v2/public/${s.streamId}/campaign/contactList`;
  const headers = {
    auth: jwt.sign({ appId: s.clientId, sub: 'bench' }, s.clientSecret, { algorithm: 'HS256', expiresIn: 600 }),
    iid: s.streamId,
    accountId: s.accountId,
    accept: 'application/json',
  };
  let listed = 0;
  // `count`: also parse the listing to count its lists (outside the measured batches).
  const bare = async (listing: boolean, gets: number, count = false) => {
    if (listing) {
      const body = await (
        await fetch(`${base}/getAllListDetails?type=call&accountId=${s.accountId}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: '{}',
          signal: AbortSignal.timeout(8000),
        })
      ).text();
      if (count) listed = (JSON.parse(body) as { data: unknown[] }).data.length;
    }
    for (let i = 0; i < gets; i++) await (await fetch(`${base}/cl-keep-0?accountId=${s.accountId}`, { headers, signal: AbortSignal.timeout(8000) })).text();
  };

  const tap = new LogTap().start();
  const m = { handlerUs: 0, fetchUs: 0, wallMs: 0, calls: 0, done: 0, reads: 0, start: 0, end: 0 };
  try {
    await handler(batch(), lambdaContext(60_000)); // warm: the first secret read, JIT, connections
    await bare(o.snapshot, o.snapshot ? BATCH : 2 * BATCH);
    const doneBefore = tap.outcomes().filter((x) => x.outcome === 'done').length;
    const readsBefore = await smCalls();
    const callsBefore = await koreCalls();
    await bare(true, 0, true);
    m.start = listed;
    for (let i = 0; i < o.messages; i += BATCH) {
      const t = Date.now();
      const c0 = process.cpuUsage();
      await handler(batch(), lambdaContext(60_000));
      const c = process.cpuUsage(c0);
      m.wallMs += Date.now() - t;
      m.handlerUs += c.user + c.system;
      const f0 = process.cpuUsage();
      await bare(o.snapshot, o.snapshot ? BATCH : 2 * BATCH);
      const f = process.cpuUsage(f0);
      m.fetchUs += f.user + f.system;
    }
    await bare(true, 0, true);
    m.end = listed;
    // The bare requests are not the handler's calls.
    m.calls = (await koreCalls()) - callsBefore - 2 - (o.snapshot ? o.messages / BATCH : 0) - (o.snapshot ? o.messages : 2 * o.messages);
    m.reads = (await smCalls()) - readsBefore;
    m.done = tap.outcomes().filter((x) => x.outcome === 'done').length - doneBefore;
  } finally {
    tap.stop();
    deps.sqs.destroy();
    deps.secretsClient.destroy();
  }
  // A run whose commands were refused measures the refusal, not the deletions the figures name.
  if (m.done !== o.messages) throw new Error(`cpu: ${m.done} of ${o.messages} list.expired were deleted; the figures would not describe deletions`);
  const per = (us: number) => +(us / 1000 / o.messages).toFixed(3);
  return {
    figures: {
      messages: o.messages,
      done: m.done,
      koreCalls: m.calls,
      cpuMsPerMessage: per(m.handlerUs),
      fetchOnlyMsPerMessage: per(m.fetchUs),
      ownMsPerMessage: per(m.handlerUs - m.fetchUs),
      wallMsPerMessage: +(m.wallMs / o.messages).toFixed(3),
      listing: { start: m.start, end: m.end },
    },
    secretReads: m.reads,
  };
}
