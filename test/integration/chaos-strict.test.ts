import { runChaos } from '../../local/chaos';
import type { ChaosReport } from '../../local/chaos';
import { itKeepsTheChaosInvariants } from '../fixtures/chaos-invariants';

/**
 * The chaos run again, smaller (60 commands, about 25 s), with the Kore emulator's
 * STRICT_REALISM: every behaviour Kore leaves undocumented read the way that breaks a client
 * relying on the lenient guess. Deleting a campaign does not detach its lists; a campaign's DNC
 * list does not look in use (only the campaign's dncLists says so); getAllListDetails leaves out
 * isGlobalDNC and isDefault; an in-use DELETE is a 409 in other words; a jti is single-use and
 * required; an unknown route answers an HTML page; a running campaign's DELETE is refused.
 */
const CONCURRENCY = 2;

describe('chaos (strict Kore)', () => {
  let r: ChaosReport;
  beforeAll(async () => {
    r = await runChaos({ commands: 60, concurrency: CONCURRENCY, strict: true, timeoutMs: 70_000 });
  }, 90_000);

  itKeepsTheChaosInvariants(() => r, CONCURRENCY);

  it('leaves every list a list.expired had to delete gone, or its command in the DLQ, and every ended campaign gone', () => {
    expect(r.mustGo).toBeGreaterThan(20);
    expect(r.shouldBeGoneButAreNot).toEqual([]);
    expect(r.campaignsShouldBeGone).toEqual([]);
  });

  // getAllListDetails leaves isGlobalDNC/isDefault out under strict Kore: campaign.ended must still
  // queue the exclusive lists (each follow-up's own GET proves the flags), not keep them as protected.
  it("deletes an ended campaign's exclusive lists, or parks their follow-ups, although getAllListDetails leaves out isGlobalDNC and isDefault", () => {
    expect(r.followUps).toBeGreaterThan(0);
    expect(r.fanoutListsLeft).toEqual([]);
  });

  it('refuses the DNC list of a running campaign by its dncLists reference alone', () => {
    expect(r.protectedTouched).toEqual([]);
    expect(r.outcomeLines['skipped:protected']).toBeGreaterThan(0);
  });

  it("takes Kore's HTML page for an unknown bot as proof of nothing: retried, then parked", () => {
    expect(r.unknownBot.notFound).toBeGreaterThan(0);
    expect(r.unknownBot.parked).toBe(r.unknownBot.commands);
  });

  it('injected Kore faults and SQS faults on receive, send, delete', () => {
    const kinds = ['fault-5xx', 'dropped', 'outage', 'committed-dropped'];
    expect(Object.fromEntries(kinds.map((f) => [f, (r.faults[f] ?? 0) > 0]))).toEqual(Object.fromEntries(kinds.map((f) => [f, true])));
    expect(r.sqsFaults.ReceiveMessage).toMatchObject({ 'server-error': expect.any(Number), dropped: expect.any(Number), 'lost-reply': expect.any(Number) });
    expect(r.sqsFaults.SendMessage).toMatchObject({ 'server-error': expect.any(Number), dropped: expect.any(Number), 'lost-reply': expect.any(Number) });
    expect(r.sqsFaults.DeleteMessageBatch).toMatchObject({ dropped: expect.any(Number), 'lost-reply': expect.any(Number) });
  });
});
