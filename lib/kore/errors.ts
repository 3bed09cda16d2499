import { KoreLifecycleError } from '../errors.js';

export type KoreErrorKind =
  'argument' | 'not-found' | 'in-use' | 'validation' | 'unauthorized' | 'throttled' | 'server' | 'transient' | 'unexpected-reply' | 'network' | 'timeout';

export interface KoreErrorDetails {
  /** HTTP status, or undefined when no response arrived. */
  status?: number;
  /** Kore's own message (`errors[0].msg` or `message`), never a header or token. */
  koreMessage?: string;
  /** Operation name, e.g. `deleteContactList`. */
  operation?: string;
  cause?: unknown;
}

export abstract class KoreError extends KoreLifecycleError {
  abstract readonly kind: KoreErrorKind;
  readonly status?: number;
  readonly koreMessage?: string;
  readonly operation?: string;

  constructor(message: string, details: KoreErrorDetails = {}) {
    super(message, { cause: details.cause });
    this.status = details.status;
    this.koreMessage = details.koreMessage;
    this.operation = details.operation;
  }

  get code(): string {
    return `kore-${this.kind}`;
  }
}

/** The client refused an argument before sending it (a bad id, an over-long name): nothing reached Kore. */
export class KoreArgumentError extends KoreError {
  readonly kind = 'argument';
  readonly retryable = false;
}
/**
 * Kore answered 404 in its own JSON error shape: the entity is not there. A 404 that is not
 * Kore's JSON (an HTML page from a load balancer or a wrong host) is a KoreUnexpectedReplyError.
 */
export class KoreNotFoundError extends KoreError {
  readonly kind = 'not-found';
  readonly retryable = false;
}
/** Kore refused because a campaign uses the list (or it is an in-use DNC list). */
export class KoreInUseError extends KoreError {
  readonly kind = 'in-use';
  readonly retryable = false;
}
export class KoreValidationError extends KoreError {
  readonly kind = 'validation';
  readonly retryable = false;
}
/** 401 that survived one secret refresh: retryable through SQS (a rotation may still be settling), never in-function. */
export class KoreUnauthorizedError extends KoreError {
  readonly kind = 'unauthorized';
  readonly retryable = true;
}
export class KoreThrottledError extends KoreError {
  readonly kind = 'throttled';
  readonly retryable = true;
  /** Parsed `Retry-After`, in milliseconds from when the reply arrived. */
  readonly retryAfterMs?: number;
  constructor(message: string, details: KoreErrorDetails & { retryAfterMs?: number } = {}) {
    super(message, details);
    this.retryAfterMs = details.retryAfterMs;
  }
}
export class KoreServerError extends KoreError {
  readonly kind = 'server';
  readonly retryable = true;
}
/** 408 Request Timeout and 425 Too Early: the server asks for the same request again later. */
export class KoreTransientError extends KoreError {
  readonly kind = 'transient';
  readonly retryable = true;
}
/**
 * A reply that is not Kore's JSON: an HTML page, a 404 for a path Kore does not serve, a 2xx
 * without the envelope. Most likely a proxy, a load balancer or a wrong host: transient, and
 * never evidence that an entity is gone.
 */
export class KoreUnexpectedReplyError extends KoreError {
  readonly kind = 'unexpected-reply';
  readonly retryable = true;
}
export class KoreNetworkError extends KoreError {
  readonly kind = 'network';
  readonly retryable = true;
}
export class KoreTimeoutError extends KoreError {
  readonly kind = 'timeout';
  readonly retryable = true;
}

/** Kore answers in one of two shapes: `{errors:[{msg,code}]}` or `{status,message}` (docs/kore-api.md, "Errors"). */
export function koreMessageOf(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const b = body as { errors?: unknown; message?: unknown; msg?: unknown };
  if (Array.isArray(b.errors) && b.errors.length > 0) {
    const first = b.errors[0] as { msg?: unknown; message?: unknown } | undefined;
    const msg = first?.msg ?? first?.message;
    if (typeof msg === 'string') return msg.slice(0, 500);
  }
  if (typeof b.message === 'string' && b.message) return b.message.slice(0, 500);
  if (typeof b.msg === 'string' && b.msg) return b.msg.slice(0, 500);
  return undefined;
}

/** Is this body one of Kore's two JSON shapes (an error list, or the status envelope)? */
export function isKoreJson(body: unknown): boolean {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return false;
  const b = body as { errors?: unknown; status?: unknown };
  return Array.isArray(b.errors) || typeof b.status === 'string';
}

const RATE_LIMIT_TEXT = /rate.?limit/i;
// Kore does not document its in-use refusal (docs/kore-api.md, "Deleting a list in use"): match
// the usual phrasings, under any 4xx status. A match means `skipped: in-use`; anything else is
// a validation error, parked in the DLQ for a person: never a deletion.
const IN_USE_TEXT =
  /\bin[ -]use\b|\bbeing used\b|\blinked (to|with)\b|\bused (by|in)\b|\bassociated (to|with)\b|\battached to\b|\breferenced by\b|\bassigned to\b/i;

/** Parses `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3): ms to wait, or undefined. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Maps a reply to the taxonomy. Returns undefined for a 2xx that is not an outer failure. */
export function classifyResponse(status: number, body: unknown, ctx: { operation: string; retryAfter?: string | null; nowMs: number }): KoreError | undefined {
  const koreMessage = koreMessageOf(body);
  const outerFailure = body !== null && typeof body === 'object' && ['failure', 'error'].includes(String((body as { status?: unknown }).status));
  if (status >= 200 && status < 300 && !outerFailure) return undefined;
  const details = { status, koreMessage, operation: ctx.operation };
  const text = `${ctx.operation}: Kore answered ${status}${koreMessage ? ` (${koreMessage})` : isKoreJson(body) ? '' : ' (not Kore JSON)'}`;
  // Kore documents the limit's text but not its status: any "rate limit" message is throttling.
  if (status === 429 || (koreMessage && RATE_LIMIT_TEXT.test(koreMessage))) {
    return new KoreThrottledError(text, { ...details, retryAfterMs: parseRetryAfter(ctx.retryAfter, ctx.nowMs) });
  }
  if (status === 401) return new KoreUnauthorizedError(text, details);
  if (status === 404) return isKoreJson(body) ? new KoreNotFoundError(text, details) : new KoreUnexpectedReplyError(text, details);
  if (status === 408 || status === 425) return new KoreTransientError(text, details);
  if (status >= 500) return new KoreServerError(text, details);
  if (!isKoreJson(body)) return new KoreUnexpectedReplyError(text, details);
  if (koreMessage && IN_USE_TEXT.test(koreMessage)) return new KoreInUseError(text, details);
  return new KoreValidationError(text, details);
}
