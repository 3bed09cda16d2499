import type { Faults } from './faults.js';
import type { RateLimitOptions } from './rate-window.js';
import type { Realism } from './realism.js';
import type { Seed, StateSnapshot } from './state.js';

/**
 * The `/__admin/*` API: what tests, `npm start` and a person at a terminal use to look at and
 * steer the emulator. Not Kore's: never recorded as a call, never faulted, never rate-limited.
 */

/** What the admin API drives; `KoreEmulator` implements it. */
export interface AdminTarget {
  state: { snapshot(): StateSnapshot };
  readonly calls: unknown[];
  readonly faults: Faults;
  readonly rateLimit: Required<RateLimitOptions>;
  readonly realism: Readonly<Realism>;
  resetCalls(): void;
  setFaults(patch: Partial<Faults>): void;
  outage(ms: number): void;
  setRateLimit(patch: Partial<RateLimitOptions>): void;
  setRealism(patch: Partial<Realism> & { preset?: 'lenient' | 'strict' }): void;
  seed(seed: Seed, opts?: { replace?: boolean }): void;
  rotateSecret(clientId: string, clientSecret: string): void;
  advanceClock(ms: number): void;
  setClockOffset(ms: number): void;
  clockInfo(): { offsetMs: number; now: string };
  reset(): void;
}

export interface AdminRoute {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  /** Body, in brief, for `--help` and the index. */
  body?: string;
  does: string;
  run: (t: AdminTarget, body: Record<string, unknown>) => AdminReply;
}

export interface AdminReply {
  status: number;
  body?: unknown;
}

const okJson = (body: unknown): AdminReply => ({ status: 200, body });

/** Every admin route; `--help` and `GET /__admin` list this table. */
export const ADMIN_ROUTES: AdminRoute[] = [
  { method: 'GET', path: '/__admin', does: 'this list of admin routes', run: () => okJson(adminIndex()) },
  { method: 'GET', path: '/__admin/state', does: 'the account: every list and campaign as stored', run: (t) => okJson(t.state.snapshot()) },
  { method: 'GET', path: '/__admin/calls', does: 'every API call received (never the JWT)', run: (t) => okJson(t.calls) },
  { method: 'DELETE', path: '/__admin/calls', does: 'forget recorded calls and the rate windows', run: (t) => (t.resetCalls(), { status: 204 }) },
  { method: 'GET', path: '/__admin/faults', does: 'current fault settings', run: (t) => okJson(t.faults) },
  {
    method: 'POST',
    path: '/__admin/faults',
    body: '{latencyMs?, serverErrorRate?, throttleRate?, dropRate?, slowRate?, slowMs?, failNext?, failStatus?, commitThenDropRate?, commitThenSlowRate?, commitThenSlowMs?, throttleRetryAfter?, throttleRetryAfterSeconds?, outageSeconds?}',
    does: 'change faults (unknown keys refused); outageSeconds: every call 503 for N s',
    run: (t, body) => {
      const { outageSeconds, ...rest } = body;
      if (outageSeconds !== undefined && (typeof outageSeconds !== 'number' || !(outageSeconds >= 0))) {
        return { status: 400, body: { error: 'outageSeconds must be a number ≥ 0' } };
      }
      t.setFaults(rest as Partial<Faults>);
      if (typeof outageSeconds === 'number') t.outage(outageSeconds * 1000);
      return okJson(t.faults);
    },
  },
  { method: 'GET', path: '/__admin/rate-limit', does: 'the per-account window settings', run: (t) => okJson(t.rateLimit) },
  {
    method: 'POST',
    path: '/__admin/rate-limit',
    body: '{perMinute?, windowMs?, retryAfter?}',
    does: 'change the per-account window (perMinute 0 = off)',
    run: (t, body) => (t.setRateLimit(body as Partial<RateLimitOptions>), okJson(t.rateLimit)),
  },
  { method: 'GET', path: '/__admin/realism', does: 'current realism switches', run: (t) => okJson(t.realism) },
  {
    method: 'POST',
    path: '/__admin/realism',
    body: '{preset?: "lenient"|"strict", <switch>: <value>, …}',
    does: 'change realism switches (a preset first, then the switches given)',
    run: (t, body) => (t.setRealism(body as Partial<Realism>), okJson(t.realism)),
  },
  { method: 'GET', path: '/__admin/clock', does: "Kore's clock: offset from the host clock and current time", run: (t) => okJson(t.clockInfo()) },
  {
    method: 'POST',
    path: '/__admin/clock',
    body: '{advanceMs} | {offsetMs}',
    does: "move Kore's clock (timestamps, rate window): let days pass without waiting",
    run: (t, body) => {
      const keys = Object.keys(body);
      if (keys.length !== 1 || (typeof body.advanceMs !== 'number' && typeof body.offsetMs !== 'number')) {
        return { status: 400, body: { error: 'send exactly one of {advanceMs: number ≥ 0} or {offsetMs: number}' } };
      }
      if (typeof body.advanceMs === 'number') t.advanceClock(body.advanceMs);
      else t.setClockOffset(body.offsetMs as number);
      return okJson(t.clockInfo());
    },
  },
  {
    method: 'POST',
    path: '/__admin/seed',
    body: '{lists?, campaigns?, replace?: boolean}',
    does: 'add lists/campaigns; replace:true empties the account first and makes this the seed reset returns to',
    run: (t, body) => {
      const { replace, lists, campaigns, ...rest } = body;
      const unknown = Object.keys(rest);
      if (unknown.length) return { status: 400, body: { error: `unknown seed key "${unknown[0]}" (known: lists, campaigns, replace)` } };
      if ((lists !== undefined && !Array.isArray(lists)) || (campaigns !== undefined && !Array.isArray(campaigns))) {
        return { status: 400, body: { error: 'lists and campaigns must be arrays' } };
      }
      if (replace !== undefined && typeof replace !== 'boolean') return { status: 400, body: { error: 'replace must be true or false' } };
      t.seed({ ...(lists ? { lists } : {}), ...(campaigns ? { campaigns } : {}) } as Seed, { replace: replace === true });
      return okJson(t.state.snapshot());
    },
  },
  {
    method: 'POST',
    path: '/__admin/reset',
    does: 'back to the starting seed, faults, rate limit, realism and clock; calls, rate windows and seen jtis forgotten',
    run: (t) => (t.reset(), okJson(t.state.snapshot())),
  },
  {
    method: 'POST',
    path: '/__admin/rotate',
    body: '{clientId, clientSecret}',
    does: 'secret rotation: the old secret stops working at once',
    run: (t, body) => {
      if (typeof body.clientId !== 'string' || typeof body.clientSecret !== 'string') {
        return { status: 400, body: { error: 'clientId and clientSecret are required' } };
      }
      t.rotateSecret(body.clientId, body.clientSecret);
      return okJson({ rotated: body.clientId });
    },
  },
];

export function adminIndex(): { method: string; path: string; body?: string; does: string }[] {
  return ADMIN_ROUTES.map(({ method, path, body, does }) => ({ method, path, ...(body ? { body } : {}), does }));
}

/** Runs one admin call. A setting the target refuses (a bad value, an unknown key) is a 400 naming it. */
export function handleAdmin(target: AdminTarget, method: string, path: string, raw: string): AdminReply {
  const route = ADMIN_ROUTES.find((r) => r.method === method && r.path === path.replace(/\/$/, ''));
  if (!route) return { status: 404, body: { error: `no admin route ${method} ${path}`, routes: adminIndex() } };
  let body: unknown;
  try {
    body = raw ? JSON.parse(raw) : {};
  } catch {
    return { status: 400, body: { error: 'body must be JSON' } };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { status: 400, body: { error: 'body must be a JSON object' } };
  try {
    return route.run(target, body as Record<string, unknown>);
  } catch (err) {
    if (err instanceof Error && ['FaultError', 'RealismError', 'RateLimitError', 'RangeError'].includes(err.name)) {
      return { status: 400, body: { error: err.message } };
    }
    throw err;
  }
}
