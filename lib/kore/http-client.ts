import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { Deadline } from '../deadline.js';
import { DeadlineError, isRetryable, ListingTooLargeError, StaleEvidenceError } from '../errors.js';
import type { RateLimiter } from '../rate-limit.js';
import type { RetryPolicy } from '../retry.js';
import { withRetry } from '../retry.js';
import { pacedCallsMs } from '../time-budget.js';
import { TokenSigner } from './auth.js';
import type { CallOptions, CampaignPage, CampaignPageQuery, DeleteResult, KoreClient, ListScan } from './client.js';
import type { CredentialsSource } from './credentials.js';
import {
  KoreArgumentError,
  KoreNetworkError,
  KoreNotFoundError,
  KoreThrottledError,
  KoreTimeoutError,
  KoreUnauthorizedError,
  KoreUnexpectedReplyError,
  classifyResponse,
} from './errors.js';
import { campaignId, contactListId, streamId as checkStreamId } from './ids.js';
import type { ListScanResult } from './list-scan.js';
import { ListScanError, ListScanTooLargeError, scanListStream } from './list-scan.js';
import { descriptionProblem, nameProblem } from './limits.js';
import type { CampaignType, ContactListPatch, CreateContactListInput, KoreCredentials, KoreObject } from './types.js';

export interface HttpKoreClientOptions {
  credentials: CredentialsSource;
  limiter?: RateLimiter;
  fetch?: typeof fetch;
  /** One attempt's timeout (KORE_TIMEOUT_MS). */
  timeoutMs?: number;
  retryPolicy?: RetryPolicy;
  clock?: Clock;
  random?: () => number;
  signer?: TokenSigner;
  /**
   * How long to pause every caller after a 429 that names no Retry-After. Kore's window is 60 s
   * per account (docs/kore-api.md, "Rate limit"), so waiting up to that long frees a slot.
   */
  throttlePauseMs?: number;
}

interface RequestSpec {
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below `/campaign/api/v2/public/{streamId}/campaign`, built from validated ids only. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** The older DELETE reply is `{status, message}` with no `data` (docs/kore-api.md, "Delete contact list"). */
  dataOptional?: boolean;
  /**
   * The path names one entity (a list, a campaign), so Kore's JSON 404 means that entity is not
   * there. For collection routes (listings, create) a 404 means the route itself is wrong.
   */
  entity?: boolean;
  /**
   * Reads a 2xx reply's body as it streams instead of as text (getAllListDetails, lib/kore/list-scan.ts):
   * returns what stands for the parsed body. Errors are read whole as usual.
   */
  stream?: (body: ReadableStream<Uint8Array>) => Promise<unknown>;
}

interface Envelope {
  status?: string;
  message?: string;
  data?: unknown;
}

/** What one logical request saw across its attempts. */
interface RequestState {
  /** An attempt of this request got no reply: if it was a write, Kore may have applied it. */
  lostReply: boolean;
}

/** The HTTP adapter of KoreClient, on Node's fetch. */
export class HttpKoreClient implements KoreClient {
  private readonly creds: CredentialsSource;
  private readonly limiter?: RateLimiter;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly retryPolicy?: RetryPolicy;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly signer: TokenSigner;
  private readonly throttlePauseMs: number;

  constructor(opts: HttpKoreClientOptions) {
    this.creds = opts.credentials;
    this.limiter = opts.limiter;
    this.fetchImpl = opts.fetch ?? fetch;
    this.timeoutMs = opts.timeoutMs ?? 8_000;
    this.retryPolicy = opts.retryPolicy;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.signer = opts.signer ?? new TokenSigner({ now: () => this.clock.now() });
    this.throttlePauseMs = opts.throttlePauseMs ?? 60_000;
  }

  fits(calls: number, deadline: Deadline): boolean {
    if (calls <= 0) return !deadline.expired();
    const pacing = { callsPerMinute: this.limiter?.perMinute ?? Number.POSITIVE_INFINITY, koreTimeoutMs: this.timeoutMs };
    return deadline.fits((this.limiter?.waitMs() ?? 0) + pacedCallsMs(calls, pacing));
  }

  nextCallInMs(): number {
    return this.limiter?.waitMs() ?? 0;
  }

  async getContactList(id: string, opts?: CallOptions): Promise<KoreObject> {
    const path = `/contactList/${encodeURIComponent(contactListId(id))}`;
    return objectData(await this.request({ operation: 'getContactList', method: 'GET', path, entity: true }, opts), 'getContactList');
  }

  async updateContactList(id: string, patch: ContactListPatch, opts?: CallOptions): Promise<KoreObject | undefined> {
    const path = `/contactList/${encodeURIComponent(contactListId(id))}`;
    const body: ContactListPatch = {};
    if (patch.name !== undefined) body.name = checkText(patch.name, nameProblem, 'updateContactList');
    if (patch.description !== undefined) body.description = checkText(patch.description, descriptionProblem, 'updateContactList');
    if (body.name === undefined && body.description === undefined) {
      throw new KoreArgumentError('updateContactList: give a name or a description', { operation: 'updateContactList' });
    }
    const env = await this.request({ operation: 'updateContactList', method: 'PUT', path, body, entity: true }, opts);
    return isObject(env.data) ? env.data : undefined;
  }

  async deleteContactList(id: string, opts?: CallOptions): Promise<DeleteResult> {
    const path = `/contactList/${encodeURIComponent(contactListId(id))}`;
    return this.delete({ operation: 'deleteContactList', method: 'DELETE', path, dataOptional: true, entity: true }, opts);
  }

  async createContactList(input: CreateContactListInput, opts?: CallOptions): Promise<KoreObject> {
    const body = {
      name: checkText(input.name, nameProblem, 'createContactList'),
      description: checkText(input.description, descriptionProblem, 'createContactList'),
      source: input.source ?? 'passiveApi',
      ...(input.allowDuplicates !== undefined ? { allowDuplicates: input.allowDuplicates } : {}),
    };
    const env = await this.request({ operation: 'createContactList', method: 'POST', path: '/contactList/createContactList', body }, opts);
    return objectData(env, 'createContactList');
  }

  async scanContactLists(needles: readonly string[], opts?: CallOptions, limits: { maxBytes?: number } = {}): Promise<ListScan> {
    let scan: ListScanResult | undefined;
    const env = await this.request(
      {
        operation: 'scanContactLists',
        method: 'POST',
        path: '/contactList/getAllListDetails',
        query: { type: 'call' },
        body: {},
        stream: async (body) => {
          try {
            scan = await scanListStream(body, needles, limits.maxBytes);
          } catch (err) {
            if (err instanceof ListScanTooLargeError) throw new ListingTooLargeError(`scanContactLists: ${err.message}: not read further`, { cause: err });
            if (err instanceof ListScanError) {
              throw new KoreUnexpectedReplyError(`scanContactLists: ${err.message}`, { operation: 'scanContactLists', cause: err });
            }
            throw err;
          }
          return { ...scan.envelope, data: [] };
        },
      },
      opts,
    );
    if (!scan || !Array.isArray(env.data)) throw new KoreUnexpectedReplyError('scanContactLists: no listing was read', { operation: 'scanContactLists' });
    return { lists: scan.matches, seen: scan.seen, bytes: scan.bytes };
  }

  async listContactLists(opts?: CallOptions): Promise<KoreObject[]> {
    // No body is documented; `{}` is what a JSON POST without fields looks like.
    const env = await this.request(
      { operation: 'listContactLists', method: 'POST', path: '/contactList/getAllListDetails', query: { type: 'call' }, body: {} },
      opts,
    );
    if (!Array.isArray(env.data) || !env.data.every(isObject)) {
      throw new KoreUnexpectedReplyError('listContactLists: Kore replied without an array of lists in data', { operation: 'listContactLists' });
    }
    return env.data;
  }

  async getCampaign(id: string, opts?: CallOptions): Promise<KoreObject> {
    const path = `/${encodeURIComponent(campaignId(id))}`;
    return objectData(await this.request({ operation: 'getCampaign', method: 'GET', path, entity: true }, opts), 'getCampaign');
  }

  async deleteCampaign(id: string, opts: CallOptions & { campaignType: CampaignType }): Promise<DeleteResult> {
    const path = `/${encodeURIComponent(campaignId(id))}`;
    if (opts.campaignType !== 'voice' && opts.campaignType !== 'sms') {
      throw new KoreArgumentError('deleteCampaign: campaignType must be voice or sms', { operation: 'deleteCampaign' });
    }
    return this.delete(
      { operation: 'deleteCampaign', method: 'DELETE', path, query: { campaignType: opts.campaignType }, dataOptional: true, entity: true },
      opts,
    );
  }

  async campaignPage(type: CampaignType, query: CampaignPageQuery, opts?: CallOptions): Promise<CampaignPage> {
    if (!Number.isSafeInteger(query.skip) || query.skip < 0 || !Number.isSafeInteger(query.limit) || query.limit < 1) {
      throw new KoreArgumentError('campaignPage: skip must be ≥ 0 and limit ≥ 1', { operation: 'campaignPage' });
    }
    // Paged by `skip` (what was returned so far), never by `page`: a page number assumes every page came back full.
    const body = { type, skip: query.skip, limit: query.limit, ...(query.sortBy ? { sortBy: query.sortBy } : {}) };
    const env = await this.request({ operation: 'campaignPage', method: 'POST', path: '/getAllCampaignDetails', body }, opts);
    const data = env.data as { results?: unknown; hasMore?: unknown; totalResults?: unknown } | undefined;
    if (!isObject(data) || !Array.isArray(data.results) || !data.results.every(isObject) || typeof data.hasMore !== 'boolean') {
      throw new KoreUnexpectedReplyError('campaignPage: Kore replied without data.results and data.hasMore', { operation: 'campaignPage' });
    }
    const total = data.totalResults;
    return {
      results: data.results as KoreObject[],
      hasMore: data.hasMore,
      ...(typeof total === 'number' && Number.isSafeInteger(total) && total >= 0 ? { totalResults: total } : {}),
    };
  }

  private async delete(spec: RequestSpec, opts?: CallOptions): Promise<DeleteResult> {
    const state: RequestState = { lostReply: false };
    try {
      const env = await this.request(spec, opts, state);
      return { deleted: true, ...(isObject(env.data) ? { data: env.data } : {}), ...(env.message ? { message: env.message } : {}) };
    } catch (err) {
      // Only Kore's own JSON 404 gets here as KoreNotFoundError (an HTML 404 is an unexpected reply).
      if (err instanceof KoreNotFoundError)
        return { deleted: false, afterLostReply: state.lostReply, ...(err.koreMessage ? { message: err.koreMessage } : {}) };
      throw err;
    }
  }

  /**
   * One logical request: limiter → sign → fetch with a timeout → classify, with at most two
   * retries. A 401 gets one secret refresh and one re-signed attempt, then gives up for this
   * invocation (at most 2 calls per record on a persistent 401). A 429 pauses the shared limiter.
   */
  private async request(spec: RequestSpec, opts: CallOptions = {}, state: RequestState = { lostReply: false }): Promise<Envelope> {
    const deadline = opts.deadline ?? Deadline.none(this.clock);
    let creds = await this.creds.get(deadline);
    let refreshed = false;
    const attempt = async (): Promise<Envelope> => {
      try {
        return await this.attempt(spec, creds, opts, deadline, state);
      } catch (err) {
        if (err instanceof KoreUnauthorizedError && !refreshed) {
          // A 401 usually means the secret was rotated: re-read it and try once more.
          refreshed = true;
          creds = await this.creds.refresh(creds, deadline);
          return this.attempt(spec, creds, opts, deadline, state);
        }
        throw err;
      }
    };
    return withRetry(attempt, {
      policy: this.retryPolicy,
      clock: this.clock,
      random: this.random,
      deadline,
      attemptBudgetMs: this.timeoutMs,
      retryAfterMs: (e) => (e instanceof KoreThrottledError ? e.retryAfterMs : undefined),
      // Stale evidence is never retried here: only a new receive reads it again.
      shouldRetry: (e) => isRetryable(e) && !(e instanceof KoreUnauthorizedError) && !(e instanceof StaleEvidenceError),
    });
  }

  private async attempt(spec: RequestSpec, creds: KoreCredentials, opts: CallOptions, deadline: Deadline, state: RequestState): Promise<Envelope> {
    deadline.require(this.timeoutMs, spec.operation);
    // The limiter must hand out the slot early enough for the call to finish in time.
    await this.limiter?.acquire({ latestStart: deadline.at - this.timeoutMs, deadline });
    opts.beforeAttempt?.();
    const timeoutMs = deadline.attemptTimeout(this.timeoutMs, spec.operation);
    const stream = checkStreamId(opts.streamId ?? creds.streamId);
    const url = new URL(`/campaign/api/v2/public/${encodeURIComponent(stream)}/campaign${spec.path}`, creds.host);
    url.searchParams.set('accountId', creds.accountId);
    for (const [k, v] of Object.entries(spec.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = {
      auth: this.signer.token(creds),
      iid: creds.iid ?? stream,
      accountId: creds.accountId,
      accept: 'application/json',
    };
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.stats) opts.stats.koreCalls++;
    let res: Response;
    let text: string;
    let streamed: unknown;
    try {
      res = await this.fetchImpl(url, {
        method: spec.method,
        headers,
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal: deadline.signal(timeoutMs),
        redirect: 'error',
      });
      streamed = res.ok && spec.stream && res.body ? await spec.stream(res.body) : undefined;
      text = streamed === undefined ? await res.text() : '';
    } catch (err) {
      if (err instanceof KoreUnexpectedReplyError || err instanceof ListingTooLargeError) throw err;
      state.lostReply = true;
      const name = (err as { name?: string })?.name;
      if (deadline.cancelled?.aborted) throw new DeadlineError(`${spec.operation}: the invocation was given up`, { cause: err });
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new KoreTimeoutError(`${spec.operation}: no reply within ${timeoutMs} ms`, { operation: spec.operation, cause: err });
      }
      // The message names the failure (ECONNREFUSED, socket hang up), never the URL's credentials: there are none in it.
      throw new KoreNetworkError(`${spec.operation}: ${networkCause(err)}`, { operation: spec.operation, cause: err });
    }
    const body = streamed ?? parseBody(text);
    const error = classifyResponse(res.status, body, { operation: spec.operation, retryAfter: res.headers.get('retry-after'), nowMs: this.clock.now() });
    if (error instanceof KoreNotFoundError && !spec.entity) {
      throw new KoreUnexpectedReplyError(
        `${spec.operation}: Kore answered 404 for a route it should serve${error.koreMessage ? ` (${error.koreMessage})` : ''}`,
        {
          operation: spec.operation,
          status: 404,
          ...(error.koreMessage ? { koreMessage: error.koreMessage } : {}),
        },
      );
    }
    if (error instanceof KoreThrottledError) {
      if (opts.stats) opts.stats.koreThrottled = (opts.stats.koreThrottled ?? 0) + 1;
      this.limiter?.pauseUntil(this.clock.now() + (error.retryAfterMs ?? this.random() * this.throttlePauseMs));
    }
    if (error) throw error;
    if (!isObject(body) || (!('data' in body) && !(spec.dataOptional && body.status === 'success'))) {
      // A 2xx that is not Kore's envelope is most likely a proxy page: transient, and proof of nothing.
      throw new KoreUnexpectedReplyError(`${spec.operation}: Kore answered ${res.status} without its JSON envelope`, {
        operation: spec.operation,
        status: res.status,
      });
    }
    return body as Envelope;
  }
}

function parseBody(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function isObject(v: unknown): v is KoreObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function objectData(env: Envelope, operation: string): KoreObject {
  if (!isObject(env.data)) throw new KoreUnexpectedReplyError(`${operation}: Kore replied without an object in data`, { operation });
  return env.data;
}

function checkText(value: string, problem: (s: string) => string | undefined, operation: string): string {
  const p = problem(value);
  if (p) throw new KoreArgumentError(`${operation}: ${p}`, { operation });
  return value;
}

/** undici hides the reason in `cause` ("fetch failed" → ECONNREFUSED / UND_ERR_SOCKET). */
function networkCause(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } })?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const message = (err as Error)?.message ?? 'network error';
  return code ? `${message} (${code})` : message;
}
