import { KoreLifecycleError } from '../../lib/errors.js';
import { LocalError, networkCode } from '../errors.js';
import type { Target } from './target.js';
import { nothingToWorkOn, START_HINT } from './target.js';

/**
 * The failures an operator meets, as one line with the cause and the fix. Anything not listed
 * here is unexpected and printed as such (runMain / cli()).
 */
export function explain(err: unknown, target: Target | undefined): LocalError | undefined {
  if (err instanceof LocalError) return err;
  const e = err as { name?: string; message?: string; Code?: string };
  const name = e?.name ?? '';
  const message = e?.message ?? String(err);
  const net = networkCode(err);
  const ours = err instanceof KoreLifecycleError;
  const where = target?.sqsEndpoint ?? 'SQS';
  if (net === 'ECONNREFUSED' || net === 'ECONNRESET') {
    // The fixed ports were a guess (no endpoints file, no settings): say everything that is missing.
    if (target?.guessed && net === 'ECONNREFUSED') return nothingToWorkOn(target.guessed.needs, target.guessed.why);
    if (target?.local) return new LocalError(`no local stack answers ${ours ? `(${message})` : `at ${where} (${net})`}. ${START_HINT}`);
    return new LocalError(ours ? message : `could not reach SQS at ${where} (${net}).`);
  }
  // The project's own errors already name their cause (a secret's, Kore's, a setting's).
  if (ours) return new LocalError(message);
  if (net === 'ENOTFOUND' || net === 'EAI_AGAIN')
    return new LocalError(`could not resolve the SQS endpoint ${where} (${net}): check AWS_REGION, AWS_ENDPOINT_URL_SQS and the network.`);
  if (net === 'ETIMEDOUT' || name === 'TimeoutError') return new LocalError(`SQS at ${where} did not answer in time (${net ?? name}).`);
  if (/QueueDoesNotExist|NonExistentQueue/.test(name + (e?.Code ?? ''))) {
    return new LocalError(
      `the queue does not exist at ${where} (${name}): check LIFECYCLE_QUEUE_URL / DEAD_LETTER_QUEUE_URL${target?.local ? ', or restart `npm start -- --keep-running`' : ''}.`,
    );
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new LocalError(
      'no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (the local stack needs none: drop --stage and unset LIFECYCLE_QUEUE_URL).',
    );
  }
  if (/Region is missing/i.test(message)) return new LocalError("no AWS region: pass --region with --stage, or export AWS_REGION=<the queues' region>.");
  // The Lambda API (the brake's event source mapping).
  if (name === 'ResourceNotFoundException' && target?.mappingUuid) {
    return new LocalError(
      `Lambda has no event source mapping ${target.mappingUuid} (${name}): check CONSUMER_EVENT_SOURCE_MAPPING_UUID, or the stack's output ConsumerEventSourceMappingUuid.`,
    );
  }
  if (name === 'ResourceInUseException') {
    return new LocalError(
      `the consumer's event source mapping is changing state (${name}): wait a few seconds, then run it again (\`brake status\` shows its state).`,
    );
  }
  if (name === 'PurgeQueueInProgress') return new LocalError(`SQS allows one purge per queue every 60 seconds (${name}): the last one is still running.`);
  if (/AccessDenied|UnrecognizedClient|InvalidClientTokenId|ExpiredToken|SignatureDoesNotMatch|AuthorizationError|NotAuthorized/.test(name)) {
    return new LocalError(`AWS refused the request (${name}): ${message.split('\n')[0]}`);
  }
  return undefined;
}
