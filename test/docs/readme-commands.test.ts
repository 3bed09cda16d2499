import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { bashBlocks, commandsFor, parseShell, readmeCommands, README, RUNNERS } from './readme-commands';
import type { RunnerName } from './readme-commands';
import { read, root } from './markdown';

/** What a program prints, or its error. */
const stdout = (file: string, args: string[]) =>
  new Promise<string>((resolve, reject) => execFile(file, args, { cwd: root }, (err, out) => (err ? reject(err) : resolve(out))));

/**
 * Every shell command of the README's quick start and deploy steps is run as written by some test
 * (see RUNNERS). This file checks that each one has a runner, and runs the two that set up and
 * run the tests themselves.
 */
describe('the README’s shell commands', () => {
  const commands = readmeCommands();

  it('reads the commands of both sections (the parser sees the multi-line ones whole)', () => {
    expect(commands.length).toBeGreaterThanOrEqual(10);
    const subscribe = commands.find((c) => c.text.startsWith('aws sns subscribe'));
    expect(subscribe?.text).toMatch(/--topic-arn\s+"\$\(aws cloudformation describe-stacks .*--output text\)"$/s);
    expect(commands.find((c) => c.text.startsWith('aws secretsmanager create-secret'))?.text).toMatch(/'\{\n.*\}'$/s);
  });

  it('opens with exactly two set-up commands, npm ci && npm start and npm test, in the first code block', () => {
    const [first] = bashBlocks(read(README));
    expect(parseShell(first!).map((c) => c.text)).toEqual(['npm ci && npm start', 'npm test']);
  });

  it('gives every command exactly one test that runs it', () => {
    const problems = commands.flatMap((c) => {
      const runners = (Object.keys(RUNNERS) as RunnerName[]).filter((r) => RUNNERS[r].match(c));
      if (runners.length === 1) return [];
      return [
        runners.length === 0
          ? `README.md, "${c.section}": no test runs \`${c.text}\`; run it as written in a test and add a runner to test/docs/readme-commands.ts`
          : `README.md, "${c.section}": \`${c.text}\` is claimed by several runners (${runners.join(', ')})`,
      ];
    });
    expect(problems).toEqual([]);
  });

  it('names runners whose test files really ask for their commands', () => {
    for (const [name, { test }] of Object.entries(RUNNERS)) {
      const source = readFileSync(join(root, test), 'utf8');
      expect({ runner: name, test, asks: source.includes(`commandsFor('${name}')`) }).toEqual({ runner: name, test, asks: true });
      expect(commandsFor(name as RunnerName).length).toBeGreaterThan(0);
    }
  });

  it('deploys to one region and one stage throughout', () => {
    const deploy = commands.filter((c) => c.section === 'Deploy to AWS');
    const regions = new Set(deploy.flatMap((c) => [...c.text.matchAll(/--region (\S+)/g)].map((m) => m[1])));
    const stages = new Set(deploy.flatMap((c) => [...c.text.matchAll(/--stage (\S+)/g)].map((m) => m[1])));
    expect({ regions: [...regions], stages: [...stages] }).toEqual({ regions: ['eu-west-1'], stages: ['prod'] });
  });

  const [npmCi] = commandsFor('npm ci');
  describe(npmCi!.text, () => {
    /** npm ci leaves a hidden lockfile of what it installed: it must be package-lock.json's tree. */
    it('installed exactly the tree package-lock.json records, with Node 22 from the node devDependency', async () => {
      type Lock = { packages: Record<string, { version?: string; optional?: boolean; dev?: boolean }> };
      const lock = JSON.parse(read('package-lock.json')) as Lock;
      const installed = JSON.parse(read('node_modules/.package-lock.json')) as Lock;
      const differs = Object.entries(installed.packages)
        .filter(([path, p]) => lock.packages[path]?.version !== p.version)
        .map(([path]) => path);
      const missing = Object.entries(lock.packages)
        .filter(([path, p]) => path !== '' && !p.optional && !(path in installed.packages))
        .map(([path]) => path);
      expect({ differs, missing }).toEqual({ differs: [], missing: [] });

      expect(await stdout(join(root, 'node_modules/.bin/node'), ['--version'])).toMatch(/^v22\./);
      expect(lock.packages['']).toMatchObject({ devDependencies: { node: expect.stringMatching(/^\^?22\./) } });
    });
  });

  const [npmTest] = commandsFor('npm test');
  describe(npmTest!.text, () => {
    it('is Jest, and Jest runs every test file of test/, this folder included', async () => {
      const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
      expect(pkg.scripts.test).toBe('jest');
      const listed = (await stdout(process.execPath, [join(root, 'node_modules/jest/bin/jest.js'), '--listTests'])).split('\n').filter(Boolean);
      const relativeListed = listed.map((f) => relative(root, f)).sort();
      expect(relativeListed).toContain(relative(root, __filename));
      expect(relativeListed.filter((f) => f.startsWith('test/docs/')).length).toBeGreaterThanOrEqual(3);
      expect(relativeListed.filter((f) => f.startsWith('test/integration/')).length).toBeGreaterThan(10);
    });
  });
});
