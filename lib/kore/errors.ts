import { LifecycleError } from '../errors.js';

export type KoreErrorKind =
  | 'not-found'
  | 'in-use'
  | 'validation'
  | 'unauthorized'
  | 'throttled'
  | 'server'
  | 'network'
  | 'timeout';

export interface KoreErrorDetails {
  /** HTTP status, or undefined when no response arrived. */
  status?: number;
  /** Kore's own message (`errors[0].msg` or `message`), never a header or token. */
  koreMessage?: string;
  /** Operation name, e.g. `deleteContactList`. */
  operation?: string;
  cause?: unknown;
}

export abstract class KoreError extends LifecycleError {
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
/** 401 that survived one secret refresh: retryable, since a rotation may still be settling. */
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
export class KoreNetworkError extends KoreError {
  readonly kind = 'network';
  readonly retryable = true;
}
export class KoreTimeoutError extends KoreError {
  readonly kind = 'timeout';
  readonly retryable = true;
}

/** Kore answers in one of two shapes: `{errors:[{msg,code}]}` or `{status,message}` (REFERENCE §4.1). */
export function koreMessageOf(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return typeof body === 'string' && body ? body.slice(0, 500) : undefined;
  const b = body as { errors?: unknown; message?: unknown; msg?: unknown };
  if (Array.isArray(b.errors) && b.errors.length > 0) {
    const first = b.errors[0] as { msg?: unknown; message?: unknown } | undefined;
    const msg = first?.msg ?? first?.message;
    if (typeof msg === 'string') return msg;
  }
  if (typeof b.message === 'string' && b.message) return b.message;
  if (typeof b.msg === 'string' && b.msg) return b.msg;
  return undefined;
}

const RATE_LIMIT_TEXT = /rate.?limit/i;
// Kore does not document its in-use refusal (REFERENCE §2.5): match the usual phrasings. A
// match means `skipped: in-use`; anything else is a validation error, parked in the DLQ.
const IN_USE_TEXT = /\bin[ -]use\b|linked (to|with)|used by (a|an|one or more)? ?campaign|associated with (a|an|one or more) campaign/i;

/**
 * Parses `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Returns milliseconds to wait, or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Maps a non-2xx reply to the hierarchy. Returns undefined for success. */
export function classifyResponse(
  status: number,
  body: unknown,
  ctx: { operation: string; retryAfter?: string | null; nowMs: number },
): KoreError | undefined {
  const koreMessage = koreMessageOf(body);
  const outerFailure =
    body !== null && typeof body === 'object' && ['failure', 'error'].includes(String((body as { status?: unknown }).status));
  if (status >= 200 && status < 300 && !outerFailure) return undefined;
  const details = { status, koreMessage, operation: ctx.operation };
  const text = `${ctx.operation}: Kore answered ${status}${koreMessage ? ` (${koreMessage})` : ''}`;
  // Kore documents the limit's text but not its status: any "rate limit" message is throttling.
  if (status === 429 || (koreMessage && RATE_LIMIT_TEXT.test(koreMessage))) {
    return new KoreThrottledError(text, { ...details, retryAfterMs: parseRetryAfter(ctx.retryAfter, ctx.nowMs) });
  }
  if (status === 401) return new KoreUnauthorizedError(text, details);
  if (status === 404) return new KoreNotFoundError(text, details);
  if (status >= 500) return new KoreServerError(text, details);
  if (koreMessage && IN_USE_TEXT.test(koreMessage)) return new KoreInUseError(text, details);
  return new KoreValidationError(text, details);
}
