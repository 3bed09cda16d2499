import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Where `npm start -- --keep-running` says its endpoints, so `npm run cli` finds the stack on
 * any ports (`--random-ports`, tests) without exports: `.local-stack/stack.json` unless
 * `--stack-file` or LOCAL_STACK_FILE names another. Endpoints and names only: no secret value.
 */
export interface StackEndpoints {
  pid: number;
  startedAt: string;
  region: string;
  sqs: string;
  secretsManager: string;
  kore: string;
  queueUrl: string;
  dlqUrl: string;
  secretId: string;
  /** The pace the stack's consumer uses (KORE_CALLS_PER_MINUTE, sped up like the emulator's window): the CLI's sweep uses it too. */
  koreCallsPerMinute?: number;
  /** The local Lambda API (GetEventSourceMapping, UpdateEventSourceMapping) for the brake, and the consumer's mapping there. */
  lambda?: string;
  mappingUuid?: string;
  /** The stack's JSON log (one line per handler log line, outcome lines included), which `send --wait` reads. */
  logFile?: string;
}

export const DEFAULT_STACK_FILE = join(__dirname, '..', '.local-stack', 'stack.json');

export function stackFilePath(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env.LOCAL_STACK_FILE ?? DEFAULT_STACK_FILE;
}

export function writeStackFile(path: string, e: StackEndpoints): void {
  mkdirSync(dirname(path), { recursive: true });
  // Write then rename: a reader never sees half a file.
  writeFileSync(`${path}.tmp`, `${JSON.stringify(e, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

/** Removes the file if it is still this process's (a newer stack may have replaced it). */
export function removeStackFile(path: string, pid = process.pid): void {
  try {
    if ((JSON.parse(readFileSync(path, 'utf8')) as StackEndpoints).pid === pid) rmSync(path, { force: true });
  } catch {
    // already gone or not ours to judge
  }
}

/**
 * Where this stack writes its endpoints: `path`, unless another kept-running stack, still alive,
 * owns it. Then a file of its own beside it (`stack-<pid>.json`), so the running stack's file is
 * neither taken over nor, on exit, deleted; or, when `path` was asked for by name
 * (`--stack-file`), a refusal.
 */
export function claimStackFile(path: string, named: boolean, pid = process.pid): { path: string; owner?: { pid: number; file: string } } {
  const read = readStackFile(path);
  if (read.kind !== 'ok' || read.endpoints.pid === pid) return { path };
  const owner = { pid: read.endpoints.pid, file: path };
  if (named) throw new StackFileTaken(owner);
  return { path: join(dirname(path), `stack-${pid}.json`), owner };
}

/** `--stack-file` names the file of a stack that is still running. */
export class StackFileTaken extends Error {
  constructor(readonly owner: { pid: number; file: string }) {
    super(
      `${owner.file} holds the endpoints of the kept-running stack of process ${owner.pid}: pass another --stack-file, or stop that stack first (Ctrl-C in its terminal).`,
    );
    this.name = 'StackFileTaken';
  }
}

export type StackFileRead =
  { kind: 'missing' } | { kind: 'ok'; endpoints: StackEndpoints } | { kind: 'dead'; endpoints: StackEndpoints } | { kind: 'unreadable'; why: string };

export function readStackFile(path: string): StackFileRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT'
      ? { kind: 'missing' }
      : { kind: 'unreadable', why: (err as NodeJS.ErrnoException).code ?? String(err) };
  }
  let e: StackEndpoints;
  try {
    e = JSON.parse(text) as StackEndpoints;
  } catch {
    return { kind: 'unreadable', why: 'not JSON' };
  }
  if (typeof e !== 'object' || e === null || typeof e.sqs !== 'string' || typeof e.queueUrl !== 'string' || typeof e.kore !== 'string') {
    return { kind: 'unreadable', why: 'not a stack file' };
  }
  return { kind: processAlive(e.pid) ? 'ok' : 'dead', endpoints: e };
}

function processAlive(pid: unknown): boolean {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
