import { read, section } from './markdown';

/**
 * The shell commands of the README's quick start and deploy steps, as written, and which test runs
 * each. A test that runs some of them asks `commandsFor(runner)`; readme-commands.test.ts fails on
 * a command no runner takes, so a command added to the README is either run by a test or flagged.
 */

export const README = 'README.md';
/** The README sections whose commands must run as written. */
export const SECTIONS = ['Quick start', 'Deploy to AWS'] as const;

export interface DocCommand {
  section: (typeof SECTIONS)[number];
  /** The command as written (continuation lines joined as the shell joins them, `&&` parts split). */
  text: string;
  /** The `# …` comment after it, if any: for the hands-on loop, what the command prints. */
  comment?: string;
  /** Index of its code block within the section (0 = the first). */
  block: number;
}

/**
 * Who runs which command. `test` is the file that calls `commandsFor(name)`; readme-commands.test.ts
 * checks the file does, so the table cannot claim a runner that runs nothing.
 */
export const RUNNERS = {
  /** `npm ci`: what set up the tree these tests run in; checked against package-lock.json. */
  'npm ci': { test: 'test/docs/readme-commands.test.ts', match: (c: DocCommand) => c.text === 'npm ci' },
  /** `npm test`: this very run; checked to be Jest picking up every test folder. */
  'npm test': { test: 'test/docs/readme-commands.test.ts', match: (c: DocCommand) => c.text === 'npm test' },
  'npm start': { test: 'test/integration/npm-start.test.ts', match: (c: DocCommand) => c.text === 'npm start' },
  /** The hands-on loop: `npm start -- --keep-running` and the CLI commands after it, in order. */
  'hands-on loop': {
    test: 'test/integration/local-loop.test.ts',
    match: (c: DocCommand) => c.section === 'Quick start' && (c.text.startsWith('npm start -- ') || c.text.startsWith('npm run cli -- ')),
  },
  /** `serverless package` as written, `deploy` packaged with the same flags, cfn-lint on the result. */
  serverless: {
    test: 'test/integration/serverless-package.test.ts',
    match: (c: DocCommand) => /^npx serverless (package|deploy) /.test(c.text) || c.text.startsWith('cfn-lint '),
  },
  /** The AWS CLI, against the local stack's Secrets Manager and a local CloudFormation/SNS endpoint. */
  'aws cli': { test: 'test/integration/aws-cli.test.ts', match: (c: DocCommand) => c.text.startsWith('aws ') },
} as const;

export type RunnerName = keyof typeof RUNNERS;

/**
 * Splits a fenced bash block into commands: a command ends at a newline outside quotes and `$(…)`
 * and not after a backslash. A `#` that starts a word outside quotes begins its comment.
 */
export function parseShell(block: string): Array<{ text: string; comment?: string }> {
  const out: Array<{ text: string; comment?: string }> = [];
  let text = '';
  let comment: string | undefined;
  const stack: Array<'sq' | 'dq' | 'subst'> = [];
  for (let i = 0; i < block.length; i++) {
    const ch = block[i]!;
    const top = stack[stack.length - 1];
    if (comment !== undefined) {
      if (ch === '\n') {
        out.push({ text: text.trim(), comment: comment.trim() });
        text = '';
        comment = undefined;
      } else comment += ch;
      continue;
    }
    if (top === 'sq') {
      if (ch === "'") stack.pop();
      text += ch;
      continue;
    }
    if (ch === '\\' && block[i + 1] === '\n' && top !== 'dq') {
      i++; // a line continuation: the shell joins the lines
      continue;
    }
    if (ch === '\\') {
      text += ch + (block[i + 1] ?? '');
      i++;
      continue;
    }
    if (top === 'dq') {
      if (ch === '"') stack.pop();
      else if (ch === '$' && block[i + 1] === '(') {
        stack.push('subst');
        text += ch + block[++i]!;
        continue;
      }
      text += ch;
      continue;
    }
    // Outside quotes (at the top, or inside $(…)).
    if (ch === "'") stack.push('sq');
    else if (ch === '"') stack.push('dq');
    else if (ch === '$' && block[i + 1] === '(') {
      stack.push('subst');
      text += ch + block[++i]!;
      continue;
    } else if (ch === ')' && top === 'subst') stack.pop();
    else if (ch === '#' && stack.length === 0 && (text === '' || /\s$/.test(text))) {
      comment = '';
      continue;
    } else if (ch === '\n' && stack.length === 0) {
      if (text.trim()) out.push({ text: text.trim() });
      text = '';
      continue;
    }
    text += ch;
  }
  if (stack.length) throw new Error(`unbalanced quotes or $( in a shell block: ${text.slice(0, 80)}`);
  if (comment !== undefined) out.push({ text: text.trim(), comment: comment.trim() });
  else if (text.trim()) out.push({ text: text.trim() });
  return out.filter((c) => c.text !== '');
}

/** `a && b` as two commands (outside quotes), each keeping the line's comment. */
function splitAnd(c: { text: string; comment?: string }): Array<{ text: string; comment?: string }> {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < c.text.length; i++) {
    const ch = c.text[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (c.text.startsWith('&&', i)) {
      parts.push(c.text.slice(start, i).trim());
      start = i + 2;
      i++;
    }
  }
  parts.push(c.text.slice(start).trim());
  return parts.map((text) => ({ text, ...(c.comment !== undefined ? { comment: c.comment } : {}) }));
}

/** The fenced `bash` blocks of a markdown text, in order (indented blocks of a list item included). */
export function bashBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(Math.min(indent, lines[j]!.search(/\S|$/))));
    if (open[2] === 'bash' || open[2] === 'sh' || open[2] === 'shell') blocks.push(`${body.join('\n')}\n`);
    i = j;
  }
  return blocks;
}

export function readmeCommands(markdown = read(README)): DocCommand[] {
  return SECTIONS.flatMap((s) =>
    bashBlocks(section(README, s, markdown)).flatMap((block, i) => parseShell(block).flatMap((c) => splitAnd(c).map((x) => ({ ...x, section: s, block: i })))),
  );
}

/** The README commands a runner takes, in the README's order; throws if there are none (the runner would test nothing). */
export function commandsFor(runner: RunnerName, markdown = read(README)): DocCommand[] {
  const mine = readmeCommands(markdown).filter((c) => RUNNERS[runner].match(c));
  if (mine.length === 0) throw new Error(`README.md's ${SECTIONS.join(' and ')} have no command for the runner "${runner}" (${RUNNERS[runner].test})`);
  return mine;
}

/** The parts of an expected-output comment: `✔ done … archived as "x"` → ['✔ done', 'archived as "x"']. */
export const fragments = (comment: string): string[] =>
  comment
    .split('…')
    .map((f) => f.trim())
    .filter(Boolean);

/** Whether one line holds every fragment, in order. */
export function lineMatches(line: string, parts: string[]): boolean {
  let at = 0;
  for (const p of parts) {
    const i = line.indexOf(p, at);
    if (i < 0) return false;
    at = i + p.length;
  }
  return true;
}
