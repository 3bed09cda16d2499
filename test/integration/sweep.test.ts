import type { Context } from 'aws-lambda';
import { loadSweepConfig } from '../../lib/config';
import { createSweepDeps } from '../../lib/deps';
import { createSweepHandler } from '../../lib/sweep/handler';
import type { SweepHandler } from '../../lib/sweep/handler';
import type { SweepReport } from '../../lib/sweep/run';
import { lambdaContext } from '../../local/event-source-mapping';
import { receiveAll } from '../../local/queues';
import type { Seed } from '../../local/kore-emulator/state';
import { ConsumerHarness } from '../helpers/harness';

const DAY = 86_400_000;
const ago = (d: number) => new Date(Date.now() - d * DAY).toISOString();

const seed: Seed = {
  lists: [
    { _id: 'cl-idle-90', name: 'Idle 90', updatedAt: ago(90) },
    { _id: 'cl-idle-60', name: 'Idle 60', updatedAt: ago(60) },
    { _id: 'cl-idle-45', name: 'tmp-idle 45', updatedAt: ago(45) },
    { _id: 'cl-idle-31', name: 'tmp-idle 31', updatedAt: ago(31) },
    { _id: 'cl-recent', name: 'Recent', updatedAt: ago(5) },
    { _id: 'cl-validating', name: 'Importing', status: 'Validating', updatedAt: ago(100) },
    { _id: 'cl-global-dnc', name: 'Default Global DNC', isGlobalDNC: true, isDefault: true, updatedAt: ago(500) },
    { _id: 'cl-dnc-flagless', name: 'Campaign DNC', updatedAt: ago(500) },
    { _id: 'cl-used', name: 'Used', updatedAt: ago(200) },
    { _id: 'cl-quirk', name: 'Used quirk', updatedAt: ago(200), isListInUse: false },
  ],
  campaigns: [
    { _id: 'cd-a', name: 'A', contactLists: ['Used'] },
    { _id: 'cd-b', name: 'B', contactLists: ['Used quirk'] },
  ],
};
const EXPECTED = ['cl-idle-90', 'cl-idle-60', 'cl-idle-45', 'cl-idle-31'];

describe('nightly sweep, fanned out through the lifecycle queue', () => {
  let h: ConsumerHarness;
  let sweep: SweepHandler;
  /** The same, deployed with sweepDryRun=false: an event may narrow a deployment, never make it live. */
  let liveSweep: SweepHandler;
  const ctx = (): Context => lambdaContext(60_000, 'nightly-sweep');

  beforeEach(async () => {
    h = await ConsumerHarness.start({ kore: { seed, rateLimit: { perMinute: 0 } }, maxReceiveCount: 10 });
    // The shipped wiring and defaults (dry run, 30 idle days, 200 lists), pointed at the local stack.
    sweep = createSweepHandler(
      createSweepDeps(loadSweepConfig({ ...h.stack.env, KORE_CALLS_PER_MINUTE: '60000', DELETION_MODE: 'delete' }), { aws: h.stack.aws }),
    );
    liveSweep = createSweepHandler(
      createSweepDeps(loadSweepConfig({ ...h.stack.env, KORE_CALLS_PER_MINUTE: '60000', DELETION_MODE: 'delete', SWEEP_DRY_RUN: 'false' }), {
        aws: h.stack.aws,
      }),
    );
  });
  afterEach(() => h.stop());

  /**
   * Reads the queued commands without consuming them (visibility 0). Each receive counts
   * towards maxReceiveCount, as in SQS, so stop as soon as a round brings nothing new.
   */
  async function peek(): Promise<Record<string, unknown>[]> {
    return (await receiveAll(h.stack.sqs, h.stack.queueUrl, 0)).map((m) => JSON.parse(m.Body!) as Record<string, unknown>);
  }

  it('a dry run (the default) reports the candidates and changes nothing', async () => {
    const report = await sweep({}, ctx());
    // One getAllListDetails: the campaigns' DNC references are the consumer's check.
    expect(report).toMatchObject({ dryRun: true, seen: 10, candidates: 4, queued: 0, koreCalls: 1, dncReferences: 'checked-by-consumer' });
    expect(report.candidateLists.map((c) => c.contactListId)).toEqual(EXPECTED);
    expect(report.excluded).toEqual({
      unverifiable: 0,
      protected: 2,
      'in-use': 2,
      unsettled: 1,
      'too-recent': 1,
      pattern: 0,
      archived: 0,
      'not-ours': 0,
      cap: 0,
    });
    expect(await h.depth(h.stack.queueUrl)).toBe(0);
    expect(h.stack.kore.apiCalls().map((c) => `${c.method} ${c.path.split('/').pop()}`)).toEqual(['POST getAllListDetails']);
    expect(h.stack.kore.state.lists.size).toBe(10);
    const logged = h.out.json().find((l) => l.message === 'sweep report') as unknown as SweepReport;
    expect(logged).toMatchObject({ runId: report.runId, candidates: 4, queued: 0 });
    expect(h.out.metric('sweep.candidates')).toBe(4);
  });

  it('a live run queues exactly the candidates, and the consumer deletes exactly those', async () => {
    const report = await liveSweep({}, ctx());
    expect(report).toMatchObject({ dryRun: false, candidates: 4, queued: 4, koreCalls: 1 });
    const queued = await peek();
    expect(queued.map((c) => c.contactListId).sort()).toEqual([...EXPECTED].sort());
    for (const c of queued) {
      expect(c).toMatchObject({
        type: 'list.expired',
        reason: 'sweep',
        runId: report.runId,
        listUpdatedAt: expect.any(String),
        occurredAt: expect.any(String),
      });
      expect(c.listUpdatedAt).toBe(h.stack.kore.state.lists.get(c.contactListId as string)!.updatedAt);
    }
    expect(h.stack.kore.apiCalls({ method: 'DELETE' })).toHaveLength(0); // the sweep never deletes inline

    await h.drain();
    const remaining = [...h.stack.kore.state.lists.keys()].sort();
    expect(remaining).toEqual(['cl-dnc-flagless', 'cl-global-dnc', 'cl-quirk', 'cl-recent', 'cl-used', 'cl-validating']);
    const deleted = h.stack.kore
      .apiCalls({ method: 'DELETE' })
      .map((c) => c.path.split('/').pop())
      .sort();
    expect(deleted).toEqual([...EXPECTED].sort());
    // The sweep's 1 call; then the consumer reads the campaigns once (a page per type: it builds its
    // index), the account's lists once for the batch (its evidence), and one DELETE per list.
    expect(h.stack.kore.apiCalls().length).toBe(1 + 2 + 1 + EXPECTED.length);
    expect(h.out.outcomes().every((o) => o.evidence === 'listing')).toBe(true);
  });

  it('holds the cap, taking the oldest first', async () => {
    const report = await liveSweep({ maxLists: 2 }, ctx());
    expect(report).toMatchObject({ candidates: 2, queued: 2 });
    expect(report.excluded.cap).toBe(2);
    expect((await peek()).map((c) => c.contactListId).sort()).toEqual(['cl-idle-60', 'cl-idle-90']);
  });

  it('applies a name pattern and a minimum idle age from the event', async () => {
    const report = await sweep({ namePattern: '^tmp-', minIdleDays: 40 }, ctx());
    expect(report.candidateLists.map((c) => c.contactListId)).toEqual(['cl-idle-45']);
    expect(report.excluded).toMatchObject({ pattern: 2, 'too-recent': 2 });
  });

  it('the consumer skips a list that came into use, or changed, after the sweep', async () => {
    await liveSweep({}, ctx());
    h.stack.kore.state.addCampaign({ _id: 'cd-late', name: 'Late campaign', contactLists: ['Idle 90'] });
    const changed = h.stack.kore.state.lists.get('cl-idle-60')!;
    changed.updatedAt = new Date().toISOString();
    await h.drain();
    const outcome = (id: string) => h.out.outcomes().find((o) => o.contactListId === id);
    expect(outcome('cl-idle-90')).toMatchObject({ outcome: 'skipped', reason: 'in-use' });
    expect(outcome('cl-idle-60')).toMatchObject({ outcome: 'skipped', reason: 'changed-since-event', rule: 'unchanged' });
    expect(h.stack.kore.state.lists.has('cl-idle-90')).toBe(true);
    expect(h.stack.kore.state.lists.has('cl-idle-60')).toBe(true);
    expect(h.stack.kore.state.lists.has('cl-idle-45')).toBe(false);
  });

  it('rejects an event with unknown keys instead of running', async () => {
    await expect(sweep({ dryrun: false }, ctx())).rejects.toThrow(/unknown key\(s\): dryrun/);
    expect(h.stack.kore.apiCalls()).toHaveLength(0);
  });
});
