import { randomUUID } from 'node:crypto';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { deleteMessages, queueDepth } from './queues.js';

/**
 * Runs a handler the way Lambda's SQS event source mapping does: receive a batch, invoke with
 * a Lambda context whose remaining time counts down from the function timeout, delete the
 * records not listed in `batchItemFailures`, leave the others for SQS to redeliver after the
 * visibility timeout (and to redrive to the DLQ after maxReceiveCount). A handler that throws
 * or runs past its timeout leaves the whole batch. serverless-offline-sqs deletes the whole
 * batch regardless (TOOLCHAIN.md), hence this.
 */

export type BatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface EsmOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  handler: BatchHandler;
  batchSize?: number;
  /** Lambda function timeout. */
  functionTimeoutMs?: number;
  /** Long-poll wait per receive. */
  waitTimeSeconds?: number;
  region?: string;
  functionName?: string;
}

export interface InvocationReport {
  received: number;
  deleted: number;
  failed: number;
  /** The handler threw: nothing was deleted. */
  invocationError?: string;
  /** The handler was still running at its timeout, as Lambda would have killed it. */
  timedOut: boolean;
  durationMs: number;
}

export function toSqsRecord(m: Message, queueArn: string, region: string): SQSRecord {
  const a = m.Attributes ?? {};
  return {
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      SentTimestamp: a.SentTimestamp ?? String(Date.now()),
      SenderId: a.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
        k,
        { dataType: v.DataType ?? 'String', stringValue: v.StringValue, binaryValue: undefined, stringListValues: [], binaryListValues: [] },
      ]),
    ),
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/** A Lambda context whose remaining time counts down on `clock` (the bench's virtual clock, or the host's). */
export function lambdaContext(timeoutMs: number, functionName = 'lifecycle-events', clock: { now(): number } = Date): Context {
  const deadline = clock.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - clock.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Invokes the handler as Lambda does with a function timeout: past `timeoutMs` the invocation
 * fails with Lambda's "Task timed out" (the handler's promise is left running, as Lambda freezes it).
 */
export async function invokeWithTimeout(
  handler: BatchHandler,
  event: SQSEvent,
  context: Context,
  timeoutMs: number,
): Promise<{ response: SQSBatchResponse | void; invocationError?: string; timedOut: boolean }> {
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const response = await Promise.race([
      handler(event, context),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          timedOut = true;
          reject(new Error(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`));
        }, timeoutMs);
      }),
    ]);
    return { response, timedOut };
  } catch (err) {
    return { response: undefined, invocationError: (err as Error)?.message ?? String(err), timedOut };
  } finally {
    clearTimeout(timer);
  }
}

/** How many received bodies the mapping remembers for `bodyOf` (a stack kept running for hours keeps no more). */
const REMEMBERED_BODIES = 500;

/** Lambda's states of an event source mapping, those this one passes through. */
export type MappingState = 'Enabled' | 'Disabling' | 'Disabled';

export class LocalEventSourceMapping {
  readonly invocations: InvocationReport[] = [];
  private readonly bodies = new Map<string, string>();
  private enabled = true;
  /** Aborts the long poll waiting in `runContinuously` when the mapping is disabled. */
  private polling?: AbortController;
  /** Wakes `runContinuously` when the mapping is enabled again. */
  private wake?: () => void;
  private invoking = false;
  private lastModified = Date.now();
  private readonly o: Required<Omit<EsmOptions, 'functionName'>> & { functionName: string };

  constructor(opts: EsmOptions) {
    this.o = {
      batchSize: 10,
      functionTimeoutMs: 30_000,
      waitTimeSeconds: 0,
      region: 'us-east-1',
      functionName: 'lifecycle-events',
      ...opts,
    };
  }

  /**
   * One poll: receive up to batchSize messages and, if any, invoke the handler once.
   * `waitTimeSeconds` overrides the long-poll wait; `signal` abandons a receive still waiting (nothing is claimed).
   */
  async pollOnce(opts: { waitTimeSeconds?: number; signal?: AbortSignal } = {}): Promise<InvocationReport | undefined> {
    const { sqs, queueUrl, queueArn, handler, batchSize, functionTimeoutMs, region } = this.o;
    const res = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: batchSize,
        WaitTimeSeconds: opts.waitTimeSeconds ?? this.o.waitTimeSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      opts.signal ? { abortSignal: opts.signal } : {},
    );
    const messages = res.Messages ?? [];
    if (messages.length === 0) return undefined;
    for (const m of messages) this.remember(m);
    const event: SQSEvent = { Records: messages.map((m) => toSqsRecord(m, queueArn, region)) };
    const started = Date.now();
    this.invoking = true;
    const { response, invocationError, timedOut } = await invokeWithTimeout(
      handler,
      event,
      lambdaContext(functionTimeoutMs, this.o.functionName),
      functionTimeoutMs,
    ).finally(() => (this.invoking = false));
    let deleted = 0;
    let failed = messages.length;
    if (!invocationError) {
      const failedIds = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      const ok = messages.filter((m) => !failedIds.has(m.MessageId!));
      failed = messages.length - ok.length;
      deleted = await deleteMessages(sqs, queueUrl, ok);
    }
    const report = { received: messages.length, deleted, failed, invocationError, timedOut, durationMs: Date.now() - started };
    this.invocations.push(report);
    return report;
  }

  /**
   * Lambda's UpdateEventSourceMapping `Enabled` (the brake, docs/operations.md): disabled,
   * `runContinuously` receives nothing more: the long poll waiting is abandoned (it takes no
   * message) and a batch already running finishes, as Lambda's would (the queue's brake tag stops
   * it at its next record). Enabled again, it polls at once. Only `runContinuously` heeds it.
   */
  setEnabled(enabled: boolean): void {
    if (enabled === this.enabled) return;
    this.enabled = enabled;
    this.lastModified = Date.now();
    if (enabled) this.wake?.();
    else this.polling?.abort();
  }

  /** Its state as Lambda names it: Disabling while a batch received before it was disabled still runs. */
  get state(): MappingState {
    return this.enabled ? 'Enabled' : this.invoking ? 'Disabling' : 'Disabled';
  }

  /** When `Enabled` last changed (Lambda's LastModified). */
  get lastModifiedAt(): Date {
    return new Date(this.lastModified);
  }

  get settings(): { queueArn: string; batchSize: number; functionName: string; region: string } {
    return { queueArn: this.o.queueArn, batchSize: this.o.batchSize, functionName: this.o.functionName, region: this.o.region };
  }

  /** The body of a message this mapping received lately (the outcome line of an invalid command has only its id). */
  bodyOf(messageId: string): string | undefined {
    return this.bodies.get(messageId);
  }

  private remember(m: Message): void {
    if (!m.MessageId || m.Body === undefined) return;
    this.bodies.delete(m.MessageId);
    this.bodies.set(m.MessageId, m.Body);
    if (this.bodies.size > REMEMBERED_BODIES) this.bodies.delete(this.bodies.keys().next().value!);
  }

  /**
   * Polls until `done()` holds or `timeoutMs` passes. Empty polls wait `idleMs` (messages
   * in flight come back after their visibility timeout).
   */
  async runUntil(
    done: () => Promise<boolean> | boolean,
    opts: { timeoutMs?: number; idleMs?: number; onInvocation?: (r: InvocationReport) => void } = {},
  ): Promise<void> {
    const until = Date.now() + (opts.timeoutMs ?? 60_000);
    while (Date.now() < until) {
      if (await done()) return;
      const r = await this.pollOnce();
      if (r) opts.onInvocation?.(r);
      else await new Promise((resolve) => setTimeout(resolve, opts.idleMs ?? 100));
    }
    if (!(await done())) throw new Error(`event source mapping: condition not met within ${opts.timeoutMs ?? 60_000} ms`);
  }

  /**
   * Polls until the queue is empty: its depth is 0 *and* a receive finds nothing (fauxqs leaves
   * messages received with VisibilityTimeout 0 out of the depth attributes).
   */
  drain(opts: { timeoutMs?: number; idleMs?: number; onInvocation?: (r: InvocationReport) => void } = {}): Promise<void> {
    return this.runUntil(async () => {
      if ((await queueDepth(this.o.sqs, this.o.queueUrl)) !== 0) return false;
      const r = await this.pollOnce();
      if (r) opts.onInvocation?.(r);
      return r === undefined;
    }, opts);
  }

  /**
   * Polls until `signal` aborts, as a deployed event source mapping does: long polls of
   * `waitTimeSeconds` (20 s, SQS's maximum, unless given), a batch invoked as soon as one
   * arrives. A failing receive (SQS gone, a network error) is reported and retried after
   * `errorBackoffMs`, never thrown: the mapping keeps polling, as Lambda's does.
   */
  async runContinuously(opts: {
    signal: AbortSignal;
    waitTimeSeconds?: number;
    errorBackoffMs?: number;
    onInvocation?: (r: InvocationReport) => void;
    onError?: (err: unknown) => void;
  }): Promise<void> {
    const { signal } = opts;
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
    while (!signal.aborted) {
      if (!this.enabled) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
        this.wake = undefined;
        continue;
      }
      const poll = (this.polling = new AbortController());
      try {
        const r = await this.pollOnce({ waitTimeSeconds: opts.waitTimeSeconds ?? 20, signal: AbortSignal.any([signal, poll.signal]) });
        if (r) opts.onInvocation?.(r);
      } catch (err) {
        if (signal.aborted) return;
        // Disabled while the long poll waited: nothing was received (local/fauxqs-abandoned-polls.mjs).
        if (poll.signal.aborted) continue;
        opts.onError?.(err);
        await pause(opts.errorBackoffMs ?? 1_000);
      } finally {
        this.polling = undefined;
      }
    }
  }
}
