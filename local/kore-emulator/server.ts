import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer } from './loopback-server.js';
import { handleAdmin } from './admin.js';
import type { AdminTarget } from './admin.js';
import { peekClaims, TokenVerifier } from './auth.js';
import { EmulatorClock } from './clock.js';
import { applyFaults, FaultInjector, RATE_LIMIT_TEXT } from './faults.js';
import type { Faults } from './faults.js';
import { mulberry32 } from './prng.js';
import { applyRateLimit, DEFAULT_RATE_LIMIT, RateWindow } from './rate-window.js';
import type { RateLimitOptions } from './rate-window.js';
import { applyRealism, LENIENT_REALISM, REALISM_PRESETS, RealismError } from './realism.js';
import type { Realism } from './realism.js';
import { koreError } from './reply.js';
import type { Reply } from './reply.js';
import { routeApiCall } from './routes.js';
import { AccountState } from './state.js';
import type { Seed, StateSnapshot } from './state.js';

/**
 * A Kore Campaign Management API emulator, faithful to what Kore documents (docs/kore-api.md) and
 * switchable where Kore leaves a behaviour open (realism.ts). This file is the HTTP shell: it
 * listens on loopback, records calls, and runs each call through faults → auth → headers →
 * rate window → routes → delivery faults. State lives in memory.
 */

export { RATE_LIMIT_TEXT, NO_FAULTS } from './faults.js';
export type { Faults, RetryAfterFormat } from './faults.js';
export type { RateLimitOptions } from './rate-window.js';
export { IN_USE_REFUSALS, LENIENT_REALISM, STRICT_REALISM, REALISM_PRESETS } from './realism.js';
export type { InUseRefusal, InUseRefusalName, OmitListFields, Realism, RealismPreset } from './realism.js';
export type { Seed, SeedCampaign, SeedList, EmuCampaign, EmuList, CampaignStatus, CampaignType } from './state.js';
export { CAMPAIGN_STATUSES } from './state.js';
export { ADMIN_ROUTES } from './admin.js';

export interface EmulatorOptions {
  accountId?: string;
  streamId?: string;
  /** Client apps allowed to sign JWTs: clientId → clientSecret. */
  apps?: Record<string, string>;
  rateLimit?: RateLimitOptions;
  faults?: Partial<Faults>;
  /** Kore behaviours its docs leave open; lenient defaults (realism.ts). `STRICT_REALISM` turns every strict variant on. */
  realism?: Partial<Realism>;
  seed?: Seed;
  /** Seed for the fault-injection PRNG. */
  randomSeed?: number;
  /** @deprecated use `realism.detachOnCampaignDelete` (this wins only when `realism` does not set it). */
  campaignDeleteDetachesLists?: boolean;
  /** The host clock (default `Date.now`); Kore's clock is this plus an offset (`advanceClock`). */
  now?: () => number;
  /** Loopback only: `127.0.0.1` (default), `::1` or `localhost`. */
  host?: string;
  port?: number;
}

export interface RecordedCall {
  /** Kore time (emulator clock) at arrival. */
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Request headers with the JWT removed (`auth` is replaced by `hasAuth`). */
  headers: Record<string, string>;
  hasAuth: boolean;
  /** Decoded (unverified) `appId` of the token, for assertions on which credentials were used. */
  appId?: string;
  /** Decoded (unverified) `jti` of the token. */
  jti?: string;
  body?: unknown;
  /** Status sent; 0 when no reply was sent (dropped connection). */
  status: number;
  /**
   * What happened: `ok`, `error` (Kore answered ≥ 400), `dropped`, `fault-5xx`, `fault-429`,
   * `outage`, `rate-limited`, `committed-dropped` (applied, then the connection was destroyed),
   * `committed-slow` (applied, reply held back for `commitThenSlowMs`).
   */
  result: string;
  /** Kore applied a change for this call (whatever the client saw). */
  committed?: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export class KoreEmulator implements AdminTarget {
  readonly accountId: string;
  readonly streamId: string;
  readonly state: AccountState;
  readonly calls: RecordedCall[] = [];
  readonly clock: EmulatorClock;
  /** The per-account window's settings; may be changed in place (`rateLimit.perMinute = 0`). */
  rateLimit: Required<RateLimitOptions>;
  private realismNow: Realism;
  private readonly injector: FaultInjector;
  private readonly tokens: TokenVerifier;
  private readonly window: RateWindow;
  private readonly opts: EmulatorOptions;
  /** What `reset()` returns to. */
  private baseline: { state: StateSnapshot; faults: Faults; rateLimit: Required<RateLimitOptions>; realism: Realism };
  private readonly http = new LoopbackServer((req, res) => void this.handle(req, res));
  private readonly listeners = new Set<(call: RecordedCall) => void>();

  constructor(opts: EmulatorOptions = {}) {
    this.opts = opts;
    if (opts.host !== undefined && !LOOPBACK.has(opts.host)) throw new Error(`the Kore emulator listens on loopback only, not ${opts.host}`);
    this.accountId = opts.accountId ?? '67777ce93e25326494e1a2b3';
    this.streamId = opts.streamId ?? 'st-0603182c-7ffb-53c3-b307-47ca14b1a2b3';
    const wall = opts.now ?? Date.now;
    this.clock = new EmulatorClock(wall);
    this.state = new AccountState(this.accountId, this.streamId, this.clock.now);
    this.tokens = new TokenVerifier(opts.apps ?? { 'cs-test-client': 'test-client-secret' }, wall);
    this.window = new RateWindow(this.clock.now);
    this.injector = new FaultInjector(opts.faults ?? {}, mulberry32(opts.randomSeed ?? 42), wall);
    this.rateLimit = applyRateLimit(DEFAULT_RATE_LIMIT, opts.rateLimit ?? {});
    this.realismNow = applyRealism(LENIENT_REALISM, {
      ...(opts.campaignDeleteDetachesLists !== undefined ? { detachOnCampaignDelete: opts.campaignDeleteDetachesLists } : {}),
      ...opts.realism,
    });
    if (opts.seed) this.state.seed(opts.seed);
    this.baseline = {
      state: this.state.copy(),
      faults: { ...this.injector.faults },
      rateLimit: { ...this.rateLimit },
      realism: applyRealism(this.realismNow, {}),
    };
  }

  get url(): string {
    const addr = this.http.address();
    if (!addr) throw new Error('emulator not started');
    return `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  }

  async start(): Promise<this> {
    await this.http.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1');
    return this;
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  // ---------------------------------------------------------------- settings (also the admin API's)

  /** Current fault settings; a live object (changing a field changes the faults). */
  get faults(): Faults {
    return this.injector.faults;
  }

  set faults(f: Faults) {
    this.injector.faults = applyFaults(this.injector.faults, f);
  }

  setFaults(patch: Partial<Faults>): void {
    this.injector.faults = applyFaults(this.injector.faults, patch);
  }

  /** Every call fails with 503 for the next `ms` milliseconds. */
  outage(ms: number): void {
    this.injector.outage(ms);
  }

  setRateLimit(patch: Partial<RateLimitOptions>): void {
    this.rateLimit = applyRateLimit(this.rateLimit, patch);
  }

  get realism(): Readonly<Realism> {
    return this.realismNow;
  }

  /** Changes realism switches; `preset` (`lenient`|`strict`) first, then the switches given. */
  setRealism(patch: Partial<Realism> & { preset?: 'lenient' | 'strict' }): void {
    const { preset, ...rest } = patch;
    if (preset !== undefined && !Object.hasOwn(REALISM_PRESETS, preset)) throw new RealismError('preset must be "lenient" or "strict"');
    this.realismNow = applyRealism(preset ? REALISM_PRESETS[preset] : this.realismNow, rest);
  }

  /** Secret rotation: the old secret stops working at once. */
  rotateSecret(clientId: string, clientSecret: string): void {
    this.tokens.rotate(clientId, clientSecret);
  }

  /** Adds lists and campaigns; `replace` empties the account first and makes `seed` what `reset()` returns to. */
  seed(seed: Seed, opts: { replace?: boolean } = {}): void {
    if (opts.replace) this.state.clear();
    this.state.seed(seed);
    if (opts.replace) this.baseline.state = this.state.copy();
  }

  /** Lets Kore time pass: account timestamps and the rate window move `ms` ahead. */
  advanceClock(ms: number): void {
    this.clock.advance(ms);
  }

  setClockOffset(ms: number): void {
    this.clock.setOffset(ms);
  }

  clockInfo(): { offsetMs: number; now: string } {
    return { offsetMs: this.clock.offsetMs, now: this.clock.iso() };
  }

  /**
   * Back to the start: the seed the emulator started with (or the last replacing seed), its
   * starting faults, rate limit, realism and clock; recorded calls, rate windows and seen `jti`s
   * forgotten. Secrets stay as rotated (a local secret store still holds the new one).
   */
  reset(): void {
    this.state.restore(this.baseline.state);
    this.injector.faults = { ...this.baseline.faults };
    this.rateLimit = { ...this.baseline.rateLimit };
    this.realismNow = applyRealism(this.baseline.realism, {});
    this.clock.setOffset(0);
    this.tokens.forgetJtis();
    this.resetCalls();
  }

  /**
   * Runs `fn` after each API call Kore processed, before its reply is sent: a test's way to have
   * someone else change the account at an exact point (a campaign created right after a listing).
   * Returns the function that removes it. In-process only; not part of the admin API.
   */
  onApiCall(fn: (call: RecordedCall) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  resetCalls(): void {
    this.calls.length = 0;
    this.window.clear();
  }

  /** Calls that reached Kore's API (admin calls excluded), optionally filtered. */
  apiCalls(filter?: { method?: string; pathIncludes?: string; result?: string }): RecordedCall[] {
    return this.calls.filter(
      (c) =>
        (!filter?.method || c.method === filter.method) &&
        (!filter?.pathIncludes || c.path.includes(filter.pathIncludes)) &&
        (!filter?.result || c.result === filter.result),
    );
  }

  // ---------------------------------------------------------------- one call

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw: string;
    try {
      raw = await readBody(req);
    } catch {
      return;
    }
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    try {
      if (url.pathname === '/__admin' || url.pathname.startsWith('/__admin/')) {
        const r = handleAdmin(this, method, url.pathname, raw);
        res.writeHead(r.status, { 'content-type': 'application/json' });
        res.end(r.status === 204 || r.body === undefined ? undefined : JSON.stringify(r.body));
        return;
      }
      await this.handleApi(req, res, url, method, raw);
    } catch (err) {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ msg: `emulator error: ${err instanceof Error ? err.message : String(err)}`, code: 500 }] }));
      }
    }
  }

  private async handleApi(req: IncomingMessage, res: ServerResponse, url: URL, method: string, raw: string): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (k !== 'auth' && typeof v === 'string') headers[k] = v;
    const token = typeof req.headers.auth === 'string' ? req.headers.auth : undefined;
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const claims = token ? peekClaims(token) : {};
    const call: RecordedCall = {
      at: this.clock.now(),
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      hasAuth: token !== undefined,
      ...claims,
      body,
      status: 0,
      result: 'ok',
    };
    this.calls.push(call);

    // Faults before Kore sees the call: nothing is applied.
    const gate = this.injector.gate();
    if (gate.kind === 'drop') {
      call.result = 'dropped';
      return destroy(req, res);
    }
    if (gate.kind === 'reply') {
      call.result = gate.result;
      return this.send(res, call, gate.reply);
    }
    if (gate.delayMs > 0) await this.sleep(gate.delayMs);
    const injected = this.injector.afterDelay();
    if (injected) {
      call.result = injected.result;
      return this.send(res, call, injected.reply);
    }

    const reply = this.process(call, token, url, body);
    if (reply.committed) call.committed = true;
    // What the rest of the account did meanwhile (tests): after this call, before its reply.
    for (const listener of [...this.listeners]) listener(call);

    // Faults after Kore applied the call: the change stays, the reply is lost or late.
    const delivery = this.injector.delivery(reply);
    if (delivery.kind === 'drop') {
      call.result = 'committed-dropped';
      return destroy(req, res);
    }
    if (delivery.kind === 'hold') {
      call.result = 'committed-slow';
      await this.sleep(delivery.ms);
      if (res.destroyed || req.socket.destroyed) {
        call.status = 0;
        return;
      }
    }
    this.send(res, call, reply);
  }

  /** What Kore itself enforces, in order: token, headers, per-account window, then the route. */
  private process(call: RecordedCall, token: string | undefined, url: URL, body: unknown): Reply {
    const denied = this.tokens.verify(token, this.realismNow);
    if (denied) return denied;
    const iid = call.headers.iid;
    const accountHeader = call.headers.accountid;
    if (!iid) return koreError(400, 'iid header is required');
    if (!accountHeader) return koreError(400, 'accountId header is required');
    if (accountHeader !== this.accountId) return koreError(401, 'accountId does not match the app', 4002);
    const slot = this.window.take(accountHeader, this.rateLimit);
    if (!slot.ok) {
      call.result = 'rate-limited';
      return { ...koreError(429, RATE_LIMIT_TEXT), headers: this.rateLimit.retryAfter ? { 'retry-after': String(slot.retryAfterSeconds) } : {} };
    }
    return routeApiCall({ method: call.method, path: url.pathname, query: url.searchParams, body }, this.state, this.realismNow);
  }

  private send(res: ServerResponse, call: RecordedCall, reply: Reply): void {
    call.status = reply.status;
    if (call.result === 'ok' && reply.status >= 400) call.result = 'error';
    if (res.destroyed) return;
    const contentType = reply.html ? 'text/html; charset=utf-8' : 'application/json';
    res.writeHead(reply.status, { 'content-type': contentType, ...reply.headers });
    res.end(reply.html ? String(reply.body) : JSON.stringify(reply.body));
  }

  private sleep(ms: number): Promise<void> {
    return this.http.sleep(ms);
  }
}

function destroy(req: IncomingMessage, res: ServerResponse): void {
  req.socket.destroy();
  res.destroy();
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
