import { errorMessage } from '../lib/errors.js';

/**
 * Errors of the local tools (`npm start`, `npm run cli`): a failure we know is one line that
 * names the cause and the fix, with an exit code; never a stack trace. Only an unexpected error
 * (a bug) shows its stack, and only with LOCAL_DEBUG=1.
 */
export class LocalError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A bad command line: exit 2, like the emulator and most Unix tools. */
export class UsageError extends LocalError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** A port the stack needs is taken. The caller knows which flag avoids it, so it words the fix. */
export class PortInUseError extends LocalError {
  constructor(
    readonly service: string,
    readonly port: number,
  ) {
    super(`port ${port} (${service}) on 127.0.0.1 is already in use`);
  }
}

/** The error codes of a Node network failure, also when the AWS SDK wraps it. */
export function networkCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown; errors?: unknown[] } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return e.code;
    // Node's happy-eyeballs connect reports an AggregateError whose errors carry the code.
    const inner = Array.isArray(e.errors) ? (e.errors[0] as { code?: unknown } | undefined) : undefined;
    if (inner && typeof inner.code === 'string') return inner.code;
    e = e.cause as typeof e;
  }
  // The SDK wraps an error from another realm (a test runner's sandbox) as "AWS SDK error wrapper
  // for Error: connect ECONNREFUSED …", without its code: the message still names it.
  return /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT)\b/.exec((err as { message?: unknown })?.message as string)?.[1];
}

/**
 * Runs a command's main function: prints a known failure as `prog: message` on one line and exits
 * with its code; anything else is a bug, printed as one line too (its stack with LOCAL_DEBUG=1).
 */
export function runMain(prog: string, main: () => Promise<number>, explain: (err: unknown) => LocalError | undefined = () => undefined): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      const known = err instanceof LocalError ? err : explain(err);
      if (known) {
        process.stderr.write(`${prog}: ${known.message}\n`);
        process.exit(known.exitCode);
      }
      const debug = process.env.LOCAL_DEBUG === '1';
      process.stderr.write(
        `${prog}: unexpected error: ${(err as Error)?.name ?? 'Error'}: ${errorMessage(err).split('\n')[0]}${debug ? '' : ' (LOCAL_DEBUG=1 shows the stack)'}\n`,
      );
      if (debug) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
      process.exit(1);
    },
  );
}
