import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { headings, links, read, root } from './markdown';

/** Every page a reader may open: the README, docs/, and the emulator's reference beside its code. */
const PAGES = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
  'local/kore-emulator/README.md',
];

/** What is wrong with one link of `page`, or undefined when it resolves. */
function broken(page: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto: — not checked offline
  const [path, anchor] = target.split('#', 2) as [string, string | undefined];
  const file = path === '' ? page : relative(root, join(root, dirname(page), decodeURIComponent(path)));
  if (file.startsWith('..')) return `${target}: points outside the repository`;
  if (!existsSync(join(root, file))) return `${target}: ${file} does not exist`;
  if (anchor === undefined) return undefined;
  if (statSync(join(root, file)).isDirectory() || !file.endsWith('.md')) return `${target}: an #anchor into ${file}, which is not a markdown page`;
  const slugs = headings(read(file)).map((h) => h.slug);
  return slugs.includes(anchor) ? undefined : `${target}: ${file} has no heading with the anchor #${anchor}`;
}

describe('the documentation pages', () => {
  it('are the README, the docs/ pages and the emulator’s reference', () => {
    expect(PAGES).toEqual(expect.arrayContaining(['README.md', 'docs/design.md', 'docs/kore-api.md', 'docs/deploy.md', 'local/kore-emulator/README.md']));
  });

  it.each(PAGES)('%s: every relative link and #anchor resolves', (page) => {
    const found = links(read(page));
    const problems = found.flatMap((l) => {
      const why = broken(page, l.target);
      return why ? [`${page}:${l.line}: ${why}`] : [];
    });
    expect(problems).toEqual([]);
  });

  it('README.md links every page of docs/ (a page nobody links is a page nobody reads)', () => {
    const linked = new Set(links(read('README.md')).map((l) => l.target.split('#')[0]));
    const unlinked = PAGES.filter((p) => p !== 'README.md' && !linked.has(p));
    expect(unlinked.map((p) => `README.md does not link ${p}: add it to "Documentation"`)).toEqual([]);
  });

  it('README.md stays a front page: at most 15,000 bytes (the detail lives in docs/)', () => {
    const bytes = Buffer.byteLength(read('README.md'), 'utf8');
    expect({ file: 'README.md', bytes, over: bytes > 15_000 }).toEqual({ file: 'README.md', bytes, over: false });
  });
});

describe('the link checker itself', () => {
  it('flags a missing file, a missing anchor, and accepts a real one', () => {
    expect(broken('README.md', 'docs/nope.md')).toMatch(/does not exist/);
    expect(broken('README.md', 'docs/deploy.md#no-such-heading')).toMatch(/no heading with the anchor #no-such-heading/);
    expect(broken('README.md', 'docs/deploy.md#params-and-variables')).toBeUndefined();
    expect(broken('docs/deploy.md', '#cfn-lint-notes')).toBeUndefined();
    expect(broken('docs/local.md', '../README.md#quick-start')).toBeUndefined();
  });
});
