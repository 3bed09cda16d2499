import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { mulberry32 } from './prng.js';
import { AccountState } from './state.js';
import type { EmuList, Seed } from './state.js';

/**
 * A Kore Campaign API v2 emulator, faithful to ../shared/kore-api/REFERENCE.md: JWT checked,
 * headers and `accountId` required, 48/256 limits, in-use/DNC refusals, 404s, a per-account
 * calls-per-minute window, and fault injection. Loopback only; state in memory.
 */

export const RATE_LIMIT_TEXT = "You've exceeded the per-minute rate limit. Please wait for sometime before retrying.";

export interface Faults {
  /** Added to every reply. */
  latencyMs: number;
  /** Fraction of calls answered 500/502/503. */
  serverErrorRate: number;
  /** Fraction of calls answered 429 (as if other callers used the budget). */
  throttleRate: number;
  /** Fraction of calls whose connection is destroyed with no reply. */
  dropRate: number;
  /** Fraction of calls delayed by `slowMs` (e.g. longer than the client's timeout). */
  slowRate: number;
  slowMs: number;
  /** Every call fails with 503 until this epoch ms ("every call fails for N seconds"). */
  outageUntil: number;
  /** The next N calls fail with `failStatus` (deterministic 5xx-then-success scenarios). */
  failNext: number;
  failStatus: number;
}

export const NO_FAULTS: Faults = {
  latencyMs: 0,
  serverErrorRate: 0,
  throttleRate: 0,
  dropRate: 0,
  slowRate: 0,
  slowMs: 0,
  outageUntil: 0,
  failNext: 0,
  failStatus: 503,
};

export interface RateLimitOptions {
  /** Calls per window per account; 0 disables the limit. */
  perMinute: number;
  windowMs?: number;
  /** Send `Retry-After` (seconds) on 429s: Kore does not document one, so it is optional. */
  retryAfter?: boolean;
}

export interface EmulatorOptions {
  accountId?: string;
  streamId?: string;
  /** Client apps allowed to sign JWTs: clientId → clientSecret. */
  apps?: Record<string, string>;
  rateLimit?: RateLimitOptions;
  faults?: Partial<Faults>;
  seed?: Seed;
  /** Seed for the fault-injection PRNG. */
  randomSeed?: number;
  /** Deleting a campaign removes it from its lists' `campaignInUse` (default true). */
  campaignDeleteDetachesLists?: boolean;
  now?: () => number;
  host?: string;
  port?: number;
}

export interface RecordedCall {
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Request headers with the JWT removed (`auth` is replaced by `hasAuth`). */
  headers: Record<string, string>;
  hasAuth: boolean;
  /** Decoded (unverified) `appId` of the token, for assertions on which credentials were used. */
  appId?: string;
  body?: unknown;
  status: number;
  /** What the emulator did with it: `ok`, `dropped`, `fault-5xx`, `fault-429`, `outage`, `rate-limited`, `error`. */
  result: string;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const PREFIX = /^\/campaign\/api\/v2\/public\/([^/]+)\/campaign(\/.*)?$/;
const ERR = (status: number, msg: string, code?: number): Reply => ({
  status,
  body: { errors: [{ msg, code: code ?? status }] },
});

export class KoreEmulator {
  readonly accountId: string;
  readonly streamId: string;
  readonly state: AccountState;
  readonly calls: RecordedCall[] = [];
  faults: Faults;
  rateLimit: Required<RateLimitOptions>;
  private apps: Record<string, string>;
  private readonly now: () => number;
  private random: () => number;
  private readonly windows = new Map<string, number[]>();
  private readonly detach: boolean;
  private server?: Server;
  private readonly sockets = new Set<import('node:net').Socket>();
  private readonly opts: EmulatorOptions;

  constructor(opts: EmulatorOptions = {}) {
    this.opts = opts;
    this.accountId = opts.accountId ?? '67777ce93e25326494e1a2b3';
    this.streamId = opts.streamId ?? 'st-0603182c-7ffb-53c3-b307-47ca14b1a2b3';
    this.apps = { ...(opts.apps ?? { 'cs-test-client': 'test-client-secret' }) };
    this.now = opts.now ?? Date.now;
    this.state = new AccountState(this.accountId, this.streamId, this.now);
    this.faults = { ...NO_FAULTS, ...opts.faults };
    this.rateLimit = { perMinute: 60, windowMs: 60_000, retryAfter: true, ...opts.rateLimit };
    this.random = mulberry32(opts.randomSeed ?? 42);
    this.detach = opts.campaignDeleteDetachesLists ?? true;
    if (opts.seed) this.state.seed(opts.seed);
  }

  get url(): string {
    const addr = this.server?.address() as AddressInfo | null;
    if (!addr) throw new Error('emulator not started');
    return `http://127.0.0.1:${addr.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', resolve);
    });
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  setFaults(f: Partial<Faults>): void {
    this.faults = { ...this.faults, ...f };
  }

  /** Every call fails with 503 for the next `ms` milliseconds. */
  outage(ms: number): void {
    this.faults.outageUntil = this.now() + ms;
  }

  /** Secret rotation: the old secret stops working at once. */
  rotateSecret(clientId: string, clientSecret: string): void {
    this.apps[clientId] = clientSecret;
  }

  resetCalls(): void {
    this.calls.length = 0;
    this.windows.clear();
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

  // ---------------------------------------------------------------- request handling

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    let raw: string;
    try {
      raw = await readBody(req);
    } catch {
      return;
    }
    if (url.pathname.startsWith('/__admin/')) return this.admin(url, req.method ?? 'GET', raw, res);

    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (k !== 'auth' && typeof v === 'string') headers[k] = v;
    const token = typeof req.headers.auth === 'string' ? req.headers.auth : undefined;
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const call: RecordedCall = {
      at: this.now(),
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      hasAuth: token !== undefined,
      appId: token ? appIdOf(token) : undefined,
      body,
      status: 0,
      result: 'ok',
    };
    this.calls.push(call);

    const reply = await this.respond(call, token, url, body, req, res);
    if (!reply) return; // dropped
    call.status = reply.status;
    if (call.result === 'ok' && reply.status >= 400) call.result = 'error';
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    res.end(JSON.stringify(reply.body));
  }

  private async respond(
    call: RecordedCall,
    token: string | undefined,
    url: URL,
    body: unknown,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<Reply | undefined> {
    const f = this.faults;
    if (this.now() < f.outageUntil) {
      call.result = 'outage';
      return ERR(503, 'Service Unavailable');
    }
    if (f.failNext > 0) {
      f.failNext--;
      call.result = f.failStatus === 429 ? 'fault-429' : 'fault-5xx';
      return { ...ERR(f.failStatus, f.failStatus === 429 ? RATE_LIMIT_TEXT : 'Service Unavailable'), headers: f.failStatus === 429 && this.rateLimit.retryAfter ? { 'retry-after': '1' } : {} };
    }
    if (f.dropRate > 0 && this.random() < f.dropRate) {
      call.result = 'dropped';
      call.status = 0;
      req.socket.destroy();
      res.destroy();
      return undefined;
    }
    const delay = f.latencyMs + (f.slowRate > 0 && this.random() < f.slowRate ? f.slowMs : 0);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (f.serverErrorRate > 0 && this.random() < f.serverErrorRate) {
      call.result = 'fault-5xx';
      return ERR([500, 502, 503][Math.floor(this.random() * 3)] ?? 500, 'Internal Server Error');
    }
    if (f.throttleRate > 0 && this.random() < f.throttleRate) {
      call.result = 'fault-429';
      return { ...ERR(429, RATE_LIMIT_TEXT), headers: this.rateLimit.retryAfter ? { 'retry-after': '1' } : {} };
    }

    // --- what Kore itself enforces
    const auth = this.verify(token);
    if (auth) return auth;
    const iid = call.headers.iid;
    const accountHeader = call.headers.accountid;
    if (!iid) return ERR(400, 'iid header is required');
    if (!accountHeader) return ERR(400, 'accountId header is required');
    if (accountHeader !== this.accountId) return ERR(401, 'accountId does not match the app', 4002);
    const limited = this.takeRateSlot(accountHeader);
    if (limited) {
      call.result = 'rate-limited';
      return limited;
    }
    const m = PREFIX.exec(url.pathname);
    if (!m) return ERR(404, `No route for ${call.method} ${url.pathname}`);
    if (decodeURIComponent(m[1] ?? '') !== this.streamId) return ERR(404, 'Unknown streamId');
    if (url.searchParams.get('accountId') !== this.accountId) return ERR(400, 'accountId query parameter is required');
    return this.route(call.method, m[2] ?? '', url, body);
  }

  private verify(token: string | undefined): Reply | undefined {
    if (!token) return ERR(401, 'Invalid SDK credentials', 4002);
    const appId = appIdOf(token);
    const secret = appId ? this.apps[appId] : undefined;
    if (!secret) return ERR(401, 'Invalid SDK credentials', 4002);
    try {
      const claims = jwt.verify(token, secret, { algorithms: ['HS256'], clockTimestamp: Math.floor(this.now() / 1000) }) as jwt.JwtPayload;
      if (typeof claims.exp === 'number' && typeof claims.iat === 'number' && claims.exp - claims.iat > 3600) {
        return ERR(401, 'Token lifetime exceeds 1 hour', 4002);
      }
      return undefined;
    } catch {
      return ERR(401, 'Invalid SDK credentials', 4002);
    }
  }

  /** Sliding 60-second window per account (REFERENCE §4.3). Refused calls do not count. */
  private takeRateSlot(account: string): Reply | undefined {
    const { perMinute, windowMs, retryAfter } = this.rateLimit;
    if (!perMinute) return undefined;
    const now = this.now();
    const log = (this.windows.get(account) ?? []).filter((t) => t > now - windowMs);
    this.windows.set(account, log);
    if (log.length >= perMinute) {
      const waitS = Math.max(1, Math.ceil(((log[0] ?? now) + windowMs - now) / 1000));
      return { ...ERR(429, RATE_LIMIT_TEXT), headers: retryAfter ? { 'retry-after': String(waitS) } : {} };
    }
    log.push(now);
    return undefined;
  }

  private route(method: string, rest: string, url: URL, body: unknown): Reply {
    const s = this.state;
    const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    if (method === 'POST' && rest === '/contactList/createContactList') return this.createList(b);
    if (method === 'POST' && rest === '/contactList/getAllListDetails') {
      const type = url.searchParams.get('type');
      const lists = [...s.lists.values()].filter((l) => !type || l.listType === type).map(summary);
      return ok('', lists);
    }
    const listMatch = /^\/contactList\/([^/]+)$/.exec(rest);
    if (listMatch) {
      const id = decodeURIComponent(listMatch[1] ?? '');
      const list = s.lists.get(id);
      if (!list) return ERR(404, `Contact list ${id} not found`);
      if (method === 'GET') return ok('', list);
      if (method === 'PUT') return this.updateList(list, b);
      if (method === 'DELETE') return this.deleteList(list);
    }
    if (method === 'POST' && rest === '' && url.searchParams.get('campaignType')) return this.createCampaign(b);
    const campMatch = /^\/(cd-[^/]+)$/.exec(rest);
    if (campMatch) {
      const id = decodeURIComponent(campMatch[1] ?? '');
      const c = s.campaigns.get(id);
      if (!c) return ERR(404, `Campaign ${id} not found`);
      if (method === 'GET') return ok(`Campaign ${c.name} retrieved successfully`, c);
      if (method === 'DELETE') {
        const type = url.searchParams.get('campaignType');
        if (type !== 'voice' && type !== 'sms') return ERR(400, 'campaignType must be voice or sms');
        s.campaigns.delete(id);
        if (this.detach) s.detachCampaign(id);
        return ok(`Campaign ${c.name} deleted successfully`, c);
      }
    }
    return ERR(404, `No route for ${method} ${rest}`);
  }

  private checkText(b: Record<string, unknown>, required: boolean): Reply | undefined {
    for (const [key, max] of [['name', 48], ['description', 256]] as const) {
      const v = b[key];
      if (v === undefined && !required) continue;
      if (typeof v !== 'string' || (key === 'name' && !v.trim())) return ERR(400, `${key} is required and must be a string`);
      if ([...v].length > max) return ERR(400, `${key} must be at most ${max} characters`);
    }
    return undefined;
  }

  private createList(b: Record<string, unknown>): Reply {
    const bad = this.checkText(b, true);
    if (bad) return bad;
    if (typeof b.source !== 'string') return ERR(400, 'source is required');
    const name = b.name as string;
    if (this.state.findListByName(name)) return ERR(400, `Contact list ${name} already exists`);
    const list = this.state.addList({
      name,
      description: b.description as string,
      source: b.source,
      allowDuplicates: b.allowDuplicates === true,
    });
    return ok(`Contact list ${name} created successfully`, list);
  }

  private updateList(list: EmuList, b: Record<string, unknown>): Reply {
    const bad = this.checkText(b, false);
    if (bad) return bad;
    if (b.name === undefined && b.description === undefined) return ERR(400, 'name or description is required');
    if (list.isGlobalDNC || list.isDefault) return ERR(400, 'The default and global DNC lists cannot be renamed');
    if (typeof b.name === 'string') {
      const other = this.state.findListByName(b.name);
      if (other && other._id !== list._id) return ERR(400, `Contact list ${b.name} already exists`);
      list.name = b.name;
      list.lname = b.name.toLowerCase();
    }
    if (typeof b.description === 'string') list.description = b.description;
    this.state.touch(list);
    return ok(`Contact list ${list.name} updated successfully`, {
      contactListId: list._id,
      body: {
        name: list.name,
        ...(typeof b.description === 'string' ? { description: list.description } : {}),
        scope: ['campaign_management'],
        orgId: list.orgId,
        iId: list.iId,
        listType: list.listType,
        accountId: list.accountId,
        updatedBy: list.updatedBy,
      },
    });
  }

  private deleteList(list: EmuList): Reply {
    if (list.campaignInUse.length > 0 || list.isListInUse) {
      return ERR(400, `Contact list ${list.name} is in use by a campaign and cannot be deleted`);
    }
    if (list.isGlobalDNC || list.isDefault) {
      return ERR(400, `Contact list ${list.name} is a global DNC or default list and is in use; it cannot be deleted`);
    }
    this.state.lists.delete(list._id);
    // REFERENCE §6.7: the echoed object still shows isActive:true.
    return ok(`Contact list ${list.name} deleted successfully`, list);
  }

  private createCampaign(b: Record<string, unknown>): Reply {
    const bad = this.checkText({ name: b.name, ...(b.description !== undefined ? { description: b.description } : {}) }, false);
    if (bad || typeof b.name !== 'string') return bad ?? ERR(400, 'name is required');
    const lists = Array.isArray(b.contactLists) ? b.contactLists.filter((x): x is string => typeof x === 'string') : [];
    for (const name of lists) if (!this.state.findListByName(name)) return ERR(400, `Contact list ${name} not found`);
    const dnc = (b.dncLists as { name?: unknown } | undefined)?.name;
    const c = this.state.addCampaign({
      name: b.name,
      description: typeof b.description === 'string' ? b.description : '',
      contactLists: lists,
      ...(typeof dnc === 'string' ? { dncList: dnc } : {}),
      status: 'Preparing',
    });
    return ok(`Campaign ${c.name} creation in progress`, { ...c, id: c._id });
  }

  // ---------------------------------------------------------------- admin API (tests, `npm start`, by hand)

  private admin(url: URL, method: string, raw: string, res: ServerResponse): void {
    let body: Record<string, unknown>;
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      return send(res, 400, { error: 'body must be JSON' });
    }
    const route = `${method} ${url.pathname}`;
    switch (route) {
      case 'GET /__admin/state':
        return send(res, 200, this.state.snapshot());
      case 'GET /__admin/calls':
        return send(res, 200, this.calls);
      case 'DELETE /__admin/calls':
        this.resetCalls();
        return send(res, 204, {});
      case 'GET /__admin/faults':
        return send(res, 200, this.faults);
      case 'POST /__admin/faults': {
        const { outageSeconds, ...rest } = body;
        this.setFaults(rest as Partial<Faults>);
        if (typeof outageSeconds === 'number') this.outage(outageSeconds * 1000);
        return send(res, 200, this.faults);
      }
      case 'POST /__admin/rate-limit':
        this.rateLimit = { ...this.rateLimit, ...(body as Partial<RateLimitOptions>) };
        return send(res, 200, this.rateLimit);
      case 'POST /__admin/seed':
        this.state.seed(body as Seed);
        return send(res, 200, this.state.snapshot());
      case 'POST /__admin/rotate':
        if (typeof body.clientId !== 'string' || typeof body.clientSecret !== 'string') {
          return send(res, 400, { error: 'clientId and clientSecret are required' });
        }
        this.rotateSecret(body.clientId, body.clientSecret);
        return send(res, 200, { rotated: body.clientId });
      default:
        return send(res, 404, { error: `no admin route ${route}` });
    }
  }
}

function ok(message: string, data: unknown): Reply {
  return { status: 200, body: { status: 'success', message, data } };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(status === 204 ? undefined : JSON.stringify(body));
}

/** getAllListDetails returns summaries: no createdAt/createdBy (REFERENCE §2.2). */
function summary(l: EmuList): Record<string, unknown> {
  return {
    _id: l._id,
    name: l.name,
    description: l.description,
    totalRecordCount: l.totalRecordCount,
    status: l.status,
    mapping: l.mapping,
    isListInUse: l.isListInUse,
    listType: l.listType,
    campaignInUse: l.campaignInUse,
    source: l.source,
    apiConfigurations: l.apiConfigurations,
    columns: l.columns,
    files: l.files,
    updatedAt: l.updatedAt,
    isGlobalDNC: l.isGlobalDNC,
    isDefault: l.isDefault,
  };
}

function appIdOf(token: string): string | undefined {
  const decoded = jwt.decode(token);
  return decoded && typeof decoded === 'object' && typeof decoded.appId === 'string' ? decoded.appId : undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
