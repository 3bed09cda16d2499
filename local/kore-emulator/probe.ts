import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';

/**
 * A raw caller for the emulator: signs tokens and sends requests exactly as given, with none of
 * the production client's checks or assumptions (on purpose: it imports nothing from lib/).
 * For the emulator's own tests and for poking at it by hand.
 */

export interface ProbeTarget {
  url: string;
  accountId: string;
  streamId: string;
}

export interface TokenOptions {
  clientId?: string;
  secret?: string;
  /** Seconds; `false` leaves `exp` out. Default 300. */
  expiresIn?: number | false;
  /** Default: a fresh random one per token; `false` leaves it out. */
  jti?: string | false;
  algorithm?: jwt.Algorithm;
  /** Extra or replacing claims (`appId` is set from `clientId` unless given here). */
  claims?: Record<string, unknown>;
}

export interface ProbeRequest {
  body?: unknown;
  /** Replaces the default `?accountId=<account>`; `''` sends no query. */
  query?: string;
  /** Merged over the default `auth`, `iid`, `accountId` and content-type headers; `''` removes one. */
  headers?: Record<string, string>;
  /** Path prefix; default `/campaign/api/v2/public/{streamId}/campaign`. */
  root?: string;
}

export interface ProbeReply {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON, or undefined when the body is not JSON. */
  json: unknown;
}

export const PROBE_CLIENT_ID = 'cs-test-client';
export const PROBE_CLIENT_SECRET = 'test-client-secret';

export class KoreProbe {
  constructor(
    readonly target: ProbeTarget,
    readonly credentials: { clientId: string; clientSecret: string } = { clientId: PROBE_CLIENT_ID, clientSecret: PROBE_CLIENT_SECRET },
  ) {}

  get v2(): string {
    return `/campaign/api/v2/public/${this.target.streamId}/campaign`;
  }

  token(o: TokenOptions = {}): string {
    const payload: Record<string, unknown> = { sub: 'probe', appId: o.clientId ?? this.credentials.clientId, ...o.claims };
    const jti = o.jti === undefined ? randomUUID() : o.jti;
    if (jti !== false) payload.jti = jti;
    const expiresIn = o.expiresIn === undefined ? 300 : o.expiresIn;
    return jwt.sign(payload, o.secret ?? this.credentials.clientSecret, {
      algorithm: o.algorithm ?? 'HS256',
      ...(expiresIn === false ? {} : { expiresIn }),
    });
  }

  /** Sends `method` to `root + path`; rejects when the connection drops with no reply. */
  async call(method: string, path: string, req: ProbeRequest = {}): Promise<ProbeReply> {
    const query = req.query ?? `?accountId=${this.target.accountId}`;
    const headers: Record<string, string> = {
      auth: this.token(),
      iid: this.target.streamId,
      accountId: this.target.accountId,
      ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...req.headers,
    };
    for (const [k, v] of Object.entries(headers)) if (v === '') delete headers[k];
    const res = await fetch(`${this.target.url}${req.root ?? this.v2}${path}${query}`, {
      method,
      headers,
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
    });
    return readReply(res);
  }

  /** `POST /__admin/<path>` with a JSON body. */
  async admin(method: string, path: string, body?: unknown): Promise<ProbeReply> {
    const res = await fetch(`${this.target.url}/__admin${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    return readReply(res);
  }
}

/** The reply's text, and its JSON when it is JSON. */
async function readReply(res: Response): Promise<ProbeReply> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}
