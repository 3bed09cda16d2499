import { randomUUID } from 'node:crypto';
/**
 * Bundle size and cold import of both Lambda bundles, what each dependency costs (esbuild's
 * metafile), and one real invocation of the consumer's bundle against the local stack: the
 * bundle's replaced modules (infra/esbuild.config.js) are exercised, not only measured.
 */
import { execFileSync } from 'node:child_process';
import type { SQSEvent } from 'aws-lambda';
import { daysAgo } from '../../local/seed.js';
import { startLocalStack } from '../../local/stack.js';
import type { BuiltBundle } from '../bundles.js';
import { buildFunction, costByDependency, FUNCTIONS, invokeBundle, LAMBDA_ENV, OWN_CODE } from '../bundles.js';
import type { Bench } from '../report.js';
import { median } from '../report.js';

const SIZE_GOAL_KB = 400;
const IMPORT_GOAL_MS = 80;
const RUNS = 15;

export async function bundle(b: Bench): Promise<void> {
  const env = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    KORE_SECRET_ID: 'kore/bench',
    LIFECYCLE_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/q',
    DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/dlq',
  };
  const time = (args: string[], extra: Record<string, string> = {}) => {
    const t = process.hrtime.bigint();
    execFileSync(process.execPath, args, { env: { ...env, ...extra }, stdio: 'ignore' });
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const built: BuiltBundle[] = [];
  for (const name of FUNCTIONS) built.push(await buildFunction(name, b.outDir));
  const loads = built.map((bb) => ['-e', `require(${JSON.stringify(bb.file)})`]);
  for (const load of loads) time(load); // warm the file cache
  // Interleaved rounds: the machine's noise (it is shared) lands on every variant alike, and each
  // figure is the median of the differences within a round. As deployed, the functions run with
  // NODE_OPTIONS=--enable-source-maps (serverless.yml), so Node reads the .map beside the bundle at load.
  const rounds = Array.from({ length: RUNS }, () => {
    const base = time(['-e', '0']);
    return { base, bundles: loads.map((load) => ({ bare: time(load), maps: time(load, LAMBDA_ENV) })) };
  });
  const figures: Record<string, unknown> = { nodeBaselineMs: Math.round(median(rounds.map((r) => r.base))), runs: RUNS };
  built.forEach((bb, i) => {
    const { name } = bb;
    const kb = bb.bytes / 1024;
    const withMaps = median(rounds.map((r) => r.bundles[i]!.maps - r.base));
    const bare = median(rounds.map((r) => r.bundles[i]!.bare - r.base));
    const maps = median(rounds.map((r) => r.bundles[i]!.maps - r.bundles[i]!.bare));
    figures[name] = { kb: Math.round(kb), coldImportMs: Math.round(withMaps), coldImportWithoutSourceMapsMs: Math.round(bare), sourceMapMs: Math.round(maps) };
    b.row({
      section: 'bundle',
      metric: `${name} bundle (minified, without its .map)`,
      goal: `≤ ${SIZE_GOAL_KB} KB`,
      value: `${kb.toFixed(0)} KB`,
      met: kb <= SIZE_GOAL_KB,
      why: `${name} is ${kb.toFixed(0)} KB; the table of dependencies says where the bytes are.`,
    });
    const mapShare =
      maps >= 5
        ? `about ${maps.toFixed(0)} ms of it for the source map, which Node reads at load because serverless.yml sets \`NODE_OPTIONS=--enable-source-maps\` (readable stack traces in CloudWatch)`
        : "the source map's share (serverless.yml sets `NODE_OPTIONS=--enable-source-maps`) is within this machine's noise";
    b.row({
      section: 'bundle',
      metric: `${name} cold import over node -e 0 (with --enable-source-maps, as deployed)`,
      goal: `≤ +${IMPORT_GOAL_MS} ms`,
      value: `+${withMaps.toFixed(0)} ms (+${bare.toFixed(0)} ms without maps)`,
      met: withMaps <= IMPORT_GOAL_MS,
      why: `Importing ${name} and building its clients takes ${withMaps.toFixed(0)} ms more than an empty node on this machine; ${mapShare}. The rest is compiling and running ${kb.toFixed(0)} KB of modules at load, the SDK clients, Powertools and the command schemas zod builds at import among them.`,
    });
  });
  b.record('bundle', figures);
  dependencyTable(b, built);
  await smoke(
    b,
    built.find((x) => x.name === 'lifecycle-events')!,
  );
  b.describe(
    'bundle',
    `Built with the deployment's own esbuild options (\`infra/esbuild.config.js\`, the file serverless.yml uses); the size is the \`.js\` alone, without the source map beside it. Cold import is \`node -e "require(bundle)"\` (the module's init: the environment read and every client built, as at a Lambda cold start) minus \`node -e 0\`, with \`NODE_OPTIONS=--enable-source-maps\` as deployed and without it: ${RUNS} interleaved rounds, the median of the differences within each round.`,
    "What each dependency costs is read from esbuild's metafile (bytes of minified output per package).",
    "The consumer's bundle is also invoked once, in a plain node process with Lambda's memory flags, on a batch of two `list.expired` against the local stack: the modules the bundles replace (the credential chain, `semver`) run, not only load.",
  );
}

function dependencyTable(b: Bench, built: BuiltBundle[]): void {
  const costs = built.map((x) => costByDependency(x));
  const names = [...new Set(costs.flatMap((c) => [...c.keys()]))];
  const kb = (n: number | undefined) => (n === undefined ? '—' : (n / 1024).toFixed(1));
  const total = (c: Map<string, number>) => [...c.values()].reduce((s, n) => s + n, 0);
  names.sort((x, y) => (costs[0]!.get(y) ?? costs[1]!.get(y) ?? 0) - (costs[0]!.get(x) ?? costs[1]!.get(x) ?? 0));
  const big = names.filter((n) => costs.some((c) => (c.get(n) ?? 0) >= 1024));
  const small = names.filter((n) => !big.includes(n));
  const sdk = (c: Map<string, number>) => [...c.entries()].filter(([n]) => /^@(aws-sdk|smithy|aws)\//.test(n)).reduce((s, [, v]) => s + v, 0);
  const rows = big.map((n) => [n === OWN_CODE ? n : `\`${n}\``, ...costs.map((c) => kb(c.get(n)))]);
  rows.push([`${small.length} packages under 1 KB each`, ...costs.map((c) => kb(small.reduce((s, n) => s + (c.get(n) ?? 0), 0)))]);
  rows.push(['of which the AWS SDK (`@aws-sdk/*`, `@smithy/*`, `@aws/*`)', ...costs.map((c) => kb(sdk(c)))]);
  rows.push(['**total**', ...costs.map((c) => kb(total(c)))]);
  b.table({
    section: 'The bundles',
    title: 'What each dependency costs (KB of minified output, esbuild metafile)',
    header: ['dependency', ...built.map((x) => x.name)],
    rows,
    notes: [
      "Replaced in the bundles (`infra/esbuild.config.js`): `@aws-sdk/credential-provider-node`, the SDK's default credential chain, by the SDK's own environment provider (a Lambda, and `serverless invoke local`, pass credentials as environment variables; the chain and the STS/SSO clients it carries cost about 100 KB); `semver`, which jsonwebtoken loads for three `process.version` checks, by the one function those checks call (30 KB); each AWS SDK client's `package.json`, imported whole for its `version`, by that field alone (4.5 KB). lib/kore/auth.ts imports jsonwebtoken's `sign` alone, without the verify and decode its index loads (7 KB).",
    ],
  });
  b.record(
    'bundle.dependencies',
    Object.fromEntries(
      built.map((x, i) => [x.name, Object.fromEntries([...costs[i]!.entries()].sort((p, q) => q[1] - p[1]).map(([n, v]) => [n, Math.round(v)]))]),
    ),
  );
}

/** The bundled consumer, as Lambda would run it, deletes two lists through the batch's listing. */
async function smoke(b: Bench, consumer: BuiltBundle): Promise<void> {
  const stack = await startLocalStack({
    kore: { rateLimit: { perMinute: 0 }, seed: { lists: [0, 1].map((i) => ({ _id: `cl-smoke-${i}`, name: `Smoke ${i}`, updatedAt: daysAgo(400) })) } },
  });
  try {
    const event: SQSEvent = {
      Records: [0, 1].map((i) => ({
        messageId: `m-${i}`,
        // What `npm run cli -- event` prints: taken without asking SQS on the local stack only (KORE_ALLOW_LOOPBACK_HTTP).
        receiptHandle: `local-receipt-${randomUUID()}`,
        body: JSON.stringify({ type: 'list.expired', contactListId: `cl-smoke-${i}`, occurredAt: new Date().toISOString() }),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'bench',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: stack.queueArn,
        awsRegion: 'us-east-1',
      })),
    };
    const r = await invokeBundle<{ batchItemFailures: unknown[] }>({
      bundle: consumer.file,
      event,
      env: { ...stack.env, DELETION_MODE: 'delete', KORE_CALLS_PER_MINUTE: '600' },
      memoryMB: 256,
      timeoutMs: 150_000,
      outDir: b.outDir,
      tag: 'bundle-smoke',
    });
    const left = [0, 1].filter((i) => stack.kore.state.lists.has(`cl-smoke-${i}`)).length;
    const calls = stack.kore.apiCalls().map((c) => `${c.method} ${c.path.replace(/^.*\/campaign/, '')}`);
    const ok = left === 0 && r.result.batchItemFailures.length === 0;
    b.record('bundle.smoke', { invokeMs: Math.round(r.invokeMs), initMs: Math.round(r.initMs), maxRssMB: Math.round(r.maxRssMB), calls, left });
    b.row({
      section: 'bundle',
      metric: 'the consumer bundle, invoked on 2 list.expired (DELETION_MODE=delete) against the local stack',
      goal: 'both deleted',
      value: `${2 - left} deleted with ${calls.length} Kore calls (${calls.filter((c) => c.includes('getAllListDetails')).length} listing) in ${r.invokeMs.toFixed(0)} ms`,
      met: ok,
      why: `The bundled consumer left ${left} of 2 lists; its log is in bench/.out/bundle-smoke.log.`,
    });
  } finally {
    await stack.stop();
  }
}
