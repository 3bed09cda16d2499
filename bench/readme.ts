/**
 * The README's Performance section, rendered from bench/results.json: the goals table, the side
 * tables, how each benchmark measures, and why a goal is not met. A full `npm run bench` calls
 * this; `npm run bench -- --readme` re-renders from the tracked results alone.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Results } from './report.js';
import { mainTable, markdownTable } from './report.js';

const HEADING = '## Performance';

const minutes = (seconds: number) => (seconds < 90 ? `${seconds} s` : `about ${Math.round(seconds / 60)} minutes`);

export function renderPerformance(r: Results): string {
  const out: string[] = [HEADING, ''];
  out.push(
    `Produced by \`npm run bench\` (every benchmark at full scale, ${minutes(r.durationSeconds)}) on this project's ${r.cpus}-core build machine with Node ${r.node.replace(/^v/, '')}, load average ${r.load.start} at the start and ${r.load.end} at the end (at most ${r.load.max}); the machine is shared, so the timings carry its noise. The raw figures are in \`bench/results.json\`, and this section is regenerated from it (\`npm run bench -- --readme\`). \`--scale 0.25\` or \`--only budget,sweep\` run part of it and write \`bench/.out/results.json\` only. No test asserts on these numbers: they belong to the machine.`,
    '',
    mainTable(r.table),
    '',
  );
  for (const t of r.tables) {
    out.push(`**${t.title}**`, '', markdownTable(t.header, t.rows), '');
    for (const n of t.notes ?? []) out.push(n, '');
  }
  out.push('How each benchmark measures:', '');
  for (const [section, sentences] of Object.entries(r.how)) {
    const [first, ...rest] = sentences;
    out.push(`- **${section}.** ${first ?? ''}`);
    for (const s of rest) out.push(`  - ${s}`);
  }
  out.push('');
  const unmet = r.table.filter((row) => row.met === false);
  if (unmet.length === 0) {
    out.push('Every goal is met.');
  } else {
    out.push('Goals not met, and why:', '');
    for (const row of unmet) out.push(`- **${row.metric}: ${row.value} against ${row.goal}.** ${row.why ?? ''}`.trimEnd());
  }
  if (r.warnings.length) out.push('', 'Warnings from this run:', '', ...r.warnings.map((w) => `- ${w}`));
  return `${out.join('\n')}\n`;
}

/** Replaces the README's Performance section (up to the next `## ` heading or the end). */
export function updateReadme(path: string, r: Results): void {
  const readme = readFileSync(path, 'utf8');
  const start = readme.indexOf(`\n${HEADING}\n`);
  if (start < 0) throw new Error(`${path} has no "${HEADING}" section`);
  const next = readme.indexOf('\n## ', start + 1);
  const tail = next < 0 ? '' : readme.slice(next + 1);
  writeFileSync(path, `${readme.slice(0, start + 1)}${renderPerformance(r)}${tail ? `\n${tail}` : ''}`);
}
