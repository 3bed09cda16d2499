/**
 * The Lambda bundles, built with the deployment's own esbuild options (infra/esbuild.config.js,
 * the file serverless.yml uses): the bundle, cold import and sweep benchmarks all run what
 * `serverless package` would ship.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildOptions, Metafile } from 'esbuild';
import { build } from 'esbuild';

export const ROOT = join(__dirname, '..');

export const FUNCTIONS = ['lifecycle-events', 'nightly-sweep'] as const;
export type FunctionName = (typeof FUNCTIONS)[number];

/** The options serverless-esbuild passes to esbuild (without its own `exclude` and `packager`). */
export function deployedOptions(): BuildOptions {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { exclude: _e, packager: _p, ...o } = require('../infra/esbuild.config.js')() as BuildOptions & { exclude?: unknown; packager?: unknown };
  return o;
}

export interface BuiltBundle {
  name: FunctionName;
  file: string;
  /** Bytes of the .js alone (the .map beside it is not loaded unless a stack trace is mapped). */
  bytes: number;
  metafile: Metafile;
}

/** Builds functions/<name>.ts into `outDir` as the deployment would. */
export async function buildFunction(name: FunctionName, outDir: string): Promise<BuiltBundle> {
  const file = join(outDir, `${name}.js`);
  const r = await build({ ...deployedOptions(), entryPoints: [join(ROOT, 'functions', `${name}.ts`)], outfile: file, metafile: true, logLevel: 'error' });
  const out = Object.entries(r.metafile.outputs).find(([p]) => p.endsWith(`${name}.js`))![1];
  return { name, file, bytes: out.bytes, metafile: r.metafile };
}

/**
 * Bytes of minified output per dependency (each npm package, scoped or not), our own code as one
 * entry, from esbuild's metafile.
 */
export function costByDependency(b: BuiltBundle): Map<string, number> {
  const out = Object.values(b.metafile.outputs).find((o) => o.entryPoint)!;
  const by = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
    const key = pkg ?? (input.startsWith('lambda-only:') ? `${input.slice('lambda-only:'.length)} (Lambda replacement)` : OWN_CODE);
    by.set(key, (by.get(key) ?? 0) + bytesInOutput);
  }
  return by;
}

export const OWN_CODE = 'our code (lib/, functions/)';

/** The V8 heap flags Lambda's Node.js runtime bootstrap derives from the function's memory. */
export function lambdaMemoryFlags(memoryMB: number): string[] {
  const newSpace = Math.floor(memoryMB / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMB - newSpace}`];
}

/** What the Lambda sets for every function of this service (serverless.yml, provider.environment). */
export const LAMBDA_ENV = {
  NODE_OPTIONS: '--enable-source-maps',
  POWERTOOLS_SERVICE_NAME: 'kore-campaign-lifecycle',
  POWERTOOLS_METRICS_NAMESPACE: 'KoreCampaignLifecycle',
};

export interface Invocation<R> {
  initMs: number;
  invokeMs: number;
  /** The process's CPU time (user + system) during the invocation. */
  cpuMs: number;
  maxRssMB: number;
  result: R;
  fetches: Array<{ method: string; path: string; startMs: number; endMs?: number; bytes?: number; status?: number }>;
  /** The AWS SDK's HTTP requests during the invocation per operation (`SendMessageBatch`…; the local stack speaks plain http). */
  aws: Record<string, { requests: number; firstStartMs: number; lastEndMs: number }>;
  /** When `event` was an array: each invocation's time, the process's peak RSS after it, and its result. */
  invocations?: Array<{ invokeMs: number; maxRssMB: number; result: unknown }>;
}

/**
 * One cold start and invocation of a built bundle in its own plain-node process (bench/invoke-child.ts)
 * (or several invocations one after another, when `event` is an array),
 * with only `env` (plus PATH) in its environment and Lambda's memory flags for `memoryMB`.
 * `BENCH_CHILD_FLAGS` (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) adds node flags, to profile a run.
 */
export async function invokeBundle<R>(o: {
  bundle: string;
  event: unknown;
  env: Record<string, string>;
  memoryMB: number;
  timeoutMs: number;
  outDir: string;
  tag: string;
}): Promise<Invocation<R>> {
  const child = join(o.outDir, 'invoke-child.js');
  await build({ ...deployedOptions(), entryPoints: [join(__dirname, 'invoke-child.ts')], outfile: child, logLevel: 'error' });
  const eventFile = join(o.outDir, `${o.tag}.event.json`);
  const resultFile = join(o.outDir, `${o.tag}.result.json`);
  const logFile = join(o.outDir, `${o.tag}.log`);
  writeFileSync(eventFile, JSON.stringify(o.event));
  rmSync(resultFile, { force: true });
  const env = { PATH: process.env.PATH ?? '', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(o.memoryMB), ...LAMBDA_ENV, ...o.env };
  const log = openSync(logFile, 'w');
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const c = spawn(
        process.execPath,
        [
          ...lambdaMemoryFlags(o.memoryMB),
          ...(process.env.BENCH_CHILD_FLAGS?.split(' ').filter(Boolean) ?? []),
          child,
          o.bundle,
          eventFile,
          String(o.timeoutMs),
          resultFile,
        ],
        { env, stdio: ['ignore', log, log] },
      );
      c.on('error', reject);
      c.on('exit', resolve);
    });
    if (code !== 0) throw new Error(`${o.tag}: the bundle's process exited with ${code}; its output is in ${logFile}`);
  } finally {
    closeSync(log);
  }
  return JSON.parse(readFileSync(resultFile, 'utf8')) as Invocation<R>;
}
