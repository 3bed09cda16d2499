import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Reading the project's markdown pages the way a reader (and GitHub) sees them: headings, anchors, tables, links. */

export const root = join(__dirname, '../..');

export const read = (file: string): string => readFileSync(join(root, file), 'utf8');

/** The text without fenced code blocks (their lines blanked, so line numbers stay). */
export function withoutCode(markdown: string): string {
  let fenced = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (/^\s*```/.test(line)) {
        fenced = !fenced;
        return '';
      }
      return fenced ? '' : line;
    })
    .join('\n');
}

export interface Heading {
  level: number;
  text: string;
  slug: string;
}

/** GitHub's anchor for a heading: lowercase, punctuation dropped (backticks too), spaces to hyphens. */
export function slug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every heading outside code blocks, with its anchor as GitHub numbers repeats (`-1`, `-2`). */
export function headings(markdown: string): Heading[] {
  const seen = new Map<string, number>();
  return withoutCode(markdown)
    .split('\n')
    .map((line) => /^(#{1,6}) +(.+?)\s*#*\s*$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => {
      const base = slug(m[2]!);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      return { level: m[1]!.length, text: m[2]!, slug: n === 0 ? base : `${base}-${n}` };
    });
}

/**
 * The text under a heading, up to the next heading of the same or a higher level. Throws with the
 * file's name when the heading is missing, so a renamed section says which page to look at.
 */
export function section(file: string, heading: string, markdown = read(file)): string {
  const lines = markdown.split('\n');
  let fenced = false;
  let start = -1;
  let level = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*```/.test(line)) fenced = !fenced;
    const m = fenced ? null : /^(#{1,6}) +(.+?)\s*$/.exec(line);
    if (!m) continue;
    if (start < 0 && m[2] === heading) {
      start = i;
      level = m[1]!.length;
    } else if (start >= 0 && m[1]!.length <= level) {
      return lines.slice(start, i).join('\n');
    }
  }
  if (start < 0)
    throw new Error(
      `${file} has no heading "${heading}" (headings: ${headings(markdown)
        .map((h) => h.text)
        .join(' | ')})`,
    );
  return lines.slice(start).join('\n');
}

export interface Table {
  header: string[];
  rows: string[][];
}

/** Splits a table row on `|`, except an escaped `\|`; the cells are trimmed and unescaped. */
function cells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

/** Every table in the text (a header row, a `---` row, body rows). */
export function tables(markdown: string): Table[] {
  const lines = withoutCode(markdown).split('\n');
  const found: Table[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i]!.trim().startsWith('|') || !/^\s*\|?\s*:?-{3,}/.test(lines[i + 1]!)) continue;
    const header = cells(lines[i]!);
    const rows: string[][] = [];
    let j = i + 2;
    for (; j < lines.length && lines[j]!.trim().startsWith('|'); j++) rows.push(cells(lines[j]!));
    found.push({ header, rows });
    i = j - 1;
  }
  return found;
}

/** The one table in a text whose header starts with these columns; throws naming what it looked for. */
export function tableWith(where: string, markdown: string, ...columns: string[]): Table {
  const found = tables(markdown).filter((t) => columns.every((c, i) => t.header[i] === c));
  if (found.length !== 1) throw new Error(`${where}: expected one table with columns ${columns.join(' | ')}, found ${found.length}`);
  return found[0]!;
}

/** The text of a cell's code span, `x` → x (a cell that is not exactly one code span stays as it is). */
export const code = (cell: string): string => /^`([^`]*)`$/.exec(cell)?.[1] ?? cell;

/** Names in code spans anywhere in the text: `` `NAME` `` → NAME. */
export const codeSpans = (text: string): string[] => [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);

export interface Link {
  line: number;
  target: string;
}

/** Inline links `[text](target)` and images, outside code blocks and code spans. */
export function links(markdown: string): Link[] {
  return withoutCode(markdown)
    .split('\n')
    .flatMap((text, i) => [...text.replace(/`[^`]*`/g, '').matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => ({ line: i + 1, target: m[1]! })));
}
