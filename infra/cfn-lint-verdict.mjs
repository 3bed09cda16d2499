/* global process, console */
/**
 * Reads `cfn-lint --format json` output and decides: errors and warnings fail, I3011 fails, and
 * an informational note passes only if docs/deploy.md explains it (EXPLAINED below, by rule and
 * resource). Usage: node infra/cfn-lint-verdict.mjs <cfn-lint.json> <cfn-lint exit code>
 */
import { readFileSync } from 'node:fs';

// [rule, resource]: notes docs/deploy.md "cfn-lint notes" explains. Keep both lists in step.
const EXPLAINED = [
  // osls writes its deployment bucket's TLS-only policy with Fn::Join; the template has no say.
  ['I1022', 'ServerlessDeploymentBucketPolicy'],
];

const [file, exitCode] = process.argv.slice(2);
let matches;
try {
  matches = JSON.parse(readFileSync(file, 'utf8') || '[]');
} catch {
  console.error(`cfn-lint did not produce a report (exit code ${exitCode}): it could not run or could not read the template`);
  process.exit(1);
}

let failed = false;
for (const m of matches) {
  const rule = m.Rule.Id;
  const resource = m.Location.Path[0] === 'Resources' ? m.Location.Path[1] : m.Location.Path.join('/');
  const explained = m.Level === 'Informational' && rule !== 'I3011' && EXPLAINED.some(([r, res]) => r === rule && res === resource);
  const verdict = explained ? 'explained in docs' : 'FAIL';
  failed ||= !explained;
  console.log(`${verdict.padEnd(19)} ${m.Level.padEnd(13)} ${rule} ${resource} (line ${m.Location.Start.LineNumber}): ${m.Message}`);
}
// cfn-lint's exit code is a bit mask: 2 error, 4 warning, 8 informational; anything else is a failure to run.
if ((Number(exitCode) & ~(2 | 4 | 8)) !== 0) {
  console.error(`cfn-lint exited with ${exitCode}`);
  failed = true;
}
console.log(failed ? 'cfn-lint: the template has findings that are not explained (see above)' : `cfn-lint: clean (${matches.length} explained note(s))`);
process.exit(failed ? 1 : 0);
