/**
 * export(): what the databases Reco wrote on this origin hold (erase.ts finds them), read without creating one that
 * does not exist. Only export() reads them, so this is in reco.engine.js, not in the page script (engine-module.ts).
 */
import { isCachedItem, isEvent } from '../shared/rows.ts';
import type { ExportData, ItemFeatures, RecoEvent, StoredData } from '../shared/types.ts';
import { LOCAL_KEYS } from '../shared/local-keys.ts';
import { listDatabases, openAsItIs, unlistedDatabases, WAIT_MS, within } from './erase.ts';

/** Why a database's records are missing from an export: it did not answer. */
const NO_ANSWER = `did not answer within ${WAIT_MS / 1000} s (another tab may block it, or the browser still holds a transaction of a page that went away)`;

/**
 * What one database holds (valid rows; malformed ones are counted where the SDK reads them), and what of it could not
 * be read, and why: an open request queued behind another tab's blocked upgrade waits for ever, and so do the reads
 * of a database that opens but runs no transaction (WebKit can leave one so: see src/shared/store.ts). Not waited
 * for past WAIT_MS each.
 */
async function readDatabase(name: string): Promise<Stored & Pick<ExportData, 'unread'>> {
  const stored = await within(
    readAll(name).catch((err: unknown) => `could not be read (${err instanceof Error ? err.message : String(err)})`),
    WAIT_MS,
  );
  if (stored === undefined || typeof stored === 'string')
    return { exportedAt: '', events: [], items: [], meta: {}, snapshots: {}, unread: [{ database: name, reason: stored ?? NO_ANSWER }] };
  // The snapshots after the rest, on their own: they are the largest records, and a slow read of them (WebKit, a busy
  // machine) must not cost the export the shopper's events.
  const snapshots = await within(readSnapshots(name), WAIT_MS);
  return {
    ...stored,
    snapshots: snapshots ?? {},
    unread: snapshots ? [] : [{ database: name, reason: `its serving snapshots ${snapshots === null ? 'could not be read' : NO_ANSWER}` }],
  };
}

/** What one database holds. */
type Stored = StoredData & Pick<ExportData, 'snapshots'>;

/** The stores export() reads with the events (the snapshots are read apart: readSnapshots). */
const STORES = ['events', 'items', 'meta'] as const;

/** A stored value as JSON-ready data: typed arrays (a snapshot's numbers) as arrays, NaN and infinities as null. */
function jsonReady(v: unknown): unknown {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView))
    return Array.from(v as unknown as ArrayLike<number>, (x) => (Number.isFinite(x) ? x : null));
  if (Array.isArray(v)) return v.map(jsonReady);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonReady(x)]));
  return v;
}

/** A request's result. */
const result = <T>(req: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });

/**
 * The database, or null when there is none to read: it does not exist (its creation aborted: openAsItIs), or the
 * browser refuses IndexedDB here (no IndexedDB, a private mode), as it refused every write.
 */
const openExisting = (name: string): Promise<IDBDatabase | null> => openAsItIs(name).catch(() => null);

/** The serving snapshots a database holds, by key, JSON-ready; null when it is unreadable. */
async function readSnapshots(name: string): Promise<Record<string, unknown> | null> {
  let db: IDBDatabase | null = null;
  try {
    db = await openExisting(name);
    if (!db?.objectStoreNames.contains('snapshots')) return {};
    const store = db.transaction('snapshots').objectStore('snapshots');
    const [keys, values] = await Promise.all([result(store.getAllKeys()), result(store.getAll() as IDBRequest<unknown[]>)]);
    return Object.fromEntries(keys.map((k, i) => [String(k), jsonReady(values[i])]));
  } catch {
    return null;
  } finally {
    db?.close();
  }
}

/**
 * What one database holds but its snapshots; rejects when it is unreadable. IndexedDB as the browser gives it, not
 * through idb: the page script has idb, and this file would carry a second copy of it.
 */
async function readAll(name: string): Promise<StoredData> {
  let db: IDBDatabase | null = null;
  try {
    db = await openExisting(name);
    const names = STORES.filter((store) => db?.objectStoreNames.contains(store));
    const out: StoredData = { exportedAt: '', events: [], items: [], meta: {} };
    if (!db || !names.length) return out;
    const tx = db.transaction(names);
    /** A store's records or keys; none where the database has no such store. */
    const read = (store: (typeof STORES)[number], what: 'getAll' | 'getAllKeys'): Promise<unknown[]> =>
      names.includes(store) ? result(tx.objectStore(store)[what]() as IDBRequest<unknown[]>) : Promise.resolve([]);
    const [events, items, keys, values] = await Promise.all([
      read('events', 'getAll'),
      read('items', 'getAll'),
      read('meta', 'getAllKeys'),
      read('meta', 'getAll'),
    ]);
    out.events = events.filter(isEvent);
    out.items = items.filter(isCachedItem).map((r) => r.item);
    out.meta = Object.fromEntries(keys.map((k, i) => [String(k), values[i]]));
    return out;
  } finally {
    db?.close();
  }
}

/** A record Reco keeps in localStorage (the session, the Matomo reader's cart), or null: none, no localStorage, or not JSON. */
function local(key: string): unknown {
  try {
    return JSON.parse(localStorage.getItem(key) ?? 'null');
  } catch {
    return null;
  }
}

/** Events page views journaled and have not written yet (the click journal in localStorage): stored on the device too. */
function journaled(): RecoEvent[] {
  try {
    const journal: unknown = JSON.parse(localStorage.getItem(LOCAL_KEYS.pending) ?? '{}');
    return Object.values(journal ?? {})
      .flat()
      .filter(isEvent);
  } catch {
    return []; // no localStorage, or a corrupt journal (the tracker ignores it too)
  }
}

/**
 * Everything stored in these databases, and in the click journal, merged with `extra` (a memory store's content):
 * events oldest first, one record per item id; a meta record of a later database whose key an earlier one has
 * comes as "database:key" (the first name is the current database).
 */
export async function readStored(names: readonly string[], extra?: StoredData): Promise<ExportData> {
  // Only databases that exist, where the browser lists them: opening a missing one creates it, and WebKit keeps it
  // (empty, version 0) even though its creation is aborted, so an export after forget() would bring the name back.
  // Without the list (or IndexedDB, or an answer within WAIT_MS), each name is opened and a missing one's creation aborted.
  const list = listDatabases(); // asked once: for the known names and for the others of Reco's
  const listed = (await list)?.map((d) => d.name);
  const read = listed ? [...names.filter((n) => listed.includes(n)), ...(await unlistedDatabases(names, list))] : names;
  const stored = await Promise.all(read.map(readDatabase));
  const parts: Stored[] = [...stored, ...(extra ? [{ ...extra, snapshots: {} }] : [])];
  const unread = stored.flatMap((s) => s.unread);
  const events = new Map<string, RecoEvent>();
  const items = new Map<string, ItemFeatures>();
  const meta: Record<string, unknown> = {};
  const snapshots: Record<string, unknown> = {};
  for (const e of journaled()) events.set(e.id, e);
  parts.forEach((p, k) => {
    for (const e of p.events) events.set(e.id, e);
    for (const it of p.items) items.set(it.id, it);
    for (const [key, value] of Object.entries(p.meta)) meta[key in meta ? `${read[k] ?? 'memory'}:${key}` : key] = value;
    for (const [key, value] of Object.entries(p.snapshots)) snapshots[key in snapshots ? `${read[k]}:${key}` : key] = value;
  });
  return {
    exportedAt: new Date().toISOString(),
    events: [...events.values()].sort((a, b) => a.ts - b.ts),
    items: [...items.values()],
    meta,
    snapshots,
    session: local(LOCAL_KEYS.session),
    matomoCart: local(LOCAL_KEYS.matomoCart),
    unread,
  };
}
