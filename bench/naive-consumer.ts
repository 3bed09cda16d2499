import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import jwt from 'jsonwebtoken';

/**
 * The deliberately naive consumer the benchmark compares against (kept in bench/ only): a
 * secret fetch per message, no limiter, every record of a batch at once, and an immediate
 * retry on 429. What many first versions of such a consumer look like.
 */
export function naiveHandler(sm: SecretsManagerClient, secretId: string, stats: { secretReads: number }) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failures: { itemIdentifier: string }[] = [];
    await Promise.all(
      event.Records.map(async (r) => {
        try {
          stats.secretReads++;
          const s = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString!);
          const { contactListId } = JSON.parse(r.body) as { contactListId: string };
          const token = jwt.sign({ appId: s.clientId, sub: 'naive' }, s.clientSecret, { algorithm: 'HS256', expiresIn: 3600 });
          const url = `${s.host}/campaign/api/v2/public/${s.streamId}/campaign/contactList/${contactListId}?accountId=${s.accountId}`;
          const headers = { auth: token, iid: s.streamId, accountId: s.accountId };
          const call = async (method: string) => {
            for (let attempt = 0; ; attempt++) {
              const res = await fetch(url, { method, headers });
              await res.text();
              if (res.status === 429 && attempt < 3) continue; // immediately, no wait
              return res.status;
            }
          };
          const got = await call('GET');
          if (got === 404) return;
          if (got !== 200) throw new Error(`GET ${got}`);
          const del = await call('DELETE');
          if (del !== 200 && del !== 404) throw new Error(`DELETE ${del}`);
        } catch {
          failures.push({ itemIdentifier: r.messageId });
        }
      }),
    );
    return { batchItemFailures: failures };
  };
}
