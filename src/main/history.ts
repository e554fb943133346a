/**
 * The page's side of the shopper's history. The worker reads the stored history itself (src/worker/history.ts);
 * the page only adds what the worker cannot see: events recorded but not written yet, the features of the items
 * it shows (kept for this page view, and stored when new so later pages can featurize them: by the worker, which writes
 * the item cache, or in the page's memory store), and, when events
 * live in the page's memory only (GPC, private modes), the whole history.
 */
import { HISTORY_TYPES } from '../shared/labels.ts';
import type { HistoryRequest } from '../shared/protocol.ts';
import type { PageStore } from '../shared/store.ts';
import type { ItemFeatures, RecoEvent } from '../shared/types.ts';

/** What {@link createHistory} returns. */
export interface ShopperHistory {
  /** Keeps these items' features for this page view and has the ones not seen before on it (or seen without some of these fields) stored. */
  remember(features: readonly ItemFeatures[]): void;
  /** Features of an item seen on this page, if any. */
  seen(id: string): ItemFeatures | undefined;
  /**
   * What a request to the worker carries: the events it may not find in IndexedDB and the features the page knows for them.
   * @throws what the store throws (memory stores only)
   */
  request(): Promise<HistoryRequest>;
}

/** Items whose features the page keeps in memory, least recently shown evicted first (a long-lived SPA shows many). */
export const SEEN_MAX = 2000;

/**
 * @param store where events are stored, or the store being opened (nothing waits for it); null when nothing is stored
 *   (consent denied). A memory store keeps item features too.
 * @param limit events the model reads (the `historyLength` option)
 * @param unwritten events recorded and not yet written (the tracker's)
 * @param storeItems has the worker store item features in IndexedDB's item cache (it writes that cache)
 * @param onError hears a failed write of item features
 */
export function createHistory(
  store: PageStore | Promise<PageStore> | null,
  limit: number,
  unwritten: () => RecoEvent[],
  storeItems: (features: ItemFeatures[]) => void,
  onError: (err: Error) => void,
): ShopperHistory {
  const seen = new Map<string, ItemFeatures>();
  let opened = store && 'then' in store ? null : store;
  if (store && 'then' in store) void store.then((s) => (opened = s));
  return {
    remember(features) {
      const fresh: ItemFeatures[] = [];
      for (const f of features) {
        const old = seen.get(f.id);
        const known = Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined && v !== ''));
        // Not seen before, or with fields the page had not given (the shop's GA4 push of a grid's card: its brand and
        // category levels): stored, merged into what the item cache holds.
        if (!old || Object.keys(known).some((k) => !(k in old))) fresh.push(f);
        seen.delete(f.id); // a Map iterates in insertion order: re-inserting makes it the most recent
        seen.set(f.id, { ...old, ...known } as ItemFeatures);
      }
      for (const id of seen.keys()) {
        if (seen.size <= SEEN_MAX) break;
        seen.delete(id);
      }
      if (!fresh.length || !store) return;
      // Stored at once when the store is open, else once it is: the worker's, unless events live in the page's memory.
      const put = (s: PageStore) => (s.kind === 'memory' ? s.putItems(fresh) : storeItems(fresh));
      (opened ? Promise.resolve(put(opened)) : Promise.resolve(store).then(put)).catch(onError);
    },
    seen: (id) => seen.get(id),
    async request() {
      let pending = unwritten().filter((e) => HISTORY_TYPES.includes(e.type));
      // A memory store is out of the worker's reach: its history travels with each request. Until the store is
      // open, what this page view recorded is all of it (a memory store starts empty), and it is unwritten.
      const memory = opened?.kind === 'memory' ? opened : null;
      if (memory) pending = [...(await memory.recent(limit, HISTORY_TYPES)), ...pending];
      // Taken after the pending events: an add settling in between is in one or the other (in both, merged by id).
      const written = opened?.kind === 'indexeddb' ? opened.writes?.(limit) : undefined;
      const ids = [...new Set([...pending, ...(written?.added ?? [])].map((e) => e.itemId))];
      const known = ids.flatMap((id) => (seen.has(id) ? [seen.get(id)!] : []));
      if (memory) known.push(...(await memory.items(ids.filter((id) => !seen.has(id)))).values());
      return { pending, known, now: Date.now(), ...(written && { written }) };
    },
  };
}
