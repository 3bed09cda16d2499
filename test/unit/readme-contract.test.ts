import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS } from '../../lib/config';
import { RULES } from '../../lib/guard/rules';
import { COMMAND_TYPES } from '../../lib/lifecycle/commands';
import { EXCLUSION_REASONS } from '../../lib/sweep/policy';

/** The README is the contract users deploy from: every name the code uses must be in it. */
const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
const section = (title: string) => {
  const start = readme.indexOf(`## ${title}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
};

describe('the README documents what the code does', () => {
  it.each(Object.keys(DEFAULTS))('the configuration table has %s', (name) => {
    expect(section('Configuration')).toContain(`| \`${name}\` |`);
  });

  it.each(RULES.map((r) => r.id))('the safety model table has the rule %s', (id) => {
    expect(section('Safety model')).toContain(`| \`${id}\` |`);
  });

  it.each([...new Set(RULES.map((r) => r.failsAs))])('the outcomes table names the reason %s', (reason) => {
    expect(section('Message contract')).toContain(`\`${reason}\``);
  });

  it.each(COMMAND_TYPES)('the message contract has the command %s', (type) => {
    expect(section('Message contract')).toContain(`| \`${type}\` |`);
  });

  it.each(['done', 'already-done', 'skipped', 'would-delete', 'would-archive', 'would-update', 'would-restore', 'retry', 'rejected'])(
    'the outcomes table has %s',
    (outcome) => {
      expect(section('Message contract')).toContain(`\`${outcome}\``);
    },
  );

  it.each(['not-archived', 'not-ours', 'unarchivable', 'in-grace', 'still-attached', 'stream-not-allowed', 'fanout-cap', 'kore-unexpected-reply', 'deadline'])(
    'the outcomes table names %s',
    (reason) => {
      expect(section('Message contract')).toContain(`\`${reason}\``);
    },
  );

  it("lists the sweep's exclusion reasons", () => {
    for (const r of EXCLUSION_REASONS) expect(readme).toContain(`\`${r}\``);
  });
});
