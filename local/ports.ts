/**
 * Fixed ports of `npm start -- --keep-running`, so the AWS CLI, `npm run cli` and
 * `serverless invoke local --stage local` (serverless.yml's local stage) find the stack.
 */
export const LOCAL_PORTS = { sqs: 4566, secrets: 4584, kore: 4010 } as const;
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_QUEUE = 'kore-lifecycle';
export const LOCAL_SECRET_NAME = 'kore/campaign-lifecycle';
export const localQueueUrl = (name: string, port: number = LOCAL_PORTS.sqs) => `http://127.0.0.1:${port}/${LOCAL_ACCOUNT}/${name}`;
