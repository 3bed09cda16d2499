import { PERFORMANCE_PAGE, renderPerformance } from '../../bench/readme';
import type { Results } from '../../bench/report';
import { read } from './markdown';

/** docs/performance.md is generated: the committed page must be what bench/readme.ts makes of bench/results.json. */
describe(PERFORMANCE_PAGE, () => {
  it('is bench/results.json rendered by bench/readme.ts (regenerate it with npm run bench -- --docs)', () => {
    const rendered = renderPerformance(JSON.parse(read('bench/results.json')) as Results);
    expect(rendered.startsWith('# Performance\n')).toBe(true);
    expect({ file: PERFORMANCE_PAGE, upToDate: read(PERFORMANCE_PAGE) === rendered }).toEqual({ file: PERFORMANCE_PAGE, upToDate: true });
  });
});
