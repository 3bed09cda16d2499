import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StackEndpoints } from '../../local/stack-file';
import { commandsFor, fragments, lineMatches } from '../docs/readme-commands';
import { keepRunning, root, stop, tsx, waitFor } from '../helpers/keep-running';
import type { Running } from '../helpers/keep-running';

/**
 * The hands-on loop of the README, end to end, as a person runs it in two terminals:
 * `npm start -- --keep-running` in one, `npm run cli -- …` in the other. The README's block runs
 * first, as written (with --random-ports and its own endpoints file added to the first command);
 * its last command, `reset`, leaves the starting account for the tests after it.
 */
describe('the local loop: npm start -- --keep-running with the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'local-loop-'));
  const stackFile = join(dir, 'stack.json');
  // A clean environment, as in a new terminal: no AWS settings that would redirect the CLI.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, FORCE_COLOR: '0', NO_COLOR: '1', LOCAL_STACK_FILE: stackFile };
  let running: Running | undefined;
  let endpoints: StackEndpoints;
  const out = () => running!.output();

  const [start, ...cliCommands] = commandsFor('hands-on loop');

  beforeAll(async () => {
    running = await keepRunning(stackFile, env, start!.text);
    endpoints = running.endpoints;
  }, 120_000);

  afterAll(async () => {
    await stop(running);
    rmSync(dir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [tsx, 'local/cli.ts', ...args], { cwd: root, env, timeout: 30_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) || 1 : 0, stdout, stderr }),
      );
    });
  const listNames = async () =>
    ((await (await fetch(`${endpoints.kore}/__admin/state`)).json()) as { lists: Array<{ _id: string; name: string }> }).lists.map((l) => [l._id, l.name]);

  async function sendAndWatch(id: string): Promise<string> {
    const sent = await cli('send', 'list.expired', '--contactListId', id, '--reason', 'crm-expiry');
    expect(sent).toMatchObject({ code: 0, stderr: '' });
    const messageId = /as message ([0-9a-f-]{36})/.exec(sent.stdout)?.[1];
    expect(messageId).toBeDefined();
    // The consumer's outcome, printed in the first terminal as it happens.
    return waitFor(
      `the outcome of ${messageId}`,
      () =>
        out()
          .split('\n')
          .find((l) => l.includes(`msg ${messageId!.slice(0, 8)}`)),
      out,
    );
  }

  /**
   * Each command's comment in the README is what it prints, `…` standing for the rest of the line:
   * one line of its own output, or of the first terminal's since the command ran, must hold it.
   */
  it('runs the README’s hands-on loop as written, and each command prints what its comment says', async () => {
    expect(start!.text).toBe('npm start -- --keep-running');
    const readyParts = fragments(start!.comment ?? '');
    expect({
      command: start!.text,
      printed: out()
        .split('\n')
        .some((l) => lineMatches(l, readyParts)),
    }).toEqual({ command: start!.text, printed: true });
    expect(cliCommands.length).toBeGreaterThanOrEqual(3);
    for (const c of cliCommands) {
      expect(c.text).toMatch(/^npm run cli -- /);
      const before = out().length;
      const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile('sh', ['-c', c.text], { cwd: root, env, timeout: 60_000 }, (error, stdout, stderr) =>
          resolve({ code: error ? Number((error as { code?: number }).code ?? 1) || 1 : 0, stdout, stderr }),
        ),
      );
      expect({ command: c.text, code: r.code, stderr: r.stderr }).toEqual({ command: c.text, code: 0, stderr: '' });
      const parts = fragments(c.comment ?? '');
      expect({ command: c.text, comment: parts.length > 0 }).toEqual({ command: c.text, comment: true });
      await waitFor(
        `README.md's comment "${c.comment}" for \`${c.text}\``,
        () => [...r.stdout.split('\n'), ...out().slice(before).split('\n')].find((l) => lineMatches(l, parts)),
        () => `${r.stdout}\n--- first terminal since the command:\n${out().slice(before)}`,
      );
    }
  }, 120_000);

  it('writes the endpoints file and prints where everything is', () => {
    expect(endpoints).toMatchObject({ pid: expect.any(Number), queueUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/000000000000\/kore-lifecycle$/) });
    expect(out()).toContain(endpoints.kore);
    expect(out()).toContain(endpoints.dlqUrl);
  });

  it('a list.expired sent with the CLI is consumed, printed as done, and the list archived; after cli reset the same command does it again', async () => {
    const id = 'cl-survey-old-0005';
    expect(await listNames()).toContainEqual([id, 'NPS survey 2024']);

    // The default DELETION_MODE, archive-then-delete: archived now, deleted after its grace period.
    const first = await sendAndWatch(id);
    expect(first).toMatch(
      new RegExp(
        `✔ done\\s+list\\.expired ${id} "NPS survey 2024"\\s+archived as "\\[expired\\] NPS survey 2024"; deleted after \\d{4}-\\d{2}-\\d{2} unless restored\\s+· \\d+ Kore calls`,
      ),
    );
    expect(await listNames()).toContainEqual([id, '[expired] NPS survey 2024']);

    const again = await sendAndWatch(id);
    expect(again).toMatch(/= already-done\s+list\.expired cl-survey-old-0005 "\[expired\] NPS survey 2024"\s+already-archived/);

    const reset = await cli('reset');
    expect(reset).toMatchObject({ code: 0, stderr: '' });
    expect(reset.stdout).toMatch(/back to the starting account \(17 lists, 4 campaigns\)/);
    expect(await listNames()).toContainEqual([id, 'NPS survey 2024']);

    const afterReset = await sendAndWatch(id);
    expect(afterReset).toMatch(new RegExp(`✔ done\\s+list\\.expired ${id} "NPS survey 2024"\\s+archived as`));
    expect(await listNames()).toContainEqual([id, '[expired] NPS survey 2024']);

    // And the recovery window's undo, from the CLI.
    // The story before the README's loop printed outcomes too: look only at what follows each command.
    const mark = out().length;
    const restored = await cli('restore', id);
    expect(restored.code).toBe(0);
    await waitFor(
      'the restore',
      () =>
        out()
          .slice(mark)
          .split('\n')
          .find((l) => /✔ done\s+list\.restore cl-survey-old-0005 .*restored as "NPS survey 2024"/.test(l)),
      out,
    );
    expect(await listNames()).toContainEqual([id, 'NPS survey 2024']);
  });

  it('shows refusals with their reason and rule as they happen', async () => {
    expect(await sendAndWatch('cl-callback-dnc-0015')).toMatch(
      /⊘ skipped\s+list\.expired cl-callback-dnc-0015 "Callback do-not-call requests"\s+protected \(rule not-dnc-name: the name says do-not-call\)/,
    );
  });

  it('runs the sweep on demand: a dry run by default, --live queues candidates the running consumer archives, or deletes once their grace period is over', async () => {
    const dry = await cli('sweep');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/cl-webinar-2024-0012\s+Summer 2024 webinar leads/);
    expect(dry.stdout).toMatch(/dry run: nothing queued/);

    let mark = out().length;
    const live = await cli('sweep', '--live', '--name-pattern', 'webinar');
    expect(live.code).toBe(0);
    expect(live.stdout).toMatch(/1 list\.expired queued/);
    await waitFor(
      'the sweep candidate archived',
      () =>
        out()
          .slice(mark)
          .split('\n')
          .find((l) => /✔ done\s+list\.expired cl-webinar-2024-0012 .*archived as/.test(l)),
      out,
    );
    expect(await listNames()).toContainEqual(['cl-webinar-2024-0012', '[expired] Summer 2024 webinar leads']);
    const archived = await cli('archived');
    expect(archived.code).toBe(0);
    expect(archived.stdout).toMatch(/cl-webinar-2024-0012\s+\[expired\] Summer 2024 webinar leads\s+\d{4}-\d{2}-\d{2}\s+\d{4}-\d{2}-\d{2}/);
    expect(archived.stdout).toMatch(/cl-autumn-survey-0017 .* now: the next live sweep deletes it/);

    // The list archived more than GRACE_DAYS ago (seeded so): a live sweep queues it, the running
    // consumer deletes it, and it is gone from the emulator.
    expect((await listNames()).map(([listId]) => listId)).toContain('cl-autumn-survey-0017');
    mark = out().length;
    const grace = await cli('sweep', '--live', '--name-pattern', '^Autumn 2025');
    expect(grace.code).toBe(0);
    expect(grace.stdout).toMatch(/1 list\.expired queued/);
    await waitFor(
      'the archived list deleted after its grace period',
      () =>
        out()
          .slice(mark)
          .split('\n')
          .find((l) => /✔ done\s+list\.expired cl-autumn-survey-0017 .*deleted after its grace period/.test(l)),
      out,
    );
    expect((await listNames()).map(([listId]) => listId)).not.toContain('cl-autumn-survey-0017');
  });

  it('prints AWS CLI commands that work as printed, with no AWS environment set', async () => {
    const hints = out()
      .split('\n')
      .filter((l) => l.startsWith('  aws '));
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
});

describe('two kept-running stacks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'local-loop-two-'));
  const stackFile = join(dir, 'stack.json');
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', LOCAL_STACK_FILE: stackFile };
  let first: Running | undefined;
  let second: Running | undefined;
  afterAll(async () => {
    await stop(second);
    await stop(first);
    rmSync(dir, { recursive: true, force: true });
  });
  const owner = () => (JSON.parse(readFileSync(stackFile, 'utf8')) as StackEndpoints).pid;

  it('the second neither takes over nor deletes the first one’s endpoints file: it writes its own and says where; --stack-file naming it is refused', async () => {
    first = await keepRunning(stackFile, env, undefined, ['--random-ports']);
    const firstPid = owner();
    const own = () => readdirSync(dir).find((f) => /^stack-\d+\.json$/.test(f));
    second = await keepRunning(() => (own() ? join(dir, own()!) : undefined), env, undefined, ['--random-ports']);
    const secondFile = join(dir, own()!);
    expect(owner()).toBe(firstPid);
    expect(second.endpoints.pid).not.toBe(firstPid);
    expect(second.endpoints.sqs).not.toBe(first.endpoints.sqs);
    expect(second.output()).toContain(`LOCAL_STACK_FILE=${secondFile} npm run cli`);
    expect(second.output()).toMatch(new RegExp(`stack\\.json belongs to the stack of process ${firstPid}, still running: this one writes its own file`));

    // Named by --stack-file, the running stack's file is refused before anything starts.
    const third = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [tsx, 'local/start.ts', '--keep-running', '--skip-demo', '--random-ports', '--stack-file', stackFile],
        { cwd: root, env, timeout: 60_000 },
        (error, _out, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) || 1 : 0, stderr }),
      ),
    );
    expect(third.code).toBe(1);
    expect(third.stderr.trimEnd().split('\n')).toEqual([
      `npm start: ${stackFile} holds the endpoints of the kept-running stack of process ${firstPid}: pass another --stack-file, or stop that stack first (Ctrl-C in its terminal).`,
    ]);

    // Stopped, the second removes its own file only.
    process.kill(-second.child.pid!, 'SIGINT');
    expect(await second.exit).toBe(0);
    expect(existsSync(secondFile)).toBe(false);
    expect(owner()).toBe(firstPid);
    process.kill(-first.child.pid!, 'SIGINT');
    expect(await first.exit).toBe(0);
    expect(existsSync(stackFile)).toBe(false);
  }, 120_000);
});

describe('npm start -- --keep-running, stopped with Ctrl-C', () => {
  const dir = mkdtempSync(join(tmpdir(), 'local-loop-stop-'));
  const stackFile = join(dir, 'stack.json');
  let running: Running | undefined;
  afterAll(async () => {
    await stop(running);
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0, removes its endpoints file and leaves nothing listening', async () => {
    running = await keepRunning(stackFile, { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' });
    const { endpoints } = running;
    process.kill(-running.child.pid!, 'SIGINT');
    expect(await running.exit).toBe(0);
    expect(running.output()).toMatch(/Stopping the stack\.\n$/);
    expect(existsSync(stackFile)).toBe(false);
    await expect(fetch(`${endpoints.kore}/__admin`)).rejects.toThrow();
    await expect(fetch(endpoints.sqs)).rejects.toThrow();
    await expect(fetch(endpoints.secretsManager)).rejects.toThrow();
  }, 60_000);
});
