/**
 * The shopper's history as the model reads it, assembled in the worker: the newest `limit` events of the
 * history types, stored ones and those the page has not written yet (merged by id), with their items'
 * features: the page's, else stored, else the id alone. Reads about `limit` records per event type, however
 * many events are stored, and nothing of it runs on the page's main thread.
 */
import { HISTORY_TYPES, withoutRepeatedPurchases } from '../shared/labels.ts';
import type { HistoryRequest } from '../shared/protocol.ts';
import type { PageWrites } from '../shared/writes-channel.ts';
import { byTime, mergeItem, StoreTimeoutError, type Store } from '../shared/store.ts';
import type { EventType, HistoryEntry, ItemFeatures, RecoEvent } from '../shared/types.ts';

/** A history and the features known for its items and for the asked ones. */
export interface AssembledHistory {
  history: HistoryEntry[];
  /**
   * The request's time, at least the newest event's: the tracker gives events of one millisecond strictly
   * increasing times, so the newest can be a few ms ahead of the clock, and its gap to now is then 0, not unknown.
   */
  now: number;
  /** The best features known for an item: the page's, else stored ones, else `it` as given. */
  features(it: ItemFeatures): ItemFeatures;
}

/**
 * A read on a connection that was closed under the worker finds nothing: the database is being deleted (forget(), in
 * this tab or another) or upgraded by a newer version in another tab, and what it held is not the shopper's history
 * any more. A database that stopped answering (StoreTimeoutError) gives nothing either: the history is then what the
 * page sent. Any other failure is thrown.
 */
function orNone<T>(read: Promise<T>, none: T): Promise<T> {
  return read.catch((err: unknown) => {
    if ((err as Error | null)?.name === 'InvalidStateError' || err instanceof StoreTimeoutError) return none;
    throw err;
  });
}

/**
 * An item given with what the model reads (a title, brand, category or price): it is used as given (never merged
 * with the stored copy). A card known by its id and link alone (`{ id, url }`) is not: the stored copy has its text.
 */
export const hasFeatures = (it: ItemFeatures): boolean =>
  it.title !== undefined || it.brand !== undefined || it.category !== undefined || it.price !== undefined;

/** The reads a history is assembled from. */
export type HistoryReads = Pick<Store, 'recent' | 'stamp' | 'items'>;

/** What {@link createRecall} returns. */
export interface Recall {
  /**
   * The store's reads, remembered as they answer; the history is read again only when the store's events changed
   * (its stamp): a page view's rankings mostly read the same history. When the store stopped answering
   * (StoreTimeoutError), the latest read with the events sent since, and the features kept.
   * With `ahead` (the request a history is assembled for, and the ids it wants besides), the features that history will
   * want are read beside the stamp, for the events of the latest read: one wait on the database instead of two when
   * the events did not change (in WebKit a worker's every read waits for the page's main thread, busy as a page loads).
   */
  through(store: HistoryReads, ahead?: { req: HistoryRequest; also: readonly string[] }): HistoryReads;
  /**
   * What a request sends that the store may not have yet: its pending events count as read, and the features the
   * page knows for them as written (the page stores them).
   */
  add(req: HistoryRequest): void;
  /** Item features written to the store: merged into those kept, as the store merges them. */
  stored(items: readonly ItemFeatures[]): void;
  /**
   * The reads answered from memory: the events of the latest read with those sent since, the item features read
   * so far; what was never read (no read yet, an item not read before) comes from `store`, remembered.
   */
  recalled(store: HistoryReads): HistoryReads;
  /**
   * A page store's write was told (src/shared/writes-channel.ts): unless it is the page whose requests this worker
   * answers (its event writes are counted in each request, the item features it writes are this worker's own), the
   * history is read from the store again at the next ranking.
   */
  writtenBy(by: string): void;
  /**
   * Whether the pages' writes reach {@link writtenBy} now: a worker stops listening while its page is kept by the
   * back/forward cache. Until it listens again every ranking reads the store, and the first one after that too (the
   * writes made meanwhile went unheard).
   */
  hearing(on: boolean): void;
  /** Forgets everything (forget(): the store was cleared). */
  clear(): void;
}

/** Item features a recall keeps at most (a long-lived single-page app reads many items over time). */
export const RECALLED_ITEMS = 2000;

/**
 * The history reads of one page view, kept: the serving snapshot of each change of the history is assembled from
 * them rather than read again. A read takes long exactly then, behind the page's own writes of the events that
 * changed the history (hundreds of ms in WebKit under load), and the snapshot must be stored before the shopper
 * leaves. Where memory is behind the store (another tab wrote since) the next page view's history differs from the
 * snapshot's, and that snapshot is not used: it can be late, never wrong.
 *
 * With `heard` (the pages' writes are told to this worker), while no other page wrote and nothing was removed since the
 * latest read, a ranking is answered from memory: that read with the events its page added since (the request says
 * which), and no read of the store at all (its stamp, the events and the items' features took three to fourteen
 * requests, most of a ranking's time). Without it, the stamp is read for every ranking.
 * @param limit events the model reads (the `historyLength` option): older ones are not kept
 * @param heard whether the pages' writes reach {@link Recall.writtenBy} (see also {@link Recall.hearing})
 */
export function createRecall(limit: number, heard = false): Recall {
  let read: RecoEvent[] | null = null;
  /** The store's stamp when `read` was read. */
  let readAt: string | null = null;
  /** Writes of other pages told so far. */
  let notices = 0;
  /**
   * What `read` was read after (or found unchanged after): the page's writes as its request said, and the other pages'
   * told when the read started. Both are what the store held at least: a write can only have settled since.
   */
  let readAfter: { page: PageWrites | undefined; notices: number } | null = null;
  const sent = new Map<string, RecoEvent>();
  const features = new Map<string, ItemFeatures>();
  /** Items read and not found in the store (the page's known features may still come), at most RECALLED_ITEMS. */
  const absent = new Set<string>();
  /** Whether the store holds what `read` and the features kept say, as far as this worker was told. */
  const current = (written: PageWrites | undefined) =>
    heard &&
    read !== null &&
    readAfter?.notices === notices &&
    written !== undefined &&
    written.by === readAfter.page?.by &&
    written.removals === readAfter.page.removals;
  /**
   * Whether the events dropped since the latest read (the oldest ones, by the retention caps) leave `events` (that read
   * with what the page added since) the newest: none was dropped, or it holds `limit` events, all newer.
   */
  const unchangedByDrops = (events: readonly RecoEvent[], written: PageWrites) =>
    written.droppedUpTo === readAfter?.page?.droppedUpTo || (events.length >= limit && written.droppedUpTo < events[0]!.ts);
  const newest = (events: Iterable<RecoEvent>) => [...events].sort(byTime).slice(-limit);
  /** Keeps an item's features, the least recently kept evicted beyond RECALLED_ITEMS (it is then read again). */
  const keep = (it: ItemFeatures) => {
    features.delete(it.id);
    features.set(it.id, it);
    for (const id of features.keys()) {
      if (features.size <= RECALLED_ITEMS) break;
      features.delete(id);
    }
  };
  /**
   * Features written over those kept (the candidates a ranking brings: only items already kept are history items); an
   * item read before and not found is read again.
   */
  const stored = (items: readonly ItemFeatures[]) => {
    for (const it of items) {
      absent.delete(it.id);
      if (features.has(it.id)) keep(mergeItem(features.get(it.id), it));
    }
  };
  /** The features kept of `ids` (those not kept are left out, as the store leaves out items it lacks). */
  const kept = (ids: readonly string[]) => new Map(ids.flatMap((id) => (features.has(id) ? [[id, features.get(id)!] as const] : [])));
  /** The latest read with the events sent since, the newest `n`. */
  const remembered = (from: readonly RecoEvent[], n: number) =>
    newest(new Map([...from, ...sent.values()].map((e) => [e.id, e])).values()).slice(-n);
  const through = (store: HistoryReads, ahead?: { req: HistoryRequest; also: readonly string[] }): HistoryReads => {
    /** The features read beside the stamp, and the ids they were read for. */
    let early: { ids: Set<string>; found: Promise<Map<string, ItemFeatures>> } | null = null;
    /** This request's history was answered from memory: so are its items' features that were read before. */
    let fromMemory = false;
    const written = ahead?.req.written;
    return {
      async recent(n, types) {
        if (n !== limit || types !== HISTORY_TYPES) return store.recent(n, types);
        // What the store holds, as far as this worker was told: the latest read and what the page added since (it
        // lists its newest `limit` adds), unless the oldest events dropped since were among them.
        const merged = current(written) ? newest(new Map([...read!, ...written!.added].map((e) => [e.id, e])).values()) : null;
        if (merged && unchangedByDrops(merged, written!)) {
          fromMemory = true;
          read = merged;
          return [...read];
        }
        // Counted before the read: a write told while it runs makes the next ranking read again.
        const after = { page: written, notices };
        try {
          // Taken before the read: an event written in between makes the next stamp differ, and the history is read again.
          const stamping = store.stamp();
          if (read && ahead) {
            const ids = wantedIds([...read, ...ahead.req.pending.filter((e) => HISTORY_TYPES.includes(e.type))], ahead.req, ahead.also);
            if (ids.length) {
              early = { ids: new Set(ids), found: store.items(ids) };
              // Its failure is items()'s to handle, as that of a read it starts itself.
              early.found.catch(() => {});
            }
          }
          const stamp = await stamping;
          if (read && stamp === readAt) {
            readAfter = after;
            return [...read];
          }
          const events = await store.recent(n, types);
          read = events;
          readAt = stamp;
          readAfter = after;
          return [...events];
        } catch (err) {
          // The database stopped answering: what it answered last, with what the page sent since.
          if (read && err instanceof StoreTimeoutError) return remembered(read, n);
          throw err;
        }
      },
      stamp: () => store.stamp(),
      async items(ids) {
        if (fromMemory && ids.every((id) => features.has(id) || absent.has(id))) return kept(ids);
        try {
          const found = early && ids.every((id) => early!.ids.has(id)) ? await early.found : await store.items(ids);
          for (const f of found.values()) keep(f);
          for (const id of ids) if (!found.has(id)) absent.add(id);
          for (const id of absent) {
            if (absent.size <= RECALLED_ITEMS) break;
            absent.delete(id);
          }
          return new Map(ids.flatMap((id) => (found.has(id) ? [[id, found.get(id)!] as const] : [])));
        } catch (err) {
          if (!(err instanceof StoreTimeoutError)) throw err;
          return kept(ids);
        }
      },
    };
  };
  return {
    through,
    add(req) {
      for (const e of newest(req.pending.filter((e) => HISTORY_TYPES.includes(e.type)))) {
        sent.delete(e.id);
        sent.set(e.id, e);
      }
      for (const id of sent.keys()) {
        if (sent.size <= limit) break;
        sent.delete(id);
      }
      // The items of the events sent: the store most likely holds what the page wrote of them (an older record merged
      // under it would differ only in fields the page leaves out, and then the snapshot is not used).
      for (const it of req.known) keep(mergeItem(features.get(it.id), it));
    },
    stored,
    recalled(store) {
      const reads = through(store);
      return {
        stamp: () => store.stamp(),
        async recent(n, types) {
          if (!read || n > limit || types !== HISTORY_TYPES) return reads.recent(n, types);
          return remembered(read, n);
        },
        async items(ids) {
          const missing = ids.filter((id) => !features.has(id));
          if (missing.length) await reads.items(missing);
          return kept(ids);
        },
      };
    },
    writtenBy(by) {
      if (by !== readAfter?.page?.by) notices++;
    },
    hearing(on) {
      heard = on;
      notices++;
    },
    clear() {
      read = null;
      readAt = null;
      readAfter = null;
      sent.clear();
      features.clear();
      absent.clear();
    },
  };
}

/**
 * The items whose stored features a history of `events` reads: those the page does not know with text (an item it
 * knows by id and link alone is merged with the stored copy), and `also`.
 */
function wantedIds(events: readonly RecoEvent[], req: HistoryRequest, also: readonly string[]): string[] {
  const known = new Map(req.known.map((f) => [f.id, f]));
  return [...new Set([...events.map((e) => e.itemId), ...also])].filter((id) => !hasFeatures(known.get(id) ?? { id }));
}

/**
 * @param store the page's database; null when events live in the page's memory only (all of them are then pending)
 * @param also ids whose stored features are wanted too (candidates given by id only)
 * @throws what the store throws, but for a closed connection (see orNone)
 */
export async function assembleHistory(
  store: HistoryReads | null,
  req: HistoryRequest,
  limit: number,
  also: readonly string[] = [],
): Promise<AssembledHistory> {
  const byId = new Map<string, RecoEvent>();
  for (const e of store ? await orNone(store.recent(limit, HISTORY_TYPES), []) : []) byId.set(e.id, e);
  for (const e of req.pending) if (HISTORY_TYPES.includes(e.type)) byId.set(e.id, e);
  // A purchase reported again (its confirmation page reloaded) is one purchase: the model reads it once.
  const events = withoutRepeatedPurchases([...byId.values()].sort(byTime)).slice(-limit);
  const known = new Map(req.known.map((f) => [f.id, f]));
  const wanted = wantedIds(events, req, also);
  const stored =
    store && wanted.length ? await orNone(store.items(wanted), new Map<string, ItemFeatures>()) : new Map<string, ItemFeatures>();
  const lookup = (id: string) => {
    const [page, kept] = [known.get(id), stored.get(id)];
    return page && kept ? mergeItem(kept, page) : (page ?? kept);
  };
  return {
    history: events.map((e) => ({ item: lookup(e.itemId) ?? { id: e.itemId }, type: e.type, ts: e.ts })),
    now: Math.max(req.now, events[events.length - 1]?.ts ?? -Infinity),
    features: (it) => (hasFeatures(it) ? it : (lookup(it.id) ?? it)),
  };
}

/** Events of one rule's types read beyond the model's history at most: the newest of each type. */
export const OLDER_EVENTS = 500;

/**
 * Events of `types` since `since` that are older than `history` (the model's newest `limit` events): what a rule
 * about recent events reads beyond the model's window (`excludeRecent`: never what was bought in the last 30 days, also
 * after more than `limit` views since). Read only when the window is full and does not reach back to `since`.
 * @returns entries with the item's id alone, oldest first; none when the store does not answer (see orNone)
 */
export async function olderEvents(
  store: HistoryReads | null,
  history: readonly HistoryEntry[],
  limit: number,
  types: readonly EventType[],
  since: number,
): Promise<HistoryEntry[]> {
  const oldest = history[0]?.ts ?? -Infinity;
  if (!store || !types.length || history.length < limit || oldest < since) return [];
  const events = await orNone(store.recent(OLDER_EVENTS, types), []);
  return events.filter((e) => e.ts >= since && e.ts <= oldest).map((e) => ({ item: { id: e.itemId }, type: e.type, ts: e.ts }));
}
