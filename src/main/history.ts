/**
 * The shopper's history as the model reads it: the newest stored events of the history types, with their
 * items' features (seen on this page, else stored, else the id alone). Also keeps the features of the
 * items the page shows, and stores the new ones, so that history items can be featurized on later pages.
 */
import { HISTORY_TYPES } from '../shared/labels.ts';
import type { Store } from '../shared/store.ts';
import type { HistoryEntry, ItemFeatures } from '../shared/types.ts';

/** What {@link createHistory} returns. */
export interface ShopperHistory {
  /** Keeps these items' features for this page view and stores the ones not seen before on it. */
  remember(features: readonly ItemFeatures[]): void;
  /** Features of an item seen on this page, if any. */
  seen(id: string): ItemFeatures | undefined;
  /**
   * The newest `limit` history events, oldest first, and a lookup of item features that also knows `ids`.
   * @throws what the store throws
   */
  read(ids?: readonly string[]): Promise<{ history: HistoryEntry[]; item: (id: string) => ItemFeatures }>;
}

/** Items whose features the page keeps in memory, least recently shown evicted first (a long-lived SPA shows many). */
export const SEEN_MAX = 2000;

/**
 * @param store where events and item features are stored; null when nothing is stored (consent denied)
 * @param limit events the model reads (the `historyLength` option)
 * @param onError hears a failed write of item features
 */
export function createHistory(store: Store | null, limit: number, onError: (err: Error) => void): ShopperHistory {
  const seen = new Map<string, ItemFeatures>();
  return {
    remember(features) {
      const fresh = features.filter((f) => !seen.has(f.id));
      for (const f of features) {
        seen.delete(f.id); // a Map iterates in insertion order: re-inserting makes it the most recent
        seen.set(f.id, f);
      }
      for (const id of seen.keys()) {
        if (seen.size <= SEEN_MAX) break;
        seen.delete(id);
      }
      if (fresh.length) store?.putItems(fresh).catch(onError);
    },
    seen: (id) => seen.get(id),
    async read(ids = []) {
      const events = store ? await store.events({ limit, types: HISTORY_TYPES }) : [];
      const known = store ? await store.items([...events.map((ev) => ev.itemId), ...ids].filter((id) => !seen.has(id))) : new Map();
      const item = (id: string) => seen.get(id) ?? known.get(id) ?? { id };
      return { history: events.map((ev) => ({ item: item(ev.itemId), type: ev.type, ts: ev.ts })), item };
    },
  };
}
