/**
 * Everything Reco ever wrote on this origin, found, read and erased whatever this page view's consent, GPC or
 * storage mode: every IndexedDB database it opened (a registry in localStorage names them, the current and the
 * default name are always included), its localStorage keys (all start with `reco:`), its Cache Storage caches
 * (names start with `reco-`), and the other tabs, told over a BroadcastChannel to drop their pending events and
 * stop writing. What they hold is read by export.ts (in reco.engine.js).
 */
import { DEFAULTS } from '../shared/options.ts';
import { openForgetChannel } from '../shared/forget-channel.ts';

/** Every localStorage key Reco writes starts with this. */
export const LOCAL_PREFIX = 'reco:';
/** Every Cache Storage cache Reco opens (model and wasm files) is named with this prefix. */
export const CACHE_PREFIX = 'reco-';
/** localStorage key listing the IndexedDB databases Reco opened on this origin. */
const REGISTRY_KEY = `${LOCAL_PREFIX}databases`;
/**
 * localStorage key naming the databases a forget() is erasing: set as it starts, removed once it is done. A page view
 * the shopper leaves before then (a link followed at once, a script navigating right after `forget()`) leaves it, and
 * the next page view finishes the erasing before it stores or reads anything (finishForgetting).
 */
const FORGETTING_KEY = `${LOCAL_PREFIX}forgetting`;
/** How long export() and forget() wait for a database that another page keeps open or blocks before they go on. */
export const WAIT_MS = 3000;

/** What `work` resolves to, or undefined after `ms` (what it then does no longer holds the caller up). */
export function within<T>(work: Promise<T> | undefined, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

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

/** Reco's object stores (src/shared/store.ts, version 3): a database with exactly these is Reco's, ... */
const RECO_STORES = ['events', 'items', 'meta', 'snapshots'];
/** ... when its events are kept by id with Reco's two indexes. A shop's own database (an analytics queue with events and meta stores) is not. */
const isRecoSchema = (db: IDBDatabase): boolean => {
  const stores = [...db.objectStoreNames].sort();
  if (stores.join() !== RECO_STORES.join()) return false;
  const events = db.transaction('events').objectStore('events');
  return events.keyPath === 'id' && events.indexNames.contains('ts') && events.indexNames.contains('type_ts');
};

/**
 * The database `name` as it is (no version). One that does not exist (deleted since it was listed) is not created:
 * its creation is aborted and the open fails with an AbortError. export() reads through it too.
 */
export function openAsItIs(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(name); // without IndexedDB the name itself throws: a rejection
    open.onupgradeneeded = () => open.transaction?.abort();
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}

/** True when the database `name` (one the browser lists) is Reco's by its schema; false when it cannot tell within WAIT_MS. */
async function isRecoDatabase(name: string): Promise<boolean> {
  const opening = openAsItIs(name);
  const db = await within(
    opening.catch(() => undefined),
    WAIT_MS,
  );
  if (!db) {
    // A deletion pending on it (it goes anyway): a connection that comes later is closed at once.
    void opening.then(
      (late) => late.close(),
      () => {},
    );
    return false;
  }
  try {
    return isRecoSchema(db);
  } catch {
    return false; // a transaction refused: not one to delete
  } finally {
    db.close();
  }
}

/**
 * Where the browser lists the origin's databases (`list`, asked here unless the caller has asked already): the names
 * among them that are not `known` but are Reco's by their schema. A `dbName` of an earlier visit is in the registry only while localStorage keeps it (a shop's logout or a
 * consent tool may clear it; it may have been blocked or full when the database opened).
 */
export async function unlistedDatabases(
  known: readonly string[],
  list: Promise<IDBDatabaseInfo[] | undefined> = listDatabases(),
): Promise<string[]> {
  try {
    const listed = (await list) ?? [];
    const others = listed.flatMap((d) => (d.name && !known.includes(d.name) ? [d.name] : []));
    const reco = await Promise.all(others.map(isRecoDatabase));
    return others.filter((_, i) => reco[i]);
  } catch {
    return []; // no list (Firefox before 126) or no IndexedDB: the known names are all there is
  }
}

/**
 * The origin's databases as the browser lists them, within WAIT_MS; undefined where it cannot: no list (Firefox before
 * 126), no IndexedDB, or an opaque origin (a sandboxed frame), where Chromium's call leaves a rejection of its own
 * that no handler reaches (an error monitor would report "Uncaught (in promise) undefined").
 */
export async function listDatabases(): Promise<IDBDatabaseInfo[] | undefined> {
  if (globalThis.origin === 'null') return undefined;
  try {
    return await within(indexedDB.databases(), WAIT_MS); // without IndexedDB at all, the name itself throws
  } catch {
    return undefined;
  }
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
    req.onerror = () => {
      clearTimeout(timer);
      // A browser that refuses IndexedDB here (Firefox's private windows before version 115, storage disabled) refuses
      // the deletion as it refused every write: nothing was stored in it, so nothing failed.
      const refused = req.error?.name === 'InvalidStateError' || req.error?.name === 'SecurityError';
      resolve(refused ? null : `could not delete the database "${name}": ${req.error?.message ?? 'unknown error'}`);
    };
  });
}

/** forget() starts erasing `databases`: noted, so that the next page view finishes it should this one end first. */
export function noteForgetting(databases: readonly string[]): void {
  try {
    localStorage.setItem(FORGETTING_KEY, JSON.stringify(databases));
  } catch {
    // Storage blocked or full: the erasing goes on in this page view only.
  }
}

/**
 * Finishes the erasing a forget() of an earlier page view started and did not finish (the shopper left at once): the
 * databases it named, the current one and the default. Resolves at once when there is none.
 * @returns what could not be erased at once (empty when everything is gone)
 */
export async function finishForgetting(current: string): Promise<string[]> {
  let note: string | null;
  try {
    note = localStorage.getItem(FORGETTING_KEY);
  } catch {
    return []; // localStorage refused (a browser setting): no forget() could note one either
  }
  if (note === null) return [];
  let noted: unknown;
  try {
    noted = JSON.parse(note);
  } catch {
    noted = []; // malformed: the known names are erased all the same
  }
  // At once, before the tracker of this page view reads them: the click journal and session of the page view that left.
  const known = knownDatabases(current); // read before the registry goes with the other keys
  clearLocalTraces();
  const named = Array.isArray(noted) ? noted.filter((n): n is string => typeof n === 'string' && n !== '') : [];
  return eraseEverything([...new Set([...known, ...named])]);
}

/**
 * Erases every trace: the databases (and any other one with Reco's stores, see unlistedDatabases), every `reco:`
 * localStorage key, every `reco-` cache.
 * @returns what could not be erased at once (empty when everything is gone)
 */
export async function eraseEverything(databases: readonly string[]): Promise<string[]> {
  const all = [...databases, ...(await unlistedDatabases(databases))];
  const problems = (await Promise.all(all.map(deleteDatabase))).filter((p): p is string => !!p);
  // The note that an erasing is under way goes too: a deletion another page holds up is queued, and goes once it lets go.
  clearLocalTraces(null);
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
  noteForgetting(databases);
  const channel = openForgetChannel(() => {});
  channel.tell();
  channel.close();
  return eraseEverything(databases);
}

/**
 * Removes every `reco:` localStorage key (a tab that hears of forget() also removes what its journal wrote just before)
 * but `keep`: by default the note that a forget() is erasing, which goes once it is done (eraseEverything).
 */
export function clearLocalTraces(keep: string | null = FORGETTING_KEY): void {
  try {
    for (const key of Object.keys(localStorage)) if (key.startsWith(LOCAL_PREFIX) && key !== keep) localStorage.removeItem(key);
  } catch {
    // blocked: nothing of ours is there
  }
}
