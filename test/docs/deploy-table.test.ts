import { DEFAULTS, loadBrakeConfig, loadConsumerConfig, loadSweepConfig } from '../../lib/config';
import { SWEEP_KORE_CALLS } from '../../lib/sweep/run';
import { paramBlocks, settings } from '../integration/serverless-helpers';
import { code, read, section, tableWith } from './markdown';

/**
 * docs/deploy.md's one table of settings (param → Lambda variable → default → accepted values →
 * meaning), checked against the code both ways: infra/settings.js (the params and the variable
 * each sets), serverless.yml (each param's default), lib/config.ts (the variables the functions
 * read, and DEFAULTS). A param, a variable or a default changed in code names the row to update.
 */
const PAGE = 'docs/deploy.md';
const WHERE = `${PAGE} ("Params and variables")`;

/** Every environment variable a loader reads: it is handed an environment that records each name asked for. */
function variablesRead(load: (env: Record<string, string | undefined>) => unknown): string[] {
  const asked = new Set<string>();
  const env = new Proxy({} as Record<string, string | undefined>, {
    get: (_t, name) => {
      if (typeof name === 'string') asked.add(name);
      return undefined;
    },
  });
  try {
    load(env);
  } catch {
    // Required variables are missing in this empty environment: the names asked for are what counts.
  }
  return [...asked];
}

const table = tableWith(WHERE, section(PAGE, 'Params and variables'), 'param', 'Lambda variable', 'default', 'accepted values', 'meaning');
const rows = table.rows.map(([param, variable, dflt, accepted]) => ({
  param: param === '—' ? undefined : code(param!),
  variable: variable === '—' ? undefined : code(variable!),
  dflt: dflt!,
  accepted: accepted!,
}));
const read_ = [...new Set([...variablesRead(loadConsumerConfig), ...variablesRead(loadSweepConfig), ...variablesRead(loadBrakeConfig)])].sort();

/** A default as the table writes it: `value`, `empty` for '', `required` for none. */
const written = (v: unknown) => (v === undefined ? 'required' : String(v) === '' ? 'empty' : `\`${String(v)}\``);

describe(`${WHERE} against the code`, () => {
  it('reads the table and the code (neither side is empty)', () => {
    expect(rows.length).toBeGreaterThan(30);
    expect(read_).toEqual(expect.arrayContaining(['KORE_SECRET_ID', 'LIFECYCLE_QUEUE_URL', 'DEAD_LETTER_QUEUE_URL', 'SWEEP_DRY_RUN']));
  });

  it('has a row for every param infra/settings.js knows, with the variable it sets', () => {
    const missing = Object.entries(settings.PARAMS).flatMap(([name, spec]) => {
      const row = rows.find((r) => r.param === name);
      if (!row) return [`${WHERE} has no row for the param \`${name}\` (infra/settings.js)`];
      if (row.variable !== spec.env)
        return [`${WHERE}: \`${name}\` sets ${spec.env ? `\`${spec.env}\`` : 'no variable (—)'}, the table says ${row.variable ?? '—'}`];
      return [];
    });
    expect(missing).toEqual([]);
  });

  it('has a row for every variable lib/config.ts reads', () => {
    const missing = read_
      .filter((v) => !rows.some((r) => r.variable === v))
      .map((v) => `${WHERE} has no row for the variable \`${v}\` (lib/config.ts reads it)`);
    expect(missing).toEqual([]);
  });

  it('has no row that the code does not know', () => {
    const unknown = rows.flatMap((r) => [
      ...(r.param !== undefined && !(r.param in settings.PARAMS) ? [`${WHERE}: \`${r.param}\` is not a param of infra/settings.js`] : []),
      ...(r.variable !== undefined && !read_.includes(r.variable) ? [`${WHERE}: \`${r.variable}\` is not read by lib/config.ts`] : []),
      ...(r.param === undefined && r.variable === undefined ? [`${WHERE}: a row with neither param nor variable`] : []),
    ]);
    expect(unknown).toEqual([]);
  });

  it('states each default as serverless.yml (params.default) and lib/config.ts (DEFAULTS) have it', async () => {
    const yml = (await paramBlocks('<stage>')).default!;
    const wrong = rows.flatMap((r) => {
      const expected = r.param !== undefined ? written(yml[r.param]) : written((DEFAULTS as Record<string, unknown>)[r.variable!]);
      const problems = r.dflt === expected ? [] : [`${WHERE}: \`${r.param ?? r.variable}\` defaults to ${expected}, the table says ${r.dflt}`];
      if (r.param !== undefined && r.variable !== undefined && r.variable in DEFAULTS) {
        const fromConfig = written((DEFAULTS as Record<string, unknown>)[r.variable]);
        if (fromConfig !== expected)
          problems.push(`serverless.yml's default for \`${r.param}\` (${expected}) and lib/config.ts DEFAULTS.${r.variable} (${fromConfig}) differ`);
      }
      return problems;
    });
    expect(wrong).toEqual([]);
  });

  it('states the range infra/settings.js accepts for every integer param', () => {
    const wrong = rows.flatMap((r) => {
      const m = r.param !== undefined ? /^an integer from (\d+) to (\d+)$/.exec(settings.PARAMS[r.param]?.expects ?? '') : null;
      if (!m) return [];
      const range = `${m[1]}–${m[2]}`;
      return r.accepted.startsWith(range) ? [] : [`${WHERE}: \`${r.param}\` accepts ${range} (infra/settings.js), the table says ${r.accepted}`];
    });
    expect(wrong).toEqual([]);
  });
});

describe('README.md lists every variable by name', () => {
  const readme = read('README.md');
  const list = section('README.md', 'Configuration', readme);
  /** The names the README's Configuration lists: code spans that look like variables. */
  const listed = [...list.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!);

  it('names every variable lib/config.ts reads (users deploy from the README)', () => {
    expect(read_.filter((v) => !listed.includes(v)).map((v) => `README.md ("Configuration") does not name \`${v}\``)).toEqual([]);
  });

  it('names no variable lib/config.ts does not read', () => {
    expect(listed.filter((v) => !read_.includes(v)).map((v) => `README.md ("Configuration") names \`${v}\`, which lib/config.ts does not read`)).toEqual([]);
  });

  it('names every quoted variable of lib/config.ts, as the before-stop check greps them', () => {
    const quoted = [...new Set([...read('lib/config.ts').matchAll(/['"]([A-Z][A-Z0-9]*_[A-Z0-9_]{2,})['"]/g)].map((m) => m[1]!))];
    expect(quoted.length).toBeGreaterThan(20);
    expect(quoted.filter((v) => !readme.includes(v))).toEqual([]);
  });
});

describe('the Kore budget, as README.md and docs/operations.md state it', () => {
  it('adds up the shipped params and the sweep’s real cost (SWEEP_KORE_CALLS)', async () => {
    const d = (await paramBlocks('prod')).default!;
    const [consumers, perConsumer, account] = [d.consumerMaxConcurrency, d.koreCallsPerMinute, d.koreAccountCallsPerMinute].map(Number) as [
      number,
      number,
      number,
    ];
    const sum = `${consumers} × ${perConsumer} + ${SWEEP_KORE_CALLS} = ${consumers * perConsumer + SWEEP_KORE_CALLS}`;
    expect(consumers * perConsumer + SWEEP_KORE_CALLS).toBeLessThanOrEqual(account);
    expect(read('README.md')).toContain(sum);
    expect(read('docs/operations.md')).toContain(`${sum} ≤ ${account}`);
  });
});
