import { execFile, spawnSync } from 'node:child_process';
import { startLocalStack } from '../../local/stack';
import type { LocalStack } from '../../local/stack';

/**
 * The local SQS and Secrets Manager must work for the real AWS CLI too, not only the SDK. The CLI
 * is a test dependency (.ci/run installs it): without it these tests fail, they do not skip.
 */
describe('local stack through the AWS CLI', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ visibilityTimeout: 5, maxReceiveCount: 5 });
  });
  afterAll(() => stack.stop());

  it('has the AWS CLI on PATH (.ci/run installs the Debian package awscli)', () => {
    const r = spawnSync('aws', ['--version'], { encoding: 'utf8' });
    expect({ error: r.error?.message, status: r.status }).toEqual({ error: undefined, status: 0 });
  });

  // Asynchronous on purpose: the Secrets Manager emulator runs on this process's event loop.
  const aws = (endpoint: string, ...args: string[]) =>
    new Promise<{ status: number; out: Record<string, unknown>; err: string }>((resolve) => {
      execFile(
        'aws',
        ['--endpoint-url', endpoint, '--region', 'us-east-1', '--output', 'json', ...args],
        { env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_PAGER: '' }, timeout: 30_000 },
        (error, stdout, stderr) => {
          let out: Record<string, unknown>;
          try {
            out = stdout ? (JSON.parse(stdout) as Record<string, unknown>) : {};
          } catch {
            out = { unparsed: stdout };
          }
          // A missing binary is `ENOENT` (a string code): still a failure, with its reason in err.
          resolve({ status: error ? Number((error as { code?: unknown }).code) || 1 : 0, out, err: stderr || (error?.message ?? '') });
        },
      );
    });

  it('reads the redrive policy, sends and receives a message on the lifecycle queue', async () => {
    const sqs = (...a: string[]) => aws(stack.env.AWS_ENDPOINT_URL_SQS!, 'sqs', ...a);
    const attrs = await sqs('get-queue-attributes', '--queue-url', stack.queueUrl, '--attribute-names', 'All');
    expect(attrs.status).toBe(0);
    const redrive = JSON.parse((attrs.out.Attributes as Record<string, string>).RedrivePolicy!);
    expect(redrive).toMatchObject({ deadLetterTargetArn: stack.dlqArn });
    expect(Number(redrive.maxReceiveCount)).toBe(5);

    const body = JSON.stringify({ type: 'list.expired', contactListId: 'cl-cli-1' });
    expect((await sqs('send-message', '--queue-url', stack.queueUrl, '--message-body', body)).status).toBe(0);
    const got = await sqs('receive-message', '--queue-url', stack.queueUrl, '--attribute-names', 'All', '--wait-time-seconds', '1');
    const [m] = got.out.Messages as Array<{ Body: string; Attributes: Record<string, string>; ReceiptHandle: string }>;
    expect(m!.Body).toBe(body);
    expect(m!.Attributes.ApproximateReceiveCount).toBe('1');
    expect((await sqs('delete-message', '--queue-url', stack.queueUrl, '--receipt-handle', m!.ReceiptHandle)).status).toBe(0);
  });

  it('creates, reads, updates and describes secrets, and answers ResourceNotFoundException', async () => {
    const sm = (...a: string[]) => aws(stack.env.AWS_ENDPOINT_URL_SECRETS_MANAGER!, 'secretsmanager', ...a);
    const created = await sm('create-secret', '--name', 'cli/test', '--secret-string', '{"a":1}');
    expect(created.status).toBe(0);
    expect(created.out.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:\d{12}:secret:cli\/test-/);
    expect((await sm('put-secret-value', '--secret-id', 'cli/test', '--secret-string', '{"a":2}')).status).toBe(0);
    expect((await sm('get-secret-value', '--secret-id', String(created.out.ARN))).out.SecretString).toBe('{"a":2}');
    expect((await sm('describe-secret', '--secret-id', 'cli/test')).out.Name).toBe('cli/test');
    const missing = await sm('get-secret-value', '--secret-id', 'nope');
    expect(missing.status).not.toBe(0);
    expect(missing.err).toContain('ResourceNotFoundException');
    expect((await sm('create-secret', '--name', 'cli/test', '--secret-string', 'x')).err).toContain('ResourceExistsException');
  });
});
