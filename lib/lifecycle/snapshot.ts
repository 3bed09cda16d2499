import type { Clock } from '../clock.js';
import { DeadlineError, ListingTooLargeError } from '../errors.js';
import type { CallOptions, KoreClient } from '../kore/client.js';
import type { KoreObject } from '../kore/types.js';

export interface ListSnapshotEntry {
  /** The list as getAllListDetails returned it. */
  list: KoreObject;
  /** When the listing was taken (epoch ms). */
  at: number;
}

/**
 * Whether this account's listings can stand as evidence at all. Kore does not document
 * `isGlobalDNC`/`isDefault` in getAllListDetails; when a listing arrives without them, every list
 * would need its own GET anyway and the listing would be one wasted call per batch, so the
 * container stops taking listings for an hour, then looks again. Per container, like the caches.
 */
export class ListingCapability {
  private unusableUntil = 0;

  constructor(
    private readonly clock: Clock,
    private readonly recheckMs = 3_600_000,
  ) {}

  usable(): boolean {
    return this.clock.now() >= this.unusableUntil;
  }

  observe(lists: readonly KoreObject[]): void {
    if (lists.some((l) => typeof l.isGlobalDNC !== 'boolean' || typeof l.isDefault !== 'boolean')) this.unusableUntil = this.clock.now() + this.recheckMs;
  }

  /** The account's listing is past LISTING_MAX_BYTES: a GET per list costs less memory than reading it. */
  tooLarge(): void {
    this.unusableUntil = this.clock.now() + this.recheckMs;
  }
}

/**
 * The batch's listing is read no further than this (about 42,000 lists at Kore's 480 bytes a list):
 * what the stream's buffers cost beyond it would take the 256 MB consumer past 200 MB at 100,000
 * lists (measured: docs/performance.md). Past it the batch's lists each get their own GET (0.9
 * calls more per deletion), and the container does not try again for an hour.
 */
export const LISTING_MAX_BYTES = 20 * 1024 * 1024;

/**
 * One getAllListDetails per invocation, shared by the batch's `list.expired` records that may
 * DELETE, as the guard's evidence: a deletion then costs its DELETE alone instead of a GET and a
 * DELETE. Only for DELETEs: Kore refuses to delete a list a campaign uses, so its refusal stays
 * the last line behind evidence a few seconds old; a rename, which Kore never refuses, reads its
 * list's own GET (docs/safety-model.md, "Evidence per write").
 *
 * The listing is read as a stream and only the batch's lists are kept (lib/kore/list-scan.ts), so
 * its memory does not grow with the account. It is used only while younger than
 * SNAPSHOT_MAX_AGE_SECONDS; a record whose entry lacks any field the guard needs, that the
 * listing does not have, or that this batch already wrote, falls back to its own GET. Per bot: a
 * command for another bot reads its own listing.
 */
export class ListSnapshot {
  private readonly taken = new Map<string, Promise<{ at: number; byId: Map<string, KoreObject> }>>();
  private readonly written = new Set<string>();

  constructor(
    private readonly kore: KoreClient,
    private readonly clock: Clock,
    private readonly maxAgeMs: number,
    /** The ids of the batch's lists the listing is read for. */
    private readonly ids: readonly string[],
    private readonly capability?: ListingCapability,
  ) {}

  /** The list's entry in a listing young enough to act on, or undefined (then the caller GETs it). */
  async entry(id: string, opts: CallOptions): Promise<ListSnapshotEntry | undefined> {
    if (this.written.has(id)) return undefined;
    const key = opts.streamId ?? '';
    let p = this.taken.get(key);
    if (!p) {
      p = this.take(opts);
      this.taken.set(key, p);
    }
    let snap;
    try {
      snap = await p;
    } catch (err) {
      // A listing that fails leaves the record to its own GET and is not kept: the next record may
      // try again. Not one past LISTING_MAX_BYTES: it would be as large for every record of the batch.
      if (this.taken.get(key) === p && !(err instanceof ListingTooLargeError)) this.taken.delete(key);
      if (err instanceof DeadlineError) throw err;
      return undefined;
    }
    if (this.clock.now() - snap.at > this.maxAgeMs || this.written.has(id)) return undefined;
    const list = snap.byId.get(id);
    return list ? { list, at: snap.at } : undefined;
  }

  /**
   * A list this batch has just written (archived, renamed, deleted): its entry no longer says
   * what Kore holds, so a later record for it gets its own GET.
   */
  forget(id: string): void {
    this.written.add(id);
  }

  private async take(opts: CallOptions): Promise<{ at: number; byId: Map<string, KoreObject> }> {
    // Its age counts from the request: Kore may have read a list at any moment while it streamed.
    const at = this.clock.now();
    let scan;
    try {
      scan = await this.kore.scanContactLists(this.ids, opts, { maxBytes: LISTING_MAX_BYTES });
    } catch (err) {
      if (err instanceof ListingTooLargeError) this.capability?.tooLarge();
      throw err;
    }
    const lists = scan.lists.filter((l) => typeof l._id === 'string' && this.ids.includes(l._id));
    this.capability?.observe(lists);
    return { at, byId: new Map(lists.map((l) => [l._id as string, l])) };
  }
}
