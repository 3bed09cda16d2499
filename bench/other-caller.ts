import jwt from 'jsonwebtoken';
import type { LocalStack } from '../local/stack.js';
import { LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET } from '../local/stack.js';

/**
 * The account's other caller in the budget benchmark: one GET of `listId` every
 * 60,000 / perMinute ms, from start to stop, with its own app credentials' token. It keeps its
 * statuses: the 429s a consumer inflicts on it are the consumer's cost to the rest of the account.
 */
export function startOtherCaller(stack: LocalStack, listId: string, perMinute: number): { path: string; stop(): Promise<number[]> } {
  const statuses: number[] = [];
  let stopped = false;
  const { url, streamId, accountId } = stack.kore;
  const path = `/campaign/api/v2/public/${streamId}/campaign/contactList/${listId}`;
  const loop = (async () => {
    while (!stopped) {
      const token = jwt.sign({ appId: LOCAL_CLIENT_ID, sub: 'other-caller' }, LOCAL_CLIENT_SECRET, { algorithm: 'HS256', expiresIn: 600 });
      try {
        const r = await fetch(`${url}${path}?accountId=${accountId}`, { headers: { auth: token, iid: streamId, accountId } });
        await r.text();
        statuses.push(r.status);
      } catch {
        statuses.push(0);
      }
      await new Promise((res) => setTimeout(res, 60_000 / perMinute));
    }
  })();
  return {
    path,
    async stop() {
      stopped = true;
      await loop;
      return statuses;
    },
  };
}
