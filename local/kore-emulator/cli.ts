import { ADMIN_ROUTES } from './admin.js';
import type { Faults } from './faults.js';
import { NO_FAULTS } from './faults.js';
import type { RateLimitOptions } from './rate-window.js';
import { DEFAULT_RATE_LIMIT } from './rate-window.js';
import { applyRealism, IN_USE_REFUSALS, LENIENT_REALISM, parseInUseRefusal, RealismError, STRICT_REALISM } from './realism.js';
import type { InUseRefusal, Realism } from './realism.js';
import { nearest } from '../nearest.js';

/**
 * The `npm run emulator` command line: one table of options, from which the parser, the
 * validation and `--help` all come, so the help cannot miss an option.
 */

export const DEFAULT_PORT = 4010;
export const DEFAULT_CLIENT_ID = 'cs-local-client';
/** A throwaway secret for a local emulator only (documented in --help, never printed by the banner). */
export const DEFAULT_CLIENT_SECRET = 'local-client-secret';
export const HELP_HINT = 'Run `npm run emulator -- --help` for the options.';

export interface CliConfig {
  port: number;
  seedFile?: string;
  clientId: string;
  /** Undefined: the default local secret. */
  clientSecret?: string;
  accountId?: string;
  streamId?: string;
  randomSeed?: number;
  rateLimit: Partial<RateLimitOptions>;
  faults: Partial<Faults>;
  outageSeconds?: number;
  strict: boolean;
  /** Individual realism flags; they win over `--strict` whatever their order. */
  realism: Partial<Realism>;
  /** `--omit-get-fields` / `--omit-list-fields`, each replacing its half of the preset's `omitListFields`. */
  omit: { get?: string[]; list?: string[] };
}

export type CliParse = { kind: 'help' } | { kind: 'run'; config: CliConfig } | { kind: 'usage-error'; message: string };

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Group = 'Account and credentials' | 'Rate limit (Kore: 60 calls per minute per account)' | 'Faults' | 'Realism: Kore behaviours its docs leave open';

interface OptionSpec {
  name: string;
  /** Placeholder for the value; absent for a flag. */
  value?: string;
  /** `--no-<name>` sets it to false. */
  negatable?: boolean;
  group: Group;
  help: string;
  apply: (c: CliConfig, v: string | boolean) => void;
}

const num = (name: string, v: string | boolean, opts: { min?: number; max?: number; int?: boolean } = {}): number => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  const { min = 0, max = Number.POSITIVE_INFINITY, int = false } = opts;
  if (!Number.isFinite(n) || n < min || n > max || (int && !Number.isInteger(n))) {
    const range = max === Number.POSITIVE_INFINITY ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`--${name} needs ${int ? 'a whole number' : 'a number'} ${range} (got "${String(v)}")`);
  }
  return n;
};

const oneOf = <T extends string>(name: string, v: string | boolean, allowed: readonly T[]): T => {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new UsageError(`--${name} needs one of ${allowed.join(', ')} (got "${String(v)}")`);
  }
  return v as T;
};

const text = (name: string, v: string | boolean): string => {
  if (typeof v !== 'string' || !v) throw new UsageError(`--${name} needs a value`);
  return v;
};

const fields = (v: string | boolean): string[] =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

const rate = (key: keyof Faults, name: string, help: string): OptionSpec => ({
  name,
  value: '<0..1>',
  group: 'Faults',
  help,
  apply: (c, v) => void (c.faults[key] = num(name, v, { max: 1 }) as never),
});

const ms = (key: keyof Faults, name: string, help: string): OptionSpec => ({
  name,
  value: '<ms>',
  group: 'Faults',
  help,
  apply: (c, v) => void (c.faults[key] = num(name, v, { int: true }) as never),
});

const realismFlag = (key: keyof Realism & string, name: string, help: string): OptionSpec => ({
  name,
  negatable: true,
  group: 'Realism: Kore behaviours its docs leave open',
  help,
  apply: (c, v) => void (c.realism[key] = v as never),
});

const lenientStrict = (key: keyof Realism): string => `lenient ${show(LENIENT_REALISM[key])}, strict ${show(STRICT_REALISM[key])}`;
function show(v: unknown): string {
  if (typeof v === 'object' && v !== null && 'status' in v) return `${(v as InUseRefusal).status}`;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export const OPTIONS: OptionSpec[] = [
  {
    name: 'port',
    value: '<n>',
    group: 'Account and credentials',
    help: `port on 127.0.0.1 (default ${DEFAULT_PORT}; 0 = any free port)`,
    apply: (c, v) => void (c.port = num('port', v, { max: 65535, int: true })),
  },
  {
    name: 'seed',
    value: '<file.json>',
    group: 'Account and credentials',
    help: 'account to serve: {lists: [...], campaigns: [...]} (default: the demo account of local/seed.ts)',
    apply: (c, v) => void (c.seedFile = text('seed', v)),
  },
  {
    name: 'client-id',
    value: '<id>',
    group: 'Account and credentials',
    help: `client app id the JWT's appId must name (default ${DEFAULT_CLIENT_ID})`,
    apply: (c, v) => void (c.clientId = text('client-id', v)),
  },
  {
    name: 'client-secret',
    value: '<secret>',
    group: 'Account and credentials',
    help: `secret the JWT is signed with, HS256 (default: the local-only secret "${DEFAULT_CLIENT_SECRET}"; the banner never shows it)`,
    apply: (c, v) => void (c.clientSecret = text('client-secret', v)),
  },
  {
    name: 'account-id',
    value: '<24 hex>',
    group: 'Account and credentials',
    help: 'account id (default 67777ce93e25326494e1a2b3)',
    apply: (c, v) => void (c.accountId = text('account-id', v)),
  },
  {
    name: 'stream-id',
    value: '<st-…>',
    group: 'Account and credentials',
    help: 'bot/stream id in the paths and the iid header (default st-0603182c-…)',
    apply: (c, v) => void (c.streamId = text('stream-id', v)),
  },

  {
    name: 'per-minute',
    value: '<n>',
    group: 'Rate limit (Kore: 60 calls per minute per account)',
    help: `calls per window per account, 429 beyond (default ${DEFAULT_RATE_LIMIT.perMinute}; 0 = off)`,
    apply: (c, v) => void (c.rateLimit.perMinute = num('per-minute', v, { int: true })),
  },
  {
    name: 'window-ms',
    value: '<ms>',
    group: 'Rate limit (Kore: 60 calls per minute per account)',
    help: `length of the sliding window (default ${DEFAULT_RATE_LIMIT.windowMs})`,
    apply: (c, v) => void (c.rateLimit.windowMs = num('window-ms', v, { min: 1, int: true })),
  },
  {
    name: 'retry-after',
    negatable: true,
    group: 'Rate limit (Kore: 60 calls per minute per account)',
    help: 'send Retry-After on 429s (default on); --no-retry-after also turns it off for injected 429s',
    apply: (c, v) => {
      c.rateLimit.retryAfter = v === true;
      if (v === false) c.faults.throttleRetryAfter = 'none';
    },
  },

  {
    name: 'latency',
    value: '<ms>',
    group: 'Faults',
    help: 'added to every reply',
    apply: (c, v) => void (c.faults.latencyMs = num('latency', v, { int: true })),
  },
  rate('serverErrorRate', '5xx-rate', 'fraction of calls answered 500/502/503 before Kore applies them'),
  rate('throttleRate', '429-rate', 'fraction of calls answered 429 (others used the budget)'),
  rate('dropRate', 'drop-rate', 'fraction of calls whose connection is destroyed before Kore applies them'),
  rate('slowRate', 'slow-rate', 'fraction of calls held --slow-ms before processing'),
  ms('slowMs', 'slow-ms', 'delay of a slow call'),
  {
    name: 'outage',
    value: '<seconds>',
    group: 'Faults',
    help: 'every call fails with 503 for the first N seconds',
    apply: (c, v) => void (c.outageSeconds = num('outage', v)),
  },
  {
    name: 'fail-next',
    value: '<n>',
    group: 'Faults',
    help: 'the first N calls fail with --fail-status',
    apply: (c, v) => void (c.faults.failNext = num('fail-next', v, { int: true })),
  },
  {
    name: 'fail-status',
    value: '<code>',
    group: 'Faults',
    help: 'status of --fail-next failures (default 503; 429 = throttled)',
    apply: (c, v) => void (c.faults.failStatus = num('fail-status', v, { min: 400, max: 599, int: true })),
  },
  rate('commitThenDropRate', 'commit-drop-rate', 'fraction of changes (DELETE/PUT/create/trigger) applied, then the connection destroyed: the reply is lost'),
  rate('commitThenSlowRate', 'commit-slow-rate', 'fraction of changes applied, then the reply held --commit-slow-ms'),
  ms('commitThenSlowMs', 'commit-slow-ms', 'hold time of a commit-slow reply (set it past the client timeout)'),
  {
    name: 'throttle-retry-after',
    value: '<seconds|http-date|none>',
    group: 'Faults',
    help: 'Retry-After form on injected 429s (default seconds)',
    apply: (c, v) => void (c.faults.throttleRetryAfter = oneOf('throttle-retry-after', v, ['seconds', 'http-date', 'none'] as const)),
  },
  {
    name: 'throttle-retry-after-seconds',
    value: '<n>',
    group: 'Faults',
    help: `its value (default ${NO_FAULTS.throttleRetryAfterSeconds})`,
    apply: (c, v) => void (c.faults.throttleRetryAfterSeconds = num('throttle-retry-after-seconds', v, { int: true })),
  },
  {
    name: 'random-seed',
    value: '<n>',
    group: 'Faults',
    help: 'seed of the fault PRNG, for reproducible runs (default 42)',
    apply: (c, v) => void (c.randomSeed = num('random-seed', v, { int: true })),
  },

  {
    name: 'strict',
    group: 'Realism: Kore behaviours its docs leave open',
    help: 'every strict variant (STRICT_REALISM); the flags below override it',
    apply: (c) => void (c.strict = true),
  },
  realismFlag('detachOnCampaignDelete', 'detach-on-campaign-delete', `deleting a campaign frees its lists (${lenientStrict('detachOnCampaignDelete')})`),
  realismFlag('dncInUse', 'dnc-in-use', `a campaign's DNC list shows as in use and its DELETE is refused (${lenientStrict('dncInUse')})`),
  {
    name: 'omit-get-fields',
    value: '<a,b>',
    group: 'Realism: Kore behaviours its docs leave open',
    help: 'fields left out of GET contactList replies, e.g. isDefault,isGlobalDNC,updatedAt ("" = none)',
    apply: (c, v) => void (c.omit.get = fields(v)),
  },
  {
    name: 'omit-list-fields',
    value: '<a,b>',
    group: 'Realism: Kore behaviours its docs leave open',
    help: 'fields left out of getAllListDetails items (strict: isGlobalDNC,isDefault; "" = none)',
    apply: (c, v) => void (c.omit.list = fields(v)),
  },
  {
    name: 'not-found-style',
    value: '<json|html>',
    group: 'Realism: Kore behaviours its docs leave open',
    help: 'unknown ids: Kore JSON 404 or an HTML page as a load balancer or wrong host gives (default json, also in --strict)',
    apply: (c, v) => void (c.realism.notFoundStyle = oneOf('not-found-style', v, ['json', 'html'] as const)),
  },
  {
    name: 'unknown-route-style',
    value: '<json|html>',
    group: 'Realism: Kore behaviours its docs leave open',
    help: `unknown paths and streamIds (${lenientStrict('unknownRouteStyle')})`,
    apply: (c, v) => void (c.realism.unknownRouteStyle = oneOf('unknown-route-style', v, ['json', 'html'] as const)),
  },
  {
    name: 'limit-counting',
    value: '<codepoints|utf16>',
    group: 'Realism: Kore behaviours its docs leave open',
    help: `how the 48/256 limits count (${lenientStrict('limitCounting')}: an emoji counts 2)`,
    apply: (c, v) => void (c.realism.limitCounting = oneOf('limit-counting', v, ['codepoints', 'utf16'] as const)),
  },
  {
    name: 'in-use-refusal',
    value: `<${Object.keys(IN_USE_REFUSALS).join('|')}|status:message>`,
    group: 'Realism: Kore behaviours its docs leave open',
    help: 'how an in-use DELETE is refused (default kore400, strict conflict409); message may use {name} {id} {count}',
    apply: (c, v) => void (c.realism.inUseRefusal = inUseRefusalArg(v)),
  },
  realismFlag('singleUseJti', 'single-use-jti', `a jti seen before is refused with 401 (${lenientStrict('singleUseJti')})`),
  realismFlag('requireJti', 'require-jti', `a token without jti is refused, "Enforce JTI" (${lenientStrict('requireJti')})`),
  {
    name: 'max-token-lifetime',
    value: '<seconds>',
    group: 'Realism: Kore behaviours its docs leave open',
    help: `longest exp - iat accepted (default ${LENIENT_REALISM.maxTokenLifetimeSeconds})`,
    apply: (c, v) => void (c.realism.maxTokenLifetimeSeconds = num('max-token-lifetime', v, { min: 1, int: true })),
  },
  realismFlag(
    'campaignDeleteRefusesRunning',
    'campaign-delete-refuses-running',
    `DELETE of an Active/Scheduled/Rescheduled/Paused campaign is a 400 (${lenientStrict('campaignDeleteRefusesRunning')})`,
  ),
  realismFlag('renameBumpsUpdatedAt', 'rename-bumps-updated-at', `a PUT that renames a list sets its updatedAt (${lenientStrict('renameBumpsUpdatedAt')})`),
  realismFlag(
    'smsResultsWithoutDates',
    'sms-results-without-dates',
    `getAllCampaignDetails SMS results without createdAt/updatedAt, as documented (${lenientStrict('smsResultsWithoutDates')})`,
  ),
  realismFlag(
    'campaignDeleteChecksType',
    'campaign-delete-checks-type',
    `a campaign DELETE with the other campaignType answers 404 (${lenientStrict('campaignDeleteChecksType')})`,
  ),
  {
    name: 'campaign-set-shift',
    value: '<n>',
    group: 'Realism: Kore behaviours its docs leave open',
    help: 'after each getAllCampaignDetails page, delete its first n campaigns, as another consumer would (default 0)',
    apply: (c, v) => void (c.realism.campaignSetShift = num('campaign-set-shift', v, { min: 0, int: true })),
  },
];

function inUseRefusalArg(v: string | boolean): InUseRefusal {
  const s = text('in-use-refusal', v);
  const m = /^(\d{3}):(.+)$/s.exec(s);
  try {
    return m ? parseInUseRefusal({ status: Number(m[1]), message: m[2] }) : parseInUseRefusal(s);
  } catch (err) {
    throw new UsageError(`--in-use-refusal: ${(err as Error).message}`);
  }
}

/** Parses argv (without node and the script). Never throws: a usage error comes back as data. */
export function parseCli(argv: readonly string[]): CliParse {
  const config: CliConfig = { port: DEFAULT_PORT, clientId: DEFAULT_CLIENT_ID, rateLimit: {}, faults: {}, strict: false, realism: {}, omit: {} };
  const byName = new Map(OPTIONS.map((o) => [o.name, o]));
  try {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      if (arg === '--help' || arg === '-h') return { kind: 'help' };
      if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
      const eq = arg.indexOf('=');
      const rawName = arg.slice(2, eq === -1 ? undefined : eq);
      const inline = eq === -1 ? undefined : arg.slice(eq + 1);
      const negated = rawName.startsWith('no-') && byName.get(rawName.slice(3))?.negatable;
      const spec = negated ? byName.get(rawName.slice(3)) : byName.get(rawName);
      if (!spec) {
        const known = OPTIONS.flatMap((o) => (o.negatable ? [`--${o.name}`, `--no-${o.name}`] : [`--${o.name}`]));
        const guess = nearest(`--${rawName}`, [...known, '--help']);
        throw new UsageError(`unknown option --${rawName}${guess ? ` (did you mean ${guess}?)` : ''}`);
      }
      if (!spec.value) {
        if (negated) {
          if (inline !== undefined) throw new UsageError(`--${rawName} takes no value`);
          spec.apply(config, false);
        } else if (inline === undefined) spec.apply(config, true);
        else if (spec.negatable && (inline === 'true' || inline === 'false')) spec.apply(config, inline === 'true');
        else throw new UsageError(`--${rawName} takes no value${spec.negatable ? ' (or =true / =false)' : ''}`);
        continue;
      }
      let value = inline;
      if (value === undefined) {
        const next = argv[i + 1];
        if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new UsageError(`--${rawName} needs a value ${spec.value}`);
        value = next;
        i++;
      }
      spec.apply(config, value);
    }
    // Catches what only the combination can get wrong.
    resolveRealism(config);
  } catch (err) {
    if (err instanceof UsageError || err instanceof RealismError) return { kind: 'usage-error', message: err.message };
    throw err;
  }
  return { kind: 'run', config };
}

/** The realism the emulator starts with: the strict preset if asked, then each individual flag. */
export function resolveRealism(c: CliConfig): Realism {
  const preset = c.strict ? STRICT_REALISM : LENIENT_REALISM;
  const omitListFields = { ...preset.omitListFields, ...c.omit };
  return applyRealism(preset, { ...c.realism, ...(c.omit.get || c.omit.list ? { omitListFields } : {}) });
}

export function helpText(): string {
  const lines = [
    'npm run emulator -- [options]',
    '',
    'The Kore.ai Campaign Management API (v2 paths) on 127.0.0.1 only, state in memory. It checks what Kore',
    'documents (HS256 JWT in `auth` with appId, iid and accountId headers, ?accountId=, 48/256 limits,',
    'in-use refusals, 60 calls/min per account) and lets you inject faults and choose how Kore behaves where',
    'its docs are silent. Every fault and switch can also be changed while it runs, through the admin API.',
    '',
    'Options:',
    '  -h, --help   this text',
  ];
  let group: Group | undefined;
  for (const o of OPTIONS) {
    if (o.group !== group) {
      group = o.group;
      lines.push('', `  ${group}`);
    }
    const flag = `${o.negatable ? `--[no-]${o.name}` : `--${o.name}`}${o.value ? ` ${o.value}` : ''}`;
    lines.push(flag.length > 40 ? `    ${flag}\n    ${''.padEnd(42)} ${o.help}` : `    ${flag.padEnd(42)} ${o.help}`);
  }
  lines.push('', "Admin API (JSON; not Kore's, never faulted or rate-limited):");
  for (const r of ADMIN_ROUTES) {
    lines.push(`  ${r.method.padEnd(6)} ${r.path.padEnd(20)} ${r.does}`);
    if (r.body) lines.push(`  ${''.padEnd(6)} ${''.padEnd(20)} body: ${r.body}`);
  }
  lines.push(
    '',
    'Examples:',
    '  npm run emulator -- --port 0 --strict',
    '  npm run emulator -- --5xx-rate 0.2 --429-rate 0.1 --commit-drop-rate 0.05 --outage 30',
    '  curl -s -XPOST localhost:4010/__admin/clock -d \'{"advanceMs": 604800000}\'   # a week passes',
    '',
  );
  return lines.join('\n');
}

/** Faults that differ from none, for the banner. */
export function describeFaults(f: Partial<Faults>, outageSeconds?: number): string {
  const parts: string[] = [];
  const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
  if (f.latencyMs) parts.push(`latency ${f.latencyMs} ms`);
  if (f.serverErrorRate) parts.push(`5xx ${pct(f.serverErrorRate)}`);
  if (f.throttleRate) parts.push(`429 ${pct(f.throttleRate)}`);
  if (f.dropRate) parts.push(`drop ${pct(f.dropRate)}`);
  if (f.slowRate) parts.push(`slow ${pct(f.slowRate)} × ${f.slowMs ?? 0} ms`);
  if (f.failNext) parts.push(`first ${f.failNext} calls ${f.failStatus ?? NO_FAULTS.failStatus}`);
  if (f.commitThenDropRate) parts.push(`commit-then-drop ${pct(f.commitThenDropRate)}`);
  if (f.commitThenSlowRate) parts.push(`commit-then-slow ${pct(f.commitThenSlowRate)} × ${f.commitThenSlowMs ?? 0} ms`);
  if (f.throttleRetryAfter && f.throttleRetryAfter !== NO_FAULTS.throttleRetryAfter) parts.push(`injected 429 Retry-After: ${f.throttleRetryAfter}`);
  if (outageSeconds) parts.push(`outage for the first ${outageSeconds} s`);
  return parts.length ? parts.join(', ') : 'none';
}

/** Realism as a short phrase: the preset, and each switch that differs from it. */
export function describeRealism(c: CliConfig): string {
  const preset = c.strict ? STRICT_REALISM : LENIENT_REALISM;
  const actual = resolveRealism(c);
  const changed = (Object.keys(actual) as (keyof Realism)[]).filter((k) => JSON.stringify(actual[k]) !== JSON.stringify(preset[k]));
  const base = c.strict ? 'strict preset' : 'lenient defaults';
  return changed.length ? `${base}, except ${changed.map((k) => `${k}=${show(actual[k])}`).join(', ')}` : base;
}
