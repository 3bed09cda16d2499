import { execFile } from 'node:child_process';
import { join } from 'node:path';

/** `npm start` is the README's first promise: it must run the whole job and exit 0. */
describe('npm start (local/start.ts)', () => {
  it('runs commands and the sweep on the embedded stack and ends with the summary table', async () => {
    const root = join(__dirname, '../..');
    const { code, out } = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(root, 'node_modules/tsx/dist/cli.mjs'), 'local/start.ts', '--random-ports'],
        { cwd: root, timeout: 120_000, env: { ...process.env, FORCE_COLOR: '0' } },
        (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) || 1 : 0, out: stdout + stderr }),
      );
    });
    expect({ code, tail: out.slice(-3000) }).toMatchObject({ code: 0 });
    expect(out).toMatch(/Nightly sweep, dry run/);
    expect(out).toMatch(/Summary/);
    // What the sample commands and the sweep must have done to the demo account:
    for (const id of ['cl-survey-old-0005', 'cl-ended-campaign-0009', 'cl-webinar-2024-0012', 'cl-tradeshow-0013', 'cl-reactivation-0014']) {
      expect(out).toMatch(new RegExp(`deleteContactList\\s+${id}`));
    }
    expect(out).toMatch(/deleteCampaign\s+cd-black-friday-0003/);
    expect(out).toMatch(/cl-global-dnc-0001\s+Default Global DNC\s+protected/);
    expect(out).not.toMatch(/deleteContactList\s+cl-(global-dnc|campaign-dnc|callback-dnc|renewals|winback|shared)/);
    expect(out.match(/invalid-message/g)?.length).toBe(2);
    expect(out).not.toMatch(/TIMED OUT|A secret or JWT reached the logs/);
  }, 150_000);
});
