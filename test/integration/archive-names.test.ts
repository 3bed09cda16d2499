import type { Seed } from '../../local/kore-emulator/server';
import { daysAgo } from '../../local/seed';
import { ConsumerHarness } from '../helpers/harness';

/**
 * An archive renames a list "[expired] <name>" (cut to Kore's 48 characters), and Kore's names are
 * unique. When that name is taken (a CRM recreated "Weekly callbacks" while the previous one waits
 * out its grace period; two long names cut to the same one), the list is archived under a name
 * with its own id, recorded and signed in its archive record: restore and the grace-period
 * deletion know it as ours. Found by an adversarial review (the command was parked, and the sweep
 * queued it again every night).
 */

const LONG_A = 'Customer satisfaction survey follow-ups 2026 North';
const LONG_B = 'Customer satisfaction survey follow-ups 2026 South';
const seed = (): Seed => ({
  lists: [
    { _id: 'cl-cb-1', name: 'Weekly callbacks', description: 'week 1', updatedAt: daysAgo(200) },
    { _id: 'cl-long-n', name: LONG_A.slice(0, 48), description: 'north', updatedAt: daysAgo(200) },
    { _id: 'cl-long-s', name: LONG_B.slice(0, 48), description: 'south', updatedAt: daysAgo(200) },
  ],
});

describe('an archive whose "[expired]" name is taken', () => {
  let h: ConsumerHarness;
  afterEach(() => h?.stop());
  const now = () => new Date().toISOString();

  it('archives under a name with the list id, which restore puts back and nothing parks', async () => {
    h = await ConsumerHarness.start({ kore: { seed: seed(), rateLimit: { perMinute: 0 } }, env: { DELETION_MODE: 'archive-then-delete' } });
    const k = h.stack.kore;
    const [first] = await h.send({ type: 'list.expired', contactListId: 'cl-cb-1', occurredAt: now() });
    await h.drain();
    expect(h.outcomeOf(first!)).toMatchObject({ outcome: 'done', action: 'archive', newName: '[expired] Weekly callbacks' });
    // The CRM recreates "Weekly callbacks"; it expires inside the first one's grace period.
    k.state.addList({ _id: 'cl-cb-2', name: 'Weekly callbacks', description: 'week 2', updatedAt: daysAgo(120) });
    const ids = await h.send(
      { type: 'list.expired', contactListId: 'cl-cb-2', occurredAt: now() },
      { type: 'list.expired', contactListId: 'cl-long-n', occurredAt: now() },
      { type: 'list.expired', contactListId: 'cl-long-s', occurredAt: now() },
    );
    await h.drain();
    expect(h.outcomeOf(ids[0]!)).toMatchObject({
      outcome: 'done',
      action: 'archive',
      newName: '[expired] Weekly callbacks ~cl-cb-2',
      nameTaken: '[expired] Weekly callbacks',
    });
    const north = h.outcomeOf(ids[1]!)!;
    const south = h.outcomeOf(ids[2]!)!;
    expect([north.outcome, south.outcome]).toEqual(['done', 'done']);
    expect(new Set([k.state.lists.get('cl-long-n')!.name, k.state.lists.get('cl-long-s')!.name]).size).toBe(2);
    expect(await h.depth(h.stack.dlqUrl)).toBe(0);
    // Each is ours: a second list.expired is already-done, and restore puts back name and description.
    const [again] = await h.send({ type: 'list.expired', contactListId: 'cl-cb-2', occurredAt: now() });
    await h.drain();
    expect(h.outcomeOf(again!)).toMatchObject({ outcome: 'already-done', reason: 'already-archived' });
    k.state.lists.delete('cl-cb-1'); // the first one is gone (deleted after its grace period): the name is free
    const [restore] = await h.send({ type: 'list.restore', contactListId: 'cl-cb-2' });
    await h.drain();
    expect(h.outcomeOf(restore!)).toMatchObject({ outcome: 'done', restoredName: 'Weekly callbacks' });
    expect(k.state.lists.get('cl-cb-2')).toMatchObject({ name: 'Weekly callbacks', description: 'week 2' });
  });

  it('a record signed for the default name does not vouch for the alternative one (renamed by hand): not ours', async () => {
    h = await ConsumerHarness.start({ kore: { seed: seed(), rateLimit: { perMinute: 0 } }, env: { DELETION_MODE: 'archive-then-delete' } });
    const k = h.stack.kore;
    const [first] = await h.send({ type: 'list.expired', contactListId: 'cl-cb-1', occurredAt: now() });
    await h.drain();
    expect(h.outcomeOf(first!)).toMatchObject({ outcome: 'done' });
    k.state.lists.get('cl-cb-1')!.name = '[expired] Weekly callbacks ~cl-cb-1';
    const [restore] = await h.send({ type: 'list.restore', contactListId: 'cl-cb-1' });
    await h.drain();
    expect(h.outcomeOf(restore!)).toMatchObject({ outcome: 'skipped', reason: 'not-ours' });
  });
});
