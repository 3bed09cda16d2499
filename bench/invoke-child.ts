/**
 * Runs one deployed bundle the way Lambda does, in a process of its own: plain node (with the
 * memory flags Lambda's Node.js runtime derives from the function's memory, set by the parent),
 * `require` the bundle (its init: the environment and the clients, as at a cold start), then one
 * invocation with a Lambda-like context. Bundled by the bench with the deployment's esbuild
 * options and run without tsx, so the process holds nothing but the function.
 *
 *   node invoke-child.js <bundle.js> <event.json> <timeoutMs> <result.json>
 *
 * `event.json` may hold an array of events: they are invoked one after another in the same
 * process (one cold start, a warm container's later batches), and `invocations` has each one's
 * time, result and the process's peak RSS after it; the other fields then cover them all.
 *
 * Writes `{initMs, invokeMs, cpuMs, maxRssMB, result, fetches, aws}` to result.json (stdout is
 * the function's own log, as in CloudWatch). `fetches` times each Kore call (the bundle's only
 * `fetch` user) from the start of the invocation: start, reply fully read, bytes, status. `aws`
 * counts the AWS SDK's requests per operation (node:http: the local stack's endpoints), with the
 * first start and the last reply.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

interface AwsOp {
  requests: number;
  firstStartMs: number;
  lastEndMs: number;
}

interface Fetch {
  method: string;
  path: string;
  startMs: number;
  endMs?: number;
  bytes?: number;
  status?: number;
}

/** Big arrays in the handler's reply (the sweep's candidate list) are reported by length. */
function summarize(v: unknown): unknown {
  if (Array.isArray(v)) return v.length > 20 ? `[${v.length} items]` : v.map(summarize);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, summarize(x)]));
  return v;
}

async function main(): Promise<void> {
  const [bundle, eventFile, timeout, resultFile] = process.argv.slice(2) as [string, string, string, string];
  const event = JSON.parse(readFileSync(eventFile, 'utf8')) as unknown;
  const fetches: Fetch[] = [];
  let t0 = performance.now();
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const f: Fetch = { method: init?.method ?? 'GET', path: url.pathname.replace(/^.*\/campaign(?=\/)/, ''), startMs: performance.now() - t0 };
    fetches.push(f);
    const res = await realFetch(input, init);
    f.status = res.status;
    const text = res.text.bind(res);
    Object.defineProperty(res, 'text', {
      value: async () => {
        const body = await text();
        f.endMs = performance.now() - t0;
        f.bytes = Buffer.byteLength(body);
        return body;
      },
    });
    return res;
  };
  // The AWS SDK's handler calls http.request through the module object: wrap it before the bundle
  // loads. Each request is keyed by its operation (the x-amz-target header of the JSON protocols).
  const aws: Record<string, AwsOp> = {};
  const realRequest = http.request;
  (http as { request: unknown }).request = (...args: Parameters<typeof http.request>) => {
    const opts = args[0] as { headers?: Record<string, string> };
    const op = String(opts?.headers?.['x-amz-target'] ?? opts?.headers?.['X-Amz-Target'] ?? 'other').replace(/^.*\./, '');
    const o = (aws[op] ??= { requests: 0, firstStartMs: performance.now() - t0, lastEndMs: -1 });
    o.requests++;
    const req = realRequest(...args);
    req.on('response', (res) => res.on('end', () => (o.lastEndMs = performance.now() - t0)));
    return req;
  };
  const i0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { handler } = require(bundle) as { handler: (event: unknown, context: unknown) => Promise<unknown> };
  const initMs = performance.now() - i0;
  const timeoutMs = Number(timeout);
  const context = () => {
    const deadline = Date.now() + timeoutMs;
    return {
      callbackWaitsForEmptyEventLoop: false,
      functionName: 'bench',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench',
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '1024',
      awsRequestId: randomUUID(),
      logGroupName: '/aws/lambda/bench',
      logStreamName: 'bench',
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
  };
  const events = Array.isArray(event) ? (event as unknown[]) : [event];
  t0 = performance.now();
  for (const k of Object.keys(aws)) delete aws[k];
  const c0 = process.cpuUsage();
  const invocations: Array<{ invokeMs: number; maxRssMB: number; result: unknown }> = [];
  let result: unknown;
  for (const e of events) {
    const i0 = performance.now();
    result = await handler(e, context());
    invocations.push({ invokeMs: performance.now() - i0, maxRssMB: process.resourceUsage().maxRSS / 1024, result: summarize(result) });
  }
  const invokeMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpuMs = (c.user + c.system) / 1000;
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  writeFileSync(
    resultFile,
    JSON.stringify({ initMs, invokeMs, cpuMs, maxRssMB, result: summarize(result), fetches, aws, ...(Array.isArray(event) ? { invocations } : {}) }),
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`invoke-child: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
