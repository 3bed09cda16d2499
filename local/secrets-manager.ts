import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Secrets Manager emulator for the real AWS SDK and CLI: AWS JSON 1.1 over HTTP, dispatching
 * on `X-Amz-Target`. The registry has none (TOOLCHAIN.md); this speaks the four operations we
 * use with the real error shapes, so `ResourceNotFoundException` maps with `instanceof`.
 */

interface Secret {
  name: string;
  arn: string;
  versions: { id: string; value: string; created: number }[];
  created: number;
  description?: string;
}

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export class SecretsManagerEmulator {
  private server?: Server;
  private readonly secrets = new Map<string, Secret>();
  /** Calls received per operation, e.g. `{ GetSecretValue: 3 }`: the benchmark counts these. */
  readonly calls: Record<string, number> = {};
  /** Fail the next N GetSecretValue calls with a 500 (transient secret fetch failure). */
  failNextGets = 0;

  constructor(
    private readonly region = 'us-east-1',
    private readonly account = '000000000000',
  ) {}

  get url(): string {
    const a = this.server?.address() as AddressInfo | null;
    if (!a) throw new Error('secrets emulator not started');
    return `http://127.0.0.1:${a.port}`;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method === 'GET' && req.url === '/__admin/calls') {
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(JSON.stringify(this.calls));
        }
        const target = String(req.headers['x-amz-target'] ?? '');
        const op = target.startsWith('secretsmanager.') ? target.slice('secretsmanager.'.length) : '';
        this.calls[op] = (this.calls[op] ?? 0) + 1;
        let status = 200;
        let body: unknown;
        try {
          const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
          body = this.dispatch(op, input);
        } catch (err) {
          const e = err instanceof ApiError ? err : new ApiError('InvalidRequestException', 'malformed request');
          status = e.status;
          body = { __type: e.type, message: e.message };
          res.setHeader('x-amzn-ErrorType', e.type);
        }
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': randomUUID() });
        res.end(JSON.stringify(body));
      });
    });
    // Loopback only; a busy port rejects (an 'error' event nobody listens to would crash the process).
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => {
        this.server!.off('error', reject);
        resolve();
      });
    });
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Creates or replaces a secret directly (tests, `npm start`). */
  put(name: string, value: string): string {
    const existing = this.find(name);
    if (existing) {
      existing.versions.push({ id: randomUUID(), value, created: Date.now() });
      return existing.arn;
    }
    const arn = `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${name}-${randomBytes(3).toString('hex')}`;
    this.secrets.set(name, { name, arn, versions: [{ id: randomUUID(), value, created: Date.now() }], created: Date.now() });
    return arn;
  }

  private find(id: string): Secret | undefined {
    // SecretId may be the name or the full ARN.
    return this.secrets.get(id) ?? [...this.secrets.values()].find((s) => s.arn === id);
  }

  private need(input: Record<string, unknown>): Secret {
    const id = input.SecretId;
    if (typeof id !== 'string' || !id) throw new ApiError('InvalidParameterException', 'SecretId is required');
    const s = this.find(id);
    if (!s) throw new ApiError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return s;
  }

  private dispatch(op: string, input: Record<string, unknown>): unknown {
    switch (op) {
      case 'GetSecretValue': {
        if (this.failNextGets > 0) {
          this.failNextGets--;
          throw new ApiError('InternalServiceError', 'injected failure', 500);
        }
        const s = this.need(input);
        const v = s.versions[s.versions.length - 1]!;
        return { ARN: s.arn, Name: s.name, VersionId: v.id, SecretString: v.value, VersionStages: ['AWSCURRENT'], CreatedDate: v.created / 1000 };
      }
      case 'CreateSecret': {
        const name = input.Name;
        if (typeof name !== 'string' || !name) throw new ApiError('InvalidParameterException', 'Name is required');
        if (this.secrets.has(name)) throw new ApiError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
        if (typeof input.SecretString !== 'string') throw new ApiError('InvalidParameterException', 'SecretString is required');
        const arn = this.put(name, input.SecretString);
        if (typeof input.Description === 'string') this.secrets.get(name)!.description = input.Description;
        return { ARN: arn, Name: name, VersionId: this.secrets.get(name)!.versions[0]!.id };
      }
      case 'PutSecretValue': {
        const s = this.need(input);
        if (typeof input.SecretString !== 'string') throw new ApiError('InvalidParameterException', 'SecretString is required');
        const id = randomUUID();
        s.versions.push({ id, value: input.SecretString, created: Date.now() });
        return { ARN: s.arn, Name: s.name, VersionId: id, VersionStages: ['AWSCURRENT'] };
      }
      case 'DescribeSecret': {
        const s = this.need(input);
        const last = s.versions[s.versions.length - 1]!;
        return {
          ARN: s.arn,
          Name: s.name,
          Description: s.description,
          CreatedDate: s.created / 1000,
          LastChangedDate: last.created / 1000,
          VersionIdsToStages: Object.fromEntries(s.versions.map((v) => [v.id, v === last ? ['AWSCURRENT'] : []])),
        };
      }
      default:
        throw new ApiError('UnknownOperationException', `operation ${op || '(none)'} is not supported by this emulator`);
    }
  }
}
