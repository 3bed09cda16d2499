import { createServer } from 'node:net';
import { PortInUseError } from './errors.js';

/**
 * Fixed ports of `npm start -- --keep-running`, so the AWS CLI, `npm run cli` and
 * `serverless invoke local --stage local` (serverless.yml's local stage) find the stack.
 */
export const LOCAL_PORTS = { sqs: 4566, secrets: 4584, kore: 4010, lambda: 4574 } as const;
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_QUEUE = 'kore-lifecycle';
export const LOCAL_SECRET_NAME = 'kore/campaign-lifecycle';
/** The consumer's event source mapping on the local stack: serverless.yml's custom.mappingUuid.local. */
export const LOCAL_MAPPING_UUID = '00000000-0000-4000-8000-000000000001';
export const localQueueUrl = (name: string, port: number = LOCAL_PORTS.sqs) => `http://127.0.0.1:${port}/${LOCAL_ACCOUNT}/${name}`;

export const SERVICE_NAMES = { sqs: 'SQS', secrets: 'Secrets Manager', kore: 'Kore emulator', lambda: 'Lambda API' } as const;

/** Whether a TCP port can be bound on 127.0.0.1 right now (0 always can). */
export function portIsFree(port: number): Promise<boolean> {
  if (port === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * Checks every fixed port before anything starts, so a busy one is named at once instead of
 * surfacing as a child process's exit code after the other services are up.
 */
export async function assertPortsFree(ports: { sqs?: number; secrets?: number; kore?: number; lambda?: number }): Promise<void> {
  for (const key of ['sqs', 'secrets', 'kore', 'lambda'] as const) {
    const port = ports[key];
    if (port && !(await portIsFree(port))) throw new PortInUseError(SERVICE_NAMES[key], port);
  }
}
