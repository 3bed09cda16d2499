import { execFile, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { READY_LINE } from '../../local/keep-running';
import type { StackEndpoints } from '../../local/stack-file';

const root = join(__dirname, '../..');
const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');
const hasAws = spawnSync('aws', ['--version']).status === 0;

/** Polls until `check` returns something, or fails with what was printed so far. */
async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, output: () => string, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; output so far:\n${output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The hands-on loop of the README, end to end, as a person runs it in two terminals:
 * `npm start -- --keep-running` in one, `npm run cli -- …` in the other.
 */
describe('the local loop: npm start -- --keep-running with the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'local-loop-'));
  const stackFile = join(dir, 'stack.json');
  // A clean environment, as in a new terminal: no AWS settings that would redirect the CLI.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, FORCE_COLOR: '0', NO_COLOR: '1', LOCAL_STACK_FILE: stackFile };
  let start: ChildProcess;
  let out = '';
  let exit: Promise<number | null>;
  let endpoints: StackEndpoints;

  beforeAll(async () => {
    // Its own process group, so the test can press Ctrl-C on it the way a terminal does.
    start = spawn(process.execPath, [tsx, 'local/start.ts', '--keep-running', '--random-ports', '--skip-demo', '--stack-file', stackFile], {
      cwd: root,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    start.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
    start.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
    exit = new Promise((resolve) => start.once('exit', (code) => resolve(code)));
    await waitFor('the ready line', () => out.includes(READY_LINE) || undefined, () => out);
    endpoints = JSON.parse(readFileSync(stackFile, 'utf8')) as StackEndpoints;
  }, 60_000);

  afterAll(async () => {
    if (start.exitCode === null && start.signalCode === null) process.kill(-start.pid!, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [tsx, 'local/cli.ts', ...args], { cwd: root, env, timeout: 30_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) || 1 : 0, stdout, stderr }),
      );
    });
  const listIds = async () => ((await (await fetch(`${endpoints.kore}/__admin/state`)).json()) as { lists: Array<{ _id: string }> }).lists.map((l) => l._id);

  async function sendAndWatch(id: string): Promise<string> {
    const sent = await cli('send', 'list.expired', '--contactListId', id, '--reason', 'crm-expiry');
    expect(sent).toMatchObject({ code: 0, stderr: '' });
    const messageId = /as message ([0-9a-f-]{36})/.exec(sent.stdout)?.[1];
    expect(messageId).toBeDefined();
    // The consumer's outcome, printed in the first terminal as it happens.
    return waitFor(`the outcome of ${messageId}`, () => out.split('\n').find((l) => l.includes(`msg ${messageId!.slice(0, 8)}`)), () => out);
  }

  it('writes the endpoints file and prints where everything is', () => {
    expect(endpoints).toMatchObject({ pid: expect.any(Number), queueUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/000000000000\/kore-lifecycle$/) });
    expect(out).toContain(endpoints.kore);
    expect(out).toContain(endpoints.dlqUrl);
  });

  it('a list.expired sent with the CLI is consumed, printed as done, and the list is gone; after cli reset the same command does it again', async () => {
    const id = 'cl-survey-old-0005';
    expect(await listIds()).toContain(id);

    const first = await sendAndWatch(id);
    expect(first).toMatch(new RegExp(`✔ done\\s+list\\.expired ${id} "NPS survey 2024"\\s+deleted\\s+· \\d+ Kore calls`));
    expect(await listIds()).not.toContain(id);

    const again = await sendAndWatch(id);
    expect(again).toMatch(/= already-done\s+list\.expired cl-survey-old-0005\s+not-found/);

    const reset = await cli('reset');
    expect(reset).toMatchObject({ code: 0, stderr: '' });
    expect(reset.stdout).toMatch(/back to the starting account \(16 lists, 4 campaigns\)/);
    expect(await listIds()).toContain(id);

    const afterReset = await sendAndWatch(id);
    expect(afterReset).toMatch(new RegExp(`✔ done\\s+list\\.expired ${id} "NPS survey 2024"\\s+deleted`));
    expect(await listIds()).not.toContain(id);
  });

  it('shows refusals with their reason and rule as they happen', async () => {
    expect(await sendAndWatch('cl-callback-dnc-0015')).toMatch(/⊘ skipped\s+list\.expired cl-callback-dnc-0015 "Callback do-not-call requests"\s+protected \(rule not-dnc-name: the name says do-not-call\)/);
  });

  it('runs the sweep on demand: a dry run by default, --live queues candidates the running consumer deletes', async () => {
    const dry = await cli('sweep');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/cl-webinar-2024-0012\s+Summer 2024 webinar leads/);
    expect(dry.stdout).toMatch(/dry run: nothing queued/);

    const live = await cli('sweep', '--live', '--name-pattern', 'webinar');
    expect(live.code).toBe(0);
    expect(live.stdout).toMatch(/1 list\.expired queued/);
    await waitFor('the sweep candidate deleted', () => out.split('\n').find((l) => /✔ done\s+list\.expired cl-webinar-2024-0012 .*deleted/.test(l)), () => out);
    expect(await listIds()).not.toContain('cl-webinar-2024-0012');
  });

  (hasAws ? it : it.skip)('prints AWS CLI commands that work as printed, with no AWS environment set', async () => {
    const hints = out.split('\n').filter((l) => l.startsWith('  aws '));
    expect(hints.length).toBeGreaterThanOrEqual(3);
    for (const hint of hints) {
      const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile('sh', ['-c', hint.trim()], { env: { PATH: process.env.PATH, HOME: dir }, timeout: 30_000 }, (error, stdout, stderr) =>
          resolve({ code: error ? Number((error as { code?: number }).code ?? 1) || 1 : 0, stdout, stderr }),
        ),
      );
      expect({ hint, ...r, code: r.code }).toMatchObject({ code: 0, stderr: '' });
    }
  });

  it('stops on Ctrl-C: exit 0, the endpoints file removed, nothing left listening', async () => {
    process.kill(-start.pid!, 'SIGINT');
    expect(await exit).toBe(0);
    expect(existsSync(stackFile)).toBe(false);
    await expect(fetch(`${endpoints.kore}/__admin`)).rejects.toThrow();
    await expect(fetch(endpoints.sqs)).rejects.toThrow();
  });
});
