/**
 * Operator CLI: `npm run cli -- <command> [options]` (help: cli/help.ts).
 *
 * Works on a deployed stage (`--stage <name> --region <r>`: its CloudFormation outputs), on the
 * queues of LIFECYCLE_QUEUE_URL and the usual AWS environment, or on the stack of
 * `npm start -- --keep-running` (cli/target.ts). A failure we know is one line with its cause and
 * the fix (cli/explain.ts). Exit codes: 0 ok, 1 failure, 2 usage (a bad command line or missing
 * settings), 3 `send --wait` saw no outcome in time.
 */
import { errorMessage } from '../lib/errors.js';
import { nearest } from './args.js';
import type { CliContext } from './cli/context.js';
import { dlq } from './cli/dlq.js';
import { explain } from './cli/explain.js';
import { CLI_HELP_HINT, commandHint, HELP } from './cli/help.js';
import { archived, restore } from './cli/recovery.js';
import { reset } from './cli/reset.js';
import { event, send } from './cli/send.js';
import { sweep } from './cli/sweep.js';
import { brake } from './cli/brake.js';
import type { Target, TargetFlags } from './cli/target.js';
import { resolveTarget } from './cli/target.js';
import { UsageError } from './errors.js';

const COMMANDS = { send, event, sweep, dlq, brake, reset, restore, archived } as const;
/** The CLI's commands, for its reference (docs/local.md, tested). */
export const COMMAND_NAMES = Object.keys(COMMANDS);
/** Commands that talk to no stack: --stage means nothing to them. */
const NO_STACK = new Set<string>(['event']);

/**
 * Takes `--stage <name>` and `--region <r>` (or `--stage=<name>`) off a command line, wherever
 * they are: every command that talks to AWS accepts them, and a command's own flags stay its own.
 */
export function takeTargetFlags(argv: readonly string[]): { flags: TargetFlags; rest: string[] } {
  const flags: TargetFlags = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(stage|region)(?:=(.*))?$/.exec(argv[i]!);
    if (!m) {
      rest.push(argv[i]!);
      continue;
    }
    const value = m[2] ?? argv[i + 1];
    if (value === undefined || value === '' || (m[2] === undefined && value.startsWith('--')))
      throw new UsageError(`--${m[1]} needs a value, e.g. --stage prod --region eu-west-1. ${CLI_HELP_HINT}`);
    if (flags[m[1] as keyof TargetFlags] !== undefined) throw new UsageError(`--${m[1]} is given twice. ${CLI_HELP_HINT}`);
    flags[m[1] as keyof TargetFlags] = value;
    if (m[2] === undefined) i++;
  }
  return { flags, rest };
}

/** Runs one CLI command; returns its exit code. Errors are printed (one line), never thrown. */
export async function cli(argv: readonly string[]): Promise<number> {
  const out = (line = '') => void process.stdout.write(line + '\n');
  let target: Target | undefined;
  let pending: Promise<Target> | undefined;
  const [cmd, ...args] = argv;
  try {
    if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') return (out(HELP.main), 0);
    if (!Object.hasOwn(COMMANDS, cmd)) {
      const guess = nearest(cmd, Object.keys(COMMANDS));
      throw new UsageError(`unknown command ${JSON.stringify(cmd)}${guess ? ` (did you mean ${guess}?)` : ''}. ${CLI_HELP_HINT}`);
    }
    const { flags, rest } = takeTargetFlags(args);
    if (NO_STACK.has(cmd) && (flags.stage !== undefined || flags.region !== undefined)) {
      throw new UsageError(`${cmd} talks to no stack: --stage and --region are for the commands that do. ${commandHint(cmd)}`);
    }
    const ctx: CliContext = {
      out,
      help: (topic) => (out(HELP[topic]), 0),
      flags,
      target: (needs = []) =>
        (pending ??= resolveTarget(needs, flags).then((t) => {
          target = t;
          return t;
        })),
    };
    return await COMMANDS[cmd as keyof typeof COMMANDS](rest, ctx);
  } catch (err) {
    const known = explain(err, target);
    if (known) {
      process.stderr.write(`${known.message}\n`);
      return known.exitCode;
    }
    const debug = process.env.LOCAL_DEBUG === '1';
    process.stderr.write(
      `unexpected error: ${(err as Error)?.name ?? 'Error'}: ${errorMessage(err).split('\n')[0]}${debug ? '' : ' (LOCAL_DEBUG=1 shows the stack)'}\n`,
    );
    if (debug) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    return 1;
  } finally {
    target?.destroy();
  }
}

if (require.main === module) {
  void cli(process.argv.slice(2)).then((code) => process.exit(code));
}
