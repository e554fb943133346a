/**
 * Reco's IndexedDB database read and written by the page itself (no SDK call), for specs that check what
 * is stored or set up a stored history. One place opens the database; the specs name stores, not requests.
 */
import type { Page } from '@playwright/test';
import type { BrowserPage } from './engines/page.ts';
import { asTab } from './reco.ts';
import { DEFAULTS } from '../../src/shared/options.ts';
import type { ItemFeatures, RecoEvent } from '../../src/shared/types.ts';

/** Each object store's keys and values, by store name (none when the database has no stores yet). */
type Dump = Record<string, { keys: IDBValidKey[]; values: unknown[] }>;

/** Every record of every object store of the database, read in one transaction. */
function dump(page: Page | BrowserPage, dbName: string = DEFAULTS.dbName): Promise<Dump> {
  return asTab(page).evaluate(
    (name) =>
      new Promise<Dump>((resolve, reject) => {
        const req = indexedDB.open(name);
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const names = [...db.objectStoreNames];
          if (!names.length) return (db.close(), resolve({}));
          const tx = db.transaction(names);
          const out: Dump = {};
          for (const store of names) {
            const keys = tx.objectStore(store).getAllKeys();
            const values = tx.objectStore(store).getAll();
            values.onsuccess = () => (out[store] = { keys: keys.result, values: values.result });
          }
          tx.oncomplete = () => (db.close(), resolve(out));
          tx.onerror = () => reject(tx.error);
        };
      }),
    dbName,
  );
}

/** The stored events. */
export async function storedEvents(page: Page | BrowserPage): Promise<RecoEvent[]> {
  return ((await dump(page)).events?.values ?? []) as RecoEvent[];
}

/** The 'meta' records (learned heads, the learning schedule), by key. */
export async function storedMeta(page: Page | BrowserPage): Promise<Record<string, unknown>> {
  const meta = (await dump(page)).meta;
  return Object.fromEntries((meta?.keys ?? []).map((k, i) => [String(k), meta!.values[i]]));
}

/** How many records each object store holds. */
export async function countRecords(page: Page | BrowserPage): Promise<Record<string, number>> {
  return Object.fromEntries(Object.entries(await dump(page)).map(([store, { values }]) => [store, values.length]));
}

/**
 * Forgets what makes a repeat view fast: the stored serving snapshots and the Cache Storage copies of the model
 * and wasm files, so that the next page view downloads and loads the model as a first visit does. Reco's pending
 * writes (export() waits for them) land first.
 */
export async function dropFastStart(page: Page | BrowserPage): Promise<void> {
  const tab = asTab(page);
  await tab.evaluate(() => window.Reco?.export().then(() => {}));
  await tab.evaluate(
    (name: string) =>
      new Promise<void>((resolve, reject) => {
        const req = indexedDB.open(name);
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const tx = db.transaction('snapshots', 'readwrite');
          tx.objectStore('snapshots').clear();
          tx.oncomplete = () => (db.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
      }),
    DEFAULTS.dbName,
  );
  await tab.evaluate(async () => void (await Promise.all((await caches.keys()).map((k) => caches.delete(k)))));
}

/** Writes events and item features straight into the database, as the tracker would have left them. */
export async function storeEvents(page: Page | BrowserPage, events: RecoEvent[], items: ItemFeatures[]): Promise<void> {
  const cached = items.map((item) => ({ id: item.id, ts: Date.now(), item }));
  await asTab(page).evaluate(
    ({ name, events, cached }) =>
      new Promise<void>((resolve, reject) => {
        const req = indexedDB.open(name);
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const tx = db.transaction(['events', 'items'], 'readwrite');
          for (const e of events) tx.objectStore('events').put(e);
          for (const it of cached) tx.objectStore('items').put(it);
          tx.oncomplete = () => (db.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
      }),
    { name: DEFAULTS.dbName, events, cached },
  );
}

/** Names of the IndexedDB databases of the page's origin (reading them creates none). */
export async function databaseNames(page: Page | BrowserPage): Promise<string[]> {
  return asTab(page).evaluate(async () => (await indexedDB.databases()).map((d) => d.name!));
}

/** Writes rows as they are (no checks) into one object store of Reco's database, as another script or a damaged disk could. */
export async function putRawRows(
  page: Page | BrowserPage,
  store: 'events' | 'items' | 'meta',
  rows: unknown[],
  keys?: string[],
): Promise<void> {
  await asTab(page).evaluate(
    ({ name, store, rows, keys }) =>
      new Promise<void>((resolve, reject) => {
        const req = indexedDB.open(name);
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const tx = db.transaction(store, 'readwrite');
          rows.forEach((r, i) => tx.objectStore(store).put(r, keys?.[i]));
          tx.oncomplete = () => (db.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
      }),
    { name: DEFAULTS.dbName, store, rows, keys },
  );
}
