/**
 * "Did you mean": the known word nearest to a typo, by edit distance. No imports, so every
 * command line of the project can use it, the Kore emulator's too (which takes nothing from lib/).
 */

/** Levenshtein distance: a typo of one or two characters is 1 or 2. */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

/** The nearest candidate, if it is near enough to be the word meant (2 edits, or a quarter of a long word). */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const best = candidates.map((c) => ({ c, d: editDistance(word, c) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(word.length / 4)) ? best.c : undefined;
}
