import { relative } from 'node:path';
import { PortInUseError } from './errors.js';
import type { LocalEventSourceMapping } from './event-source-mapping.js';
import { LocalLambdaApi } from './lambda-api.js';
import { LOCAL_MAPPING_UUID, LOCAL_PORTS, LOCAL_REGION, LOCAL_SECRET_NAME, SERVICE_NAMES } from './ports.js';
import { describeInvocation } from './scenario.js';
import type { LocalStack } from './stack.js';
import { claimStackFile, removeStackFile, writeStackFile } from './stack-file.js';

export interface KeepRunningIo {
  say(s: string): void;
  dim(s: string): string;
  bold(s: string): string;
}

/** The line tests and scripts wait for: the stack is up and the consumer polls. */
export const READY_LINE = 'Ready: the consumer is polling the lifecycle queue.';

/**
 * Hints a person can paste as printed. The AWS CLI on these machines (v1) reads neither
 * AWS_REGION nor AWS_ENDPOINT_URL_SQS, so endpoint and region are flags; --no-sign-request
 * because the local services check no signature, so no credentials need exporting first.
 */
export function awsCliHints(stack: Pick<LocalStack, 'queueUrl' | 'dlqUrl' | 'env'>, secretId: string): string[] {
  const sqs = `--endpoint-url ${stack.env.AWS_ENDPOINT_URL_SQS} --region ${LOCAL_REGION} --no-sign-request`;
  const sm = `--endpoint-url ${stack.env.AWS_ENDPOINT_URL_SECRETS_MANAGER} --region ${LOCAL_REGION} --no-sign-request`;
  return [
    `aws sqs get-queue-attributes ${sqs} --queue-url ${stack.queueUrl} --attribute-names All`,
    `aws sqs receive-message ${sqs} --queue-url ${stack.dlqUrl} --attribute-names All --message-attribute-names All --visibility-timeout 0`,
    `aws secretsmanager describe-secret ${sm} --secret-id ${secretId}`,
  ];
}

/**
 * `npm start -- --keep-running`: the stack stays up and the consumer keeps polling, as a
 * deployed event source mapping does (long polls, batches, partial failures, redrive), until
 * Ctrl-C or SIGTERM. Outcome lines are printed by the caller's log tap as they happen.
 */
export async function keepRunning(o: {
  stack: LocalStack;
  esm: LocalEventSourceMapping;
  stackFile: string;
  /** `--stack-file` named it: a file another running stack holds is refused, not sidestepped. */
  stackFileNamed: boolean;
  fixedPorts: boolean;
  koreCallsPerMinute: number;
  /** The JSON log every handler line goes to (`send --wait` reads the outcomes there). */
  logFile: string;
  io: KeepRunningIo;
}): Promise<void> {
  const { esm } = o;
  // Lambda's API for the consumer's mapping: `npm run cli -- brake on` disables it, as in AWS.
  const lambda = new LocalLambdaApi({ [LOCAL_MAPPING_UUID]: esm });
  try {
    await lambda.start(o.fixedPorts ? LOCAL_PORTS.lambda : 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(SERVICE_NAMES.lambda, LOCAL_PORTS.lambda);
    throw err;
  }
  try {
    await serve(o, lambda);
  } finally {
    await lambda.stop();
  }
}

async function serve(o: Parameters<typeof keepRunning>[0], lambda: LocalLambdaApi): Promise<void> {
  const { stack, esm, io } = o;
  // Another stack may hold the file (a second one on --random-ports): never take it over.
  const claimed = claimStackFile(o.stackFile, o.stackFileNamed);
  const stackFile = claimed.path;
  writeStackFile(stackFile, {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    region: LOCAL_REGION,
    sqs: stack.env.AWS_ENDPOINT_URL_SQS!,
    secretsManager: stack.secrets.url,
    kore: stack.kore.url,
    queueUrl: stack.queueUrl,
    dlqUrl: stack.dlqUrl,
    secretId: LOCAL_SECRET_NAME,
    koreCallsPerMinute: o.koreCallsPerMinute,
    lambda: lambda.url,
    mappingUuid: LOCAL_MAPPING_UUID,
    logFile: o.logFile,
  });
  const shown = (file: string) => (relative(process.cwd(), file).startsWith('..') ? file : relative(process.cwd(), file));
  const shownFile = shown(stackFile);
  const cliFlag = o.fixedPorts && !process.env.LOCAL_STACK_FILE && !claimed.owner ? '' : ` (elsewhere: LOCAL_STACK_FILE=${stackFile} npm run cli -- …)`;

  io.say('');
  io.say(io.bold('The stack keeps running.') + ' The consumer polls the lifecycle queue as Lambda would and prints each outcome here.');
  io.say(`  Kore emulator    ${stack.kore.url}  ${io.dim(`(admin API: ${stack.kore.url}/__admin)`)}`);
  io.say(`  SQS              ${stack.env.AWS_ENDPOINT_URL_SQS}  queue ${stack.queueUrl}`);
  io.say(`                   DLQ ${stack.dlqUrl}`);
  io.say(`  Secrets Manager  ${stack.secrets.url}  secret ${LOCAL_SECRET_NAME}`);
  io.say(`  Lambda API       ${lambda.url}  event source mapping ${LOCAL_MAPPING_UUID} ${io.dim('(the brake)')}`);
  io.say(`  Endpoints file   ${shownFile} ${io.dim(`(npm run cli reads it${cliFlag})`)}`);
  if (claimed.owner) {
    io.say(
      `                   ${shown(claimed.owner.file)} belongs to the stack of process ${claimed.owner.pid}, still running: this one writes its own file, and npm run cli without LOCAL_STACK_FILE works on that one.`,
    );
  }
  io.say('');
  io.say(io.bold('In another terminal:'));
  io.say('  npm run cli -- send list.expired --contactListId cl-promo-spring-0006');
  io.say('  npm run cli -- sweep            ' + io.dim('# dry run; --live queues the candidates for this consumer'));
  io.say('  npm run cli -- dlq list');
  io.say('  npm run cli -- brake on --note "me: trying the brake"   ' + io.dim('# the consumer stops; brake off resumes it'));
  io.say('  npm run cli -- reset            ' + io.dim('# the demo account again, queues emptied'));
  io.say(io.dim('  AWS CLI (it takes the endpoint and the region only as flags):'));
  for (const h of awsCliHints(stack, LOCAL_SECRET_NAME)) io.say(`  ${h}`);
  if (o.fixedPorts) {
    io.say(io.dim("  serverless invoke local (serverless.yml's local stage expects these fixed ports):"));
    io.say(`  export AWS_REGION=${LOCAL_REGION} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local KORE_ALLOW_LOOPBACK_HTTP=true`);
    io.say(`  export AWS_ENDPOINT_URL_SQS=${stack.env.AWS_ENDPOINT_URL_SQS} AWS_ENDPOINT_URL_SECRETS_MANAGER=${stack.secrets.url}`);
    io.say('  npm run -s cli -- event list.expired --contactListId cl-promo-spring-0006 > /tmp/event.json');
    io.say('  npx serverless invoke local -f lifecycleEvents --stage local -p /tmp/event.json');
  } else {
    io.say(
      io.dim(
        `  serverless invoke local needs the fixed ports (${LOCAL_PORTS.sqs}, ${LOCAL_PORTS.secrets}, ${LOCAL_PORTS.kore}): start without --random-ports.`,
      ),
    );
  }
  io.say(io.dim('Ctrl-C stops it.'));
  io.say(READY_LINE);

  const stop = new AbortController();
  // Kept until the process exits: Ctrl-C reaches every process of the group (and tsx relays it
  // again), so a second SIGINT must not kill the process halfway through stopping the stack.
  const onSignal = () => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let lastError = '';
  try {
    await esm.runContinuously({
      signal: stop.signal,
      onInvocation: (r) => {
        // A batch with no failures is already told by its outcome lines.
        if (r.failed > 0 || r.invocationError) io.say(io.dim(`  batch: ${describeInvocation(r)}`));
      },
      onError: (err) => {
        const line = `  the consumer could not poll SQS: ${(err as Error)?.name ?? ''} ${(err as Error)?.message ?? String(err)}; retrying every second`;
        if (line !== lastError) io.say(line);
        lastError = line;
      },
    });
  } finally {
    removeStackFile(stackFile);
  }
  io.say(io.dim('Stopping the stack.'));
}
