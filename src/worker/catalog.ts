/**
 * The catalog placements draw from: the shop's feed (`catalogUrl`: JSON Lines or JSON, fetched by the worker,
 * kept in Cache Storage and revalidated by ETag), or without a feed the items seen on the site so far (the
 * item cache the tracker fills, plus what the page shows now).
 */
import { contentIndex } from '../model/content.ts';
import type { PlacementCatalog } from '../model/placements.ts';
import type { CatalogStatus } from '../shared/protocol.ts';
import type { Store } from '../shared/store.ts';
import type { ItemFeatures } from '../shared/types.ts';
import { loadFeed, type CatalogEntry, type FetchedFeed } from './feed.ts';
import type { CacheOpener } from './asset-cache.ts';

/** Items seen on the site kept as a catalog without a feed (the store keeps as many). */
const MAX_SEEN = 5000;

/** The catalog as placements use it, with the feed rows to answer with. */
export interface LoadedCatalog extends PlacementCatalog {
  rows: readonly Record<string, unknown>[];
}

function compile(entries: readonly CatalogEntry[]): LoadedCatalog {
  const items = entries.map((e) => e.item);
  return { items, rows: entries.map((e) => e.row), index: new Map(items.map((it, i) => [it.id, i])), content: contentIndex(items) };
}

export interface CatalogSource {
  /** The feed's URL; null: the items seen on the site. */
  url: string | null;
  /** The page's IndexedDB database, whose item cache holds the items seen on earlier pages; null: none readable (memory-only storage). */
  dbName: string | null;
}

export interface WorkerCatalog {
  /** The catalog now: the feed once loaded (a failed feed falls back to the items seen), else the items seen. */
  current(): Promise<LoadedCatalog>;
  /** The feed if it has loaded, else null (never waits). */
  loadedFeed(): LoadedCatalog | null;
  /**
   * Items the page showed or the shopper's history holds; without a feed they are the catalog.
   * @param shown the page shows them now: their availability (`data-reco-available`) wins over the feed's, which may
   *   be a night old (a history's or an earlier page view's does not)
   */
  observe(items: Iterable<ItemFeatures>, shown?: boolean): void;
  /** An item's features: the loaded feed's, else the page's when it showed the item (never waits). */
  lookup(id: string): ItemFeatures | undefined;
  status(): CatalogStatus;
}

/**
 * Starts loading the feed (if any) at once, unless `started` is its load begun earlier (the worker's host starts
 * it when the page calls init(), long before the model is loaded); placements wait for it.
 * @param storage the Cache Storage the feed is kept in (null: fetched only, e.g. after forget()); default: the global one
 * @param itemCache the worker's store, which holds the page's item cache (when `source.dbName` says there is one): read
 *   through it, never a connection of the catalog's own, which would make the database anew after a forget() and
 *   apply retention caps other than the shop's
 */
export function createCatalog(
  source: CatalogSource,
  fetchFn: typeof fetch = fetch,
  storage?: () => CacheOpener | null | undefined,
  started?: Promise<FetchedFeed>,
  itemCache?: Pick<Store, 'export'> | null,
): WorkerCatalog {
  const seen = new Map<string, ItemFeatures>();
  let seenCatalog: LoadedCatalog | null = null;
  let status: CatalogStatus = { source: source.url ? 'feed' : 'seen', items: 0, url: source.url };

  /** What this page view's pages said of items' stock, by id: it wins over the feed's. */
  const stock = new Map<string, boolean>();
  const restock = (c: LoadedCatalog, id: string, available: boolean) => {
    const item = c.items[c.index.get(id) ?? -1] as ItemFeatures | undefined;
    if (item && item.available !== available) item.available = available;
  };
  const feed: Promise<LoadedCatalog | null> = source.url
    ? (started ?? loadFeed(source.url, fetchFn, storage)).then(({ entries, fromCache, stale, skipped, ignored }) => {
        status = { ...status, items: entries.length, fromCache, skipped, ignored };
        // The page says so once (a console warning): a moved or broken feed must not go unnoticed behind its copy.
        if (stale)
          status.stale = `the catalog feed ${source.url} ${stale}; placements use the copy stored on this device by an earlier page view, which may be out of date`;
        const c = compile(entries);
        for (const [id, available] of stock) restock(c, id, available);
        return c;
      })
    : Promise.resolve(null);
  let loadedFeed: LoadedCatalog | null = null;
  const loaded = feed
    .then((c) => (loadedFeed = c))
    .catch((err: Error) => {
      status = {
        ...status,
        source: 'seen',
        // The page reports it (a CatalogError: on('error') and one console line), naming the feed once.
        error: `the catalog feed${err.message.includes(source.url!) ? '' : ` ${source.url}`} could not be used (${err.message}); placements draw from the items seen`,
      };
      return null;
    });

  // Items seen on earlier pages, from the item cache the page keeps in IndexedDB.
  const stored: Promise<void> =
    source.dbName && itemCache
      ? itemCache
          .export()
          .then(({ items }) => observe(items))
          .catch(() => {}) // a store closed by forget(), or not answering: the items seen from now on
      : Promise.resolve();

  function observe(items: Iterable<ItemFeatures>, shown = false): void {
    for (const it of items) {
      if (!it?.id) continue;
      if (shown && typeof it.available === 'boolean') {
        stock.set(it.id, it.available);
        if (loadedFeed) restock(loadedFeed, it.id, it.available);
      }
      const old = seen.get(it.id);
      const merged = old ? { ...old, ...Object.fromEntries(Object.entries(it).filter(([, v]) => v !== undefined)) } : it;
      if (old && JSON.stringify(old) === JSON.stringify(merged)) continue;
      seen.delete(it.id);
      seen.set(it.id, merged);
      if (seen.size > MAX_SEEN) seen.delete(seen.keys().next().value!);
      seenCatalog = null;
    }
  }

  return {
    observe,
    loadedFeed: () => loadedFeed,
    lookup: (id) => loadedFeed?.items[loadedFeed.index.get(id) ?? -1] ?? seen.get(id),
    async current() {
      const fromFeed = await loaded;
      if (fromFeed) return fromFeed;
      await stored;
      seenCatalog ??= compile([...seen.values()].map((item) => ({ item, row: { ...item } })));
      if (status.source === 'seen') status = { ...status, items: seenCatalog.items.length };
      return seenCatalog;
    },
    status: () => status,
  };
}
