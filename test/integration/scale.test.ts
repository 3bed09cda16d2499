import { Sim } from '../../bench/accounts/sim';
import { expireAndDrain } from '../../bench/accounts/workloads';

/**
 * Issue 21 at the account sizes it names, with the deployed settings (serverless.yml's params:
 * 25 Kore calls a minute, 180 s consumer and 300 s sweep timeouts, batches of 10) and Kore's
 * 60-calls-a-minute window on, on a virtual clock (bench/accounts/): the consumer and the sweep
 * are the ones lib/deps.ts builds, the emulator's clock is the same virtual one, and hours of
 * Kore time pass in a second or two.
 */

const isPage = (path: string) => path.endsWith('/getAllCampaignDetails');

describe('a fresh consumer on an account of 10,000 lists and 5,000 or 10,000 campaigns (voice and SMS, DNC lists by id and by name)', () => {
  let sim: Sim;
  afterEach(() => sim?.stop());

  it('at 5,000 campaigns builds its campaign index in its first invocation, deletes in it, and serves the next invocation from the same index: every list gone, nothing in the DLQ', async () => {
    // Kore not showing a DNC list as in use (strict): only the index protects an SMS campaign's DNC list named by name.
    sim = await Sim.start({ profile: { lists: 10_000, campaigns: 5_000 }, realism: { dncInUse: false } });
    const consumer = sim.consumer('fresh', { DELETION_MODE: 'delete' });
    const ids = sim.account.idleIds.slice(0, 19);
    // "Opt-outs region 1": the DNC list of SMS campaigns only, which name it by name; its name does not say DNC.
    const smsDnc = sim.account.dncListIds[1]!;

    await expireAndDrain(sim, consumer, [...ids.slice(0, 5), smsDnc, ...ids.slice(5)]);

    const calls = sim.kore.apiCalls();
    const [first, second] = consumer.invocations;
    const within = (inv: typeof first) => calls.filter((c) => c.at >= inv!.at && c.at <= inv!.at + inv!.durationMs);
    // Invocation 1: the whole index (a probe and 27 pages per type, 100 a page), then its batch deleted.
    expect(within(first).filter((c) => isPage(c.path)).length).toBe(56);
    expect(within(first).filter((c) => c.method === 'DELETE' && c.status === 200).length).toBeGreaterThan(0);
    // Invocation 2: no page read again; the rest deleted.
    expect(within(second).filter((c) => isPage(c.path))).toEqual([]);
    expect(consumer.invocations.every((i) => !i.timedOut && i.durationMs <= 180_000)).toBe(true);
    expect(ids.filter((id) => sim.kore.state.lists.has(id))).toEqual([]);
    expect(sim.queue.messages).toEqual([]);
    expect(sim.queue.dlq).toEqual([]);
    // Kore's window was never hit, and no DNC list, global DNC list or list in use was touched.
    expect(calls.filter((c) => c.status === 429)).toEqual([]);
    for (const id of ['cl-global-dnc', ...sim.account.dncListIds, ...sim.account.usedListIds]) expect(sim.kore.state.lists.has(id)).toBe(true);
    expect(sim.outcomes.find((o) => o.contactListId === smsDnc)).toMatchObject({ outcome: 'skipped', reason: 'protected', rule: 'not-dnc-of-campaign' });
  });

  it('at 10,000 campaigns the index takes two invocations: the pages of the first are kept, the second goes on from there and deletes', async () => {
    sim = await Sim.start({ profile: { lists: 10_000, campaigns: 10_000 } });
    const consumer = sim.consumer('fresh', { DELETION_MODE: 'delete' });
    const ids = sim.account.idleIds.slice(0, 10);

    await expireAndDrain(sim, consumer, ids);

    const calls = sim.kore.apiCalls();
    const within = (i: number) =>
      calls.filter((c) => c.at >= consumer.invocations[i]!.at && c.at <= consumer.invocations[i]!.at + consumer.invocations[i]!.durationMs);
    const pages = [0, 1].map((i) => within(i).filter((c) => isPage(c.path)).length);
    // Invocation 1 reads what fits and gives its records back; invocation 2 reads the rest
    // (a probe and 53 pages per type in all) and a delta (the read is older than 300 s by then).
    expect(within(0).filter((c) => c.method === 'DELETE')).toEqual([]);
    expect(pages[0]).toBeGreaterThan(50);
    expect(pages[0]! + pages[1]!).toBe(108 + 2);
    expect(within(1).filter((c) => c.method === 'DELETE' && c.status === 200)).toHaveLength(10);
    expect(consumer.invocations).toHaveLength(2);
    expect(ids.filter((id) => sim.kore.state.lists.has(id))).toEqual([]);
    expect(sim.queue.dlq).toEqual([]);
  });

  it('at 5,000 campaigns in the default mode archives within its first two invocations: what the first cannot finish is given back with no call spent and archived in the second', async () => {
    sim = await Sim.start({ profile: { lists: 10_000, campaigns: 5_000 } });
    const consumer = sim.consumer('fresh');
    const ids = sim.account.idleIds.slice(0, 10);

    await expireAndDrain(sim, consumer, ids);

    const archived = ids.filter((id) => sim.kore.state.lists.get(id)?.name.startsWith('[expired] '));
    expect(archived).toEqual(ids);
    expect(consumer.invocations.length).toBeLessThanOrEqual(2);
    const puts = sim.kore.apiCalls({ method: 'PUT' });
    expect(puts.length).toBe(10);
    expect(puts[0]!.at).toBeLessThan(consumer.invocations[0]!.at + consumer.invocations[0]!.durationMs);
    // Deferred records spent nothing: a GET and a PUT per list, the index and its deltas, nothing else.
    const calls = sim.kore.apiCalls();
    expect(calls.length - calls.filter((c) => isPage(c.path)).length).toBe(20);
    expect(sim.outcomes.filter((o) => o.outcome === 'retry').every((o) => o.reason === 'deadline' && o.koreCalls === 0)).toBe(true);
    expect(sim.queue.dlq).toEqual([]);
  });
});

describe('the nightly sweep on a 10,000-campaign account', () => {
  let sim: Sim;
  afterEach(() => sim?.stop());

  it('reads no campaigns: one Kore call, well within its 300 s timeout, and queues SWEEP_MAX_LISTS list.expired', async () => {
    sim = await Sim.start({ profile: { lists: 10_000, campaigns: 10_000 } });

    const report = await sim.clock.actor('producer', () => sim.sweep());

    expect(sim.kore.apiCalls().map((c) => `${c.method} ${c.path.replace(/^.*\/campaign\//, '')} ${c.status}`)).toEqual([
      'POST contactList/getAllListDetails 200',
    ]);
    expect(report).toMatchObject({ koreCalls: 1, seen: 10_000, queued: 200, dryRun: false });
    // Paced time on the virtual clock: one call needs no pacing at all.
    expect(report.virtualMs).toBeLessThan(sim.settings.sweepTimeoutMs - 2_000);
    const queued = sim.queue.messages.map((m) => JSON.parse(m.body) as { type: string; contactListId: string });
    expect(queued).toHaveLength(200);
    expect(queued.every((c) => c.type === 'list.expired' && c.contactListId.startsWith('cl-idle-'))).toBe(true);
  });
});
