import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { EmulatorOptions } from './kore-emulator/server.js';
import { KoreEmulator } from './kore-emulator/server.js';
import { SecretsManagerEmulator } from './secrets-manager.js';
import { LOCAL_ARCHIVE_KEY } from './seed.js';
import { PortInUseError } from './errors.js';
import { assertPortsFree, SERVICE_NAMES } from './ports.js';
import { queueArn } from './queues.js';
import { startSqsServer } from './sqs-process.js';
import type { SqsServer } from './sqs-process.js';

/**
 * The embedded local stack: fauxqs (SQS, in a child process), the Secrets Manager emulator and the Kore emulator,
 * all on 127.0.0.1 with OS-chosen ports, plus the lifecycle queue, its DLQ (redrive policy)
 * and the Kore secret, created through the real AWS SDK like `serverless deploy` would.
 */

export const LOCAL_CLIENT_ID = 'cs-local-client';
/** A throwaway secret for the local emulator only; tests assert it never reaches a log line. */
export const LOCAL_CLIENT_SECRET = 'local-secret-0f4c2a9e7b1d';

export interface LocalStackOptions {
  kore?: EmulatorOptions;
  /** Visibility timeout of the lifecycle queue, seconds (AWS: 6 × the consumer timeout). */
  visibilityTimeout?: number;
  maxReceiveCount?: number;
  queuePrefix?: string;
  secretName?: string;
  /** Fixed ports; `lambda` is only checked free here (the Lambda API is started by `npm start -- --keep-running`). */
  ports?: { sqs?: number; secrets?: number; kore?: number; lambda?: number };
}

export interface LocalStack {
  kore: KoreEmulator;
  secrets: SecretsManagerEmulator;
  sqsServer: SqsServer;
  sqs: SQSClient;
  secretsClient: SecretsManagerClient;
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  dlqArn: string;
  secretId: string;
  /** The environment a Lambda of this project needs to talk to this stack. */
  env: Record<string, string>;
  /** The same endpoints and credentials as explicit client settings (lib/deps.ts `IoOverrides.aws`). */
  aws: { region: string; credentials: { accessKeyId: string; secretAccessKey: string }; endpoints: { sqs: string; secretsManager: string } };
  /** Puts a new secret version with the given client secret (and rotates it in the Kore emulator). */
  rotateSecret(clientSecret: string): Promise<void>;
  stop(): Promise<void>;
}

/** MaximumMessageSize of the queues, as serverless.yml sets them (bytes). */
export const QUEUE_SIZES = { lifecycle: 64 * 1024, dlq: 256 * 1024 } as const;

const AWS_ENV = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const prefix = opts.queuePrefix ?? 'kore-lifecycle';
  // Fixed ports: say which one is taken before anything starts (each service also refuses a
  // port taken in between, with the same error).
  await assertPortsFree(opts.ports ?? {});
  const started: Array<{ stop(): Promise<void> }> = [];
  const listening = async <T extends { stop(): Promise<void> }>(service: string, port: number | undefined, start: () => Promise<T>): Promise<T> => {
    try {
      const s = await start();
      started.push(s);
      return s;
    } catch (err) {
      await Promise.all(started.map((s) => s.stop()));
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError(service, port ?? 0);
      throw err;
    }
  };
  const kore = await listening(SERVICE_NAMES.kore, opts.ports?.kore, () =>
    new KoreEmulator({
      apps: { [LOCAL_CLIENT_ID]: LOCAL_CLIENT_SECRET },
      ...(opts.ports?.kore ? { port: opts.ports.kore } : {}),
      ...opts.kore,
    }).start(),
  );
  const secrets = await listening(SERVICE_NAMES.secrets, opts.ports?.secrets, () => new SecretsManagerEmulator().start(opts.ports?.secrets ?? 0));
  const sqsServer = await listening(SERVICE_NAMES.sqs, opts.ports?.sqs, () => startSqsServer(opts.ports?.sqs ?? 0));
  const sqsUrl = sqsServer.url;
  const clientCfg = { region: AWS_ENV.AWS_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const sqs = new SQSClient({ ...clientCfg, endpoint: sqsUrl });
  const secretsClient = new SecretsManagerClient({ ...clientCfg, endpoint: secrets.url });

  // Anything failing from here on stops what started: no process is left behind.
  const { queueUrl, mainArn, dlqUrl, dlqArn, created, secretValue } = await (async () => {
    // fauxqs answers URLs on host sqs.<region>.127.0.0.1, which WHATWG URL parsing refuses (a
    // host ending in a number must be an IPv4 address); it accepts the endpoint's own host too.
    const local = (url: string) => `${sqsUrl}${url.replace(/^https?:\/\/[^/]+/, '')}`;
    // Sizes as in serverless.yml: the DLQ accepts any message the lifecycle queue accepts plus the
    // error attributes parking adds.
    const dlqRes = await sqs.send(
      new CreateQueueCommand({
        QueueName: `${prefix}-dlq`,
        Attributes: { MessageRetentionPeriod: String(14 * 86_400), MaximumMessageSize: String(QUEUE_SIZES.dlq) },
      }),
    );
    const dlqUrl = local(dlqRes.QueueUrl!);
    const dlqArn = await queueArn(sqs, dlqUrl);
    const mainRes = await sqs.send(
      new CreateQueueCommand({
        QueueName: prefix,
        Attributes: {
          VisibilityTimeout: String(opts.visibilityTimeout ?? 2),
          MaximumMessageSize: String(QUEUE_SIZES.lifecycle),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: String(opts.maxReceiveCount ?? 5) }),
        },
      }),
    );
    const queueUrl = local(mainRes.QueueUrl!);
    const mainArn = await queueArn(sqs, queueUrl);

    const secretName = opts.secretName ?? 'kore/campaign-lifecycle';
    const secretValue = (clientSecret: string) =>
      JSON.stringify({
        host: kore.url,
        clientId: LOCAL_CLIENT_ID,
        clientSecret,
        accountId: kore.accountId,
        streamId: kore.streamId,
        archiveKey: LOCAL_ARCHIVE_KEY,
      });
    const created = await secretsClient.send(new CreateSecretCommand({ Name: secretName, SecretString: secretValue(LOCAL_CLIENT_SECRET) }));
    return { queueUrl, mainArn, dlqUrl, dlqArn, created, secretValue };
  })().catch(async (err: unknown) => {
    sqs.destroy();
    secretsClient.destroy();
    await Promise.all(started.map((s) => s.stop()));
    throw err;
  });

  const env = {
    ...AWS_ENV,
    AWS_ENDPOINT_URL_SQS: sqsUrl,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
    KORE_SECRET_ID: created.ARN!,
    LIFECYCLE_QUEUE_URL: queueUrl,
    LIFECYCLE_QUEUE_ARN: mainArn,
    // The local SQS says every message came from 000000000000, the consumer's requeued copies too.
    CONSUMER_SENDER_ID: '000000000000',
    DEAD_LETTER_QUEUE_URL: dlqUrl,
    // The emulator speaks plain http on 127.0.0.1: the secret's host is allowed only because of this.
    KORE_ALLOW_LOOPBACK_HTTP: 'true',
  };

  return {
    kore,
    secrets,
    sqsServer,
    sqs,
    secretsClient,
    queueUrl,
    queueArn: mainArn,
    dlqUrl,
    dlqArn,
    secretId: created.ARN!,
    env,
    aws: {
      region: AWS_ENV.AWS_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      endpoints: { sqs: sqsUrl, secretsManager: secrets.url },
    },
    async rotateSecret(clientSecret: string) {
      await secretsClient.send(new PutSecretValueCommand({ SecretId: created.ARN!, SecretString: secretValue(clientSecret) }));
      kore.rotateSecret(LOCAL_CLIENT_ID, clientSecret);
    },
    async stop() {
      sqs.destroy();
      secretsClient.destroy();
      await Promise.all([kore.stop(), secrets.stop(), sqsServer.stop()]);
    },
  };
}
