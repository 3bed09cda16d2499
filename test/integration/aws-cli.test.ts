import { execFile, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { startLocalStack } from '../../local/stack';
import type { LocalStack } from '../../local/stack';
import { commandsFor } from '../docs/readme-commands';
import { paramValues } from './serverless-helpers';

const root = join(__dirname, '../..');

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

/**
 * The AWS CLI commands of the README's deploy steps, run as written. The CLI reads a service's
 * endpoint from AWS_ENDPOINT_URL_<SERVICE> (it does for Secrets Manager, SNS and CloudFormation),
 * so each command goes to a local endpoint instead of AWS: the local stack's Secrets Manager, and
 * a small CloudFormation + SNS stand-in here that answers DescribeStacks and Subscribe.
 */
describe('the README’s AWS CLI commands, as written, against local endpoints', () => {
  const commands = commandsFor('aws cli');
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ visibilityTimeout: 5, maxReceiveCount: 5 });
  });
  afterAll(() => stack.stop());

  const run = (command: string, endpoints: Record<string, string>) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        'sh',
        ['-c', command],
        {
          cwd: root,
          env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_PAGER: '', ...endpoints },
          timeout: 30_000,
        },
        (error, stdout, stderr) => resolve({ status: error ? Number((error as { code?: unknown }).code) || 1 : 0, stdout, stderr }),
      );
    });

  it('has only commands this file knows how to point at a local endpoint', () => {
    const services = commands.map((c) => /^aws (\S+)/.exec(c.text)![1]);
    expect(services.filter((s) => s !== 'secretsmanager' && s !== 'sns')).toEqual([]);
  });

  it('step 1 creates the secret that step 3’s stack reads (koreSecretName for the stage), with the keys the consumer needs', async () => {
    const create = commands.filter((c) => c.text.startsWith('aws secretsmanager create-secret'));
    expect(create).toHaveLength(1);
    const r = await run(create[0]!.text, { AWS_ENDPOINT_URL_SECRETS_MANAGER: stack.secrets.url });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    const name = /--name (\S+)/.exec(create[0]!.text)![1]!;
    const stage = name.split('/').pop()!;
    expect(name).toBe((await paramValues(stage)).koreSecretName);
    const got = await run(`aws secretsmanager get-secret-value --region eu-west-1 --output json --secret-id ${name}`, {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: stack.secrets.url,
    });
    const secret = JSON.parse((JSON.parse(got.stdout) as { SecretString: string }).SecretString) as Record<string, unknown>;
    expect(Object.keys(secret).sort()).toEqual(['accountId', 'clientId', 'clientSecret', 'host', 'streamId']);
    expect(secret.host).toMatch(/^https:\/\//);
  });

  it('step 4 finds the alarm topic in the stack’s outputs and subscribes the address to it', async () => {
    const subscribe = commands.filter((c) => c.text.startsWith('aws sns subscribe'));
    expect(subscribe).toHaveLength(1);
    // What a deployment of serverless.yml is called and outputs: the stand-in answers only for that stack.
    const load = createRequire(__filename);
    const read = load('osls/lib/configuration/read') as (path: string) => Promise<{ service: string; resources: { Outputs: Record<string, unknown> } }>;
    const config = await read(join(root, 'serverless.yml'));
    expect(Object.keys(config.resources.Outputs)).toContain('AlarmTopicArn');
    const stage = /--stack-name \S+-(\w+)\b/.exec(subscribe[0]!.text)![1]!;
    const stackName = `${config.service}-${stage}`;
    const topicArn = `arn:aws:sns:eu-west-1:123456789012:${stackName}-alarms`;
    const calls: Array<Record<string, string>> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const form = Object.fromEntries(new URLSearchParams(body));
        calls.push(form);
        res.setHeader('content-type', 'text/xml');
        if (form.Action === 'DescribeStacks' && form.StackName === stackName) {
          res.end(
            `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>` +
              `<StackName>${stackName}</StackName><StackId>arn:aws:cloudformation:eu-west-1:123456789012:stack/${stackName}/1</StackId>` +
              `<CreationTime>2026-01-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>` +
              `<member><OutputKey>LifecycleQueueUrl</OutputKey><OutputValue>https://sqs.eu-west-1.amazonaws.com/123456789012/q</OutputValue></member>` +
              `<member><OutputKey>AlarmTopicArn</OutputKey><OutputValue>${topicArn}</OutputValue></member>` +
              `</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeStacksResponse>`,
          );
        } else if (form.Action === 'Subscribe') {
          res.end(
            `<SubscribeResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><SubscribeResult><SubscriptionArn>pending confirmation</SubscriptionArn>` +
              `</SubscribeResult><ResponseMetadata><RequestId>2</RequestId></ResponseMetadata></SubscribeResponse>`,
          );
        } else {
          res.statusCode = 400;
          res.end(
            `<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack ${form.StackName} does not exist</Message></Error><RequestId>3</RequestId></ErrorResponse>`,
          );
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const r = await run(subscribe[0]!.text, { AWS_ENDPOINT_URL_SNS: url, AWS_ENDPOINT_URL_CLOUDFORMATION: url });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      expect(calls.map((c) => c.Action)).toEqual(['DescribeStacks', 'Subscribe']);
      expect(calls[1]).toMatchObject({ TopicArn: topicArn, Protocol: 'email', Endpoint: 'ops@example.com' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
