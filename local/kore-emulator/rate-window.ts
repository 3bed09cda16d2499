export interface RateLimitOptions {
  /** Calls per window per account; 0 disables the limit. */
  perMinute: number;
  windowMs?: number;
  /** Send `Retry-After` (seconds) on 429s: Kore does not document one, so it is optional. */
  retryAfter?: boolean;
}

export const DEFAULT_RATE_LIMIT: Readonly<Required<RateLimitOptions>> = Object.freeze({ perMinute: 60, windowMs: 60_000, retryAfter: true });

export class RateLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RateLimitError';
  }
}

/** `base` with `patch` applied, every key and value checked. */
export function applyRateLimit(base: Readonly<Required<RateLimitOptions>>, patch: unknown): Required<RateLimitOptions> {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw new RateLimitError('rate limit must be an object');
  const next = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'perMinute' || key === 'windowMs') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < (key === 'windowMs' ? 1 : 0)) {
        throw new RateLimitError(`${key} must be a whole number ${key === 'windowMs' ? '≥ 1' : '≥ 0'}`);
      }
      next[key] = value;
    } else if (key === 'retryAfter') {
      if (typeof value !== 'boolean') throw new RateLimitError('retryAfter must be true or false');
      next.retryAfter = value;
    } else {
      throw new RateLimitError(`unknown rate limit setting "${key}" (known: perMinute, windowMs, retryAfter)`);
    }
  }
  return next;
}

/**
 * Kore's limit: 60 calls per minute per account, over a sliding sixty-second window
 * (docs/kore-api.md, "Rate limit"). Refused calls do not count. Reads the emulator clock, so advancing it
 * empties the window.
 */
export class RateWindow {
  private readonly windows = new Map<string, number[]>();

  constructor(private readonly now: () => number) {}

  /** Takes a slot for `account`, or says how many seconds until one frees. */
  take(account: string, limit: Readonly<Required<RateLimitOptions>>): { ok: true } | { ok: false; retryAfterSeconds: number } {
    if (!limit.perMinute) return { ok: true };
    const now = this.now();
    const log = (this.windows.get(account) ?? []).filter((t) => t > now - limit.windowMs);
    this.windows.set(account, log);
    if (log.length >= limit.perMinute) {
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(((log[0] ?? now) + limit.windowMs - now) / 1000)) };
    }
    log.push(now);
    return { ok: true };
  }

  clear(): void {
    this.windows.clear();
  }
}
