import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { READY_LINE } from '../../local/keep-running';
import type { StackEndpoints } from '../../local/stack-file';

/** `npm start -- --keep-running` in a child process, and `npm run cli` beside it, as a person runs them in two terminals. */

export const root = join(__dirname, '../..');
export const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');

/** Polls until `check` returns something, or fails with what was printed so far. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, output: () => string, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; output so far:\n${output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Running {
  child: ChildProcess;
  output(): string;
  exit: Promise<number | null>;
  endpoints: StackEndpoints;
}

/**
 * `npm start -- --keep-running` (or `command`, a shell command line), in its own process group so a
 * test can press Ctrl-C on it the way a terminal does. By default on ports the OS picks, with its
 * own endpoints file: a developer's own stack on the fixed ports may be running. `stackFile` is
 * where its endpoints are, or a function that finds them.
 */
export async function keepRunning(
  stackFile: string | (() => string | undefined),
  env: NodeJS.ProcessEnv,
  command?: string,
  isolated: string[] = ['--random-ports', '--stack-file', stackFile as string],
): Promise<Running> {
  const child = command
    ? spawn('sh', ['-c', `${command} ${isolated.join(' ')}`], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, [tsx, 'local/start.ts', '--keep-running', '--skip-demo', ...isolated], {
        cwd: root,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor(
    'the ready line',
    () => out.includes(READY_LINE) || undefined,
    () => out,
  );
  const file = typeof stackFile === 'string' ? stackFile : await waitFor('its endpoints file', stackFile, () => out);
  return { child, output: () => out, exit, endpoints: JSON.parse(readFileSync(file, 'utf8')) as StackEndpoints };
}

/** Ctrl-C, and SIGKILL for the whole group if that did not end it: no process is left behind. */
export async function stop(r: Running | undefined): Promise<void> {
  if (!r || r.child.exitCode !== null || r.child.signalCode !== null) return;
  process.kill(-r.child.pid!, 'SIGINT');
  const ended = await Promise.race([r.exit.then(() => true), new Promise<boolean>((res) => setTimeout(() => res(false), 10_000).unref())]);
  if (!ended) process.kill(-r.child.pid!, 'SIGKILL');
}

export type Ran = { code: number; stdout: string; stderr: string };

/** A shell command line, as pasted into the second terminal. */
export function sh(command: string, env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Ran> {
  return new Promise((resolve) =>
    execFile('sh', ['-c', command], { cwd: root, env, timeout: timeoutMs }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) || 1 : 0, stdout, stderr }),
    ),
  );
}

/** `npm run cli -- <args>`, without npm's banner. */
export function cliIn(env: NodeJS.ProcessEnv, ...args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, [tsx, 'local/cli.ts', ...args], { cwd: root, env, timeout: 90_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) || 1 : 0, stdout, stderr }),
    );
  });
}
