/** A plain-text table for terminal output (`npm start`, the CLI). */
export function formatTable(
  rows: Array<Record<string, string | number>>,
  opts: { indent?: string; header?: (s: string) => string; empty?: string } = {},
): string {
  const indent = opts.indent ?? '';
  if (rows.length === 0) return `${indent}${opts.empty ?? '(none)'}`;
  const cols = Object.keys(rows[0]!);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  // The last column is not padded, and an empty one leaves no trailing spaces either.
  const line = (vals: string[], style = (s: string) => s) =>
    (indent + vals.map((v, i) => style(i === vals.length - 1 ? v : v.padEnd(width[i]!))).join('  ')).trimEnd();
  return [line(cols, opts.header), ...rows.map((r) => line(cols.map((c) => String(r[c] ?? ''))))].join('\n');
}
