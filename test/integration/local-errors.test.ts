import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PortInUseError } from '../../local/errors';
import { LOCAL_PORTS, portIsFree } from '../../local/ports';
import { SecretsManagerEmulator } from '../../local/secrets-manager';
import { startSqsServer } from '../../local/sqs-process';
import { startLocalStack } from '../../local/stack';
import type { StackEndpoints } from '../../local/stack-file';

const root = join(__dirname, '../..');
const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');

type Run = { code: number; stdout: string; stderr: string };
function run(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [tsx, script, ...args],
      { cwd: root, env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) || 1 : 0, stdout, stderr }),
    );
  });
}

/** A known failure: exit code ≠ 0, exactly one line on stderr naming the cause, no stack trace. */
function expectOneLine(r: Run, code: number, message: RegExp): void {
  expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code });
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(r.stdout + r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
}

const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
const closedPort = async () => {
  const s = await listen(0);
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
};

describe('local entry points name the cause of a known failure in one line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'local-errors-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const stackFile = (name: string, e: Partial<StackEndpoints>) => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(e));
    return file;
  };
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => run('local/cli.ts', args, { LOCAL_STACK_FILE: join(dir, 'none.json'), ...env });

  describe('a busy port', () => {
    let held: Server | undefined;
    afterEach(async () => {
      if (held) await new Promise((r) => held!.close(r));
      held = undefined;
    });

    it('npm start -- --keep-running names the port and the flag that avoids it', async () => {
      // Held by this test unless something (a kept-running stack) already holds it: busy either way.
      if (await portIsFree(LOCAL_PORTS.sqs)) held = await listen(LOCAL_PORTS.sqs);
      const r = await run('local/start.ts', ['--keep-running', '--skip-demo'], {});
      expectOneLine(r, 1, /^npm start: port 4566 \(SQS\) on 127\.0\.0\.1 is already in use: .*add --random-ports to let the OS choose/);
    });

    it('the SQS child process, the Secrets Manager emulator and the stack each refuse it as PortInUseError', async () => {
      held = await listen(0);
      const port = (held.address() as { port: number }).port;
      await expect(startSqsServer(port)).rejects.toEqual(new PortInUseError('SQS', port));
      await expect(new SecretsManagerEmulator().start(port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
      await expect(startLocalStack({ ports: { kore: port } })).rejects.toThrow(`port ${port} (Kore emulator) on 127.0.0.1 is already in use`);
    });
  });

  describe('the CLI without a running stack', () => {
    it('says the endpoints file is left from a process that has exited, and how to start one', async () => {
      const file = stackFile('dead.json', {
        pid: 2 ** 22 + 12345,
        sqs: 'http://127.0.0.1:1',
        queueUrl: 'http://127.0.0.1:1/000000000000/q',
        kore: 'http://127.0.0.1:1',
      });
      const r = await cli(['send', 'list.expired', '--contactListId', 'cl-promo-spring-0006'], { LOCAL_STACK_FILE: file });
      expectOneLine(
        r,
        1,
        /^no local stack is running: .*dead\.json was written by process \d+, which has exited\. Start it with `npm start -- --keep-running`/,
      );
    });

    it.each([[['send', 'list.expired', '--contactListId', 'cl-promo-spring-0006']], [['dlq', 'list']], [['dlq', 'redrive']], [['reset']], [['sweep']]])(
      '%j: no local stack answers, start it with npm start -- --keep-running',
      async (args) => {
        const port = await closedPort();
        const url = `http://127.0.0.1:${port}`;
        const file = stackFile(`down-${args[0]}.json`, {
          pid: process.pid,
          region: 'us-east-1',
          sqs: url,
          secretsManager: url,
          kore: url,
          queueUrl: `${url}/000000000000/kore-lifecycle`,
          dlqUrl: `${url}/000000000000/kore-lifecycle-dlq`,
          secretId: 'kore/campaign-lifecycle',
        });
        const r = await cli(args, { LOCAL_STACK_FILE: file });
        expectOneLine(r, 1, /^no local stack answers .*ECONNREFUSED.*\. Start it with `npm start -- --keep-running` in another terminal/);
      },
    );

    it('with no --stage, no LIFECYCLE_QUEUE_URL and no local stack, names every setting the command needs and the ways to give them', async () => {
      const r = await cli(['dlq', 'redrive']);
      expectOneLine(
        r,
        2,
        /^no stack to work on: no --stage, LIFECYCLE_QUEUE_URL is not set, and \S+none\.json \(LOCAL_STACK_FILE\) does not exist\. Pass --stage <stage> --region <region> to read the stack's outputs \(e\.g\. --stage prod --region eu-west-1\), or export LIFECYCLE_QUEUE_URL, DEAD_LETTER_QUEUE_URL and AWS_REGION, or start the local stack with `npm start -- --keep-running`\.$/,
      );
      expectOneLine(await cli(['sweep']), 2, /or export LIFECYCLE_QUEUE_URL, KORE_SECRET_ID and AWS_REGION, or start/);
    });

    it('names an endpoints file it cannot read', async () => {
      const file = join(dir, 'garbage.json');
      writeFileSync(file, 'not json');
      expectOneLine(await cli(['dlq', 'list'], { LOCAL_STACK_FILE: file }), 1, /^cannot read the local stack's endpoints from .*garbage\.json \(not JSON\)/);
    });
  });

  describe('the CLI with a bad environment or command line', () => {
    it('refuses a LIFECYCLE_QUEUE_URL that is not a queue URL, saying what one looks like, and sends nothing', async () => {
      const r = await cli(['send', 'list.expired', '--contactListId', 'cl-promo-spring-0006'], { LIFECYCLE_QUEUE_URL: 'kore-lifecycle' });
      expectOneLine(
        r,
        2,
        /^LIFECYCLE_QUEUE_URL "kore-lifecycle" is not an SQS queue URL; one looks like https:\/\/sqs\.us-east-1\.amazonaws\.com\/123456789012\/kore-lifecycle/,
      );
      expect(r.stdout).toBe('');
    });

    it('says a local endpoint that is down is the stack not running, also through LIFECYCLE_QUEUE_URL', async () => {
      const port = await closedPort();
      const r = await cli(['dlq', 'list'], {
        LIFECYCLE_QUEUE_URL: `http://127.0.0.1:${port}/000000000000/kore-lifecycle`,
        DEAD_LETTER_QUEUE_URL: `http://127.0.0.1:${port}/000000000000/kore-lifecycle-dlq`,
        AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${port}`,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      });
      expectOneLine(r, 1, new RegExp(`^no local stack answers at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
    });

    it.each([
      [['sned'], /^unknown command "sned" \(did you mean send\?\)\. Run `npm run cli -- --help`/],
      [['sweep', '--lvie'], /^unknown option --lvie \(did you mean --live\?\)\. Run `npm run cli -- sweep --help`/],
      [['sweep', '--max-lists', 'many'], /^--max-lists needs a whole number from 0 to 100000 \(got "many"\)$/],
      [['dlq', 'peek'], /^unknown dlq command "peek": expected list, delete, purge, redrive or tasks/],
      [['dlq', 'purge'], /^dlq purge deletes every message in the DLQ for good \(PurgeQueue\): add --yes to do it/],
      [['dlq', 'redrive', '--allow-stail'], /^unknown option --allow-stail \(did you mean --allow-stale\?\)/],
      [['send', 'list.expired', '--contactListId'], /^--contactListId needs a value/],
      [['send', 'list.expird', '--contactListId', 'cl-x'], /^Not sent: unknown command type "list\.expird" \(did you mean list\.expired\?\)/],
      [['send', 'list.expired', '--contactListID', 'cl-x'], /^Not sent: .*contactListID/],
      [['event', 'list.update', '--contactListId', 'cl-x'], /^Not printed: /],
      [['reset', 'now'], /^unexpected argument "now"/],
      [['restore'], /^restore needs a list id first: npm run cli -- restore <cl-…>\. Run `npm run cli -- restore --help`/],
      [['restore', '--eventId', 'e-1'], /^restore needs a list id first/],
    ])('%j: one line, exit 2, nothing sent', async (args, message) => {
      expectOneLine(await cli(args), 2, message);
    });

    it('prints help for --help, exit 0', async () => {
      const r = await cli(['--help']);
      expect(r.code).toBe(0);
      for (const cmd of ['send', 'event', 'sweep', 'dlq list', 'dlq redrive', 'reset']) expect(r.stdout).toContain(cmd);
    });
  });
});
