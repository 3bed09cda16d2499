import type { RecordedCall, Seed } from '../../local/kore-emulator/server';
import { LENIENT_REALISM, STRICT_REALISM } from '../../local/kore-emulator/server';
import { daysAgo } from '../../local/seed';
import { ConsumerHarness } from '../helpers/harness';

/**
 * A write retried in the function (a 429 with Retry-After, a 5xx's backoff) goes out later than
 * its first attempt. Each attempt re-checks the write's evidence first (the DNC references within
 * their bound, the list's GET no older than what a write needs after it: 2 pacing intervals plus
 * KORE_TIMEOUT_MS, 2 s in this harness); an attempt past that is not sent (`stale-evidence`), and
 * the next receive reads everything again. Found by an adversarial review (a campaign took the
 * list during a 6 s Retry-After, and the retried PUT renamed it).
 */

const seed = (): Seed => ({
  lists: [
    { _id: 'cl-d', name: 'West region callers', description: 'West region opt-outs', updatedAt: daysAgo(200) },
    { _id: 'cl-e', name: 'East leads', description: 'East', updatedAt: daysAgo(200) },
  ],
  campaigns: [],
});

const committedWrites = (h: ConsumerHarness, id: string) =>
  h.stack.kore.apiCalls().filter((c) => c.committed && (c.method === 'PUT' || c.method === 'DELETE') && c.path.endsWith(`/${id}`));

/** One message's outcomes, in order, as `outcome:reason`. */
const story = (h: ConsumerHarness, messageId: string) =>
  h.out
    .outcomes()
    .filter((o) => o.messageId === messageId)
    .map((o) => `${o.outcome}:${o.reason}`);

describe('a write retried in the function re-checks its evidence before every attempt', () => {
  let h: ConsumerHarness;
  afterEach(() => h?.stop());

  /** After the list's GET, the write is answered 429 with Retry-After 3 s; `midWait` runs 1 s into that wait. */
  const throttleWriteAfterGet = (id: string, midWait: () => void) => {
    const off = h.stack.kore.onApiCall((c: RecordedCall) => {
      if (!(c.method === 'GET' && c.path.endsWith(`/contactList/${id}`))) return;
      off();
      h.stack.kore.setFaults({ failNext: 1, failStatus: 429, throttleRetryAfter: 'seconds', throttleRetryAfterSeconds: 3 });
      setTimeout(midWait, 1_000);
    });
  };
  const old = () => new Date(Date.now() - 60_000).toISOString();

  it('strict Kore, DNC_RENAME_MAX_AGE_SECONDS=0: an SMS campaign names the list its DNC list during the wait; the retried archive is not sent, and the next receive refuses it', async () => {
    h = await ConsumerHarness.start({
      kore: { seed: seed(), rateLimit: { perMinute: 0 }, realism: STRICT_REALISM },
      env: { DELETION_MODE: 'archive-then-delete', DNC_RENAME_MAX_AGE_SECONDS: '0' },
    });
    const k = h.stack.kore;
    throttleWriteAfterGet('cl-d', () =>
      k.state.addCampaign({ _id: 'cd-sms-west', name: 'SMS west', campaignType: 'sms', dncList: 'West region callers', status: 'Ready' }),
    );
    const [id] = await h.send({ type: 'list.expired', contactListId: 'cl-d', occurredAt: old() });
    await h.drain();
    expect(story(h, id!)).toEqual(['retry:stale-evidence', 'skipped:protected']);
    expect(committedWrites(h, 'cl-d')).toEqual([]);
    expect(k.state.lists.get('cl-d')!.name).toBe('West region callers');
    // The attempt that was not sent is audited as unknown (the first one may have been applied), never as archived.
    expect(
      h.out
        .json()
        .filter((l) => l.audit === true && l.contactListId === 'cl-d')
        .map((l) => `${l.phase}:${l.result ?? ''}`),
    ).toEqual(['intent:', 'result:unknown']);
  });

  it('lenient Kore: a campaign takes the list during the wait; the retried list.update is not sent, and the next receive finds it in use', async () => {
    h = await ConsumerHarness.start({ kore: { seed: seed(), rateLimit: { perMinute: 0 }, realism: LENIENT_REALISM } });
    const k = h.stack.kore;
    throttleWriteAfterGet('cl-e', () => k.state.addCampaign({ _id: 'cd-live', name: 'Live east', contactLists: ['East leads'], status: 'Active' }));
    const [id] = await h.send({ type: 'list.update', contactListId: 'cl-e', name: 'East leads 2026', occurredAt: old() });
    await h.drain();
    expect(story(h, id!)).toEqual(['retry:stale-evidence', 'skipped:in-use']);
    expect(committedWrites(h, 'cl-e')).toEqual([]);
    expect(k.state.lists.get('cl-e')!.name).toBe('East leads');
  });

  it('a write retried within its bound still goes out in the function (a 503, then the retry)', async () => {
    h = await ConsumerHarness.start({ kore: { seed: seed(), rateLimit: { perMinute: 0 } }, env: { DELETION_MODE: 'delete' } });
    const off = h.stack.kore.onApiCall((c: RecordedCall) => {
      if (!(c.method === 'GET' && c.path.endsWith('/contactList/cl-e'))) return;
      off();
      h.stack.kore.setFaults({ failNext: 1, failStatus: 503 });
    });
    const [id] = await h.send({ type: 'list.expired', contactListId: 'cl-e', occurredAt: old() });
    await h.drain();
    expect(h.outcomeOf(id!)).toMatchObject({ outcome: 'done', receiveCount: 1 });
    expect(h.stack.kore.state.lists.has('cl-e')).toBe(false);
  });
});
