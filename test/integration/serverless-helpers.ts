import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import type { batchTimeNeededMs, dncHeadroomMs } from '../../lib/time-budget';

/** Shared by the serverless-*.test.ts files: the offline `serverless package` run and what it reads. */

export const root = join(__dirname, '../..');
const sls = join(root, 'node_modules/.bin/serverless');
const load = createRequire(__filename);

/** Offline: no telemetry, no notifications, no AWS credentials (so nothing could reach AWS). */
const OFFLINE = { SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' };

type Run = { code: number; out: string };
const settle = (resolve: (r: Run) => void) => (err: Error | null, stdout: string, stderr: string) =>
  resolve({ code: err ? Number((err as { code?: number }).code ?? 1) || 1 : 0, out: `${stdout}${stderr}` });

/** `serverless package` (osls, the maintained v3 fork) runs offline: no credentials, no network. */
export function slsPackage(dir: string, stage: string, ...extra: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      sls,
      ['package', '--stage', stage, '--region', 'eu-west-1', '--package', dir, ...extra],
      { cwd: root, env: { ...process.env, ...OFFLINE }, timeout: 120_000 },
      settle(resolve),
    );
  });
}

/** A command line as a person types it (the README's deploy steps), through the shell, in the repository, offline. */
export function shell(command: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', command], { cwd: root, env: { ...process.env, ...OFFLINE }, timeout: 120_000 }, settle(resolve));
  });
}

type ParamBlocks = Record<string, Record<string, unknown>>;
const readConfiguration = load('osls/lib/configuration/read') as (path: string) => Promise<{ params: ParamBlocks }>;

/** serverless.yml `params`, with `${sls:stage}` resolved the way osls does for `stage`. */
export async function paramBlocks(stage: string): Promise<ParamBlocks> {
  const { params } = await readConfiguration(join(root, 'serverless.yml'));
  return JSON.parse(JSON.stringify(params).replaceAll('${sls:stage}', stage)) as ParamBlocks;
}

/** The value each param has for `stage` (stage block over `params.default`), as the string the environment gets. */
export async function paramValues(stage: string): Promise<Record<string, string>> {
  const blocks = await paramBlocks(stage);
  return Object.fromEntries(Object.entries({ ...blocks.default, ...blocks[stage] }).map(([k, v]) => [k, String(v)]));
}

export interface ParamSpec {
  expects: string;
  env?: string;
}
export type Settings = ((
  input: { options: { param?: string[]; stage?: string }; resolveVariable: (v: string) => Promise<unknown> },
  deps?: {
    loadTimeBudget?: () => {
      batchTimeNeededMs: typeof batchTimeNeededMs;
      dncHeadroomMs: typeof dncHeadroomMs;
      MAX_CALLS_PER_RECORD: number;
      SWEEP_KORE_CALLS: number;
    };
  },
) => Promise<Record<string, number>>) & {
  PARAMS: Record<string, ParamSpec>;
};
/** infra/settings.js: the function osls calls for `${file(./infra/settings.js)}`. */
export const settings = load(join(root, 'infra/settings.js')) as Settings;

/** Entries of a zip file, by name (stored or deflated: what serverless packs). */
export function zipEntries(path: string): Map<string, Buffer> {
  const zip = readFileSync(path);
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataAt, dataAt + size);
    entries.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
