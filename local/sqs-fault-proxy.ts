import { request as httpRequest } from 'node:http';
import type { IncomingMessage, IncomingHttpHeaders, ServerResponse } from 'node:http';
import { LoopbackServer } from './kore-emulator/loopback-server.js';
import { mulberry32 } from './kore-emulator/prng.js';

/**
 * A small HTTP proxy in front of the local SQS (fauxqs) that injects the failures a real SQS
 * endpoint shows now and then: a connection dropped before SQS saw the request, a 5xx, a slow
 * reply, and a reply lost *after* SQS applied the request (a send that happened although the
 * client saw an error; a receive whose messages were claimed but never delivered). Point an
 * SQS client's endpoint at `url` and it talks to fauxqs through the faults.
 *
 * Faults are per operation (the `X-Amz-Target` of the JSON protocol, or `Action` of the query
 * protocol) and drawn from a seeded PRNG, so a configuration sees the same sequence of draws.
 * Operations without a rule pass untouched (GetQueueAttributes, CreateQueue, ...).
 */

export type SqsOperation =
  'ReceiveMessage' | 'SendMessage' | 'SendMessageBatch' | 'DeleteMessage' | 'DeleteMessageBatch' | 'ChangeMessageVisibility' | 'ChangeMessageVisibilityBatch';

export const FAULTABLE_OPERATIONS: readonly SqsOperation[] = [
  'ReceiveMessage',
  'SendMessage',
  'SendMessageBatch',
  'DeleteMessage',
  'DeleteMessageBatch',
  'ChangeMessageVisibility',
  'ChangeMessageVisibilityBatch',
];

export interface SqsFaultRule {
  /** Connection destroyed before the request reaches SQS: nothing applied. */
  dropRate?: number;
  /** Answered 500 InternalError / 503 ServiceUnavailable before SQS sees it: nothing applied. */
  serverErrorRate?: number;
  /** Held `slowMs` before it is forwarded (not forwarded if the client gave up meanwhile). */
  slowRate?: number;
  slowMs?: number;
  /** Forwarded and applied by SQS, then the connection is destroyed: the reply is lost. */
  lostReplyRate?: number;
}

export type SqsFaults = Partial<Record<SqsOperation, SqsFaultRule>>;

/** A fault forced on a request, whatever the rates say. */
export type ScriptedFault = 'dropped' | 'server-error' | 'slow' | 'lost-reply';
/** The first requests of an operation get these faults, in order; then the rates apply. */
export type SqsFaultScript = Partial<Record<SqsOperation, ScriptedFault[]>>;

/** What happened to one proxied request. */
export type ProxyResult = 'ok' | 'dropped' | 'server-error' | 'slow' | 'slow-abandoned' | 'lost-reply';

export interface ProxiedCall {
  operation: string;
  /** The queue's name (last path segment of QueueUrl), when the request names one. */
  queue?: string;
  result: ProxyResult;
  status: number;
}

export interface SqsFaultProxyOptions {
  /** The real endpoint, e.g. fauxqs's `http://127.0.0.1:PORT`. */
  target: string;
  faults?: SqsFaults;
  /** Faults every run sees, whatever the random draws: each operation's first requests. */
  script?: SqsFaultScript;
  randomSeed?: number;
  /** Only requests naming a queue whose name is in this list get faults (default: every queue). */
  queues?: readonly string[];
  /**
   * Answers some requests itself, as SQS would, instead of forwarding them (what fauxqs lacks, such
   * as StartMessageMoveTask, or an error SQS gives): return the reply, or undefined to forward.
   */
  answer?: (operation: string, payload: Record<string, unknown> | undefined) => AnswerReply | undefined;
}

/** A reply `answer` gives: a result (JSON protocol), or an SQS error by its code. */
export type AnswerReply = { result: Record<string, unknown> } | { error: string; message: string; status?: number };

/** A message lost in a receive reply: SQS claimed it (its receive count went up), nobody got it. */
export interface LostReceive {
  messageId: string;
  body: string;
  /** Its ApproximateReceiveCount in the lost reply (when the receive asked for it). */
  receiveCount?: number;
}

export class SqsFaultProxy {
  readonly calls: ProxiedCall[] = [];
  /** Messages claimed by a ReceiveMessage whose reply was lost. */
  readonly lostReceives: LostReceive[] = [];
  /** Every message a SendMessage(Batch) through the proxy put in a queue (whatever the client saw). */
  readonly sent: Array<{ queue: string; body: string; messageId: string; origin?: string }> = [];
  faults: SqsFaults;
  private readonly script: Map<string, ScriptedFault[]>;
  private readonly random: () => number;
  private readonly target: URL;
  private readonly http = new LoopbackServer((req, res) => void this.handle(req, res));

  constructor(private readonly opts: SqsFaultProxyOptions) {
    this.target = new URL(opts.target);
    this.faults = opts.faults ?? {};
    this.script = new Map(Object.entries(opts.script ?? {}).map(([op, list]) => [op, [...(list ?? [])]]));
    this.random = mulberry32(opts.randomSeed ?? 7);
  }

  get url(): string {
    const addr = this.http.address();
    if (!addr) throw new Error('SQS fault proxy not started');
    return `http://127.0.0.1:${addr.port}`;
  }

  async start(): Promise<this> {
    await this.http.listen(0, '127.0.0.1');
    return this;
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  /** Injected faults by operation and result (`ok` included), for reports. */
  counts(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const c of this.calls) {
      const op = (out[c.operation] ??= {});
      op[c.result] = (op[c.result] ?? 0) + 1;
    }
    return out;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch {
      return;
    }
    const { operation, queueUrl, payload } = describeRequest(req.headers, raw);
    const queue = queueUrl?.split('/').pop();
    const call: ProxiedCall = { operation, ...(queue ? { queue } : {}), result: 'ok', status: 0 };
    const targeted = !this.opts.queues || (queue !== undefined && this.opts.queues.includes(queue));
    const rule = targeted ? this.faults[operation as SqsOperation] : undefined;
    const forced = targeted ? this.script.get(operation)?.shift() : undefined;
    this.calls.push(call);

    const answer = this.opts.answer?.(operation, payload);
    if (answer) {
      if ('result' in answer) {
        call.status = 200;
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(answer.result));
      } else {
        call.status = answer.status ?? 400;
        res.writeHead(call.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `${answer.error};Sender` });
        res.end(JSON.stringify({ __type: `com.amazonaws.sqs#${answer.error}`, message: answer.message }));
      }
      return;
    }

    if (forced === 'dropped' || (!forced && rule && this.hit(rule.dropRate))) {
      call.result = 'dropped';
      req.socket.destroy();
      return;
    }
    if (forced === 'server-error' || (!forced && rule && this.hit(rule.serverErrorRate))) {
      call.result = 'server-error';
      call.status = this.random() < 0.5 ? 500 : 503;
      sendAwsError(res, req.headers, call.status);
      return;
    }
    if (forced === 'slow' || (!forced && rule && this.hit(rule.slowRate))) {
      call.result = 'slow';
      await this.sleep(rule?.slowMs ?? 1_000);
      if (req.socket.destroyed || res.destroyed) {
        // The client gave up: a request it abandoned before it left is never applied here.
        call.result = 'slow-abandoned';
        return;
      }
    }
    const lose = forced === 'lost-reply' || (!forced && rule !== undefined && this.hit(rule.lostReplyRate));
    let upstream: { status: number; headers: IncomingHttpHeaders; body: Buffer };
    try {
      upstream = await this.forward(req, raw);
    } catch {
      req.socket.destroy();
      return;
    }
    if (upstream.status < 300) this.recordSends(operation, queue, payload, upstream.body);
    call.status = upstream.status;
    if (lose) {
      call.result = 'lost-reply';
      if (operation === 'ReceiveMessage') this.recordLostReceive(upstream);
      req.socket.destroy();
      return;
    }
    if (res.destroyed) return;
    const headers = { ...upstream.headers };
    delete headers['transfer-encoding'];
    headers['content-length'] = String(upstream.body.length);
    res.writeHead(upstream.status, headers);
    res.end(upstream.body);
  }

  private recordSends(operation: string, queue: string | undefined, payload: Record<string, unknown> | undefined, reply: Buffer): void {
    if (!payload || !queue || (operation !== 'SendMessage' && operation !== 'SendMessageBatch')) return;
    let parsed: { MessageId?: string; Successful?: Array<{ Id?: string; MessageId?: string }> };
    try {
      parsed = JSON.parse(reply.toString('utf8')) as typeof parsed;
    } catch {
      return;
    }
    if (operation === 'SendMessage') {
      // A copy the consumer requeued carries KclOrigin: which message it stands for.
      const origin = (payload.MessageAttributes as Record<string, { StringValue?: unknown }> | undefined)?.KclOrigin?.StringValue;
      if (typeof payload.MessageBody === 'string' && parsed.MessageId)
        this.sent.push({ queue, body: payload.MessageBody, messageId: parsed.MessageId, ...(typeof origin === 'string' ? { origin } : {}) });
      return;
    }
    const bodies = new Map(
      (Array.isArray(payload.Entries) ? (payload.Entries as Array<{ Id?: string; MessageBody?: string }>) : []).map((e) => [e.Id, e.MessageBody]),
    );
    for (const s of parsed.Successful ?? []) {
      const body = bodies.get(s.Id);
      if (typeof body === 'string' && s.MessageId) this.sent.push({ queue, body, messageId: s.MessageId });
    }
  }

  private recordLostReceive(upstream: { body: Buffer }): void {
    try {
      const parsed = JSON.parse(upstream.body.toString('utf8')) as {
        Messages?: Array<{ MessageId?: string; Body?: string; Attributes?: { ApproximateReceiveCount?: string } }>;
      };
      for (const m of parsed.Messages ?? []) {
        if (!m.MessageId) continue;
        const count = Number(m.Attributes?.ApproximateReceiveCount);
        this.lostReceives.push({ messageId: m.MessageId, body: m.Body ?? '', ...(Number.isFinite(count) ? { receiveCount: count } : {}) });
      }
    } catch {
      // Not the JSON protocol: nothing to record.
    }
  }

  private forward(req: IncomingMessage, raw: Buffer): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const up = httpRequest(
        {
          host: this.target.hostname,
          port: this.target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: this.target.host, 'content-length': String(raw.length) },
        },
        (upRes) => {
          const chunks: Buffer[] = [];
          upRes.on('data', (c: Buffer) => chunks.push(c));
          upRes.on('end', () => resolve({ status: upRes.statusCode ?? 502, headers: upRes.headers, body: Buffer.concat(chunks) }));
          upRes.on('error', reject);
        },
      );
      up.on('error', reject);
      up.end(raw);
    });
  }

  private hit(rate: number | undefined): boolean {
    return rate !== undefined && rate > 0 && this.random() < rate;
  }

  private sleep(ms: number): Promise<void> {
    return this.http.sleep(ms);
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The operation and queue of a request, in the JSON protocol (SDK v3) or the query protocol (older clients, the CLI v1). */
function describeRequest(headers: IncomingHttpHeaders, raw: Buffer): { operation: string; queueUrl?: string; payload?: Record<string, unknown> } {
  const target = headers['x-amz-target'];
  if (typeof target === 'string') {
    const operation = target.split('.').pop() ?? target;
    try {
      const payload = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      return { operation, ...(typeof payload.QueueUrl === 'string' ? { queueUrl: payload.QueueUrl } : {}), payload };
    } catch {
      return { operation };
    }
  }
  const form = new URLSearchParams(raw.toString('utf8'));
  return { operation: form.get('Action') ?? 'unknown', ...(form.get('QueueUrl') ? { queueUrl: form.get('QueueUrl')! } : {}) };
}

/** An SQS error reply in the protocol the client spoke. */
function sendAwsError(res: ServerResponse, headers: IncomingHttpHeaders, status: number): void {
  const code = status === 503 ? 'ServiceUnavailable' : 'InternalError';
  const message = status === 503 ? 'Service is unavailable. Try again later.' : 'We encountered an internal error. Please try again.';
  if (typeof headers['x-amz-target'] === 'string') {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `${code};Receiver` });
    res.end(JSON.stringify({ __type: `com.amazonaws.sqs#${code}`, message }));
    return;
  }
  res.writeHead(status, { 'content-type': 'text/xml' });
  res.end(
    `<?xml version="1.0"?><ErrorResponse><Error><Type>Receiver</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>`,
  );
}
