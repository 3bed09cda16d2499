import { writeFileSync } from 'node:fs';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { BREAKER_DEFAULTS } from '../lib/lifecycle/breaker.js';
import { SQSClient } from '@aws-sdk/client-sqs';
import { buildChaosAccount } from './chaos-account.js';
import { assessChaos } from './chaos-verdict.js';
import type { ChaosReport } from './chaos-verdict.js';
import { ChaosPoller } from './chaos-poller.js';
import { createLocalConsumer } from './consumer.js';
import { KoreProbe, PROBE_CLIENT_ID, PROBE_CLIENT_SECRET } from './kore-emulator/probe.js';
import { mulberry32 } from './kore-emulator/prng.js';
import type { Faults } from './kore-emulator/server.js';
import { STRICT_REALISM } from './kore-emulator/server.js';
import { LogTap } from './log-tap.js';
import { queueDepth, receiveAll } from './queues.js';
import { SqsFaultProxy } from './sqs-fault-proxy.js';
import type { SqsFaultScript, SqsFaults } from './sqs-fault-proxy.js';
import { LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET, startLocalStack } from './stack.js';

export type { ChaosReport } from './chaos-verdict.js';

/**
 * The chaos run (issue 15): the real consumer handlers, built through the shipped wiring, work
 * through an account that has every kind of list and campaign the safety rules know, while
 * Kore injects 5xx, 429s, dropped and slow connections and loses replies to DELETEs it applied,
 * Kore's per-account window and the consumers' own limiters are on, an SQS proxy drops, fails,
 * slows and loses SQS replies, the secret is rotated and Kore goes fully down for a while.
 * Optionally under the emulator's STRICT_REALISM (what Kore leaves undocumented, read the
 * harshest way). `chaos-verdict.ts` then judges it from Kore's side and the queues' side.
 *
 * Time is compressed by `timeScale` (default 20), consistently: Kore's 60-call window lasts
 * 60 s / 20, each consumer's KORE_CALLS_PER_MINUTE is the shipped 25 × 20, Kore timeouts, TTLs,
 * delays and backoff are divided by 20, so the consumers' share of the account is what it is in
 * production (2 × 25 of 60); another caller uses a little of the rest, and once, for 6 s, all
 * of it. Kore is slow for the first 8 s, so the first full batches cannot fit their invocation.
 * Departures, each stated where it is set: the deadline margin stays 500 ms (scheduling jitter
 * on a busy machine does not shrink with the scale); the function timeout (5 s) is a little
 * tighter than the shipped 150 s / 20 (7.5 s), so that under faults batches do not fit and the
 * deadline path (give way, shorten visibility) really runs; the visibility timeout is the function timeout + 2 s instead
 * of 6 ×, and maxReceiveCount 3 instead of 5, so that redeliveries come back within the run.
 */

export interface ChaosOptions {
  commands: number;
  /** Concurrent consumers (Lambda execution environments); the shipped maximumConcurrency is 2. */
  concurrency?: number;
  /** Kore's undocumented behaviours read the harshest way (STRICT_REALISM). */
  strict?: boolean;
  timeScale?: number;
  outageMs?: number;
  functionTimeoutMs?: number;
  maxReceiveCount?: number;
  /** Overall harness limit. */
  timeoutMs?: number;
  /** Calls per Kore window made by another caller of the same account. */
  otherCallerPerWindow?: number;
  /**
   * A quarter of the way in, the other caller takes the whole account for this long (it calls
   * as fast as Kore's window allows): Kore answers the consumers 429 with Retry-After.
   */
  otherCallerSqueezeMs?: number;
  /**
   * Kore answers every call this much later for the first `slowKoreForMs` of the run (default
   * 5 s ÷ timeScale, under the client's timeout): the first full batches cannot all fit their
   * invocation, so the deadline path runs in every run, whatever the random faults do.
   */
  slowKoreLatencyMs?: number;
  slowKoreForMs?: number;
  koreFaults?: Partial<Faults>;
  sqsFaults?: SqsFaults;
  sqsScript?: SqsFaultScript;
  randomSeed?: number;
  onProgress?: (s: string) => void;
}

/** The shipped defaults this run compresses (README, Configuration). */
const SHIPPED = {
  callsPerMinute: 25,
  koreTimeoutMs: 8_000,
  secretTtlSeconds: 300,
  fanoutDelaySeconds: 30,
  dncMaxAgeSeconds: 300,
  dncRenameMaxAgeSeconds: 120,
  deferredVisibilitySeconds: 60,
  retryBaseMs: 200,
  retryCapMs: 5_000,
};

export const DEFAULT_SQS_FAULTS: SqsFaults = {
  ReceiveMessage: { dropRate: 0.03, serverErrorRate: 0.03, slowRate: 0.03, slowMs: 300, lostReplyRate: 0.02 },
  SendMessage: { dropRate: 0.05, serverErrorRate: 0.05, slowRate: 0.03, slowMs: 3_500, lostReplyRate: 0.03 },
  SendMessageBatch: { dropRate: 0.05, serverErrorRate: 0.05, slowRate: 0.05, slowMs: 300, lostReplyRate: 0.05 },
  DeleteMessageBatch: { dropRate: 0.03, serverErrorRate: 0.03, slowRate: 0.03, slowMs: 300, lostReplyRate: 0.03 },
  ChangeMessageVisibilityBatch: { dropRate: 0.05, serverErrorRate: 0.05, slowRate: 0.05, slowMs: 300, lostReplyRate: 0.05 },
};

/** Every run sees each of these, whatever the random draws (the first requests of each operation). */
export const DEFAULT_SQS_SCRIPT: SqsFaultScript = {
  ReceiveMessage: ['server-error', 'dropped', 'lost-reply'],
  SendMessage: ['dropped', 'server-error', 'lost-reply'],
  SendMessageBatch: ['lost-reply', 'server-error'],
  DeleteMessageBatch: ['dropped', 'lost-reply'],
  ChangeMessageVisibilityBatch: ['server-error'],
};

const ROTATED_SECRET = 'rotated-chaos-secret-5e6f';

/**
 * The consumers' fetch, except that every DELETE of the given lists is answered 500 in Kore's
 * error shape, as a Kore that cannot delete that list (or a proxy in front of it) would. The
 * requests never reach the emulator, so Kore's record shows no DELETE for them.
 */
function failingDeletes(ids: ReadonlySet<string>, seen: { count: number }): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if ((init?.method ?? 'GET') === 'DELETE' && ids.has(decodeURIComponent(url.pathname.split('/').pop() ?? ''))) {
      seen.count++;
      return new Response(JSON.stringify({ errors: [{ msg: 'Internal Server Error', code: 500 }] }), {
        status: 500,
        headers: { 'content-type': 'application/json' },
      });
    }
    return fetch(input, init);
  };
}

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const say = o.onProgress ?? (() => undefined);
  const scale = o.timeScale ?? 20;
  const concurrency = o.concurrency ?? 2;
  const functionTimeoutMs = o.functionTimeoutMs ?? 5_000;
  const maxReceiveCount = o.maxReceiveCount ?? 3;
  const seed = o.randomSeed ?? 1234;
  const koreTimeoutMs = Math.round(SHIPPED.koreTimeoutMs / scale);
  const windowMs = Math.round(60_000 / scale);
  const account = buildChaosAccount(o.commands, Date.now(), mulberry32(seed));

  const stack = await startLocalStack({
    kore: {
      // The production client's app, and another caller's app on the same account.
      apps: { [LOCAL_CLIENT_ID]: LOCAL_CLIENT_SECRET, [PROBE_CLIENT_ID]: PROBE_CLIENT_SECRET },
      seed: account.seed,
      rateLimit: { perMinute: 60, windowMs },
      randomSeed: seed,
      ...(o.strict ? { realism: STRICT_REALISM } : {}),
      faults: {
        serverErrorRate: 0.1,
        throttleRate: 0.03,
        throttleRetryAfter: 'seconds',
        throttleRetryAfterSeconds: 1,
        dropRate: 0.03,
        slowRate: 0.03,
        slowMs: koreTimeoutMs + 400,
        commitThenDropRate: 0.15,
        ...o.koreFaults,
      },
    },
    // Must exceed the function timeout, or SQS hands a message still being worked on to another
    // consumer (AWS: 6 × the timeout; here just enough, so that retries come back within the run).
    visibilityTimeout: Math.ceil(functionTimeoutMs / 1000) + 2,
    maxReceiveCount,
  });
  const proxy = await new SqsFaultProxy({
    target: stack.aws.endpoints.sqs,
    faults: o.sqsFaults ?? DEFAULT_SQS_FAULTS,
    script: o.sqsScript ?? DEFAULT_SQS_SCRIPT,
    randomSeed: seed,
    queues: [stack.queueUrl.split('/').pop()!, stack.dlqUrl.split('/').pop()!],
  }).start();
  const viaProxy = {
    ...stack,
    env: { ...stack.env, AWS_ENDPOINT_URL_SQS: proxy.url },
    aws: { ...stack.aws, endpoints: { ...stack.aws.endpoints, sqs: proxy.url } },
  };
  // Lambda's poller reaches SQS through the same faults as the function.
  const pollerSqs = new SQSClient({ region: stack.aws.region, credentials: stack.aws.credentials, endpoint: proxy.url, maxAttempts: 1 });
  let outcomeLines = 0;
  const tap = new LogTap((line) => {
    if (line.includes('"message":"outcome"')) outcomeLines++;
  }).start();
  const started = Date.now();
  let stopOther = false;
  const undeletableDeletes = { count: 0 };
  let otherCalls = 0;
  try {
    const sentIds: string[] = [];
    for (let i = 0; i < account.bodies.length; i += 10) {
      const r = await stack.sqs.send(
        new SendMessageBatchCommand({ QueueUrl: stack.queueUrl, Entries: account.bodies.slice(i, i + 10).map((b, j) => ({ Id: `e${j}`, MessageBody: b })) }),
      );
      if (r.Failed?.length) throw new Error(`chaos: could not queue ${r.Failed.length} commands`);
      sentIds.push(...(r.Successful ?? []).map((s) => s.MessageId!));
    }
    say(`sent ${sentIds.length} commands`);
    const slowLatency = o.slowKoreLatencyMs ?? Math.round(5_000 / scale);
    stack.kore.setFaults({ latencyMs: slowLatency });
    const slowTimer = setTimeout(() => stack.kore.setFaults({ latencyMs: 0 }), o.slowKoreForMs ?? 8_000);

    const env = {
      AWS_ENDPOINT_URL_SQS: proxy.url,
      KORE_CALLS_PER_MINUTE: String(SHIPPED.callsPerMinute * scale),
      KORE_TIMEOUT_MS: String(koreTimeoutMs),
      DEADLINE_MARGIN_MS: '500',
      SECRET_TTL_SECONDS: String(Math.max(1, Math.round(SHIPPED.secretTtlSeconds / scale))),
      FANOUT_DELAY_SECONDS: String(Math.max(1, Math.round(SHIPPED.fanoutDelaySeconds / scale))),
      DNC_MAX_AGE_SECONDS: String(Math.max(1, Math.round(SHIPPED.dncMaxAgeSeconds / scale))),
      DNC_RENAME_MAX_AGE_SECONDS: String(Math.max(1, Math.round(SHIPPED.dncRenameMaxAgeSeconds / scale))),
      DEFERRED_VISIBILITY_SECONDS: String(Math.max(1, Math.round(SHIPPED.deferredVisibilitySeconds / scale))),
      MAX_RECEIVE_COUNT: String(maxReceiveCount),
      ALLOWED_STREAM_IDS: account.unknownStreamId,
      // The one-step DELETE, so the verdict can count DELETEs per id. The default two-step path
      // (archive, then DELETE after GRACE_DAYS) is judged in test/*/recovery-window.test.ts.
      DELETION_MODE: 'delete',
    };
    const pollers = Array.from({ length: concurrency }, () => {
      const { handler } = createLocalConsumer(viaProxy, env, {
        fetch: failingDeletes(account.undeletable, undeletableDeletes),
        retryPolicy: { maxRetries: 2, baseDelayMs: Math.round(SHIPPED.retryBaseMs / scale), maxDelayMs: Math.round(SHIPPED.retryCapMs / scale) },
        breaker: {
          threshold: BREAKER_DEFAULTS.threshold,
          firstOpenMs: Math.round(BREAKER_DEFAULTS.firstOpenMs / scale),
          maxOpenMs: Math.round(BREAKER_DEFAULTS.maxOpenMs / scale),
        },
      });
      return new ChaosPoller({ sqs: pollerSqs, queueUrl: stack.queueUrl, queueArn: stack.queueArn, handler, batchSize: 10, functionTimeoutMs });
    });

    // Another caller on the same account: Kore's window is shared, so it 429s now and then.
    const probe = new KoreProbe({ url: stack.kore.url, accountId: stack.kore.accountId, streamId: stack.kore.streamId });
    const otherEvery = windowMs / (o.otherCallerPerWindow ?? 5);
    const otherCall = async () => {
      await probe.call('GET', '/contactList/cl-global-dnc').catch(() => undefined);
      otherCalls++;
    };
    let squeezeUntil = 0;
    let squeezeMax = 0;
    // The squeeze lasts its time, and longer (up to 6 windows) until a consumer's call has met
    // Kore's full window: the run must take that path, not merely offer it while the consumers
    // happen to be paused or between polls.
    const consumerWasRateLimited = () => stack.kore.calls.some((c) => c.appId === LOCAL_CLIENT_ID && c.result === 'rate-limited');
    const other = (async () => {
      while (!stopOther) {
        const now = Date.now();
        const squeezing = now < squeezeUntil || (squeezeUntil > 0 && now < squeezeMax && !consumerWasRateLimited());
        // While it squeezes, it keeps several calls in flight: every slot Kore frees is taken at once.
        await Promise.all(Array.from({ length: squeezing ? 4 : 1 }, otherCall));
        await new Promise((r) => setTimeout(r, squeezing ? 10 : otherEvery));
      }
    })();

    // Rotate the secret a third of the way in; take Kore down fully at half way.
    let rotated = false;
    let outaged = false;
    let squeezed = false;
    const chaosTimer = setInterval(() => {
      const d = outcomeLines;
      if (!squeezed && d >= sentIds.length / 4) {
        squeezed = true;
        squeezeUntil = Date.now() + (o.otherCallerSqueezeMs ?? 2 * windowMs);
        squeezeMax = Date.now() + Math.max(o.otherCallerSqueezeMs ?? 0, 6 * windowMs);
        say(`another caller takes the account's budget after ${d} outcomes`);
      }
      if (!rotated && d >= sentIds.length / 3) {
        rotated = true;
        void stack.rotateSecret(ROTATED_SECRET);
        say(`rotated the secret after ${d} outcomes`);
      }
      if (!outaged && d >= sentIds.length / 2) {
        outaged = true;
        stack.kore.outage(o.outageMs ?? 5_000);
        say(`Kore outage for ${(o.outageMs ?? 5_000) / 1000} s after ${d} outcomes`);
      }
    }, 100);

    const deadline = Date.now() + (o.timeoutMs ?? 110_000);
    let quiet = 0;
    try {
      await Promise.all(
        pollers.map(async (p) => {
          while (Date.now() < deadline && quiet < 3) {
            if (await p.pollOnce()) {
              quiet = 0;
              continue;
            }
            // Empty means: no consumer mid-invocation (it may still queue follow-ups) and nothing
            // visible, in flight or delayed, three checks in a row.
            if (pollers.every((q) => !q.busy) && (await queueDepth(stack.sqs, stack.queueUrl)) === 0) quiet++;
            else quiet = 0;
            await new Promise((r) => setTimeout(r, 300));
          }
        }),
      );
    } finally {
      clearInterval(chaosTimer);
      clearTimeout(slowTimer);
      stopOther = true;
      await other;
    }
    say(`queue ${quiet >= 3 ? 'drained' : 'NOT drained'} after ${((Date.now() - started) / 1000).toFixed(0)} s`);

    return assessChaos({
      account,
      sentIds,
      maxReceiveCount,
      concurrency,
      drained: quiet >= 3,
      remaining: await queueDepth(stack.sqs, stack.queueUrl),
      dlq: await receiveAll(stack.sqs, stack.dlqUrl, 300),
      kore: stack.kore,
      ourAppId: LOCAL_CLIENT_ID,
      proxy,
      lifecycleQueue: stack.queueUrl.split('/').pop()!,
      pollers,
      logs: tap.json(),
      logText: tap.text,
      secrets: [LOCAL_CLIENT_SECRET, ROTATED_SECRET],
      secretReads: stack.secrets.calls.GetSecretValue ?? 0,
      otherCalls,
      undeletableDeletes: undeletableDeletes.count,
      durationMs: Date.now() - started,
    });
  } finally {
    stopOther = true;
    tap.stop();
    // For reading a failed run (CHAOS_LOG=/tmp/chaos.jsonl npx jest …): everything the consumers
    // logged, and every call Kore recorded (no JWT in them) next to it.
    if (process.env.CHAOS_LOG) {
      writeFileSync(process.env.CHAOS_LOG, tap.text);
      writeFileSync(`${process.env.CHAOS_LOG}.kore.jsonl`, stack.kore.calls.map((c) => JSON.stringify(c)).join('\n'));
    }
    pollerSqs.destroy();
    await proxy.stop();
    await stack.stop();
  }
}
