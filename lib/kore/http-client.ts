import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { DeadlineError } from '../errors.js';
import type { RateLimiter } from '../rate-limit.js';
import type { RetryPolicy } from '../retry.js';
import { withRetry } from '../retry.js';
import { TokenSigner } from './auth.js';
import type { CallOptions, DeleteResult, KoreClient } from './client.js';
import type { CredentialsSource } from './credentials.js';
import {
  KoreNetworkError,
  KoreNotFoundError,
  KoreServerError,
  KoreThrottledError,
  KoreTimeoutError,
  KoreUnauthorizedError,
  KoreValidationError,
  classifyResponse,
} from './errors.js';
import { campaignId, checkDescription, checkName, contactListId, streamId as checkStreamId } from './ids.js';
import type {
  Campaign,
  ContactList,
  ContactListPatch,
  ContactListSummary,
  CreateContactListInput,
  KoreCredentials,
  UpdateContactListResult,
} from './types.js';

export interface HttpKoreClientOptions {
  credentials: CredentialsSource;
  limiter?: RateLimiter;
  fetch?: typeof fetch;
  /** One attempt's timeout. */
  timeoutMs?: number;
  retryPolicy?: RetryPolicy;
  clock?: Clock;
  random?: () => number;
  signer?: TokenSigner;
}

interface RequestSpec {
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below `/campaign/api/v2/public/{streamId}/campaign`, built from validated ids only. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
}

interface Envelope<T> {
  status?: string;
  message?: string;
  data: T;
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

  constructor(opts: HttpKoreClientOptions) {
    this.creds = opts.credentials;
    this.limiter = opts.limiter;
    this.fetchImpl = opts.fetch ?? fetch;
    this.timeoutMs = opts.timeoutMs ?? 8_000;
    this.retryPolicy = opts.retryPolicy;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.signer = opts.signer ?? new TokenSigner({ now: () => this.clock.now() });
  }

  async getContactList(id: string, opts?: CallOptions): Promise<ContactList> {
    const path = `/contactList/${encodeURIComponent(contactListId(id))}`;
    const env = await this.request<ContactList>({ operation: 'getContactList', method: 'GET', path }, opts);
    return normaliseList(env.data);
  }

  async updateContactList(id: string, patch: ContactListPatch, opts?: CallOptions): Promise<UpdateContactListResult> {
    const path = `/contactList/${encodeURIComponent(contactListId(id))}`;
    const body: ContactListPatch = {};
    if (patch.name !== undefined) body.name = checkName(patch.name);
    if (patch.description !== undefined) body.description = checkDescription(patch.description);
    if (body.name === undefined && body.description === undefined) {
      throw new KoreValidationError('updateContactList: give a name or a description', { operation: 'updateContactList' });
    }
    const env = await this.request<UpdateContactListResult>({ operation: 'updateContactList', method: 'PUT', path, body }, opts);
    return env.data;
  }

  async deleteContactList(id: string, opts?: CallOptions): Promise<DeleteResult<ContactList>> {
    const path = `/contactList/${encodeURIComponent(contactListId(id))}`;
    return this.delete<ContactList>({ operation: 'deleteContactList', method: 'DELETE', path }, opts);
  }

  async createContactList(input: CreateContactListInput, opts?: CallOptions): Promise<ContactList> {
    const body = {
      name: checkName(input.name),
      description: checkDescription(input.description),
      source: input.source ?? 'passiveApi',
      ...(input.allowDuplicates !== undefined ? { allowDuplicates: input.allowDuplicates } : {}),
    };
    const env = await this.request<ContactList>(
      { operation: 'createContactList', method: 'POST', path: '/contactList/createContactList', body },
      opts,
    );
    return normaliseList(env.data);
  }

  async listContactLists(opts?: CallOptions): Promise<ContactListSummary[]> {
    const env = await this.request<ContactListSummary[]>(
      // No body is documented; REFERENCE §2.2 recommends `{}`.
      { operation: 'listContactLists', method: 'POST', path: '/contactList/getAllListDetails', query: { type: 'call' }, body: {} },
      opts,
    );
    if (!Array.isArray(env.data)) {
      throw new KoreValidationError('listContactLists: Kore replied without a data array', { operation: 'listContactLists' });
    }
    return env.data.map(normaliseList);
  }

  async getCampaign(id: string, opts?: CallOptions): Promise<Campaign> {
    const path = `/${encodeURIComponent(campaignId(id))}`;
    const env = await this.request<Campaign>({ operation: 'getCampaign', method: 'GET', path }, opts);
    return env.data;
  }

  async deleteCampaign(
    id: string,
    opts?: CallOptions & { campaignType?: 'voice' | 'sms' },
  ): Promise<DeleteResult<Campaign>> {
    const path = `/${encodeURIComponent(campaignId(id))}`;
    return this.delete<Campaign>(
      { operation: 'deleteCampaign', method: 'DELETE', path, query: { campaignType: opts?.campaignType ?? 'voice' } },
      opts,
    );
  }

  private async delete<T>(spec: RequestSpec, opts?: CallOptions): Promise<DeleteResult<T>> {
    try {
      const env = await this.request<T>(spec, opts);
      return { deleted: true, data: env.data, message: env.message };
    } catch (err) {
      // DESIGN.md: DELETE of an id that is already gone is done (SQS is at-least-once).
      if (err instanceof KoreNotFoundError) return { deleted: false, message: err.koreMessage };
      throw err;
    }
  }

  /** One logical request: limiter → sign → fetch with timeout → classify, with retries and one 401 refresh. */
  private async request<T>(spec: RequestSpec, opts: CallOptions = {}): Promise<Envelope<T>> {
    let creds = await this.creds.get();
    let refreshed = false;
    const attempt = async (): Promise<Envelope<T>> => {
      try {
        return await this.attempt<T>(spec, creds, opts);
      } catch (err) {
        if (err instanceof KoreUnauthorizedError && !refreshed) {
          // A 401 usually means the secret was rotated: drop caches, re-read, re-sign, once.
          refreshed = true;
          this.signer.invalidate();
          creds = await this.creds.refresh(creds);
          return this.attempt<T>(spec, creds, opts);
        }
        throw err;
      }
    };
    return withRetry(attempt, {
      policy: this.retryPolicy,
      clock: this.clock,
      random: this.random,
      deadline: opts.deadline,
      attemptBudgetMs: this.timeoutMs,
      retryAfterMs: (e) => (e instanceof KoreThrottledError ? e.retryAfterMs : undefined),
    });
  }

  private async attempt<T>(spec: RequestSpec, creds: KoreCredentials, opts: CallOptions): Promise<Envelope<T>> {
    if (opts.deadline !== undefined && this.clock.now() + this.timeoutMs > opts.deadline) {
      throw new DeadlineError(`${spec.operation}: no time left for a Kore call before the deadline`);
    }
    // The limiter must hand out the slot early enough for the call to finish in time.
    await this.limiter?.acquire(opts.deadline !== undefined ? opts.deadline - this.timeoutMs : undefined);
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
    try {
      res = await this.fetchImpl(url, {
        method: spec.method,
        headers,
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      const name = (err as { name?: string })?.name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new KoreTimeoutError(`${spec.operation}: no reply within ${this.timeoutMs} ms`, { operation: spec.operation, cause: err });
      }
      throw new KoreNetworkError(`${spec.operation}: ${(err as Error)?.message ?? 'network error'}`, {
        operation: spec.operation,
        cause: err,
      });
    }
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const error = classifyResponse(res.status, body, {
      operation: spec.operation,
      retryAfter: res.headers.get('retry-after'),
      nowMs: this.clock.now(),
    });
    if (error) throw error;
    if (body === null || typeof body !== 'object' || !('data' in body)) {
      // A 2xx that is not Kore's envelope is most likely a proxy page: transient.
      throw new KoreServerError(`${spec.operation}: Kore answered ${res.status} without its JSON envelope`, {
        operation: spec.operation,
        status: res.status,
      });
    }
    return body as Envelope<T>;
  }
}

/** Samples hold `campaignInUse` as `{id,name}` objects, Kore's table says ids: accept both. */
function normaliseList<T extends ContactListSummary>(raw: T): T {
  const inUse = Array.isArray(raw.campaignInUse) ? raw.campaignInUse : [];
  return {
    ...raw,
    isListInUse: raw.isListInUse === true,
    campaignInUse: inUse.map((c: unknown) =>
      typeof c === 'string' ? { id: c, name: '' } : { id: String((c as { id?: unknown })?.id ?? ''), name: String((c as { name?: unknown })?.name ?? '') },
    ),
  };
}
