import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';
import { nearest } from './nearest.js';

export { nearest };

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs, strict, with its errors turned into one-line usage errors (exit 2) that
 * name the option, suggest the nearest known one and say where the help is. Node's own message
 * is three sentences about `--` and comes with a stack.
 */
export function parseFlags<O extends Options>(argv: readonly string[], options: O, opts: { helpHint: string; positionals?: boolean }) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: opts.positionals ?? false });
  } catch (err) {
    const code = (err as { code?: string }).code;
    const message = (err as Error).message;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'(-{1,2}[^']*)'/.exec(message)?.[1] ?? 'option';
      const known = Object.keys(options).map((k) => `--${k}`);
      const guess = flag.startsWith('--') ? nearest(flag, known) : undefined;
      throw new UsageError(`unknown option ${flag}${guess ? ` (did you mean ${guess}?)` : ''}. ${opts.helpHint}`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const flag = /'(-{1,2}[^' ]*)/.exec(message)?.[1] ?? 'an option';
      throw new UsageError(`${flag.split(' ')[0]} ${/argument missing/.test(message) ? 'needs a value' : 'takes no value'}. ${opts.helpHint}`);
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const word = /'([^']*)'/.exec(message)?.[1] ?? '';
      throw new UsageError(`unexpected argument ${JSON.stringify(word)}. ${opts.helpHint}`);
    }
    throw err;
  }
}

/** A whole number within bounds, or a usage error naming the flag. */
export function intFlag(name: string, value: string | undefined, dflt: number, min: number, max: number): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} needs a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`);
  }
  return n;
}
