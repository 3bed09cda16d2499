import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import jwt from 'jsonwebtoken';
import type { Clock } from '../lib/clock.js';
import { systemClock } from '../lib/clock.js';

/**
 * The honest peer the budget benchmark compares against (kept in bench/ only): what a careful
 * engineer writes without this project. Partial batch responses; one record at a time; a GET
 * (leave a list in use alone) then a DELETE; 429 and 5xx retried with exponential backoff and
 * full jitter (the same 200 ms base and 5 s cap as the shipped client, 3 retries), honouring
 * Retry-After (seconds or an HTTP date) when Kore sends one; the secret cached for 5 minutes.
 * What it does not have is a limiter shared by every call of the process: it calls as fast as
 * Kore answers until Kore says 429.
 */
export interface PeerStats {
  secretReads: number;
}

interface Secret {
  host: string;
  clientId: string;
  clientSecret: string;
  accountId: string;
  streamId: string;
}

const SECRET_TTL_MS = 300_000;
const MAX_ATTEMPTS = 4;
const BASE_MS = 200;
const CAP_MS = 5_000;
const TIMEOUT_MS = 8_000;

function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * `clock`: the peer's time (its secret cache, its tokens' iat, its backoff and Retry-After waits);
 * the accounts benchmark runs it on the same virtual clock as ours. Its attempt timeout stays real.
 */
export function competentHandler(sm: SecretsManagerClient, secretId: string, stats: PeerStats, random: () => number = Math.random, clock: Clock = systemClock) {
  let cached: { secret: Secret; at: number } | undefined;
  const secret = async (): Promise<Secret> => {
    if (!cached || clock.now() - cached.at > SECRET_TTL_MS) {
      stats.secretReads++;
      const s = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString!) as Secret;
      cached = { secret: s, at: clock.now() };
    }
    return cached.secret;
  };
  const call = async (s: Secret, method: string, url: string): Promise<{ status: number; body: string }> => {
    for (let attempt = 1; ; attempt++) {
      const token = jwt.sign({ appId: s.clientId, sub: 'peer', iat: Math.floor(clock.now() / 1000) }, s.clientSecret, { algorithm: 'HS256', expiresIn: 120 });
      let status: number;
      let body = '';
      let wait: number | undefined;
      try {
        const res = await fetch(url, { method, headers: { auth: token, iid: s.streamId, accountId: s.accountId }, signal: AbortSignal.timeout(TIMEOUT_MS) });
        body = await res.text();
        status = res.status;
        wait = res.status === 429 ? retryAfterMs(res.headers.get('retry-after'), clock.now()) : undefined;
      } catch {
        status = 0; // timeout or connection error: retried like a 5xx
      }
      const retryable = status === 0 || status === 429 || status >= 500;
      if (!retryable || attempt >= MAX_ATTEMPTS) return { status, body };
      await clock.sleep(wait ?? random() * Math.min(CAP_MS, BASE_MS * 2 ** (attempt - 1)));
    }
  };
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: { itemIdentifier: string }[] = [];
    for (const record of event.Records) {
      try {
        const { contactListId } = JSON.parse(record.body) as { contactListId: string };
        const s = await secret();
        const url = `${s.host}/campaign/api/v2/public/${s.streamId}/campaign/contactList/${encodeURIComponent(contactListId)}?accountId=${s.accountId}`;
        const got = await call(s, 'GET', url);
        if (got.status === 404) continue;
        if (got.status !== 200) throw new Error(`GET ${got.status}`);
        const list = (JSON.parse(got.body) as { data?: { isListInUse?: boolean; campaignInUse?: unknown[] } }).data;
        if (list?.isListInUse || (list?.campaignInUse?.length ?? 0) > 0) continue;
        const del = await call(s, 'DELETE', url);
        if (del.status !== 200 && del.status !== 404) throw new Error(`DELETE ${del.status}`);
      } catch {
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}
