/**
 * One simulated deployment against one Kore account: the Kore emulator (in this process, on the
 * simulation's clock: its 60-calls-a-minute window, its timestamps and its JWT check follow it),
 * the Secrets Manager emulator, the lifecycle queue and its DLQ (queue.ts), and any number of
 * consumers and sweeps built by the shipped factory (lib/deps.ts) from the deployed environment
 * (serverless.yml's params), each with the simulation's clock injected through `IoOverrides`.
 * Only the queue requests go to a stand-in (queue.ts says why); every Kore call is real HTTP to
 * the emulator, paced by the shipped limiter.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ConsumerRuntime } from '../../lib/deps.js';
import { createConsumerDeps, createSweepDeps } from '../../lib/deps.js';
import { loadConsumerConfig, loadSweepConfig } from '../../lib/config.js';
import { createLifecycleHandler } from '../../lib/lifecycle/handler.js';
import type { LifecycleHandler } from '../../lib/lifecycle/handler.js';
import { createSweepHandler } from '../../lib/sweep/handler.js';
import type { SweepReport } from '../../lib/sweep/run.js';
import { KoreEmulator } from '../../local/kore-emulator/server.js';
import type { RecordedCall, Realism } from '../../local/kore-emulator/server.js';
import { lambdaContext } from '../../local/event-source-mapping.js';
import { LogTap } from '../../local/log-tap.js';
import { SecretsManagerEmulator } from '../../local/secrets-manager.js';
import { LOCAL_ARCHIVE_KEY } from '../../local/seed.js';
import type { PeerStats } from '../competent-consumer.js';
import { competentHandler } from '../competent-consumer.js';
import type { Account, AccountProfile } from './account.js';
import { buildAccount } from './account.js';
import type { SimClock } from './clock.js';
import { VirtualClock } from './clock.js';
import type { Deployed } from './deployed.js';
import { deployed } from './deployed.js';
import type { InvocationRecord, SimHandler } from './queue.js';
import { QueueStandIn, runEventSourceMapping, SimQueue } from './queue.js';

/** Where virtual time starts: a fixed instant, so no run depends on the day it runs. */
export const SIM_START = Date.UTC(2026, 0, 14, 2, 0, 0);

/** The header (as the emulator records it) naming which simulated function made a Kore call. */
export const SIM_CALLER_HEADER = 'x-sim-caller';

const CLIENT_ID = 'cs-sim-client';
const CLIENT_SECRET = 'sim-client-secret-6c1d';
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/kore-lifecycle';
const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/kore-lifecycle-dlq';
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:kore-lifecycle';

export interface SimOptions {
  profile: AccountProfile;
  clock?: SimClock;
  /** Kore's per-account window (default on: 60 calls a minute on the simulation's clock). */
  rateLimit?: boolean;
  realism?: Partial<Realism>;
  /** Settings as deployed unless given (tests may pass their own). */
  deployed?: Deployed;
}

export interface Outcome {
  consumer?: string;
  messageId: string;
  outcome: string;
  reason?: string;
  action?: string;
  evidence?: string;
  contactListId?: string;
  koreCalls?: number;
  receiveCount?: number;
  rule?: string;
}

/** Anything the event source mapping can drive: ours, or the competent peer. */
export interface SimFunction {
  name: string;
  handler: SimHandler;
  invocations: InvocationRecord[];
}

export interface SimConsumer extends SimFunction {
  handler: LifecycleHandler;
  deps: ConsumerRuntime;
}

export class Sim {
  readonly outcomes: Outcome[] = [];
  readonly consumers: SimConsumer[] = [];
  private readonly clients: SecretsManagerClient[] = [];
  private readonly tap = new LogTap(
    (line) => {
      if (!line.includes('"message":"outcome"')) return;
      try {
        this.outcomes.push(JSON.parse(line) as Outcome);
      } catch {
        // not a whole JSON line
      }
    },
    { retain: false },
  );

  private constructor(
    readonly clock: SimClock,
    readonly kore: KoreEmulator,
    readonly secrets: SecretsManagerEmulator,
    readonly secretArn: string,
    readonly queue: SimQueue,
    readonly account: Account,
    readonly settings: Deployed,
  ) {}

  static async start(o: SimOptions): Promise<Sim> {
    const clock = o.clock ?? new VirtualClock(SIM_START);
    const settings = o.deployed ?? deployed();
    const account = buildAccount(o.profile, clock.now());
    const kore = await new KoreEmulator({
      apps: { [CLIENT_ID]: CLIENT_SECRET },
      seed: account.seed,
      now: () => clock.now(),
      rateLimit: o.rateLimit === false ? { perMinute: 0 } : { perMinute: settings.accountCallsPerMinute, windowMs: 60_000, retryAfter: true },
      ...(o.realism ? { realism: o.realism } : {}),
    }).start();
    const secrets = await new SecretsManagerEmulator().start();
    const secretArn = secrets.put(
      'kore/campaign-lifecycle',
      JSON.stringify({
        host: kore.url,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        accountId: kore.accountId,
        streamId: kore.streamId,
        archiveKey: LOCAL_ARCHIVE_KEY,
      }),
    );
    const queue = new SimQueue(clock, QUEUE_URL, DLQ_URL, settings.visibilityTimeoutSeconds, settings.maxReceiveCount);
    const sim = new Sim(clock, kore, secrets, secretArn, queue, account, settings);
    sim.tap.start();
    return sim;
  }

  /** What the Lambda environment holds besides the params: the secret and the queues. */
  private baseEnv(): Record<string, string> {
    return {
      KORE_SECRET_ID: this.secretArn,
      LIFECYCLE_QUEUE_URL: QUEUE_URL,
      LIFECYCLE_QUEUE_ARN: QUEUE_ARN,
      DEAD_LETTER_QUEUE_URL: DLQ_URL,
      // The emulator speaks plain http on 127.0.0.1.
      KORE_ALLOW_LOOPBACK_HTTP: 'true',
    };
  }

  private io(name: string) {
    // Each function's requests carry its name in a header the emulator records (a stand-in's
    // addition, nothing else changes): calls are then counted per consumer exactly.
    const tagged: typeof fetch = (input, init) =>
      fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string> | undefined), [SIM_CALLER_HEADER]: name } });
    return {
      fetch: tagged,
      aws: {
        region: 'us-east-1',
        credentials: { accessKeyId: 'sim', secretAccessKey: 'sim' },
        endpoints: { secretsManager: this.secrets.url, sqs: 'http://127.0.0.1:9' },
      },
      clock: this.clock,
      logger: new Logger({ serviceName: 'kore-campaign-lifecycle', persistentKeys: { consumer: name } }),
    };
  }

  /** A fresh consumer execution environment (cold: its own limiter, secret cache and campaign index). */
  consumer(name: string, env: Record<string, string> = {}): SimConsumer {
    const config = loadConsumerConfig({ ...this.baseEnv(), ...this.settings.consumerEnv, ...env });
    const deps = createConsumerDeps(config, this.io(name));
    deps.sender = new QueueStandIn(this.queue);
    // The stand-in queue has no tags: the brake is off (its SQS reads would fail, and fail closed).
    deps.brake = { state: async () => ({ on: false }) } as unknown as typeof deps.brake;
    const c = { name, handler: createLifecycleHandler(deps), deps, invocations: [] };
    this.consumers.push(c);
    return c;
  }

  /**
   * The competent peer (bench/competent-consumer.ts) on this account, on the simulation's clock:
   * GET + DELETE per list, backoff and Retry-After, no limiter and no campaign reads.
   */
  peer(name: string, stats: PeerStats = { secretReads: 0 }): SimFunction {
    const sm = new SecretsManagerClient({ region: 'us-east-1', credentials: { accessKeyId: 'sim', secretAccessKey: 'sim' }, endpoint: this.secrets.url });
    this.clients.push(sm);
    const f = { name, handler: competentHandler(sm, this.secretArn, stats, Math.random, this.clock), invocations: [] };
    return f;
  }

  /**
   * Runs `c` behind the event source mapping (one concurrent invocation) until `stop()`, which
   * waits (as the caller's actor) for the invocation in flight to end.
   */
  poll(c: SimFunction): { stop(): Promise<void> } {
    let stopped = false;
    const s = this.settings;
    const done = this.clock.actor(c.name, () =>
      runEventSourceMapping({
        name: c.name,
        clock: this.clock,
        queue: this.queue,
        handler: c.handler,
        settings: { batchSize: s.batchSize, batchWindowSeconds: s.batchWindowSeconds, functionTimeoutMs: s.consumerTimeoutMs, idlePollMs: 20_000 },
        stop: () => stopped,
        invocations: c.invocations,
      }),
    );
    return {
      stop: () => {
        stopped = true;
        this.queue.wake();
        return this.clock.join(done);
      },
    };
  }

  /** One run of the nightly sweep (a cold environment), live unless `env` says otherwise. */
  async sweep(env: Record<string, string> = {}): Promise<SweepReport & { virtualMs: number }> {
    const config = loadSweepConfig({ ...this.baseEnv(), ...this.settings.sweepEnv, SWEEP_DRY_RUN: 'false', ...env });
    const deps = createSweepDeps(config, this.io('sweep'));
    deps.sender = new QueueStandIn(this.queue);
    try {
      return await this.clock.join(
        this.clock.actor('sweep', async () => {
          const t0 = this.clock.now();
          const report = await createSweepHandler(deps)(
            { 'detail-type': 'Scheduled Event', source: 'aws.scheduler', detail: {} },
            lambdaContext(this.settings.sweepTimeoutMs, 'nightly-sweep', this.clock),
          );
          return { ...report, virtualMs: this.clock.now() - t0 };
        }),
      );
    } finally {
      deps.sqs.destroy();
      deps.secretsClient.destroy();
    }
  }

  /** Sends list.expired commands as a producer would (occurredAt: now). */
  expire(ids: readonly string[], extra: Record<string, unknown> = {}): string[] {
    const at = new Date(this.clock.now()).toISOString();
    return ids.map((id, i) =>
      this.queue.send(
        JSON.stringify({ type: 'list.expired', contactListId: id, occurredAt: at, eventId: `crm-${this.clock.now()}-${i}`, reason: 'crm-expiry', ...extra }),
      ),
    );
  }

  /** Kore calls recorded since `from` (an index into the emulator's call log). */
  callsSince(from: number): RecordedCall[] {
    return this.kore.calls.slice(from);
  }

  async stop(): Promise<void> {
    this.tap.stop();
    for (const c of this.consumers) {
      c.deps.sqs.destroy();
      c.deps.secretsClient.destroy();
    }
    for (const sm of this.clients) sm.destroy();
    await Promise.all([this.kore.stop(), this.secrets.stop()]);
  }
}
