/**
 * The shopper's history as the model reads it, assembled in the worker: the newest `limit` events of the
 * history types, stored ones and those the page has not written yet (merged by id), with their items'
 * features: the page's, else stored, else the id alone. Reads about `limit` records per event type, however
 * many events are stored, and nothing of it runs on the page's main thread.
 */
import { HISTORY_TYPES } from '../shared/labels.ts';
import type { HistoryRequest } from '../shared/protocol.ts';
import { byTime, type Store } from '../shared/store.ts';
import type { HistoryEntry, ItemFeatures, RecoEvent } from '../shared/types.ts';

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
 * any more. Any other failure is thrown.
 */
function orNone<T>(read: Promise<T>, none: T): Promise<T> {
  return read.catch((err: unknown) => {
    if ((err as Error | null)?.name === 'InvalidStateError') return none;
    throw err;
  });
}

/** An item given with features besides its id: it is used as given (never merged with the stored copy). */
export const hasFeatures = (it: ItemFeatures): boolean => Object.keys(it).length > 1;

/**
 * @param store the page's database; null when events live in the page's memory only (all of them are then pending)
 * @param also ids whose stored features are wanted too (candidates given by id only)
 * @throws what the store throws, but for a closed connection (see orNone)
 */
export async function assembleHistory(
  store: Store | null,
  req: HistoryRequest,
  limit: number,
  also: readonly string[] = [],
): Promise<AssembledHistory> {
  const byId = new Map<string, RecoEvent>();
  for (const e of store ? await orNone(store.recent(limit, HISTORY_TYPES), []) : []) byId.set(e.id, e);
  for (const e of req.pending) if (HISTORY_TYPES.includes(e.type)) byId.set(e.id, e);
  const events = [...byId.values()].sort(byTime).slice(-limit);
  const known = new Map(req.known.map((f) => [f.id, f]));
  const wanted = [...new Set([...events.map((e) => e.itemId), ...also])].filter((id) => !known.has(id));
  const stored =
    store && wanted.length ? await orNone(store.items(wanted), new Map<string, ItemFeatures>()) : new Map<string, ItemFeatures>();
  const lookup = (id: string) => known.get(id) ?? stored.get(id);
  return {
    history: events.map((e) => ({ item: lookup(e.itemId) ?? { id: e.itemId }, type: e.type, ts: e.ts })),
    now: Math.max(req.now, events[events.length - 1]?.ts ?? -Infinity),
    features: (it) => (hasFeatures(it) ? it : (lookup(it.id) ?? it)),
  };
}
