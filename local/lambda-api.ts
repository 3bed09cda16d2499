import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LocalEventSourceMapping } from './event-source-mapping.js';
import { LoopbackServer } from './kore-emulator/loopback-server.js';
import { LOCAL_ACCOUNT } from './ports.js';

/**
 * The two operations of Lambda's API the brake uses (lib/brake/switch.ts), for the local stack:
 * GetEventSourceMapping and UpdateEventSourceMapping, REST JSON at
 * `/2015-03-31/event-source-mappings/{UUID}` as the real LambdaClient sends them, backed by the
 * running consumer's LocalEventSourceMapping. Disabling it really stops the consumer polling.
 * Errors have Lambda's shape (`x-amzn-errortype`), so the SDK maps them by name.
 */

const PATH = /^\/2015-03-31\/event-source-mappings\/([^/?]+)\/?(?:\?.*)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class LocalLambdaApi {
  /** Requests by operation, e.g. `{ UpdateEventSourceMapping: 2 }`. */
  readonly calls: Record<string, number> = {};
  private readonly http = new LoopbackServer((req, res) => void this.handle(req, res));

  constructor(private readonly mappings: Record<string, LocalEventSourceMapping>) {}

  get url(): string {
    const a = this.http.address();
    if (!a) throw new Error('local Lambda API not started');
    return `http://127.0.0.1:${a.port}`;
  }

  async start(port = 0): Promise<this> {
    await this.http.listen(port, '127.0.0.1');
    return this;
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await new Promise<string>((resolve, reject) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString('utf8')));
      req.on('end', () => resolve(text));
      req.on('error', reject);
    }).catch(() => undefined);
    if (body === undefined) return;
    const m = PATH.exec(req.url ?? '');
    const op = req.method === 'GET' ? 'GetEventSourceMapping' : req.method === 'PUT' ? 'UpdateEventSourceMapping' : undefined;
    if (!m || !op) return error(res, 404, 'UnknownOperationException', `the local Lambda API serves GET and PUT ${PATH.source} only`);
    this.calls[op] = (this.calls[op] ?? 0) + 1;
    const uuid = decodeURIComponent(m[1]!);
    const esm = UUID.test(uuid) ? this.mappings[uuid.toLowerCase()] : undefined;
    if (!esm)
      return error(
        res,
        404,
        'ResourceNotFoundException',
        `The resource you requested does not exist. (Service: Lambda, event source mapping ${uuid.slice(0, 64)})`,
      );
    if (op === 'UpdateEventSourceMapping') {
      let update: Record<string, unknown>;
      try {
        update = body ? (JSON.parse(body) as Record<string, unknown>) : {};
      } catch {
        return error(res, 400, 'InvalidParameterValueException', 'the request body is not JSON');
      }
      const unsupported = Object.keys(update).filter((k) => k !== 'Enabled');
      if (unsupported.length || (update.Enabled !== undefined && typeof update.Enabled !== 'boolean')) {
        return error(
          res,
          400,
          'InvalidParameterValueException',
          `the local Lambda API changes Enabled (a boolean) only, not ${unsupported.join(', ') || 'that value'}`,
        );
      }
      if (typeof update.Enabled === 'boolean') esm.setEnabled(update.Enabled);
    }
    reply(res, op === 'UpdateEventSourceMapping' ? 202 : 200, configuration(uuid.toLowerCase(), esm));
  }
}

/** Lambda's EventSourceMappingConfiguration, the fields a local mapping has. */
function configuration(uuid: string, esm: LocalEventSourceMapping) {
  const s = esm.settings;
  return {
    UUID: uuid,
    EventSourceArn: s.queueArn,
    FunctionArn: `arn:aws:lambda:${s.region}:${LOCAL_ACCOUNT}:function:${s.functionName}`,
    BatchSize: s.batchSize,
    MaximumBatchingWindowInSeconds: 0,
    FunctionResponseTypes: ['ReportBatchItemFailures'],
    State: esm.state,
    StateTransitionReason: 'USER_INITIATED',
    // restJson1 timestamps: epoch seconds.
    LastModified: esm.lastModifiedAt.getTime() / 1000,
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function error(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
  res.end(JSON.stringify({ Type: 'User', message }));
}
