/** Tests read the same JSON log lines the local runner does. */
export { LogTap as OutputCapture, JWT_PATTERN } from '../../local/log-tap';

/**
 * Sum of an EMF metric over every flushed blob in `lines`. Powertools writes a metric added more
 * than once in one invocation as an array of values.
 */
export function emfSum(lines: Record<string, unknown>[], name: string): number {
  return lines
    .filter((l) => '_aws' in l && name in l)
    .flatMap((l) => (Array.isArray(l[name]) ? (l[name] as unknown[]) : [l[name]]))
    .reduce<number>((s, v) => s + Number(v), 0);
}
