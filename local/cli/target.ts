import { SQSClient } from '@aws-sdk/client-sqs';
import type { IoOverrides } from '../../lib/deps.js';
import { LocalError, UsageError } from '../errors.js';
import { LOCAL_PORTS, LOCAL_QUEUE, LOCAL_REGION, LOCAL_SECRET_NAME, localQueueUrl } from '../ports.js';
import { readStackFile, stackFilePath } from '../stack-file.js';

/**
 * Which queues, secret and Kore the CLI works on:
 * - LIFECYCLE_QUEUE_URL set: those queues, through the usual AWS environment (AWS_REGION,
 *   credentials or AWS_PROFILE, and AWS_ENDPOINT_URL_SQS for a local endpoint);
 * - otherwise the stack of `npm start -- --keep-running`: its endpoints file
 *   (.local-stack/stack.json, or LOCAL_STACK_FILE), else its fixed ports.
 */
export interface Target {
  /** Every endpoint is on loopback: reset, a live sweep and the fix hints for a stack that is down apply. */
  local: boolean;
  /** Where the settings came from, for messages. */
  source: string;
  sqs: SQSClient;
  sqsEndpoint: string;
  queueUrl: string;
  dlqUrl?: string;
  secretId?: string;
  /** The Kore emulator's URL (local stack only). */
  koreUrl?: string;
  /** Client settings for lib/deps.ts (explicit endpoints and credentials for the local stack). */
  aws: IoOverrides['aws'];
  /** Environment for lib/config.ts that the target implies (the local stack's pace and loopback secret host). */
  env: Record<string, string>;
}

export const START_HINT =
  'Start it with `npm start -- --keep-running` in another terminal (or set LIFECYCLE_QUEUE_URL and your AWS environment to work on AWS).';

/** `https://sqs.<region>.amazonaws.com/<12-digit account>/<name>` (or a local endpoint's equivalent). */
const QUEUE_URL = /^https?:\/\/[^/\s]+\/\d{12}\/[A-Za-z0-9_-]{1,80}(\.fifo)?$/;

export function checkQueueUrl(variable: string, value: string): string {
  if (!QUEUE_URL.test(value.trim())) {
    throw new UsageError(
      `${variable} ${JSON.stringify(value)} is not an SQS queue URL; one looks like https://sqs.us-east-1.amazonaws.com/123456789012/kore-lifecycle (the local stack's: ${localQueueUrl(LOCAL_QUEUE)})`,
    );
  }
  return value.trim();
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

function localClient(endpoint: string): SQSClient {
  // One attempt: a stack that is down answers at once with ECONNREFUSED, no retry can help.
  return new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint, maxAttempts: 1 });
}

export function resolveTarget(env: NodeJS.ProcessEnv = process.env): Target {
  if (env.LIFECYCLE_QUEUE_URL !== undefined) {
    const queueUrl = checkQueueUrl('LIFECYCLE_QUEUE_URL', env.LIFECYCLE_QUEUE_URL);
    const dlqUrl = env.DEAD_LETTER_QUEUE_URL ? checkQueueUrl('DEAD_LETTER_QUEUE_URL', env.DEAD_LETTER_QUEUE_URL) : undefined;
    const sqsEndpoint = env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL ?? new URL(queueUrl).origin;
    const secretsEndpoint = env.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? env.AWS_ENDPOINT_URL;
    const local = isLoopback(sqsEndpoint) && (!secretsEndpoint || isLoopback(secretsEndpoint));
    return {
      local,
      source: 'LIFECYCLE_QUEUE_URL',
      // The SDK's own chain: AWS_REGION, AWS_PROFILE or keys, AWS_ENDPOINT_URL_SQS.
      sqs: new SQSClient(local ? { maxAttempts: 1 } : {}),
      sqsEndpoint,
      queueUrl,
      ...(dlqUrl ? { dlqUrl } : {}),
      ...(env.KORE_SECRET_ID ? { secretId: env.KORE_SECRET_ID } : {}),
      ...(local && env.KORE_EMULATOR_URL ? { koreUrl: env.KORE_EMULATOR_URL } : {}),
      aws: {},
      env: local ? { KORE_ALLOW_LOOPBACK_HTTP: 'true' } : {},
    };
  }

  const file = stackFilePath(undefined, env);
  const read = readStackFile(file);
  if (read.kind === 'dead') {
    throw new LocalError(`no local stack is running: ${file} was written by process ${read.endpoints.pid}, which has exited. ${START_HINT}`);
  }
  if (read.kind === 'unreadable')
    throw new LocalError(`cannot read the local stack's endpoints from ${file} (${read.why}). Delete it, then ${START_HINT.replace(/^Start/, 'start')}`);
  if (read.kind === 'ok') {
    const e = read.endpoints;
    return {
      local: true,
      source: file,
      sqs: localClient(e.sqs),
      sqsEndpoint: e.sqs,
      queueUrl: e.queueUrl,
      dlqUrl: e.dlqUrl,
      secretId: e.secretId,
      koreUrl: e.kore,
      aws: { region: e.region, credentials: LOCAL_CREDENTIALS, endpoints: { sqs: e.sqs, secretsManager: e.secretsManager } },
      env: { KORE_ALLOW_LOOPBACK_HTTP: 'true', ...(e.koreCallsPerMinute ? { KORE_CALLS_PER_MINUTE: String(e.koreCallsPerMinute) } : {}) },
    };
  }
  // No endpoints file: the fixed ports of `npm start -- --keep-running`.
  const sqsEndpoint = `http://127.0.0.1:${LOCAL_PORTS.sqs}`;
  const secretsManager = `http://127.0.0.1:${LOCAL_PORTS.secrets}`;
  return {
    local: true,
    source: `the fixed local ports (${file} does not exist)`,
    sqs: localClient(sqsEndpoint),
    sqsEndpoint,
    queueUrl: localQueueUrl(LOCAL_QUEUE),
    dlqUrl: localQueueUrl(`${LOCAL_QUEUE}-dlq`),
    secretId: LOCAL_SECRET_NAME,
    koreUrl: `http://127.0.0.1:${LOCAL_PORTS.kore}`,
    aws: { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoints: { sqs: sqsEndpoint, secretsManager } },
    env: { KORE_ALLOW_LOOPBACK_HTTP: 'true' },
  };
}
