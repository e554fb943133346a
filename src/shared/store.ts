/**
 * Where events, item features and small records (learned heads, the learning schedule) live: IndexedDB
 * through idb, or memory for this page view only. The page writes events; the worker opens the same
 * database to read the history, keep the serving snapshot and learn. The schema is versioned and upgrades only add.
 */
import { openDB, unwrap, type DBSchema, type IDBPDatabase } from 'idb';
import { PageLeftError, StorageError } from './errors.ts';
import { LOCAL_KEYS } from './local-keys.ts';
import { HISTORY_TYPES } from './labels.ts';
import { DEFAULTS, MAX_HISTORY_LENGTH } from './options.ts';
import { isCachedItem, isEvent } from './rows.ts';
import type { EventType, ItemFeatures, RecoEvent, StoredData } from './types.ts';
import { newWriterId, tellWrite, type PageWrites } from './writes-channel.ts';

/** Options of {@link openStore}. */
export interface StoreOptions {
  /** IndexedDB database name. Default: the `dbName` option's default. */
  dbName?: string;
  /** Most events kept; the oldest are evicted first. Default: the `maxEvents` option's default. */
  maxEvents?: number;
  /** Events older than this many days are evicted. Default: the `maxAgeDays` option's default. */
  maxAgeDays?: number;
  /** Most items kept in the feature cache, least recently seen evicted first. Default 5000. */
  maxItems?: number;
  /** Keep everything in memory for this page view only (consent or GPC). Default false. */
  memoryOnly?: boolean;
  /** Apply the retention caps when opening (false: the caller runs prune() later, off the critical path). Default true. */
  prune?: boolean;
}

/** Where events, item features and small records live. Every method is async except `close`. */
export interface Store {
  /** 'indexeddb' or 'memory' (memory when asked, or when IndexedDB is missing, blocked or throws, e.g. private modes). */
  readonly kind: 'indexeddb' | 'memory';
  /** Why IndexedDB was not used, when the store fell back to memory. */
  readonly fallbackReason?: string;
  /**
   * Opening it made the database: none was there. Another tab's forget() deletes the database before this tab hears
   * of it, so one this tab made in between holds nothing but this page view's writes, which forget() drops: the page
   * and the worker delete it again when they hear.
   */
  readonly madeDatabase?: boolean;
  /**
   * Stores events (upsert by id) and applies the retention caps. A quota error evicts the oldest 20% and retries once.
   * @throws StorageError when the retry fails for quota too: the events are not stored
   */
  add(events: RecoEvent[]): Promise<void>;
  /** Valid events oldest first (see src/shared/rows.ts; others are skipped and counted); with `limit`, the newest `limit` of them. */
  events(opts?: { limit?: number; types?: readonly EventType[] }): Promise<RecoEvent[]>;
  /**
   * The newest `limit` events of these types, oldest first (ties by id, as `events()` orders them). Reads at
   * most about `limit` records per type through the (type, ts) index, however many events are stored.
   */
  recent(limit: number, types: readonly EventType[]): Promise<RecoEvent[]>;
  /**
   * A fingerprint of the events stored: their count and the newest one's id. Events are added newest and evicted
   * oldest, so while it is unchanged so is what `recent()` reads (two requests where `recent()` makes three per type).
   */
  stamp(): Promise<string>;
  count(): Promise<number>;
  /** Applies the retention caps (oldest events evicted first). */
  prune(): Promise<void>;
  /**
   * Upserts item features, keeping known fields that the new record lacks.
   * @throws StorageError when the quota is full even after evicting the oldest items
   */
  putItems(items: ItemFeatures[]): Promise<void>;
  /** Features of the cached items among `ids` (malformed rows are skipped and counted). */
  items(ids: readonly string[]): Promise<Map<string, ItemFeatures>>;
  /** The meta record under `key`; with `check`, a record that fails it is skipped and counted (undefined). */
  getMeta<T>(key: string, check?: (v: unknown) => boolean): Promise<T | undefined>;
  setMeta(key: string, value: unknown): Promise<void>;
  deleteMeta(key: string): Promise<void>;
  /** The serving snapshot stored under `key` (the model URL): work of an earlier page view, see src/model/snapshot.ts. */
  getSnapshot<T>(key: string): Promise<T | undefined>;
  putSnapshot(key: string, value: unknown): Promise<void>;
  /** Events, items and meta records (export() reads the serving snapshots itself). */
  export(): Promise<StoredData>;
  /** Empties every store (snapshots too) and removes the tracker's localStorage keys. */
  clear(): Promise<void>;
  /** The malformed rows this store has skipped so far, once each, as "store:key" (events, items, meta records read with a check). */
  skipped(): string[];
  close(): void;
}

/** Reads only the worker makes: it assembles the history, keeps the snapshot and learns, on its own connection. */
type WorkerReads = 'events' | 'recent' | 'stamp' | 'getMeta' | 'getSnapshot' | 'export';

/** The item cache, which only the worker writes to IndexedDB (a page's memory store keeps its own: the worker cannot reach it). */
type WorkerItems = 'putItems' | 'items';

/** Worker calls a page's memory store leaves out: the whole event list, meta records (the learned head) and snapshots. */
type WorkerRecords = Exclude<WorkerReads, 'recent' | 'export'> | 'setMeta' | 'deleteMeta' | 'putSnapshot';

/**
 * The worker's writes its page makes for it with its own connection (src/worker/host.ts): WebKit keeps a transaction of
 * a worker ended while it ran in flight (its page followed a link), and the next page view's reads wait ~10 s behind it.
 */
export const PAGE_WRITES = ['putItems', 'setMeta', 'deleteMeta', 'putSnapshot'] as const;
export type PageWrite = (typeof PAGE_WRITES)[number];

/**
 * The store as the page uses it ({@link openPageStore}): it writes events, counts and clears them, and an IndexedDB one
 * makes the worker's writes for it ({@link PAGE_WRITES}). The worker cannot reach a memory store, which keeps item
 * features too, and the page reads the history from it (`recent`).
 */
export type PageStore =
  | (Omit<Store, WorkerRecords | 'kind'> & { readonly kind: 'memory' })
  | (Omit<Store, WorkerReads | 'items' | 'kind'> & {
      readonly kind: 'indexeddb';
      /** What this store wrote of the newest `limit` history events, for its worker (see {@link PageWrites}). */
      writes?(limit: number): PageWrites;
    });

const STORE_DEFAULTS = {
  dbName: DEFAULTS.dbName,
  maxEvents: DEFAULTS.maxEvents,
  maxAgeDays: DEFAULTS.maxAgeDays,
  maxItems: 5000,
  memoryOnly: false,
  prune: true,
} satisfies Required<StoreOptions>;
type Options = Required<StoreOptions>;

/** localStorage keys the tracker writes; `clear()` removes them too. */
export { LOCAL_KEYS };

const DB_VERSION = 3;
const DAY_MS = 86_400_000;
const OPEN_TIMEOUT_MS = 3000;
/** How long a call of the worker's store may wait for the database (queued, then running) before it fails. */
export const STORE_CALL_TIMEOUT_MS = 10_000;

/**
 * The database did not answer a call of the worker's store within STORE_CALL_TIMEOUT_MS, or an earlier call still
 * has no answer (see writesAlone). The page sees a `StorageError`; the worker then answers from what it holds.
 */
export class StoreTimeoutError extends StorageError {}

/** The transactions this thread has in flight (each removed once it has finished). */
const transactions = new Set<{ abort(): void }>();
/** How many times the page went away (pagehide), aborting its transactions: a call during which it did failed for that. */
let pageHides = 0;
/** The page's store listens for pagehide (once, whatever number of stores it opens). */
let abortsOnPageHide = false;

/** Counts `tx` in flight until it has finished: the page aborts it if it goes away first. */
function live<T extends { abort(): void; done: Promise<void> }>(tx: T): T {
  transactions.add(tx);
  void tx.done.catch(() => {}).then(() => transactions.delete(tx));
  return tx;
}

/**
 * The page aborts every transaction of its own still in flight as it goes away. WebKit suspends a page kept for the
 * back/forward cache with its transactions as they are, and one in flight there blocks the database for every other
 * page of the shop until the cached page is evicted: a readwrite transaction in flight as the shopper left (by the
 * address bar, a bookmark or a script: no click that the worker hears of, see leavesPage) left the next page
 * view's reads without an answer after 30 s (WebKitGTK 2.50); aborted on pagehide, they answered in 1 ms
 * (e2e/storage.spec.ts › a write in flight as the shopper leaves). Registered once, by the page's store.
 */
function abortOnPageHide(): void {
  if (abortsOnPageHide || typeof addEventListener !== 'function') return;
  abortsOnPageHide = true;
  addEventListener('pagehide', () => {
    pageHides++;
    for (const tx of transactions) {
      try {
        tx.abort();
      } catch {
        // finished meanwhile (it leaves the set once its completion is heard)
      }
    }
    transactions.clear();
  });
}

/** An item in the cache: `ts` is when a page last showed it (LRU order). */
interface CachedItem {
  id: string;
  ts: number;
  item: ItemFeatures;
}

interface RecoSchema extends DBSchema {
  events: { key: string; value: RecoEvent; indexes: { ts: number; type_ts: [string, number] } };
  items: { key: string; value: CachedItem; indexes: { ts: number } };
  meta: { key: string; value: unknown };
  snapshots: { key: string; value: unknown };
}
type DB = IDBPDatabase<RecoSchema>;

/**
 * Opens the database, or a memory store when asked or when IndexedDB fails.
 * Never rejects: a fallback records why in `fallbackReason`.
 * @param opts retention caps and database name; defaults in `STORE_DEFAULTS`
 * @param onOpen called with the store as soon as the database is open, before the read that proves its transactions
 * work: reads started then run beside that one, not after it (the store the promise resolves to may still turn out to
 * be a memory one, when that read fails)
 */
export function openStore(opts: StoreOptions = {}, onOpen?: (store: Store) => void): Promise<Store> {
  return openWith(opts, memoryStore, (db, o) => {
    const rows = rowFilter();
    // Its page went away while it opened: closed at once (its first call waits, as every call now does).
    if (leaving) db.close();
    else connections.add(db);
    const close = () => (connections.delete(db), db.close());
    const store = writesAlone(
      o.dbName,
      closedUnder(db, o.dbName, { ...idbWrites(db, o, rows), ...idbItems(db, o, rows), ...idbReads(db, rows), close }),
    );
    onOpen?.(store);
    return store;
  });
}

/** The Store calls that write (each in readwrite transactions); every other call only reads. */
const WRITES: ReadonlySet<keyof Store> = new Set<keyof Store>([
  'add',
  'prune',
  'putItems',
  'setMeta',
  'deleteMeta',
  'putSnapshot',
  'clear',
]);

/** Set while the worker's stores start no transaction (pauseStores), resolved by resumeStores. */
let paused: Promise<void> | null = null;
let unpause = () => {};
/** The worker's open connections (openStore's), closed when its page goes away for good. */
const connections = new Set<DB>();
/** Its page went away for good: connections are closed as they open. */
let leaving = false;

/**
 * The worker's stores start no more transactions (calls wait) until {@link resumeStores}: its page is going away
 * (pagehide). A worker ended with transactions in flight may leave WebKit holding its connection to the database
 * (bug 324094, below), which then cannot be deleted (forget()) until the browser restarts; what is already in
 * flight still finishes.
 * @param forGood the page is not kept for the back/forward cache (a reload, a navigation it cannot be cached for):
 * every connection is closed too (the browser completes that once what is in flight has finished), so that none is
 * open when the worker ends. What still made WebKit hold the database after some reloads was a transaction whose
 * completion waited for a thread busy scoring: see {@link storesQuiet}.
 */
export function pauseStores(forGood = false): void {
  paused ??= new Promise((resolve) => (unpause = resolve));
  if (!forGood) return;
  leaving = true;
  for (const db of connections) db.close();
  connections.clear();
}

/** The page came back (from the back/forward cache): the calls that waited start. */
export function resumeStores(): void {
  unpause();
  paused = null;
  leaving = false;
}

/** The worker's store calls not yet finished (queued, waiting or holding a transaction). */
let inFlight = 0;
let whenQuiet: (() => void)[] = [];

/**
 * Resolves once no call of the worker's stores is in flight, or after `maxMs` (a database that never answers must
 * not stop the scoring). Work that keeps the worker's thread busy for long (scoring, loading the engine) waits for
 * it. A transaction completes on the thread that made it, and WebKit never closes the connection of a worker that
 * ended with a transaction not completed there (WebKit bug 324094: the close waits for it): a page reloaded while
 * the worker scored, with a write of the ranking in flight, left the database that forget() could then not delete
 * until the browser restarted (e2e/forget.spec.ts:79 in WebKit with one core kept busy: 10 and 12 of 24 runs
 * failed without this, 0 of 24 with it).
 */
export function storesQuiet(maxMs = 250): Promise<void> {
  if (!inFlight) return Promise.resolve();
  return new Promise((resolve) => {
    const quiet = () => (clearTimeout(timer), resolve());
    // Given up waiting: no longer listed (calls that never end must not collect waiters).
    const timer = setTimeout(() => ((whenQuiet = whenQuiet.filter((w) => w !== quiet)), resolve()), maxMs);
    whenQuiet.push(quiet);
  });
}

/** Counts `call` in flight until it settles. */
function track<T>(call: Promise<T>): Promise<T> {
  inFlight++;
  void call
    .catch(() => {})
    .then(() => {
      if (--inFlight) return;
      const waiting = whenQuiet;
      whenQuiet = [];
      for (const resolve of waiting) resolve();
    });
  return call;
}

/**
 * Per database name: the end of the latest write, the reads started since it was queued, and the calls that timed
 * out and have still not finished.
 */
const locks = new Map<string, { write: Promise<unknown>; reads: Promise<unknown>[]; stalled: number }>();

/**
 * The store with its writes to one database (from every connection of this thread to it) run alone: a write waits
 * for the reads and the write in flight, and the reads after it wait for it; reads run together. Each call's
 * transactions have finished when it resolves. The worker needs this: WebKit (WebKitGTK 2.50 here) leaves a database
 * unable to run any transaction, in every tab and after reloads, when a worker ends (its page reloads or closes)
 * while it has a readwrite and a readonly transaction in flight on it (WebKit bug 324094): then no page view of the
 * shop could read or write its history again. So a worker never has both.
 *
 * Such a database may also open and answer its first transaction, then answer nothing more. So a call fails with a
 * {@link StoreTimeoutError} when it has no answer within STORE_CALL_TIMEOUT_MS (one that has not started by then
 * never starts), and while a call that timed out has still not finished, new calls fail at once rather than queue
 * behind it: the worker's init settles and its rankings answer from what it already holds. The calls run again
 * once the database answers.
 */
function writesAlone(name: string, store: Store): Store {
  const guarded = { ...store };
  for (const [key, call] of Object.entries(store) as [keyof Store, unknown][]) {
    if (typeof call !== 'function' || key === 'close' || key === 'skipped') continue;
    const notAnswering = (why: string) => new StoreTimeoutError(`"${name}" did not answer ${key}(): ${why}`);
    Object.assign(guarded, {
      [key]: (...args: unknown[]) => {
        const lock = locks.get(name) ?? { write: Promise.resolve(), reads: [], stalled: 0 };
        locks.set(name, lock);
        if (lock.stalled) return Promise.reject(notAnswering('an earlier call still has no answer'));
        let expired = false;
        const run = async () => {
          while (paused) await paused;
          if (expired) throw notAnswering('it timed out before it started');
          return (call as (...a: unknown[]) => Promise<unknown>)(...args);
        };
        const settled = (p: Promise<unknown>) => p.catch(() => {});
        let done: Promise<unknown>;
        if (WRITES.has(key)) {
          done = Promise.all([lock.write, ...lock.reads]).then(run);
          lock.write = settled(done);
          lock.reads = [];
        } else {
          done = lock.write.then(run);
          const read = settled(done);
          lock.reads.push(read);
          void read.then(() => (lock.reads = lock.reads.filter((r) => r !== read)));
        }
        track(done);
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            expired = true;
            lock.stalled++;
            void settled(done).then(() => lock.stalled--);
            reject(notAnswering(`no answer within ${STORE_CALL_TIMEOUT_MS / 1000} s (the database runs no transaction?)`));
          }, STORE_CALL_TIMEOUT_MS);
          done.then(resolve, reject).finally(() => clearTimeout(timer));
        });
      },
    });
  }
  return guarded;
}

/**
 * The page's store: as {@link openStore}, without the IndexedDB reads only the worker makes (they stay out of
 * the page script). Never rejects.
 */
export function openPageStore(opts: StoreOptions = {}): Promise<PageStore> {
  abortOnPageHide();
  return openWith(
    opts,
    (o, reason) => memoryPart(o, emptyMemory(), reason),
    (db, o) => {
      const rows = rowFilter();
      const notes = writeNotes(o.dbName);
      return notes.told(
        leftAsSuch(closedUnder(db, o.dbName, { ...idbWrites(db, o, rows, notes.dropped), putItems: idbItems(db, o, rows).putItems })),
      );
    },
  );
}

/**
 * What a page store notes of its writes: told to the workers (src/shared/writes-channel.ts), and kept for its own
 * worker, {@link PageWrites} in each request: the events it added, the newest time of those the retention caps (or the
 * quota) dropped, and a count of the writes that may have removed others (cleared, an add that failed).
 */
function writeNotes(db: string) {
  const by = newWriterId();
  let removals = 0;
  let droppedUpTo = -Infinity;
  /** The newest history events added, at most MAX_HISTORY_LENGTH (what a ranking reads, at most). */
  let added: RecoEvent[] = [];
  const dropped = (newest: number) => void (droppedUpTo = Math.max(droppedUpTo, newest));
  const told = <S extends Pick<Store, 'add' | 'prune' | 'clear' | 'putItems'>>(store: S): S & { writes(limit: number): PageWrites } => {
    const after =
      <A extends unknown[]>(call: (...args: A) => Promise<void>, done: (...args: A) => void) =>
      (...args: A) =>
        call(...args).then(
          () => (done(...args), tellWrite(db, by)),
          (err: unknown) => {
            removals++; // a failed add may have dropped events for quota; a failed clear may have cleared some
            tellWrite(db, by);
            throw err;
          },
        );
    return {
      ...store,
      add: after(store.add, (events) => {
        const history = events.filter((e) => HISTORY_TYPES.includes(e.type));
        if (history.length)
          added = [...new Map([...added, ...history].map((e) => [e.id, e])).values()].sort(byTime).slice(-MAX_HISTORY_LENGTH);
      }),
      prune: after(store.prune, () => {}), // what it drops, if anything, is noted as it drops it (`dropped`)
      clear: after(store.clear, () => {
        removals++;
        added = [];
      }),
      putItems: after(store.putItems, () => {}),
      writes: (limit) => ({ by, removals, droppedUpTo, added: added.slice(-limit) }),
    };
  };
  return { told, dropped };
}

/** Connections another tab closed (open()'s `blocking`), and why: it deleted the database (forget()) or upgraded it. */
const closedBy = new WeakMap<IDBDatabase, 'deleted' | 'upgraded'>();

/**
 * The store with its writes on a connection another tab closed (they fail with InvalidStateError, "the database
 * connection is closing") answered as that tab meant. After a deletion, forget() in that tab: the write stores nothing
 * and fails nothing, as this tab is about to be told to forget too (forget-channel.ts), and a raw browser error reported
 * to the shop ("…; the shop's own order is kept") said nothing true. After an upgrade by a newer version of Reco: a
 * StorageError says so. Reads fail as before (the worker's history reads find nothing then: worker/history.ts).
 */
function closedUnder<S extends object>(db: DB, name: string, store: S): S {
  const out = { ...store };
  for (const [key, call] of Object.entries(store)) {
    if (typeof call !== 'function' || !WRITES.has(key as keyof Store)) continue;
    Object.assign(out, {
      [key]: async (...args: unknown[]) => {
        try {
          return await (call as (...a: unknown[]) => Promise<unknown>)(...args);
        } catch (err) {
          const by = closedBy.get(unwrap(db));
          if (!by || (err as Error | null)?.name !== 'InvalidStateError') throw err;
          if (by === 'deleted') return undefined;
          throw new StorageError(
            `"${name}" was upgraded by a newer version of Reco in another tab: ${key}() could not run here (a reload of this page uses the new version)`,
          );
        }
      },
    });
  }
  return out;
}

/**
 * The store with a call that fails because the page went away meanwhile (its transaction aborted) failing as a
 * {@link PageLeftError}. Told by the count of pagehides, not by whether the page is away now: WebKit delivers the
 * abort to a page back from the back/forward cache after its pageshow.
 */
function leftAsSuch<S extends object>(store: S): S {
  const out = { ...store };
  for (const [key, call] of Object.entries(store)) {
    if (typeof call !== 'function' || key === 'close' || key === 'skipped') continue;
    Object.assign(out, {
      [key]: (...args: unknown[]) => {
        const hides = pageHides;
        return (call as (...a: unknown[]) => Promise<unknown>)(...args).catch((err: unknown) => {
          if (pageHides === hides) throw err;
          throw new PageLeftError(`${key}() was aborted: the page went away while it wrote (it is written again later)`);
        });
      },
    });
  }
  return out;
}

async function openWith<S extends { prune(): Promise<void>; count(): Promise<number>; madeDatabase?: boolean }, M>(
  opts: StoreOptions,
  memory: (o: Options, fallbackReason?: string) => M,
  make: (db: DB, o: Options) => S,
): Promise<S | M> {
  const o: Options = { ...STORE_DEFAULTS };
  for (const [k, v] of Object.entries(opts)) if (v !== undefined) Object.assign(o, { [k]: v });
  if (o.memoryOnly) return memory(o);
  try {
    // Without indexedDB (undefined or null), opening throws and the reason says so.
    return await open(o.dbName, async (db, made) => {
      const store = Object.assign(make(db, o), { madeDatabase: made });
      // Pruning also proves transactions work (some private modes open but refuse to write); without it, a read does.
      await (o.prune ? store.prune() : store.count());
      return store;
    });
  } catch (err) {
    return memory(o, `IndexedDB unavailable: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Opens the database and runs `first` on it, each within OPEN_TIMEOUT_MS: WebKit can leave a database that opens
 * but never finishes a transaction (after a worker ended with some in flight, see storesQuiet). The connection is
 * closed when either fails.
 */
function open<S>(name: string, first: (db: DB, made: boolean) => Promise<S>): Promise<S> {
  let late = false;
  let made = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let conn: DB | undefined;
  return new Promise<S>((resolve, reject) => {
    const wait = (message: string) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        late = true;
        conn?.close();
        reject(new Error(message));
      }, OPEN_TIMEOUT_MS);
    };
    wait(`opening "${name}" timed out (another tab blocks the upgrade?)`);
    openDB<RecoSchema>(name, DB_VERSION, {
      // Upgrades only add, so every older version keeps its data.
      upgrade(db, oldVersion, _newVersion, tx) {
        made = oldVersion === 0;
        if (oldVersion < 1) {
          db.createObjectStore('events', { keyPath: 'id' }).createIndex('ts', 'ts');
          db.createObjectStore('meta');
        }
        if (oldVersion < 2) db.createObjectStore('items', { keyPath: 'id' }).createIndex('ts', 'ts');
        if (oldVersion < 3) {
          // The history is read newest first per type, so its cost does not grow with the impressions stored.
          tx.objectStore('events').createIndex('type_ts', ['type', 'ts']);
          db.createObjectStore('snapshots');
        }
      },
      // Let a newer version in another tab upgrade (or forget() delete the database): see closedUnder for this tab's later calls.
      blocking: (_old, next, ev) => {
        closedBy.set(ev.target as IDBDatabase, next === null ? 'deleted' : 'upgraded');
        (ev.target as IDBDatabase).close();
      },
      // Another tab keeps an older version open and will not let go: memory for this page view, now rather than at the timeout.
      blocked() {
        late = true;
        reject(new Error(`opening "${name}" is blocked: another tab keeps an older version of it open`));
      },
    })
      .then(async (db) => {
        conn = db;
        if (late) return db.close();
        wait(`"${name}" opened, but its first transaction timed out`);
        const store = await first(db, made);
        if (!late) resolve(store);
      })
      .catch((err: unknown) => (conn?.close(), reject(err)));
  }).finally(() => clearTimeout(timer)); // also when opening throws at once (no indexedDB)
}

/** `QuotaExceededError`, or Firefox's older `NS_ERROR_DOM_QUOTA_REACHED`. */
function isQuota(err: unknown): boolean {
  return /quota/i.test(String((err as { name?: unknown } | null)?.name));
}

/** An item's stored features after `next` is written over `old`: known fields the new record lacks are kept. */
export function mergeItem(old: ItemFeatures | undefined, next: ItemFeatures): ItemFeatures {
  const out: ItemFeatures = { ...old, id: next.id };
  for (const [k, v] of Object.entries(next)) {
    if (v != null && v !== '' && v === v) Object.assign(out, { [k]: v }); // v === v: not NaN
  }
  return out;
}

/** Oldest first; events of the same millisecond by id, the order of the 'ts' index. */
export const byTime = (a: RecoEvent, b: RecoEvent): number => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function select(sorted: RecoEvent[], q: { limit?: number; types?: readonly EventType[] } = {}): RecoEvent[] {
  const { limit, types } = q;
  const list = types ? sorted.filter((e) => types.includes(e.type)) : sorted;
  return limit === undefined ? list : limit > 0 ? list.slice(-limit) : [];
}

function clearLocalKeys(): void {
  try {
    for (const key of Object.values(LOCAL_KEYS))
      (globalThis as { localStorage?: { removeItem(key: string): void } }).localStorage?.removeItem(key);
  } catch {
    // localStorage can throw SecurityError when storage is blocked; then there is nothing of ours in it.
  }
}

/** Counts the malformed rows a store skips (see src/shared/rows.ts), once each, by store and key. */
function rowFilter() {
  const skipped = new Set<string>();
  const keyOf = (row: unknown) => (row as { id?: unknown } | null)?.id;
  /** The rows that pass `ok`; the others are counted. */
  const valid = <T>(
    name: string,
    rows: unknown[],
    ok: (row: unknown) => row is T,
    key: (row: unknown, i: number) => unknown = keyOf,
  ): T[] =>
    rows.filter((row, i): row is T => {
      if (ok(row)) return true;
      skipped.add(`${name}:${String(key(row, i))}`);
      return false;
    });
  return { skipped, valid };
}
type Rows = ReturnType<typeof rowFilter>;

/** An IndexedDB store's writes, export and clear: all the page uses of it. */
/**
 * Writes rows of `events` or `items` with their retention caps.
 * @param onDropped called when events were deleted (retention caps, quota), with the newest one's time: what a worker
 *   read may be gone
 */
function writer(db: DB, o: Options, onDropped: (newest: number) => void = () => {}) {
  /** Deletes the records with `ts` below `before`, at most `n` of them (the oldest). */
  async function dropOldest(name: 'events' | 'items', before: number, n?: number): Promise<void> {
    if ((n ?? 1) <= 0) return;
    const tx = live(db.transaction(name, 'readwrite'));
    const keys = await tx.store.index('ts').getAllKeys(IDBKeyRange.upperBound(before, true), n);
    // The newest event dropped (the last in time order), for the worker's history: read before it goes.
    const newest = name === 'events' && keys.length ? await tx.store.get(keys[keys.length - 1]!) : undefined;
    await Promise.all([...keys.map((k) => tx.store.delete(k)), tx.done]);
    if (name === 'events' && keys.length) onDropped(typeof newest?.ts === 'number' ? newest.ts : Infinity);
  }

  /** Puts all values in one transaction; rejects with the quota error when there was one. */
  async function putAll<N extends 'events' | 'items'>(name: N, values: RecoSchema[N]['value'][]): Promise<void> {
    const tx = live(db.transaction(name, 'readwrite'));
    const errors: unknown[] = [];
    const fail = (err: unknown) => void errors.push(err);
    try {
      for (const v of values) tx.store.put(v).catch(fail);
    } catch (err) {
      fail(err);
      tx.abort();
    }
    await tx.done.catch(fail);
    if (errors.length) throw errors.find(isQuota) ?? tx.error ?? errors[0];
  }

  /** Writes `rows` (a quota error evicts the oldest 20% and retries once), then applies the retention caps. */
  async function write<N extends 'events' | 'items'>(name: N, rows: RecoSchema[N]['value'][], max: number): Promise<void> {
    if (rows.length) {
      try {
        await putAll(name, rows);
      } catch (err) {
        // A quota error evicts the oldest 20% and retries once; a second one drops the write, and says so.
        if (!isQuota(err)) throw err;
        await dropOldest(name, Infinity, Math.ceil((await countOf(db, name)) * 0.2));
        try {
          await putAll(name, rows);
        } catch (again) {
          if (!isQuota(again)) throw again;
          throw new StorageError(
            `the storage quota is full even after evicting the oldest 20% of ${name}: ${rows.length} ${name === 'events' ? 'event(s)' : 'item(s)'} not stored`,
          );
        }
      }
    }
    if (name === 'events') await dropOldest(name, Date.now() - o.maxAgeDays * DAY_MS);
    await dropOldest(name, Infinity, (await countOf(db, name)) - max);
  }
  return write;
}

/** An IndexedDB store's event writes, count and clear: all the page uses of it. */
function idbWrites(
  db: DB,
  o: Options,
  { skipped }: Rows,
  onDropped?: (newest: number) => void,
): Omit<Store, WorkerReads | WorkerItems | 'kind'> & { readonly kind: 'indexeddb' } {
  const write = writer(db, o, onDropped);
  return {
    kind: 'indexeddb' as const,
    prune: () => write('events', [], o.maxEvents),
    add: (events) => write('events', events, o.maxEvents),
    count: () => countOf(db, 'events'),
    async setMeta(key, value) {
      const tx = live(db.transaction('meta', 'readwrite'));
      await Promise.all([tx.store.put(value, key), tx.done]);
    },
    async deleteMeta(key) {
      const tx = live(db.transaction('meta', 'readwrite'));
      await Promise.all([tx.store.delete(key), tx.done]);
    },
    async putSnapshot(key, value) {
      const tx = live(db.transaction('snapshots', 'readwrite'));
      await Promise.all([tx.store.put(value, key), tx.done]);
    },
    async clear() {
      clearLocalKeys();
      const names = ['events', 'items', 'meta', 'snapshots'] as const;
      const tx = live(db.transaction(names, 'readwrite'));
      await Promise.all([...names.map((n) => tx.objectStore(n).clear()), tx.done]);
      skipped.clear();
    },
    skipped: () => [...skipped],
    close: () => db.close(),
  };
}

/**
 * An IndexedDB store's item cache: the worker writes it (the features of the items it ranks and of those the page
 * shows, which the page sends it) and reads it for the history.
 */
function idbItems(db: DB, o: Options, { valid }: Rows): Pick<Store, WorkerItems> {
  const write = writer(db, o);
  async function items(ids: readonly string[]): Promise<Map<string, ItemFeatures>> {
    const tx = live(db.transaction('items'));
    const rows = await Promise.all([...ids.map((id) => tx.store.get(id)), tx.done]);
    const found = rows.filter((r) => r !== undefined); // tx.done's undefined too
    return new Map(valid('items', found, isCachedItem).map((r) => [r.id, r.item] as const));
  }
  return {
    async putItems(batch) {
      if (!batch.length) return;
      const next = new Map<string, ItemFeatures>();
      for (const it of batch) next.set(it.id, mergeItem(next.get(it.id), it));
      const known = await items([...next.keys()]);
      const now = Date.now();
      await write(
        'items',
        [...next.values()].map((it) => ({ id: it.id, ts: now, item: mergeItem(known.get(it.id), it) })),
        o.maxItems,
      );
    },
    items,
  };
}

// Reads answer once their transaction has finished, not merely their request: the worker's store runs its writes
// alone (see writesAlone).

function countOf(db: DB, name: 'events' | 'items'): Promise<number> {
  const tx = live(db.transaction(name));
  return Promise.all([tx.store.count(), tx.done]).then(([n]) => n);
}

function getOne(db: DB, name: 'meta' | 'snapshots', key: string): Promise<unknown> {
  const tx = live(db.transaction(name));
  return Promise.all([tx.store.get(key), tx.done]).then(([value]) => value);
}

/** An IndexedDB store's reads that only the worker makes. */
function idbReads(db: DB, { skipped, valid }: Rows): Pick<Store, WorkerReads> {
  return {
    async export() {
      const tx = live(db.transaction(['events', 'items', 'meta']));
      const meta = tx.objectStore('meta');
      const [events, items, keys, values] = await Promise.all([
        tx.objectStore('events').index('ts').getAll(),
        tx.objectStore('items').getAll(),
        meta.getAllKeys(),
        meta.getAll(),
        tx.done,
      ]);
      return {
        exportedAt: new Date().toISOString(),
        events: valid('events', events, isEvent),
        items: valid('items', items, isCachedItem).map((r) => r.item),
        meta: Object.fromEntries(keys.map((k, i) => [k, values[i]])),
      };
    },
    async events(q) {
      const tx = live(db.transaction('events'));
      const [rows] = await Promise.all([tx.store.index('ts').getAll(), tx.done]);
      return select(valid('events', rows, isEvent), q);
    },
    async stamp() {
      const tx = live(db.transaction('events'));
      const [count, newest] = await Promise.all([tx.store.count(), tx.store.index('ts').openKeyCursor(null, 'prev')]);
      await tx.done;
      return `${count} ${String(newest?.primaryKey ?? '')}`;
    },
    async recent(limit, types) {
      if (limit <= 0) return [];
      const tx = live(db.transaction('events'));
      const index = tx.store.index('type_ts');
      const lists = await Promise.all(
        [...new Set(types)].map(async (type) => {
          // The limit-th newest of this type bounds one getAll: three requests per type, whatever is stored.
          const cursor = await index.openKeyCursor(IDBKeyRange.bound([type, -Infinity], [type, Infinity]), 'prev');
          const limitTh = limit > 1 ? await cursor?.advance(limit - 1) : cursor;
          const from = limitTh ? (limitTh.key as [string, number])[1] : -Infinity;
          return index.getAll(IDBKeyRange.bound([type, from], [type, Infinity]));
        }),
      );
      await tx.done;
      return valid('events', lists.flat(), isEvent).sort(byTime).slice(-limit);
    },
    async getMeta<T>(key: string, check?: (v: unknown) => boolean) {
      const value = await getOne(db, 'meta', key);
      if (value === undefined || !check || check(value)) return value as T | undefined;
      skipped.add(`meta:${key}`);
      return undefined;
    },
    getSnapshot: <T>(key: string) => getOne(db, 'snapshots', key) as Promise<T | undefined>,
  };
}

/** What a memory store holds; copies keep the IndexedDB semantics: callers never share objects with the store. */
interface Memory {
  events: RecoEvent[];
  /** Insertion order is LRU order. */
  items: Map<string, ItemFeatures>;
  meta: Map<string, unknown>;
  snapshots: Map<string, unknown>;
}

const emptyMemory = (): Memory => ({ events: [], items: new Map(), meta: new Map(), snapshots: new Map() });
const copy = <T>(v: T): T => structuredClone(v);

/** A memory store: all of it in the worker, which keeps its meta records and snapshots there when IndexedDB fails. */
function memoryStore(o: Options, fallbackReason?: string): Store {
  const m = emptyMemory();
  return {
    ...memoryPart(o, m, fallbackReason),
    events: async (q) => copy(select(m.events, q)),
    stamp: async () => `${m.events.length} ${m.events.at(-1)?.id ?? ''}`,
    getMeta: async <T>(key: string, check?: (v: unknown) => boolean) => {
      const value = m.meta.get(key);
      return (value === undefined || !check || check(value) ? copy(value) : undefined) as T | undefined;
    },
    async setMeta(key, value) {
      m.meta.set(key, copy(value));
    },
    async deleteMeta(key) {
      m.meta.delete(key);
    },
    getSnapshot: async <T>(key: string) => copy(m.snapshots.get(key)) as T | undefined,
    async putSnapshot(key, value) {
      m.snapshots.set(key, copy(value));
    },
  };
}

/** A memory store as the page uses it: without the records only the worker keeps (they stay out of the page script). */
function memoryPart(o: Options, m: Memory, fallbackReason?: string): Omit<Store, WorkerRecords | 'kind'> & { readonly kind: 'memory' } {
  return {
    kind: 'memory',
    fallbackReason,
    async add(batch) {
      const minTs = Date.now() - o.maxAgeDays * DAY_MS;
      // A Map keeps one event per id, the newest copy.
      m.events = [...new Map([...m.events, ...copy(batch)].map((e) => [e.id, e])).values()]
        .sort(byTime)
        .filter((e) => e.ts >= minTs)
        .slice(-o.maxEvents);
    },
    recent: async (limit, types) => copy(select(m.events, { limit, types })),
    count: async () => m.events.length,
    async prune() {},
    async putItems(batch) {
      for (const it of batch) {
        const merged = mergeItem(m.items.get(it.id), copy(it));
        m.items.delete(it.id);
        m.items.set(it.id, merged);
      }
      while (m.items.size > o.maxItems) m.items.delete(m.items.keys().next().value!);
    },
    items: async (ids) => copy(new Map(ids.flatMap((id) => (m.items.has(id) ? [[id, m.items.get(id)!] as const] : [])))),
    async export() {
      return copy({
        exportedAt: new Date().toISOString(),
        events: m.events,
        items: [...m.items.values()],
        meta: Object.fromEntries(m.meta),
      });
    },
    async clear() {
      clearLocalKeys();
      m.events = [];
      m.items.clear();
      m.meta.clear();
      m.snapshots.clear();
    },
    skipped: () => [],
    close() {},
  };
}
