import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ADMIN_ROUTES } from '../../local/kore-emulator/admin';
import { DEFAULT_CLIENT_SECRET, OPTIONS, parseCli, resolveRealism } from '../../local/kore-emulator/cli';
import type { CliConfig } from '../../local/kore-emulator/cli';
import { KoreProbe } from '../../local/kore-emulator/probe';
import { IN_USE_REFUSALS, STRICT_REALISM } from '../../local/kore-emulator/server';

/** `npm run emulator` as a user runs it: the same tsx entry point, in its own process. */

const ROOT = resolve(__dirname, '../..');
const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const MAIN = 'local/kore-emulator/main.ts';

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function runCli(args: string[]): Run {
  const child = spawn(process.execPath, [TSX, MAIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Polls for the banner (no fixed sleeps); fails with what the process printed. */
async function bannerOf(run: Run, timeoutMs = 20_000): Promise<{ url: string; text: string }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(run.stdout());
    if (m && run.stdout().includes('admin API')) return { url: m[1]!, text: run.stdout() };
    if (run.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no banner; stdout: ${run.stdout()} stderr: ${run.stderr()}`);
}

const EMULATOR_DEFAULTS = { accountId: '67777ce93e25326494e1a2b3', streamId: 'st-0603182c-7ffb-53c3-b307-47ca14b1a2b3' };

describe('npm run emulator', () => {
  const runs: Run[] = [];
  const servers: Server[] = [];
  let tmp: string | undefined;
  afterEach(async () => {
    await Promise.all(
      runs.splice(0).map((r) => {
        if (r.child.exitCode === null) r.child.kill('SIGTERM');
        return r.exited;
      }),
    );
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    tmp = undefined;
  });
  const run = (args: string[]) => {
    const r = runCli(args);
    runs.push(r);
    return r;
  };

  it('--help lists every option and every admin route, and exits 0', async () => {
    const r = run(['--help']);
    expect(await r.exited).toBe(0);
    for (const o of OPTIONS) expect(r.stdout()).toContain(o.negatable ? `--[no-]${o.name}` : `--${o.name}`);
    for (const a of ADMIN_ROUTES) expect(r.stdout()).toMatch(new RegExp(`${a.method}\\s+${a.path.replace(/\//g, '\\/')}\\s`));
    expect(r.stderr()).toBe('');
  });

  it.each([
    [['--keep-runing'], /unknown option --keep-runing\. /],
    [['--per-minut', '5'], /^kore-emulator: unknown option --per-minut \(did you mean --per-minute\?\)\. Run `npm run emulator -- --help`/],
    [['--no-retry-afte'], /^kore-emulator: unknown option --no-retry-afte \(did you mean --no-retry-after\?\)/],
    [['--5xx-rate', '2'], /--5xx-rate needs a number from 0 to 1/],
    [['--port'], /--port needs a value/],
    [['--limit-counting', 'bytes'], /--limit-counting needs one of codepoints, utf16/],
    [['4010'], /unexpected argument "4010"/],
  ])('refuses %j with one line naming it and --help, exit 2', async (args, why) => {
    const r = run(args);
    expect(await r.exited).toBe(2);
    const lines = r.stderr().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(why);
    expect(lines[0]).toContain('--help');
    expect(r.stderr()).not.toMatch(/\n\s+at /);
    expect(r.stdout()).toBe('');
  });

  it('says in one line that the port is busy and which flag picks another, exit 1', async () => {
    const busy = createServer();
    servers.push(busy);
    await new Promise<void>((res) => busy.listen(0, '127.0.0.1', res));
    const port = (busy.address() as { port: number }).port;
    const r = run(['--port', String(port)]);
    expect(await r.exited).toBe(1);
    const lines = r.stderr().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`port ${port}`);
    expect(lines[0]).toContain('--port');
  });

  it('starts on loopback with faults and the strict preset from flags, never printing the secret', async () => {
    const r = run(['--port', '0', '--strict', '--no-single-use-jti', '--5xx-rate', '1', '--per-minute', '5']);
    const { url, text } = await bannerOf(r);
    expect(text).toMatch(/clientSecret\s+the default local secret/);
    expect(text).not.toContain(DEFAULT_CLIENT_SECRET);
    expect(text).not.toContain('<as given>');
    expect(text).toMatch(/faults\s+5xx 100%/);
    expect(text).toMatch(/realism\s+strict preset, except singleUseJti=false/);
    const kore = new KoreProbe({ url, ...EMULATOR_DEFAULTS }, { clientId: 'cs-local-client', clientSecret: DEFAULT_CLIENT_SECRET });
    expect([500, 502, 503]).toContain((await kore.call('GET', '/contactList/cl-global-dnc-0001')).status);
    expect((await kore.admin('GET', '/realism')).json).toEqual({ ...STRICT_REALISM, singleUseJti: false });
    expect((await kore.admin('GET', '/rate-limit')).json).toMatchObject({ perMinute: 5 });
  });

  it('serves a --seed file with a given client secret, saying a secret was given without showing it', async () => {
    tmp = mkdtempSync(join(tmpdir(), 'kore-emu-'));
    const file = join(tmp, 'seed.json');
    writeFileSync(file, JSON.stringify({ lists: [{ _id: 'cl-from-file', name: 'From file' }] }));
    const secret = 'given-secret-4f1a9c';
    const r = run(['--port', '0', '--seed', file, '--client-id', 'cs-mine', '--client-secret', secret, '--commit-drop-rate', '1']);
    const { url, text } = await bannerOf(r);
    expect(text).toMatch(/clientSecret\s+the one given with --client-secret \(not shown\)/);
    expect(text).not.toContain(secret);
    expect(text).toMatch(/seed\s+.*seed\.json \(1 lists, 0 campaigns\)/);
    const kore = new KoreProbe({ url, ...EMULATOR_DEFAULTS }, { clientId: 'cs-mine', clientSecret: secret });
    await expect(kore.call('DELETE', '/contactList/cl-from-file')).rejects.toThrow();
    expect((await kore.admin('GET', '/state')).json).toEqual({ lists: [], campaigns: [] });
  });

  it('says in one line when a --seed file cannot be read, exit 2', async () => {
    const r = run(['--seed', join(ROOT, 'no-such-seed.json')]);
    expect(await r.exited).toBe(2);
    expect(r.stderr().trimEnd().split('\n')).toEqual([expect.stringMatching(/cannot read --seed .*no-such-seed\.json \(ENOENT\)/)]);
  });
});

describe('emulator command-line parsing', () => {
  const config = (args: string[]): CliConfig => {
    const parsed = parseCli(args);
    if (parsed.kind !== 'run') throw new Error(`expected run, got ${JSON.stringify(parsed)}`);
    return parsed.config;
  };

  it('lets an individual realism flag override --strict, whichever comes first', () => {
    expect(resolveRealism(config(['--detach-on-campaign-delete', '--strict'])).detachOnCampaignDelete).toBe(true);
    expect(resolveRealism(config(['--strict', '--detach-on-campaign-delete=true'])).detachOnCampaignDelete).toBe(true);
    expect(resolveRealism(config(['--no-dnc-in-use'])).dncInUse).toBe(false);
    expect(resolveRealism(config(['--omit-get-fields', 'isDefault', '--strict'])).omitListFields).toEqual({
      list: ['isGlobalDNC', 'isDefault'],
      get: ['isDefault'],
    });
    expect(resolveRealism(config(['--strict', '--omit-list-fields', ''])).omitListFields).toEqual({ list: [] });
  });

  it('maps every fault and rate flag to its setting', () => {
    const c = config([
      '--latency',
      '5',
      '--5xx-rate',
      '0.1',
      '--429-rate',
      '0.2',
      '--drop-rate',
      '0.3',
      '--slow-rate',
      '0.4',
      '--slow-ms',
      '900',
      '--fail-next',
      '2',
      '--fail-status',
      '429',
      '--commit-drop-rate',
      '0.05',
      '--commit-slow-rate',
      '0.06',
      '--commit-slow-ms',
      '3000',
      '--throttle-retry-after',
      'http-date',
      '--throttle-retry-after-seconds',
      '9',
      '--outage',
      '30',
      '--per-minute',
      '600',
      '--window-ms',
      '10000',
      '--random-seed',
      '3',
    ]);
    expect(c.faults).toEqual({
      latencyMs: 5,
      serverErrorRate: 0.1,
      throttleRate: 0.2,
      dropRate: 0.3,
      slowRate: 0.4,
      slowMs: 900,
      failNext: 2,
      failStatus: 429,
      commitThenDropRate: 0.05,
      commitThenSlowRate: 0.06,
      commitThenSlowMs: 3000,
      throttleRetryAfter: 'http-date',
      throttleRetryAfterSeconds: 9,
    });
    expect(c).toMatchObject({ outageSeconds: 30, randomSeed: 3, rateLimit: { perMinute: 600, windowMs: 10000 } });
  });

  it('--no-retry-after turns Retry-After off for the window and for injected 429s', () => {
    expect(config(['--no-retry-after'])).toMatchObject({ rateLimit: { retryAfter: false }, faults: { throttleRetryAfter: 'none' } });
  });

  it('takes an in-use refusal by variant name or as status:message', () => {
    expect(resolveRealism(config(['--in-use-refusal', 'conflict409'])).inUseRefusal).toEqual(IN_USE_REFUSALS.conflict409);
    expect(resolveRealism(config(['--in-use-refusal', '422:List {name} is busy'])).inUseRefusal).toEqual({ status: 422, message: 'List {name} is busy' });
    expect(parseCli(['--in-use-refusal', '200:fine'])).toMatchObject({ kind: 'usage-error', message: expect.stringMatching(/4xx/) });
  });

  it('reports the first bad flag even when --help follows it, and refuses a value on a flag that takes none', () => {
    expect(parseCli(['--nope', '--help'])).toMatchObject({ kind: 'usage-error' });
    expect(parseCli(['--port', '1', '-h'])).toEqual({ kind: 'help' });
    expect(parseCli(['--strict=yes'])).toMatchObject({ kind: 'usage-error', message: '--strict takes no value' });
    expect(parseCli(['--no-strict'])).toMatchObject({ kind: 'usage-error', message: 'unknown option --no-strict' });
  });
});
