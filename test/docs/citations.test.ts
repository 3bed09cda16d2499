import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { headings } from './markdown';

/**
 * Code comments cite the repository's own pages, by section: `docs/<page>.md, "<Heading>"`. A
 * renamed heading or a page that moved would leave the comment pointing nowhere, and a citation of
 * a document outside the repository cannot be followed by anyone who clones it.
 */
const root = join(__dirname, '../..');
const SCANNED = ['lib', 'functions', 'local', 'bench', 'infra', 'scripts', 'test'];

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name.startsWith('.') ? [] : sources(path);
    return /\.(ts|js|mjs|sh)$/.test(e.name) ? [path] : [];
  });
}

interface Citation {
  file: string;
  page: string;
  section: string;
}

/** Every `docs/<page>.md, "<Section>"…` in a comment; a comment may wrap inside the parenthesis. */
function citations(file: string): Citation[] {
  // Join wrapped comment lines (` * ` and `// ` continuations) so a citation split over two lines reads as one.
  const text = readFileSync(join(root, file), 'utf8').replace(/\n\s*(\*(?!\/)|\/\/|#)\s*/g, ' ');
  const found: Citation[] = [];
  for (const m of text.matchAll(/docs\/([\w-]+\.md),\s*([^)]*)/g)) {
    for (const q of m[2]!.matchAll(/"([^"]+)"/g)) found.push({ file, page: m[1]!, section: q[1]! });
  }
  return found;
}

const files = SCANNED.flatMap(sources).filter((f) => f !== relative(root, __filename));
const all = files.flatMap(citations);

describe('citations in code comments', () => {
  it('finds the citations it checks (the scan itself works)', () => {
    expect(all.length).toBeGreaterThan(20);
    expect(all).toContainEqual({ file: 'lib/kore/limits.ts', page: 'kore-api.md', section: 'Limits' });
  });

  it('name a heading that exists on the cited page', () => {
    const pages = new Map<string, string[]>();
    const missing = all.filter(({ page, section }) => {
      if (!pages.has(page)) {
        let text = '';
        try {
          text = readFileSync(join(root, 'docs', page), 'utf8');
        } catch {
          // A page that does not exist has no headings: every citation of it is reported below.
        }
        pages.set(
          page,
          headings(text).map((h) => h.text),
        );
      }
      return !pages.get(page)!.includes(section);
    });
    expect(missing.map((c) => `${c.file} cites docs/${c.page}, "${c.section}": no such heading in docs/${c.page}`)).toEqual([]);
  });

  it('cite nothing outside the repository (the Kore reference lives in docs/kore-api.md)', () => {
    const outside = files.filter((f) => /REFERENCE §|REFERENCE\.md|DESIGN\.md/.test(readFileSync(join(root, f), 'utf8')));
    expect(outside.map((f) => `${f} cites a document outside the repository: move the fact into docs/kore-api.md and cite that`)).toEqual([]);
  });
});
