/**
 * Everything Reco ever wrote on this origin, found, read and erased whatever this page view's consent, GPC or
 * storage mode: every IndexedDB database it opened (a registry in localStorage names them, the current and the
 * default name are always included), its localStorage keys (all start with `reco:`), its Cache Storage caches
 * (names start with `reco-`), and the other tabs, told over a BroadcastChannel to drop their pending events and
 * stop writing. Reading never creates a database that does not exist.
 */
import { openDB, type IDBPDatabase } from 'idb';
import { isCachedItem, isEvent } from '../shared/rows.ts';
import { DEFAULTS } from '../shared/options.ts';
import { openForgetChannel } from '../shared/forget-channel.ts';
import type { ExportData, ItemFeatures, RecoEvent } from '../shared/types.ts';

/** Every localStorage key Reco writes starts with this. */
export const LOCAL_PREFIX = 'reco:';
/** Every Cache Storage cache Reco opens (model and wasm files) is named with this prefix. */
export const CACHE_PREFIX = 'reco-';
/** localStorage key listing the IndexedDB databases Reco opened on this origin. */
const REGISTRY_KEY = `${LOCAL_PREFIX}databases`;
/** How long export() and forget() wait for a database that another page keeps open or blocks before they go on. */
const WAIT_MS = 3000;

function readRegistry(): string[] {
  try {
    const list: unknown = JSON.parse(localStorage.getItem(REGISTRY_KEY) ?? '[]');
    return Array.isArray(list) ? list.filter((n): n is string => typeof n === 'string' && n !== '') : [];
  } catch {
    return []; // blocked or malformed: the current and default names are still known
  }
}

/** Adds `name` to the registry of databases Reco opened here (where localStorage works). */
export function rememberDatabase(name: string): void {
  const known = readRegistry();
  if (known.includes(name)) return;
  try {
    localStorage.setItem(REGISTRY_KEY, JSON.stringify([...known, name]));
  } catch {
    // Storage blocked or full: forget() still finds the current and the default database.
  }
}

/** The databases Reco may have written here: the registry's, the current one and the default. */
export function knownDatabases(current: string): string[] {
  return [...new Set([current, DEFAULTS.dbName, ...readRegistry()])];
}

/**
 * What one database holds (valid rows; malformed ones are counted where the SDK reads them); nothing when it does not
 * exist, or when it answers nothing within WAIT_MS: an open request queued behind another tab's blocked upgrade waits
 * for ever, and so do the reads of a database that opens but runs no transaction (WebKit can leave one so: see
 * src/shared/store.ts).
 */
async function readDatabase(name: string): Promise<ExportData> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(resolve, WAIT_MS, null)));
  const out = await Promise.race([readAll(name), late]).finally(() => clearTimeout(timer));
  return out ?? { exportedAt: '', events: [], items: [], meta: {} };
}

/** What one database holds; null when it is missing, blocked or unreadable. */
async function readAll(name: string): Promise<ExportData | null> {
  let db: IDBPDatabase | undefined;
  try {
    // No version: the database as it is. One that does not exist is not created: its creation is aborted.
    db = await openDB(name, undefined, {
      upgrade(_db, _old, _new, tx) {
        tx.done.catch(() => {}); // the abort below is the point: never an unhandled rejection in the page
        tx.abort();
      },
    });
    const has = (store: string) => db!.objectStoreNames.contains(store);
    const out: ExportData = { exportedAt: '', events: [], items: [], meta: {} };
    if (has('events')) out.events = (await db.getAll('events')).filter(isEvent);
    if (has('items')) out.items = (await db.getAll('items')).filter(isCachedItem).map((r) => r.item);
    if (has('meta')) {
      const [keys, values] = await Promise.all([db.getAllKeys('meta'), db.getAll('meta')]);
      out.meta = Object.fromEntries(keys.map((k, i) => [String(k), values[i]]));
    }
    return out;
  } catch {
    return null;
  } finally {
    db?.close();
  }
}

/**
 * Everything stored in these databases, merged with `extra` (a memory store's content): events oldest first,
 * one record per item id.
 */
export async function readStored(names: readonly string[], extra?: ExportData): Promise<ExportData> {
  // Only databases that exist, where the browser lists them: opening a missing one creates it, and WebKit keeps it
  // (empty, version 0) even though its creation is aborted, so an export after forget() would bring the name back.
  // Without the list (or IndexedDB), each name is opened and a missing one's creation aborted.
  const listed = await (async () => (await indexedDB.databases()).map((d) => d.name))().catch(() => null);
  const read = listed ? names.filter((n) => listed.includes(n)) : names;
  const parts = [...(await Promise.all(read.map(readDatabase))), ...(extra ? [extra] : [])];
  const events = new Map<string, RecoEvent>();
  const items = new Map<string, ItemFeatures>();
  const meta: Record<string, unknown> = {};
  for (const p of parts) {
    for (const e of p.events) events.set(e.id, e);
    for (const it of p.items) items.set(it.id, it);
    Object.assign(meta, p.meta);
  }
  return {
    exportedAt: new Date().toISOString(),
    events: [...events.values()].sort((a, b) => a.ts - b.ts),
    items: [...items.values()],
    meta,
  };
}

/** Deletes a database; resolves with an error message when another page keeps it open past WAIT_MS (it goes once that page lets go). */
function deleteDatabase(name: string): Promise<string | null> {
  return new Promise((resolve) => {
    let req: IDBOpenDBRequest;
    try {
      req = indexedDB.deleteDatabase(name);
    } catch {
      return resolve(null); // no IndexedDB here: nothing was stored in it
    }
    // Blocked by a connection another page keeps open, or queued behind another tab's blocked upgrade: the request
    // stays and completes when they let go; forget() reports it and goes on.
    const timer = setTimeout(
      () => resolve(`the database "${name}" is kept open by another page; it is deleted as soon as that page closes it`),
      WAIT_MS,
    );
    req.onsuccess = () => (clearTimeout(timer), resolve(null));
    req.onerror = () => (clearTimeout(timer), resolve(`could not delete the database "${name}": ${req.error?.message ?? 'unknown error'}`));
  });
}

/**
 * Erases every trace: the databases, every `reco:` localStorage key, every `reco-` cache.
 * @returns what could not be erased at once (empty when everything is gone)
 */
export async function eraseEverything(databases: readonly string[]): Promise<string[]> {
  const problems = (await Promise.all(databases.map(deleteDatabase))).filter((p): p is string => !!p);
  clearLocalTraces();
  try {
    const names = (await globalThis.caches?.keys()) ?? [];
    await Promise.all(names.filter((n) => n.startsWith(CACHE_PREFIX)).map((n) => caches.delete(n)));
  } catch (err) {
    // Cache Storage refused (opaque origin, insecure context): nothing of ours can be in it either.
    if ((err as Error).name !== 'SecurityError') problems.push(`could not delete the caches: ${(err as Error).message}`);
  }
  return problems;
}

/**
 * forget() without an instance (a page that never called init(), such as the shop's privacy page): tells the other
 * tabs, then erases every database the registry names and the default one, every `reco:` key and `reco-` cache.
 * @returns what could not be erased at once (empty when everything is gone)
 */
export async function forgetWithoutInstance(): Promise<string[]> {
  const databases = knownDatabases(DEFAULTS.dbName); // read before the registry goes with the other localStorage keys
  const channel = openForgetChannel(() => {});
  channel.tell();
  channel.close();
  return eraseEverything(databases);
}

/** Removes every `reco:` localStorage key (a tab that hears of forget() also removes what its journal wrote just before). */
export function clearLocalTraces(): void {
  try {
    for (const key of Object.keys(localStorage)) if (key.startsWith(LOCAL_PREFIX)) localStorage.removeItem(key);
  } catch {
    // blocked: nothing of ours is there
  }
}
