import { COMMAND_NAMES } from '../../local/cli';
import { HELP } from '../../local/cli/help';
import { section, tableWith } from './markdown';

/**
 * docs/local.md's table of the CLI's commands against the CLI itself: every command and
 * subcommand has a row, and each row names exactly the flags its command's usage lines declare
 * (the --help a person reads), so neither can gain a flag the other does not know.
 */
const table = tableWith('docs/local.md', section('docs/local.md', 'The hands-on loop: `--keep-running` and `npm run cli`'), 'command', 'what it does');
const rows = table.rows.map((r) => r[0]!.replace(/`/g, ''));
const flagsOf = (text: string) => [...new Set(text.match(/--[a-zA-Z][a-zA-Z-]*/g) ?? [])].sort();

/** The usage lines of a command's --help: `Usage: npm run cli -- …` and the alternatives under it. */
function usage(topic: keyof typeof HELP): string[] {
  const lines = HELP[topic].split('\n');
  const end = lines.findIndex((l) => l.trim() === '');
  return lines.slice(0, end).flatMap((l) => /^(?:Usage: |\s+)npm run (?:-s )?cli -- (.+)$/.exec(l)?.[1] ?? []);
}

describe('docs/local.md’s CLI table', () => {
  it('has a row for every command, and for every subcommand of dlq and brake', () => {
    expect(COMMAND_NAMES.filter((c) => !rows.some((r) => r.startsWith(`${c} `) || r === c))).toEqual([]);
    for (const cmd of ['dlq', 'brake'] as const) {
      const subs = [...new Set(usage(cmd).map((u) => u.split(' ')[1]!))];
      expect(subs.length).toBeGreaterThan(2);
      expect({ cmd, missing: subs.filter((s) => !rows.some((r) => r.includes(`${cmd} ${s}`))) }).toEqual({ cmd, missing: [] });
    }
  });

  it('names in each command’s rows exactly the flags its --help usage declares', () => {
    for (const cmd of COMMAND_NAMES as Array<keyof typeof HELP>) {
      const declared = flagsOf(usage(cmd).join(' '));
      const documented = flagsOf(rows.filter((r) => r.startsWith(`${cmd} `) || r === cmd).join(' '));
      expect({ cmd, documented }).toEqual({ cmd, documented: declared });
    }
  });

  it('says where --stage and --region apply, as the main help does', () => {
    expect(rows.some((r) => /--stage <name> \[--region <r>\]/.test(r))).toBe(true);
    expect(HELP.main).toMatch(/--stage <name> \[--region <r>\]/);
  });
});
