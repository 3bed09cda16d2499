import { PERFORMANCE_PAGE, README_MARKERS, renderPerformance, renderReadmePerformance, withReadmePerformance } from '../../bench/readme';
import type { Results } from '../../bench/report';
import { read } from './markdown';

const results = () => JSON.parse(read('bench/results.json')) as Results;

/** docs/performance.md is generated: the committed page must be what bench/readme.ts makes of bench/results.json. */
describe(PERFORMANCE_PAGE, () => {
  it('is bench/results.json rendered by bench/readme.ts (regenerate it with npm run bench -- --docs)', () => {
    const rendered = renderPerformance(results());
    expect(rendered.startsWith('# Performance\n')).toBe(true);
    expect({ file: PERFORMANCE_PAGE, upToDate: read(PERFORMANCE_PAGE) === rendered }).toEqual({ file: PERFORMANCE_PAGE, upToDate: true });
  });
});

/** So is README.md's Performance table: the real-accounts matrix, ours beside the competent peer. */
describe("README.md's Performance section", () => {
  it('holds the accounts matrix as bench/readme.ts renders it from bench/results.json', () => {
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf('## Performance\n'), readme.indexOf(README_MARKERS[1]) + README_MARKERS[1].length);
    expect(section).toContain(renderReadmePerformance(results()));
    expect({ file: 'README.md', upToDate: withReadmePerformance(readme, results()) === readme }).toEqual({ file: 'README.md', upToDate: true });
  });

  it('shows every profile of the matrix, with each workload as ours / the peer’s', () => {
    const table = renderReadmePerformance(results())
      .split('\n')
      .filter((l) => /^\| [\d,]+ +\|/.test(l));
    expect(table.length).toBe(9);
    for (const row of table)
      expect(
        row
          .split('|')
          .slice(3, -1)
          .every((cell) => / \/ /.test(cell)),
      ).toBe(true);
  });
});
