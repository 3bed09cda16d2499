/**
 * Operator CLI: `npm run cli -- <command> [options]` (help: cli/help.ts).
 *
 * Works on the stack of `npm start -- --keep-running` (its endpoints file, else its fixed ports)
 * or, when LIFECYCLE_QUEUE_URL is set, on those queues through the usual AWS environment
 * (cli/target.ts). A failure we know is one line with its cause and the fix (cli/explain.ts).
 */
import { errorMessage } from '../lib/errors.js';
import { nearest } from './args.js';
import type { CliContext } from './cli/context.js';
import { dlq } from './cli/dlq.js';
import { explain } from './cli/explain.js';
import { CLI_HELP_HINT, HELP } from './cli/help.js';
import { archived, restore } from './cli/recovery.js';
import { reset } from './cli/reset.js';
import { event, send } from './cli/send.js';
import { sweep } from './cli/sweep.js';
import type { Target } from './cli/target.js';
import { resolveTarget } from './cli/target.js';
import { UsageError } from './errors.js';

const COMMANDS = { send, event, sweep, dlq, reset, restore, archived } as const;

/** Runs one CLI command; returns its exit code. Errors are printed (one line), never thrown. */
export async function cli(argv: readonly string[]): Promise<number> {
  const out = (line = '') => void process.stdout.write(line + '\n');
  let target: Target | undefined;
  const ctx: CliContext = {
    out,
    help: (topic) => (out(HELP[topic]), 0),
    target: () => (target ??= resolveTarget()),
  };
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') return ctx.help('main');
    if (!Object.hasOwn(COMMANDS, cmd)) {
      const guess = nearest(cmd, Object.keys(COMMANDS));
      throw new UsageError(`unknown command ${JSON.stringify(cmd)}${guess ? ` (did you mean ${guess}?)` : ''}. ${CLI_HELP_HINT}`);
    }
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
    target?.sqs.destroy();
  }
}

if (require.main === module) {
  void cli(process.argv.slice(2)).then((code) => process.exit(code));
}
