import { RULES } from '../../lib/guard/rules';
import { COMMAND_TYPES } from '../../lib/lifecycle/commands';
import { EXCLUSION_REASONS } from '../../lib/sweep/policy';
import { code, codeSpans, read, section, tableWith } from './markdown';

/**
 * The pages that state the contract users and producers rely on, against the code that defines
 * it: the safety rules (docs/safety-model.md), the commands and every outcome and reason
 * (docs/contract.md, and the README's command table), the sweep's exclusions. Names come from the
 * code itself (its tables, and the string unions of its types), so a rule, outcome or reason added
 * there fails here with the page to update.
 */

/** The string literals of an exported union type, read from its source file: `export type X = 'a' | 'b';`. */
function union(file: string, type: string): string[] {
  const m = new RegExp(`export type ${type} =([^;]+);`).exec(read(file));
  if (!m) throw new Error(`${file} has no \`export type ${type}\``);
  return [...m[1]!.matchAll(/'([^']+)'/g)].map((x) => x[1]!);
}

/** Every `code` an error of the consumer can carry, as its outcome's reason (retry or rejected). */
function errorCodes(): string[] {
  const literal = (file: string) => [...read(file).matchAll(/readonly code(?:: string)? = '([^']+)'/g)].map((m) => m[1]!);
  const kore = union('lib/kore/errors.ts', 'KoreErrorKind')
    .filter((k) => k !== 'not-found' && k !== 'in-use') // these end as already-done / skipped, not as an error reason
    .map((k) => `kore-${k}`);
  const notOutcomes = new Set(['not-an-sqs-event', 'invalid-config']); // a whole invocation fails: no message outcome
  return [...literal('lib/lifecycle/errors.ts'), ...literal('lib/aws/errors.ts'), ...literal('lib/errors.ts'), ...kore].filter((c) => !notOutcomes.has(c));
}

const SAFETY = 'docs/safety-model.md';
const CONTRACT = 'docs/contract.md';

describe(`${SAFETY}: the rules table is lib/guard/rules.ts`, () => {
  const table = tableWith(`${SAFETY} ("The rules")`, section(SAFETY, 'The rules'), 'rule');
  const documented = table.rows.map((r) => code(r[0]!));

  it('has a row for every rule, and no row for a rule the guard does not have', () => {
    const ids: string[] = RULES.map((r) => r.id);
    expect({
      missing: ids.filter((id) => !documented.includes(id)).map((id) => `${SAFETY} ("The rules") has no row for the rule \`${id}\``),
      unknown: documented
        .filter((id) => !ids.includes(id))
        .map((id) => `${SAFETY} ("The rules") has a row for \`${id}\`, which lib/guard/rules.ts does not have`),
    }).toEqual({ missing: [], unknown: [] });
  });

  it('says, on each rule’s row, the reason its failure becomes', () => {
    const wrong = RULES.filter(
      (r) =>
        !table.rows
          .find((row) => code(row[0]!) === r.id)
          ?.at(-1)
          ?.includes(r.failsAs),
    ).map((r) => `${SAFETY} ("The rules"): the row of \`${r.id}\` does not name \`${r.failsAs}\``);
    expect(wrong).toEqual([]);
  });
});

describe(`${SAFETY}: the sweep's exclusions are lib/sweep/policy.ts's`, () => {
  it('names every exclusion reason', () => {
    const text = codeSpans(section(SAFETY, "The sweep's exclusions"));
    expect(EXCLUSION_REASONS.filter((r) => !text.includes(r)).map((r) => `${SAFETY} ("The sweep's exclusions") does not name \`${r}\``)).toEqual([]);
  });
});

describe(`${CONTRACT} and README.md: the commands are lib/lifecycle/commands' registry`, () => {
  it.each([
    [CONTRACT, 'Commands'],
    ['README.md', 'Commands'],
  ])('%s ("%s") has a row for every command type, and for no other', (file, heading) => {
    const table = tableWith(`${file} ("${heading}")`, section(file, heading), '`type`');
    const documented = table.rows.map((r) => code(r[0]!));
    expect({
      missing: COMMAND_TYPES.filter((t) => !documented.includes(t)).map((t) => `${file} ("${heading}") has no row for \`${t}\``),
      unknown: documented
        .filter((t) => !(COMMAND_TYPES as string[]).includes(t))
        .map((t) => `${file} ("${heading}") has a row for \`${t}\`, which is not a command`),
    }).toEqual({ missing: [], unknown: [] });
  });
});

describe(`${CONTRACT}: every outcome and reason the consumer can log`, () => {
  const outcomes = section(CONTRACT, 'Outcomes');
  const table = tableWith(`${CONTRACT} ("Outcomes")`, outcomes, 'outcome', 'reasons');
  const named = codeSpans(outcomes);

  it('has a row for every outcome of lib/lifecycle/outcome.ts, and no other', () => {
    const kinds = union('lib/lifecycle/outcome.ts', 'OutcomeKind');
    const documented = table.rows.flatMap((r) => codeSpans(r[0]!));
    expect({
      missing: kinds.filter((k) => !documented.includes(k)).map((k) => `${CONTRACT} ("Outcomes") has no row for the outcome \`${k}\``),
      unknown: documented.filter((k) => !kinds.includes(k)).map((k) => `${CONTRACT} ("Outcomes") has a row for \`${k}\`, which is not an OutcomeKind`),
    }).toEqual({ missing: [], unknown: [] });
  });

  it('names every skip reason: the guard’s, and what a command finds it cannot do', () => {
    const reasons = [...union('lib/guard/rules.ts', 'GuardReason'), ...union('lib/lifecycle/outcome.ts', 'SkipReason')];
    expect(reasons.filter((r) => !named.includes(r)).map((r) => `${CONTRACT} ("Outcomes") does not name the skip reason \`${r}\``)).toEqual([]);
  });

  it('names every error code a retry or a rejection carries', () => {
    const codes = errorCodes();
    expect(codes).toEqual(expect.arrayContaining(['invalid-message', 'kore-throttled', 'secret-fetch', 'deadline', 'still-attached']));
    expect(codes.filter((c) => !named.includes(c)).map((c) => `${CONTRACT} ("Outcomes") does not name the reason \`${c}\``)).toEqual([]);
  });

  it('names the reasons the consumer writes by hand: already-done, dry run, and the retry signals', () => {
    const reasons = ['not-found', 'already-archived', 'unchanged', 'dry-run', 'kore-unexpected-reply', 'queue-send', 'secret-invalid'];
    expect(reasons.filter((r) => !named.includes(r)).map((r) => `${CONTRACT} ("Outcomes") does not name \`${r}\``)).toEqual([]);
  });
});
