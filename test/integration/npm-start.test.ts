import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { read, section as docSection, tableWith } from '../docs/markdown';
import { commandsFor } from '../docs/readme-commands';

const root = join(__dirname, '../..');

/** Runs `npm start` (local/start.ts through tsx, as the npm script does) to its end. */
function npmStart(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, 'node_modules/tsx/dist/cli.mjs'), 'local/start.ts', ...args],
      { cwd: root, timeout: 120_000, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) || 1 : 0, out: stdout, err: stderr }),
    );
  });
}

/** The README's `npm start`, as written, through the shell and npm (the first screen's promise). */
function readmeNpmStart(): Promise<{ code: number; out: string; err: string }> {
  const [command] = commandsFor('npm start');
  return new Promise((resolve) => {
    execFile('sh', ['-c', command!.text], { cwd: root, timeout: 120_000, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) || 1 : 0, out: stdout, err: stderr }),
    );
  });
}

/** The rows of one summary table: the indented lines after its heading, up to the next heading. */
function section(out: string, heading: string): string[] {
  const lines = out.split('\n');
  const start = lines.findIndex((l) => l.startsWith(heading));
  if (start < 0) throw new Error(`no "${heading}" section in:\n${out.slice(-3000)}`);
  const rows: string[] = [];
  for (const l of lines.slice(start + 2)) {
    if (!l.startsWith('  ')) break;
    rows.push(l.trim());
  }
  return rows;
}

/** `npm start` is the README's first promise: it must tell the whole story and exit 0. */
describe('npm start, as the README writes it', () => {
  let run: { code: number; out: string; err: string };
  beforeAll(async () => {
    run = await readmeNpmStart();
  }, 150_000);

  it('runs the sample commands and the sweep on the embedded stack and exits 0', () => {
    expect({ code: run.code, err: run.err, tail: run.out.slice(-3000) }).toMatchObject({ code: 0, err: '' });
    expect(run.out).toMatch(/Nightly sweep, dry run/);
    expect(run.out).not.toMatch(/TIMED OUT|handler threw|A secret or JWT reached the logs/);
  });

  it('prints each outcome as it happens, in one readable line', () => {
    expect(run.out).toMatch(
      /✔ done\s+list\.expired cl-survey-old-0005 "NPS survey 2024"\s+archived as "\[expired\] NPS survey 2024"; deleted after \d{4}-\d{2}-\d{2} unless restored\s+· \d+ Kore calls?, msg [0-9a-f]{8}/,
    );
    expect(run.out).toMatch(/✔ done\s+list\.restore cl-archive-me-0011 "\[expired\] Old partner referrals"\s+restored as "Old partner referrals"/);
    expect(run.out).toMatch(/✔ done\s+list\.expired cl-autumn-survey-0017 .* deleted after its grace period \(archived \d{4}-\d{2}-\d{2}\)/);
    expect(run.out).toMatch(/⊘ skipped\s+campaign\.ended cd-renewal-outreach-0001\s+campaign-active \(rule campaign-ended: status Active\)/);
    expect(run.out).toMatch(/✖ rejected\s+\(no command\)\s+invalid-message: message body is not valid JSON → parked in the DLQ/);
    // JSON the schema refused: the line names the command the body claims to be.
    expect(run.out).toMatch(/✖ rejected\s+list\.purge cl-survey-old-0005\s+invalid-message: .*→ parked in the DLQ/);
  });

  it('lists what Kore archived, restored, deleted and updated, from the audit result lines (the recovery window by default)', () => {
    const written = section(run.out, 'Written to Kore');
    const row = (action: string, id: string) => written.find((r) => new RegExp(`^${action}\\s+${id}\\s`).test(r));
    // DELETION_MODE archive-then-delete: expired lists are archived, not deleted.
    for (const id of [
      'cl-survey-old-0005',
      'cl-ended-campaign-0009',
      'cl-webinar-2024-0012',
      'cl-tradeshow-0013',
      'cl-reactivation-0014',
      'cl-archive-me-0011',
    ]) {
      expect(row('archiveContactList', id)).toMatch(/→ \[expired\] .+\s+archived$/);
    }
    expect(row('restoreContactList', 'cl-archive-me-0011')).toMatch(/\[expired\] Old partner referrals → Old partner referrals\s+restored$/);
    // The one list archived ten days ago, past its grace period, is the one deleted.
    expect(row('deleteContactList', 'cl-autumn-survey-0017')).toMatch(/deleted$/);
    expect(row('deleteCampaign', 'cd-black-friday-0003')).toMatch(/Black Friday reminder\s+deleted$/);
    expect(row('updateContactList', 'cl-promo-spring-0006')).toMatch(/updated$/);
    expect(written).toHaveLength(10);
    expect(written.join('\n')).not.toMatch(/cl-(global-dnc|campaign-dnc|callback-dnc|renewals|winback|shared|fresh|validating|payment)/);
  });

  it('lists every refusal with its reason and rule: active and recurring campaigns, DNC lists, a list in use', () => {
    const refused = section(run.out, 'Refused');
    const expected: Array<[string, string, string]> = [
      ['cd-renewal-outreach-0001', 'campaign-active', 'campaign-ended'],
      ['cd-weekly-reminders-0004', 'campaign-recurring', 'campaign-not-recurring'],
      ['cl-campaign-dnc-0002', 'protected', 'not-dnc-name'],
      ['cl-callback-dnc-0015', 'protected', 'not-dnc-name'],
      ['cl-global-dnc-0001', 'protected', 'not-global-dnc'],
      ['cl-renewals-2025-0003', 'in-use', 'not-in-use'],
    ];
    for (const [id, reason, rule] of expected) {
      expect(refused.find((r) => r.includes(` ${id} `))).toMatch(new RegExp(`\\s${reason}\\s+${rule}\\s`));
    }
    expect(refused).toHaveLength(expected.length);
  });

  it('leaves the two malformed messages in the DLQ, and counts the Kore calls', () => {
    const dlq = section(run.out, 'Dead-letter queue');
    expect(dlq).toHaveLength(2);
    expect(dlq.every((r) => r.startsWith('invalid-message'))).toBe(true);
    const [calls] = section(run.out, 'Kore calls');
    // One 429 is injected on purpose; nothing else fails.
    expect(calls).toMatch(/^\d+\s+1\s+0\s+25 of 60\s/);
  });

  /** The counts the docs state, from this run: a change to the story shows which page to update. */
  it('prints the counts docs/local.md and the README state for its summary', () => {
    const count = (rows: string[], action: string) => rows.filter((r) => r.startsWith(`${action} `)).length;
    const written = section(run.out, 'Written to Kore');
    const observed: Record<string, number> = {
      deleteContactList: count(written, 'deleteContactList'),
      deleteCampaign: count(written, 'deleteCampaign'),
      archiveContactList: count(written, 'archiveContactList'),
      restoreContactList: count(written, 'restoreContactList'),
      updateContactList: count(written, 'updateContactList'),
      'refused (`skipped`)': section(run.out, 'Refused').length,
      'dead-letter queue': section(run.out, 'Dead-letter queue').length,
    };
    expect(written).toHaveLength(
      Object.values(observed)
        .slice(0, 5)
        .reduce((a, b) => a + b, 0),
    ); // no other action

    const table = tableWith('docs/local.md ("`npm start`")', docSection('docs/local.md', '`npm start`'), 'in the summary', 'count');
    const documented = Object.fromEntries(table.rows.map(([what, n]) => [what!.replace(/^`([^`]+)`$/, '$1'), Number(n)]));
    expect({ file: 'docs/local.md ("npm start": what the summary counts)', counts: documented }).toEqual({
      file: 'docs/local.md ("npm start": what the summary counts)',
      counts: observed,
    });

    const o = observed;
    const sentence =
      `Kore deleted ${o.deleteContactList} list and ${o.deleteCampaign} campaign, archived ${o.archiveContactList} lists, ` +
      `restored ${o.restoreContactList} and renamed ${o.updateContactList}; ${o['refused (`skipped`)']} commands were refused, each with its safety rule; ` +
      `the ${o['dead-letter queue']} malformed samples sit in the dead-letter queue`;
    expect({ file: 'README.md ("Quick start")', states: read('README.md').replace(/\s+/g, ' ').includes(sentence) }).toEqual({
      file: 'README.md ("Quick start")',
      states: true,
    });
  });
});

describe('npm start, its command line', () => {
  it('prints its help with every option', async () => {
    const r = await npmStart(['--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--keep-running', '--random-ports', '--skip-demo', '--stack-file', '--speed']) expect(r.out).toContain(flag);
  });

  it.each([
    [['--keep-runing'], /^npm start: unknown option --keep-runing \(did you mean --keep-running\?\)\. Run `npm start -- --help` for the options\.$/],
    [['--speed', 'fast'], /^npm start: --speed needs a whole number from 1 to 60 \(got "fast"\)$/],
    [['--speed'], /^npm start: --speed needs a value\. Run `npm start -- --help`/],
    [['--random-ports'], /^npm start: --random-ports only makes sense with --keep-running\./],
    [['demo'], /^npm start: unexpected argument "demo"\./],
  ])('refuses %j with one line and exit 2', async (args, message) => {
    const r = await npmStart(args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err.trimEnd()).toMatch(message);
  });
});
