import {
  KoreInUseError,
  KoreNotFoundError,
  KoreServerError,
  KoreThrottledError,
  KoreTransientError,
  KoreUnauthorizedError,
  KoreUnexpectedReplyError,
  KoreValidationError,
  classifyResponse,
  koreMessageOf,
  parseRetryAfter,
} from '../../lib/kore/errors';
import { isRetryable } from '../../lib/errors';

const ctx = { operation: 'deleteContactList', nowMs: Date.UTC(2026, 0, 1, 0, 0, 0) };

describe('Kore error classification', () => {
  it.each([
    [404, { errors: [{ msg: 'Contact list not found' }] }, KoreNotFoundError, false],
    [400, { errors: [{ msg: 'Contact list X is in use by a campaign' }] }, KoreInUseError, false],
    [400, { status: 'failure', message: 'name must be at most 48 characters' }, KoreValidationError, false],
    [422, { errors: [{ msg: 'bad field' }] }, KoreValidationError, false],
    [401, { errors: [{ msg: 'Invalid SDK credentials', code: 4002 }] }, KoreUnauthorizedError, true],
    [429, { errors: [{ msg: 'slow down' }] }, KoreThrottledError, true],
    [400, { status: 'error', message: "You've exceeded the per-minute rate limit. Please wait" }, KoreThrottledError, true],
    [500, 'Internal Server Error', KoreServerError, true],
    [503, undefined, KoreServerError, true],
    [404, '<html><body>Not Found</body></html>', KoreUnexpectedReplyError, true],
    [403, '<html>Forbidden by WAF</html>', KoreUnexpectedReplyError, true],
    [409, { errors: [{ msg: 'Cannot delete: list is associated with 2 campaign(s)' }] }, KoreInUseError, false],
    [408, { errors: [{ msg: 'Request Timeout' }] }, KoreTransientError, true],
    [425, undefined, KoreTransientError, true],
  ])('maps %i %j to %p (retryable=%p)', (status, body, cls, retryable) => {
    const err = classifyResponse(status, body, ctx);
    expect(err).toBeInstanceOf(cls);
    expect(err?.status).toBe(status);
    expect(err?.operation).toBe('deleteContactList');
    expect(isRetryable(err)).toBe(retryable);
    expect(err?.name).toBe((cls as { name: string }).name);
  });

  it.each([
    'Contact list is in use',
    'List is linked with campaign X',
    'This list is used by a campaign',
    'in-use list',
    'list is associated with 2 campaign(s)',
    'list is attached to a campaign',
    'list is being used',
  ])('reads %p as an in-use refusal', (msg) => {
    expect(classifyResponse(400, { errors: [{ msg }] }, ctx)).toBeInstanceOf(KoreInUseError);
  });

  it('does not read unrelated 400s as in-use', () => {
    expect(classifyResponse(400, { errors: [{ msg: 'name must be at most 48 characters' }] }, ctx)).toBeInstanceOf(KoreValidationError);
    expect(classifyResponse(400, { errors: [{ msg: 'user is inactive' }] }, ctx)).toBeInstanceOf(KoreValidationError);
  });

  it('treats a 200 with an outer failure status as an error, and a success envelope as none', () => {
    expect(classifyResponse(200, { status: 'failure', message: 'nope' }, ctx)).toBeInstanceOf(KoreValidationError);
    expect(classifyResponse(200, { status: 'success', data: {} }, ctx)).toBeUndefined();
  });

  it('reads both error shapes: errors[0].msg first, then message', () => {
    expect(koreMessageOf({ errors: [{ msg: 'first', code: 1 }], message: 'second' })).toBe('first');
    expect(koreMessageOf({ status: 'failure', message: 'second' })).toBe('second');
    expect(koreMessageOf({})).toBeUndefined();
  });

  it('carries Kore message and Retry-After on throttling errors', () => {
    const err = classifyResponse(429, { errors: [{ msg: 'limit' }] }, { ...ctx, retryAfter: '7' }) as KoreThrottledError;
    expect(err.koreMessage).toBe('limit');
    expect(err.retryAfterMs).toBe(7000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 0, 1, 0, 0, 0);
  it('reads delta-seconds', () => expect(parseRetryAfter('30', now)).toBe(30_000));
  it('reads an HTTP date', () => expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:12 GMT', now)).toBe(12_000));
  it('never returns a negative wait for a past date', () => expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0));
  it('ignores garbage and absence', () => {
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
