/**
 * Everything Reco ever wrote on this origin, found, read and erased whatever this page view's consent, GPC or
 * storage mode: every IndexedDB database it opened (a registry in localStorage names them, the current and the
 * default name are always included), its localStorage keys (all start with `reco:`), its Cache Storage caches
 * (names start with `reco-`), and the other tabs, told over a BroadcastChannel to drop their pending events and
 * stop writing. Reading never creates a database that does not exist.
 */
import { isCachedItem, isEvent } from '../shared/rows.ts';
import { DEFAULTS } from '../shared/options.ts';
import type { ExportData, ItemFeatures, RecoEvent } from '../shared/types.ts';

/** Every localStorage key Reco writes starts with this. */
export const LOCAL_PREFIX = 'reco:';
/** Every Cache Storage cache Reco opens (model and wasm files) is named with this prefix. */
export const CACHE_PREFIX = 'reco-';
/** localStorage key listing the IndexedDB databases Reco opened on this origin. */
const REGISTRY_KEY = `${LOCAL_PREFIX}databases`;
const CHANNEL = 'reco-page';
/** How long forget() waits for a database that another page keeps open before it reports it and goes on. */
const DELETE_WAIT_MS = 3000;

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

const done = (req: IDBRequest | IDBTransaction): Promise<void> =>
  new Promise((resolve, reject) => {
    if ('oncomplete' in req) {
      req.oncomplete = () => resolve();
      req.onabort = req.onerror = () => reject(req.error);
    } else {
      req.onsuccess = () => resolve();
      req.onerror = () => reject(req.error);
    }
  });

/** Opens an existing database as it is; null when it does not exist (the attempt to create it is aborted) or cannot be opened. */
function openExisting(name: string): Promise<IDBDatabase | null> {
  return new Promise((resolve) => {
    let req: IDBOpenDBRequest;
    try {
      req = indexedDB.open(name);
    } catch {
      return resolve(null); // no IndexedDB here
    }
    req.onupgradeneeded = () => req.transaction?.abort(); // it did not exist: leave it so
    req.onsuccess = () => {
      req.result.onversionchange = () => req.result.close();
      resolve(req.result);
    };
    req.onerror = () => resolve(null);
    req.onblocked = () => resolve(null);
  });
}

/** What one database holds (valid rows; malformed ones are counted where the SDK reads them). */
async function readDatabase(name: string): Promise<ExportData> {
  const out: ExportData = { exportedAt: new Date().toISOString(), events: [], items: [], meta: {} };
  const db = await openExisting(name);
  if (!db) return out;
  try {
    const names = ['events', 'items', 'meta'].filter((s) => db.objectStoreNames.contains(s));
    if (!names.length) return out;
    const tx = db.transaction(names);
    const all = (store: string, what: 'getAll' | 'getAllKeys') => (names.includes(store) ? tx.objectStore(store)[what]() : null);
    const reqs = {
      events: all('events', 'getAll'),
      items: all('items', 'getAll'),
      keys: all('meta', 'getAllKeys'),
      meta: all('meta', 'getAll'),
    };
    await done(tx);
    out.events = ((reqs.events?.result ?? []) as unknown[]).filter(isEvent);
    out.items = ((reqs.items?.result ?? []) as unknown[]).filter(isCachedItem).map((r) => r.item);
    const keys = (reqs.keys?.result ?? []) as IDBValidKey[];
    out.meta = Object.fromEntries(keys.map((k, i) => [String(k), (reqs.meta!.result as unknown[])[i]]));
    return out;
  } finally {
    db.close();
  }
}

/**
 * Everything stored in these databases, merged with `extra` (a memory store's content): events oldest first,
 * one record per item id.
 */
export async function readStored(names: readonly string[], extra?: ExportData): Promise<ExportData> {
  const parts = [...(await Promise.all(names.map(readDatabase))), ...(extra ? [extra] : [])];
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

/** Deletes a database; resolves with an error message when another page keeps it open past DELETE_WAIT_MS (it goes once that page lets go). */
function deleteDatabase(name: string): Promise<string | null> {
  return new Promise((resolve) => {
    let req: IDBOpenDBRequest;
    try {
      req = indexedDB.deleteDatabase(name);
    } catch {
      return resolve(null); // no IndexedDB here: nothing was stored in it
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    req.onsuccess = () => (clearTimeout(timer), resolve(null));
    req.onerror = () => (clearTimeout(timer), resolve(`could not delete the database "${name}": ${req.error?.message ?? 'unknown error'}`));
    req.onblocked = () => {
      timer ??= setTimeout(
        () => resolve(`the database "${name}" is kept open by another page; it is deleted as soon as that page closes it`),
        DELETE_WAIT_MS,
      );
    };
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

/** The page's line to the other tabs of this origin about forget(). */
export interface ForgetChannel {
  /** Tells the other tabs to drop their pending events and stop writing. */
  tell(): void;
  close(): void;
}

/**
 * Listens for forget() in another tab (where BroadcastChannel exists; without it each tab acts alone).
 * @param onForget called when another tab erased everything
 */
export function openForgetChannel(onForget: () => void): ForgetChannel {
  let channel: BroadcastChannel | null = null;
  try {
    if (typeof BroadcastChannel === 'function') {
      channel = new BroadcastChannel(CHANNEL);
      channel.onmessage = (ev: MessageEvent<{ type?: unknown } | null>) => ev.data?.type === 'forget' && onForget();
    }
  } catch {
    channel = null; // refused (opaque origins)
  }
  return {
    tell: () => channel?.postMessage({ type: 'forget' }),
    close: () => channel?.close(),
  };
}

/** Removes every `reco:` localStorage key (a tab that hears of forget() also removes what its journal wrote just before). */
export function clearLocalTraces(): void {
  try {
    for (const key of Object.keys(localStorage)) if (key.startsWith(LOCAL_PREFIX)) localStorage.removeItem(key);
  } catch {
    // blocked: nothing of ours is there
  }
}
