import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { IoOverrides } from '../../lib/deps.js';
import { LocalError, UsageError } from '../errors.js';
import { LOCAL_MAPPING_UUID, LOCAL_PORTS, LOCAL_QUEUE, LOCAL_REGION, LOCAL_SECRET_NAME, localQueueUrl } from '../ports.js';
import { DEFAULT_STACK_FILE, readStackFile, stackFilePath } from '../stack-file.js';
import { checkRegion, checkStage, stackName, stackOutputs } from './stack-outputs.js';

/**
 * Which queues, secret, event source mapping and Kore the CLI works on, first match wins:
 * - `--stage <name> [--region <r>]`: the outputs of the CloudFormation stack
 *   `kore-campaign-lifecycle-<name>`, through the usual AWS environment;
 * - LIFECYCLE_QUEUE_URL (or DEAD_LETTER_QUEUE_URL) set: the settings from the environment;
 * - otherwise the stack of `npm start -- --keep-running`: its endpoints file
 *   (.local-stack/stack.json, or LOCAL_STACK_FILE), else, for the default file only, its fixed ports.
 * A command says what it needs; whatever is missing is reported at once, with the fix.
 */

/** What a command needs besides the lifecycle queue's URL. */
export type Need = 'queue' | 'dlq' | 'secret' | 'mapping';

export interface TargetFlags {
  stage?: string;
  region?: string;
}

export interface Target {
  /** Every endpoint is on loopback: reset, a live sweep, send --wait and the fix hints for a stack that is down apply. */
  local: boolean;
  /** Where the settings came from, for messages. */
  source: string;
  region: string;
  sqs: SQSClient;
  sqsEndpoint: string;
  queueUrl: string;
  dlqUrl?: string;
  secretId?: string;
  /** The consumer's event source mapping (the brake disables it). */
  mappingUuid?: string;
  /** A Lambda client for the mapping, made on first use. */
  lambda(): LambdaClient;
  /** The Kore emulator's URL (local stack only). */
  koreUrl?: string;
  /** The local stack's JSON log, where its consumer writes each outcome (send --wait). */
  logFile?: string;
  /** The same target as command-line flags, for the hints a command prints (` --stage prod --region eu-west-1`, or empty). */
  flags: string;
  /** The fixed local ports, tried because no endpoints file exists: a refused connection means nothing is configured at all. */
  guessed?: { why: string; needs: readonly Need[] };
  /** Client settings for lib/deps.ts (explicit endpoints and credentials for the local stack). */
  aws: IoOverrides['aws'];
  /** Environment for lib/config.ts that the target implies (the local stack's pace and loopback secret host). */
  env: Record<string, string>;
  destroy(): void;
}

export const START_HINT =
  'Start it with `npm start -- --keep-running` in another terminal (or pass --stage <stage> --region <region>, or set LIFECYCLE_QUEUE_URL and your AWS environment, to work on AWS).';

/** Each setting: its variable, the stack output it comes from with --stage, and what it is. */
export const SETTINGS: Record<Need, { env: string; output: string; what: string }> = {
  queue: { env: 'LIFECYCLE_QUEUE_URL', output: 'LifecycleQueueUrl', what: 'the lifecycle queue' },
  dlq: { env: 'DEAD_LETTER_QUEUE_URL', output: 'DeadLetterQueueUrl', what: 'the dead-letter queue' },
  secret: { env: 'KORE_SECRET_ID', output: 'KoreSecretName', what: 'the Kore secret' },
  mapping: { env: 'CONSUMER_EVENT_SOURCE_MAPPING_UUID', output: 'ConsumerEventSourceMappingUuid', what: "the consumer's event source mapping" },
};

/** `https://sqs.<region>.amazonaws.com/<12-digit account>/<name>` (or a local endpoint's equivalent). */
const QUEUE_URL = /^https?:\/\/[^/\s]+\/\d{12}\/[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
const MAPPING_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function checkQueueUrl(variable: string, value: string): string {
  if (!QUEUE_URL.test(value.trim())) {
    throw new UsageError(
      `${variable} ${JSON.stringify(value)} is not an SQS queue URL; one looks like https://sqs.us-east-1.amazonaws.com/123456789012/kore-lifecycle (the local stack's: ${localQueueUrl(LOCAL_QUEUE)})`,
    );
  }
  return value.trim();
}

function checkMappingUuid(variable: string, value: string): string {
  if (!MAPPING_UUID.test(value.trim())) throw new UsageError(`${variable} ${JSON.stringify(value)} is not an event source mapping UUID`);
  return value.trim();
}

/** The region an SQS queue URL names (`sqs.eu-west-1.amazonaws.com`, or the legacy `eu-west-1.queue.amazonaws.com`). */
export function regionOfQueueUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return undefined;
  }
  return (/^sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(host) ?? /^([a-z0-9-]+)\.queue\.amazonaws\.com(\.cn)?$/.exec(host))?.[1];
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|::1)$/i;
export function isLoopback(url: string): boolean {
  try {
    return LOOPBACK.test(new URL(url).hostname);
  } catch {
    return false;
  }
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** "A, B and C". */
const and = (items: readonly string[]) => (items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`);

/** The variables a command needs, for "export …" fixes. */
function variablesFor(needs: readonly Need[]): string[] {
  return (['queue', ...needs] as Need[]).filter((n, i, all) => all.indexOf(n) === i).map((n) => SETTINGS[n].env);
}

/** Nothing says which stack to work on: every setting the command needs, and the three ways to give them. */
export function nothingToWorkOn(needs: readonly Need[], why: string): UsageError {
  return new UsageError(
    `no stack to work on: ${why}. Pass --stage <stage> --region <region> to read the stack's outputs (e.g. --stage prod --region eu-west-1), or export ${and([...variablesFor(needs), 'AWS_REGION'])}, or start the local stack with \`npm start -- --keep-running\`.`,
  );
}

/** Some settings are missing: each of them at once, with where it comes from. */
function missing(items: string[], fix: string): UsageError {
  return new UsageError(`missing ${items.length === 1 ? 'setting' : 'settings'}: ${items.join('; ')}. ${fix}`);
}

function awsClients(region: string, local: boolean, env: NodeJS.ProcessEnv) {
  // One attempt for loopback endpoints: a stack that is down answers at once with ECONNREFUSED.
  const attempts = local ? { maxAttempts: 1 } : {};
  let lambda: LambdaClient | undefined;
  // An endpoint given in the environment, passed on explicitly: otherwise the SQS client sends
  // each request to its QueueUrl's host instead (useQueueUrlAsEndpoint), with a warning.
  const endpoint = env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL;
  // The SDK's own chain otherwise: credentials or AWS_PROFILE, AWS_ENDPOINT_URL_LAMBDA.
  const sqs = new SQSClient({ region, ...attempts, ...(endpoint ? { endpoint } : {}) });
  return {
    sqs,
    lambda: () => (lambda ??= new LambdaClient({ region, ...attempts })),
    destroy: () => (sqs.destroy(), lambda?.destroy()),
  };
}

export async function resolveTarget(needs: readonly Need[], flags: TargetFlags = {}, env: NodeJS.ProcessEnv = process.env): Promise<Target> {
  if (flags.stage !== undefined) return stageTarget(needs, checkStage(flags.stage), flags.region, env);
  if (flags.region !== undefined) throw new UsageError("--region goes with --stage (the stack to read); for the environment's queues, set AWS_REGION.");
  if (env.LIFECYCLE_QUEUE_URL !== undefined || env.DEAD_LETTER_QUEUE_URL !== undefined) return envTarget(needs, env);
  return localTarget(needs, env);
}

async function stageTarget(needs: readonly Need[], stage: string, regionFlag: string | undefined, env: NodeJS.ProcessEnv): Promise<Target> {
  const region = regionFlag !== undefined ? checkRegion(regionFlag) : (env.AWS_REGION ?? env.AWS_DEFAULT_REGION);
  if (!region) {
    throw new UsageError(
      `--stage ${stage} needs --region (or AWS_REGION): the stack ${stackName(stage)} lives in one region, e.g. --stage ${stage} --region eu-west-1.`,
    );
  }
  const { name, status, outputs } = await stackOutputs(stage, region);
  const value = (n: Need) => outputs[SETTINGS[n].output] ?? (n === 'secret' ? env.KORE_SECRET_ID : undefined);
  const lacking = (['queue', ...needs] as Need[])
    .filter((n, i, all) => all.indexOf(n) === i && value(n) === undefined)
    .map((n) => `${SETTINGS[n].what} (output ${SETTINGS[n].output}${n === 'secret' ? ', or KORE_SECRET_ID' : ''})`);
  if (lacking.length) {
    throw missing(
      lacking.map((l) => `${l} is not among the outputs of ${name} (${status ?? 'status unknown'})`),
      'Deploy the current serverless.yml (`npx serverless deploy --stage …`), which outputs them, or export the variables and drop --stage.',
    );
  }
  const queueUrl = checkQueueUrl(`output LifecycleQueueUrl of ${name}`, value('queue')!);
  const dlq = value('dlq');
  const mapping = value('mapping');
  const sqsEndpoint = env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL ?? new URL(queueUrl).origin;
  const local = isLoopback(sqsEndpoint);
  const clients = awsClients(region, local, env);
  return {
    local,
    source: `the outputs of stack ${name} in ${region}`,
    region,
    sqs: clients.sqs,
    sqsEndpoint,
    queueUrl,
    ...(dlq ? { dlqUrl: checkQueueUrl(`output DeadLetterQueueUrl of ${name}`, dlq) } : {}),
    ...(value('secret') ? { secretId: value('secret') } : {}),
    ...(mapping ? { mappingUuid: checkMappingUuid(`output ConsumerEventSourceMappingUuid of ${name}`, mapping) } : {}),
    lambda: clients.lambda,
    flags: ` --stage ${stage} --region ${region}`,
    aws: { region },
    env: local ? { KORE_ALLOW_LOOPBACK_HTTP: 'true' } : {},
    destroy: clients.destroy,
  };
}

function envTarget(needs: readonly Need[], env: NodeJS.ProcessEnv): Target {
  const queueUrl = env.LIFECYCLE_QUEUE_URL !== undefined ? checkQueueUrl('LIFECYCLE_QUEUE_URL', env.LIFECYCLE_QUEUE_URL) : undefined;
  const dlqUrl = env.DEAD_LETTER_QUEUE_URL ? checkQueueUrl('DEAD_LETTER_QUEUE_URL', env.DEAD_LETTER_QUEUE_URL) : undefined;
  const mappingUuid = env.CONSUMER_EVENT_SOURCE_MAPPING_UUID
    ? checkMappingUuid('CONSUMER_EVENT_SOURCE_MAPPING_UUID', env.CONSUMER_EVENT_SOURCE_MAPPING_UUID)
    : undefined;
  const anyUrl = queueUrl ?? dlqUrl;
  const sqsEndpoint = env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL ?? (anyUrl ? new URL(anyUrl).origin : '');
  const secretsEndpoint = env.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? env.AWS_ENDPOINT_URL;
  const local = isLoopback(sqsEndpoint) && (!secretsEndpoint || isLoopback(secretsEndpoint));
  // The queue URL names its region; a loopback endpoint checks no signature, so any region does.
  const region = env.AWS_REGION ?? regionOfQueueUrl(queueUrl ?? dlqUrl) ?? env.AWS_DEFAULT_REGION ?? (local ? LOCAL_REGION : undefined);
  const have: Record<Need, unknown> = { queue: queueUrl, dlq: dlqUrl, secret: env.KORE_SECRET_ID, mapping: mappingUuid };
  const lacking = (['queue', ...needs] as Need[])
    .filter((n, i, all) => all.indexOf(n) === i && !have[n])
    .map((n) => `${SETTINGS[n].env} (${SETTINGS[n].what})`);
  if (!region) lacking.push(`AWS_REGION (${anyUrl ? `${anyUrl} names none` : 'no queue URL to take it from'})`);
  if (lacking.length) {
    throw missing(lacking, `Export ${lacking.length === 1 ? 'it' : 'them'}, or pass --stage <stage> --region <region> to read them from the stack's outputs.`);
  }
  const clients = awsClients(region!, local, env);
  return {
    local,
    source: 'LIFECYCLE_QUEUE_URL',
    region: region!,
    sqs: clients.sqs,
    sqsEndpoint,
    queueUrl: queueUrl!,
    ...(dlqUrl ? { dlqUrl } : {}),
    ...(env.KORE_SECRET_ID ? { secretId: env.KORE_SECRET_ID } : {}),
    ...(mappingUuid ? { mappingUuid } : {}),
    lambda: clients.lambda,
    ...(local && env.KORE_EMULATOR_URL ? { koreUrl: env.KORE_EMULATOR_URL } : {}),
    flags: '',
    aws: { region: region! },
    env: local ? { KORE_ALLOW_LOOPBACK_HTTP: 'true' } : {},
    destroy: clients.destroy,
  };
}

/** Clients for the local stack: its endpoints, any credentials, one attempt (a stack that is down answers at once). */
function localClients(e: { sqs: string; lambda?: string }) {
  const base = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 };
  const sqs = new SQSClient({ ...base, endpoint: e.sqs });
  let lambda: LambdaClient | undefined;
  return {
    sqs,
    lambda: () => (lambda ??= new LambdaClient({ ...base, ...(e.lambda ? { endpoint: e.lambda } : {}) })),
    destroy: () => (sqs.destroy(), lambda?.destroy()),
  };
}

function localTarget(needs: readonly Need[], env: NodeJS.ProcessEnv): Target {
  const file = stackFilePath(undefined, env);
  const read = readStackFile(file);
  if (read.kind === 'dead') {
    throw new LocalError(`no local stack is running: ${file} was written by process ${read.endpoints.pid}, which has exited. ${START_HINT}`);
  }
  if (read.kind === 'unreadable')
    throw new LocalError(`cannot read the local stack's endpoints from ${file} (${read.why}). Delete it, then ${START_HINT.replace(/^Start/, 'start')}`);
  if (read.kind === 'ok') {
    const e = read.endpoints;
    if (needs.includes('mapping') && (!e.lambda || !e.mappingUuid)) {
      throw new LocalError(
        `the local stack of process ${e.pid} has no Lambda API for the brake (it was started by an older version): restart \`npm start -- --keep-running\`.`,
      );
    }
    const clients = localClients(e);
    return {
      local: true,
      source: file,
      region: e.region,
      sqs: clients.sqs,
      sqsEndpoint: e.sqs,
      queueUrl: e.queueUrl,
      dlqUrl: e.dlqUrl,
      secretId: e.secretId,
      ...(e.mappingUuid ? { mappingUuid: e.mappingUuid } : {}),
      lambda: clients.lambda,
      koreUrl: e.kore,
      ...(e.logFile ? { logFile: e.logFile } : {}),
      flags: '',
      aws: { region: e.region, credentials: LOCAL_CREDENTIALS, endpoints: { sqs: e.sqs, secretsManager: e.secretsManager } },
      env: { KORE_ALLOW_LOOPBACK_HTTP: 'true', ...(e.koreCallsPerMinute ? { KORE_CALLS_PER_MINUTE: String(e.koreCallsPerMinute) } : {}) },
      destroy: clients.destroy,
    };
  }
  // An endpoints file named by LOCAL_STACK_FILE that does not exist: that stack is not running,
  // and there is nothing else to try.
  if (file !== DEFAULT_STACK_FILE) throw nothingToWorkOn(needs, `no --stage, LIFECYCLE_QUEUE_URL is not set, and ${file} (LOCAL_STACK_FILE) does not exist`);
  // No endpoints file: the fixed ports of `npm start -- --keep-running` (a stack started before the
  // file existed, or by hand). If nothing answers there, nothing is configured (cli/explain.ts).
  const sqsEndpoint = `http://127.0.0.1:${LOCAL_PORTS.sqs}`;
  const secretsManager = `http://127.0.0.1:${LOCAL_PORTS.secrets}`;
  const clients = localClients({ sqs: sqsEndpoint, lambda: `http://127.0.0.1:${LOCAL_PORTS.lambda}` });
  return {
    local: true,
    source: `the fixed local ports (${file} does not exist)`,
    region: LOCAL_REGION,
    sqs: clients.sqs,
    sqsEndpoint,
    queueUrl: localQueueUrl(LOCAL_QUEUE),
    dlqUrl: localQueueUrl(`${LOCAL_QUEUE}-dlq`),
    secretId: LOCAL_SECRET_NAME,
    mappingUuid: LOCAL_MAPPING_UUID,
    lambda: clients.lambda,
    koreUrl: `http://127.0.0.1:${LOCAL_PORTS.kore}`,
    flags: '',
    guessed: { why: `no --stage, LIFECYCLE_QUEUE_URL is not set, ${file} does not exist and nothing answers on ${sqsEndpoint}`, needs },
    aws: { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoints: { sqs: sqsEndpoint, secretsManager } },
    env: { KORE_ALLOW_LOOPBACK_HTTP: 'true' },
    destroy: clients.destroy,
  };
}
