/**
 * `npm run emulator -- [options]`: the Kore emulator on its own, for trying a client by hand.
 * Options and the admin API: `npm run emulator -- --help` (cli.ts). Loopback only.
 */
import { readFileSync } from 'node:fs';
import { demoSeed } from '../seed.js';
import { DEFAULT_CLIENT_SECRET, describeFaults, describeRealism, helpText, HELP_HINT, parseCli, resolveRealism } from './cli.js';
import type { CliConfig } from './cli.js';
import { DEFAULT_RATE_LIMIT } from './rate-window.js';
import { KoreEmulator } from './server.js';
import type { Seed } from './server.js';

const fail = (line: string, code: number): number => {
  process.stderr.write(`kore-emulator: ${line}\n`);
  return code;
};

function readSeed(file: string): Seed | string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return `cannot read --seed ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  let seed: unknown;
  try {
    seed = JSON.parse(text);
  } catch (err) {
    return `--seed ${file} is not JSON (${(err as Error).message})`;
  }
  const s = seed as Record<string, unknown>;
  if (
    typeof seed !== 'object' ||
    seed === null ||
    Array.isArray(seed) ||
    (s.lists !== undefined && !Array.isArray(s.lists)) ||
    (s.campaigns !== undefined && !Array.isArray(s.campaigns))
  ) {
    return `--seed ${file} must be a JSON object {"lists": [...], "campaigns": [...]}`;
  }
  return seed as Seed;
}

function banner(emu: KoreEmulator, c: CliConfig, seedLabel: string): string {
  const rl = emu.rateLimit;
  const rows: [string, string][] = [
    ['host', emu.url],
    ['accountId', emu.accountId],
    ['streamId', emu.streamId],
    ['clientId', c.clientId],
    [
      'clientSecret',
      c.clientSecret === undefined ? 'the default local secret (its value: --help, --client-secret)' : 'the one given with --client-secret (not shown)',
    ],
    ['seed', `${seedLabel} (${emu.state.lists.size} lists, ${emu.state.campaigns.size} campaigns)`],
    ['rate limit', rl.perMinute ? `${rl.perMinute} calls per ${rl.windowMs / 1000} s per account, Retry-After ${rl.retryAfter ? 'on' : 'off'}` : 'off'],
    ['faults', describeFaults(emu.faults, c.outageSeconds)],
    ['realism', describeRealism(c)],
    ['admin API', `GET ${emu.url}/__admin lists it; --help describes it`],
  ];
  return [`Kore emulator listening on ${emu.url} (loopback only). Ctrl-C stops it.`, ...rows.map(([k, v]) => `  ${k.padEnd(13)} ${v}`), ''].join('\n');
}

/** Exit code, or undefined while the emulator runs. */
async function main(argv: readonly string[]): Promise<number | undefined> {
  const parsed = parseCli(argv);
  if (parsed.kind === 'help') {
    process.stdout.write(helpText());
    return 0;
  }
  if (parsed.kind === 'usage-error') return fail(`${parsed.message}. ${HELP_HINT}`, 2);
  const c = parsed.config;

  const seed = c.seedFile ? readSeed(c.seedFile) : demoSeed();
  if (typeof seed === 'string') return fail(seed, 2);
  const emulator = new KoreEmulator({
    port: c.port,
    apps: { [c.clientId]: c.clientSecret ?? DEFAULT_CLIENT_SECRET },
    ...(c.accountId ? { accountId: c.accountId } : {}),
    ...(c.streamId ? { streamId: c.streamId } : {}),
    rateLimit: { ...DEFAULT_RATE_LIMIT, ...c.rateLimit },
    faults: c.faults,
    realism: resolveRealism(c),
    ...(c.randomSeed !== undefined ? { randomSeed: c.randomSeed } : {}),
    seed,
  });
  try {
    await emulator.start();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      return fail(
        `port ${c.port} on 127.0.0.1 is already in use (another emulator, or npm start -- --keep-running?). Pick another with --port <n>, or --port 0 for any free port.`,
        1,
      );
    if (code === 'EACCES') return fail(`port ${c.port} needs privileges this user lacks. Pick one above 1023 with --port <n>.`, 1);
    return fail(`could not listen on 127.0.0.1:${c.port} (${code ?? (err as Error).message}).`, 1);
  }
  if (c.outageSeconds) emulator.outage(c.outageSeconds * 1000);
  process.stdout.write(banner(emulator, c, c.seedFile ?? 'demo account (local/seed.ts)'));
  const stop = () => void emulator.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return undefined;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = fail(`unexpected error: ${err instanceof Error ? err.message : String(err)}`, 1);
  },
);
