// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  LOCAL_KEYS,
  openPageStore,
  PAGE_WRITES,
  openStore,
  pauseStores,
  resumeStores,
  storesQuiet,
  STORE_CALL_TIMEOUT_MS,
  StoreTimeoutError,
  type Store,
  type StoreOptions,
} from '../../src/shared/store.ts';
import { StorageError } from '../../src/shared/errors.ts';
import type { RecoEvent } from '../../src/shared/types.ts';

const DAY = 86_400_000;
let dbCount = 0;
const freshName = () => `reco-test-${++dbCount}`;

function ev(id: string, ts: number, type: RecoEvent['type'] = 'select_item'): RecoEvent {
  return {
    id,
    type,
    itemId: `item-${id}`,
    listId: 'grid',
    position: 0,
    ts,
    sessionId: 's1',
    path: '/',
    control: false,
    pageViewId: 'pv1',
  };
}

const open = {
  indexeddb: (o: StoreOptions) => openStore({ dbName: freshName(), ...o }),
  memory: (o: StoreOptions) => openStore({ ...o, memoryOnly: true }),
};

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe.each(['indexeddb', 'memory'] as const)('%s store', (kind) => {
  const openKind = (o: StoreOptions = {}) => open[kind](o);

  it('has the kind asked for', async () => {
    const s = await openKind();
    expect(s.kind).toBe(kind);
    expect(s.fallbackReason).toBeUndefined();
  });

  it('round-trips events oldest first, whatever the insertion order', async () => {
    const s = await openKind();
    const t = Date.now();
    await s.add([ev('b', t - 1000), ev('c', t)]);
    await s.add([ev('a', t - 2000)]);
    expect((await s.events()).map((e) => e.id)).toEqual(['a', 'b', 'c']);
    expect(await s.events()).toContainEqual(ev('b', t - 1000));
    expect(await s.count()).toBe(3);
  });

  it('returns the newest `limit` events, oldest first, filtered by type', async () => {
    const s = await openKind();
    const t = Date.now();
    await s.add([
      ev('1', t - 4, 'view_item_list'),
      ev('2', t - 3, 'select_item'),
      ev('3', t - 2, 'view_item_list'),
      ev('4', t - 1, 'add_to_cart'),
      ev('5', t, 'select_item'),
    ]);
    expect((await s.events({ limit: 2 })).map((e) => e.id)).toEqual(['4', '5']);
    expect((await s.events({ types: ['select_item', 'add_to_cart'] })).map((e) => e.id)).toEqual(['2', '4', '5']);
    expect((await s.events({ limit: 1, types: ['view_item_list'] })).map((e) => e.id)).toEqual(['3']);
    expect(await s.events({ limit: 0 })).toEqual([]);
  });

  it('recent(): the newest `limit` events of the history types, the same as events() reads, however many impressions are stored', async () => {
    const s = await openKind();
    const t = Date.now() - 60_000;
    const types: RecoEvent['type'][] = ['view_item_list', 'view_item_list', 'select_item', 'view_item_list', 'add_to_cart', 'view_item'];
    // Equal times across types too: ties are ordered by id, as the ts index orders them.
    await s.add(
      Array.from({ length: 300 }, (_, i) => ev(`e${String(i).padStart(3, '0')}`, t + Math.floor(i / 2), types[i % types.length])),
    );
    const history: RecoEvent['type'][] = ['select_item', 'add_to_cart', 'view_item', 'purchase'];
    for (const limit of [1, 7, 50, 500]) expect(await s.recent(limit, history)).toEqual(await s.events({ limit, types: history }));
    expect(await s.recent(0, history)).toEqual([]);
  });

  it('keeps a snapshot per key, and clear() removes it', async () => {
    const s = await openKind();
    await s.putSnapshot('https://shop.example/models/default/model.json', { values: new Float32Array([1, 2]) });
    expect(await s.getSnapshot('https://shop.example/models/default/model.json')).toEqual({ values: new Float32Array([1, 2]) });
    await s.clear();
    expect(await s.getSnapshot('https://shop.example/models/default/model.json')).toBeUndefined();
  });

  it('stores an event id once (upsert)', async () => {
    const s = await openKind();
    await s.add([ev('a', Date.now())]);
    await s.add([ev('a', Date.now())]);
    expect(await s.count()).toBe(1);
  });

  it('keeps at most maxEvents, evicting the oldest', async () => {
    const s = await openKind({ maxEvents: 3 });
    const t = Date.now();
    await s.add([ev('e1', t - 5), ev('e2', t - 4), ev('e3', t - 3)]);
    await s.add([ev('e4', t - 2), ev('e5', t - 1)]);
    expect((await s.events()).map((e) => e.id)).toEqual(['e3', 'e4', 'e5']);
  });

  it('evicts events older than maxAgeDays', async () => {
    const s = await openKind({ maxAgeDays: 90 });
    const t = Date.now();
    await s.add([ev('old', t - 91 * DAY), ev('recent', t - 89 * DAY), ev('now', t)]);
    expect((await s.events()).map((e) => e.id)).toEqual(['recent', 'now']);
  });

  it('merges item features, keeping known fields the new record lacks', async () => {
    const s = await openKind();
    await s.putItems([{ id: 'p1', title: 'Mascara', category: 'Makeup > Eyes', price: 12 }]);
    await s.putItems([
      { id: 'p1', brand: 'Lumi', price: 10 },
      { id: 'p2', title: 'Serum' },
    ]);
    const got = await s.items(['p1', 'p2', 'missing']);
    expect(got.get('p1')).toEqual({ id: 'p1', title: 'Mascara', category: 'Makeup > Eyes', brand: 'Lumi', price: 10 });
    expect(got.get('p2')).toEqual({ id: 'p2', title: 'Serum' });
    expect(got.has('missing')).toBe(false);
  });

  it('caps the item cache, evicting the least recently seen', async () => {
    const s = await openKind({ maxItems: 2 });
    await s.putItems([{ id: 'a' }]);
    await new Promise((r) => setTimeout(r, 2)); // distinct last-seen times
    await s.putItems([{ id: 'b' }]);
    await new Promise((r) => setTimeout(r, 2));
    await s.putItems([{ id: 'a', title: 'seen again' }]);
    await new Promise((r) => setTimeout(r, 2));
    await s.putItems([{ id: 'c' }]);
    expect([...(await s.items(['a', 'b', 'c'])).keys()].sort()).toEqual(['a', 'c']);
  });

  it('stores, exports and deletes meta records', async () => {
    const s = await openKind();
    await s.setMeta('head', { w: [1, 2] });
    expect(await s.getMeta<{ w: number[] }>('head')).toEqual({ w: [1, 2] });
    expect(await s.getMeta('nothing')).toBeUndefined();
    await s.deleteMeta('head');
    expect(await s.getMeta('head')).toBeUndefined();
  });

  it('exports everything stored', async () => {
    const s = await openKind();
    const t = Date.now();
    await s.add([ev('a', t)]);
    await s.putItems([{ id: 'p1', title: 'Lipstick' }]);
    await s.setMeta('settings', { x: 1 });
    const data = await s.export();
    expect(data.events).toEqual([ev('a', t)]);
    expect(data.items).toEqual([{ id: 'p1', title: 'Lipstick' }]);
    expect(data.meta).toEqual({ settings: { x: 1 } });
    expect(Number.isNaN(Date.parse(data.exportedAt))).toBe(false);
  });

  it('clear() forgets events, items, meta and the tracker keys in localStorage', async () => {
    const s = await openKind();
    await s.add([ev('a', Date.now())]);
    await s.putItems([{ id: 'p1' }]);
    await s.setMeta('k', 1);
    localStorage.setItem(LOCAL_KEYS.session, '{}');
    localStorage.setItem(LOCAL_KEYS.pending, '{}');
    await s.clear();
    expect(await s.export()).toMatchObject({ events: [], items: [], meta: {} });
    expect(localStorage.getItem(LOCAL_KEYS.session)).toBeNull();
    expect(localStorage.getItem(LOCAL_KEYS.pending)).toBeNull();
  });

  it('hands out copies, not its own objects', async () => {
    const s = await openKind();
    const e = ev('a', Date.now());
    await s.add([e]);
    e.itemId = 'changed';
    const [got] = await s.events();
    got!.itemId = 'changed too';
    expect((await s.events())[0]!.itemId).toBe('item-a');
  });
});

describe('IndexedDB store', () => {
  it("says whether its opening made the database (another tab's forget() deletes what it made again), on the page's and the worker's", async () => {
    const dbName = freshName();
    const made = await openPageStore({ dbName });
    const found = await openStore({ dbName });
    expect([made.madeDatabase, found.madeDatabase]).toEqual([true, false]);
    made.close();
    found.close();
    expect((await openStore({ memoryOnly: true })).madeDatabase).toBeFalsy();
  });

  it('clear() leaves no record in the database', async () => {
    const dbName = freshName();
    const s = await openStore({ dbName });
    await s.add([ev('a', Date.now())]);
    await s.putItems([{ id: 'p1' }]);
    await s.setMeta('k', 1);
    await s.clear();
    s.close();
    const raw = await openDB(dbName);
    for (const name of ['events', 'items', 'meta', 'snapshots']) expect(await raw.count(name)).toBe(0);
    raw.close();
  });

  it('keeps data across reopening', async () => {
    const dbName = freshName();
    const a = await openStore({ dbName });
    await a.add([ev('a', Date.now())]);
    await a.setMeta('k', 'v');
    a.close();
    const b = await openStore({ dbName });
    expect((await b.events()).map((e) => e.id)).toEqual(['a']);
    expect(await b.getMeta('k')).toBe('v');
  });

  it('upgrades a version-1 database without losing its data', async () => {
    const dbName = freshName();
    const v1 = await openDB(dbName, 1, {
      upgrade(db) {
        db.createObjectStore('events', { keyPath: 'id' }).createIndex('ts', 'ts');
        db.createObjectStore('meta');
      },
    });
    const old = ev('kept', Date.now() - 1000);
    await v1.put('events', old);
    await v1.put('meta', { a: 1 }, 'settings');
    v1.close();

    const s = await openStore({ dbName });
    expect(s.kind).toBe('indexeddb');
    expect(await s.events()).toEqual([old]);
    expect(await s.getMeta('settings')).toEqual({ a: 1 });
    await s.putItems([{ id: 'p1', title: 'new store works' }]);
    expect((await s.items(['p1'])).get('p1')?.title).toBe('new store works');
    expect(await s.recent(5, ['select_item'])).toEqual([old]); // the (type, ts) index was built over the old rows
  });

  it('evicts events past the age cap when it opens', async () => {
    const dbName = freshName();
    const a = await openStore({ dbName });
    await a.add([ev('young', Date.now() - 10 * DAY), ev('now', Date.now())]);
    a.close();
    const b = await openStore({ dbName, maxAgeDays: 5 });
    expect((await b.events()).map((e) => e.id)).toEqual(['now']);
  });

  it('on a quota error evicts the oldest 20% and retries once', async () => {
    const s = await openStore({ dbName: freshName() });
    const t = Date.now();
    await s.add(Array.from({ length: 10 }, (_, i) => ev(`old${i}`, t - 100 + i)));
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementationOnce(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    await s.add([ev('new', t)]);
    const ids = (await s.events()).map((e) => e.id);
    expect(ids).toEqual(['old2', 'old3', 'old4', 'old5', 'old6', 'old7', 'old8', 'old9', 'new']);
  });

  it('when the retry after eviction fails for quota too, rejects with a StorageError saying what was not stored', async () => {
    const s = await openStore({ dbName: freshName() });
    await s.add([ev('kept', Date.now() - 10)]);
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    await expect(s.add([ev('a', Date.now()), ev('b', Date.now())])).rejects.toMatchObject({
      name: 'StorageError',
      message: 'the storage quota is full even after evicting the oldest 20% of events: 2 event(s) not stored',
    });
    await expect(s.putItems([{ id: 'p1' }])).rejects.toMatchObject({
      name: 'StorageError',
      message: expect.stringMatching(/1 item\(s\) not stored/),
    });
    vi.restoreAllMocks();
    // What is stored is what count() says: the eviction took the oldest, the failed write added nothing.
    expect(await s.count()).toBe((await s.events()).length);
  });

  it('rejects for errors other than quota, so the caller can report them', async () => {
    const s = await openStore({ dbName: freshName() });
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('broken', 'UnknownError');
    });
    await expect(s.add([ev('a', Date.now())])).rejects.toMatchObject({ name: 'UnknownError' });
  });
});

describe('openPageStore', () => {
  it("writes, counts and clears the same database as openStore, makes the worker's writes for it (PAGE_WRITES), and has none of the reads only the worker makes (export() reads through export.ts)", async () => {
    const dbName = freshName();
    const page = await openPageStore({ dbName });
    if (page.kind !== 'indexeddb') throw new Error('expected an IndexedDB store');
    await page.add([ev('a', Date.now()), ev('b', Date.now() + 1)]);
    expect(await page.count()).toBe(2);
    const worker = await openStore({ dbName });
    await page.putItems([{ id: 'item-a', title: 'A' }]);
    await page.putItems([{ id: 'item-a', price: 3 }]); // merged with what is stored, as the worker's own write does
    await page.setMeta('m', { n: 1 });
    await page.putSnapshot('model.json', { format: 1 });
    expect((await worker.recent(5, ['select_item'])).map((e) => e.id)).toEqual(['a', 'b']);
    expect(await worker.items(['item-a'])).toEqual(new Map([['item-a', { id: 'item-a', title: 'A', price: 3 }]]));
    expect(await worker.getMeta('m')).toEqual({ n: 1 });
    expect(await worker.getSnapshot('model.json')).toEqual({ format: 1 });
    await page.deleteMeta('m');
    expect(await worker.getMeta('m')).toBeUndefined();
    expect((await worker.export()).events.map((e) => e.id)).toEqual(['a', 'b']);
    expect(['recent', 'getSnapshot', 'export', 'items', 'getMeta'].filter((call) => call in page)).toEqual([]);
    expect(PAGE_WRITES.filter((call) => !(call in page))).toEqual([]);
    await page.clear();
    expect(await worker.count()).toBe(0);
    page.close();
    worker.close();
  });

  it('is a whole memory store when IndexedDB is not used (the page reads its history from it)', async () => {
    const page = await openPageStore({ memoryOnly: true });
    if (page.kind !== 'memory') throw new Error('expected a memory store');
    await page.add([ev('a', Date.now())]);
    expect((await page.recent(5, ['select_item'])).map((e) => e.id)).toEqual(['a']);
  });
});

describe('rows read back are checked', () => {
  /** Writes raw rows into the store's database, as another script or a damaged disk could. */
  async function putRaw(name: string, store: 'events' | 'items' | 'meta', rows: unknown[], keys?: string[]) {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(name);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const tx = db.transaction(store, 'readwrite');
    rows.forEach((r, i) => tx.objectStore(store).put(r, keys?.[i]));
    await new Promise((resolve) => (tx.oncomplete = resolve));
    db.close();
  }

  it('a malformed event, item or checked meta record is skipped and counted once; the valid ones are read', async () => {
    const name = freshName();
    const s = await openStore({ dbName: name });
    const t = Date.now() - 1000;
    await s.add([ev('good1', t), ev('good2', t + 1)]);
    await s.putItems([{ id: 'p1', title: 'Good', category: 'A > B', price: 3 }]);
    await putRaw(name, 'events', [
      { ...ev('nullItem', t + 2), itemId: null },
      { ...ev('badType', t + 3), type: 'hover' },
      { ...ev('badExtra', t + 4), extra: ['x'] },
      { ...ev('infinite', t + 5), position: Infinity },
      ev('future', 8.64e15), // a clock once set to the year 275760: it would stay the newest event for good
    ]);
    await putRaw(name, 'items', [
      { id: 'p2', ts: t, item: { id: 'p2', category: ['Makeup', 'Lips'] } },
      { id: 'p3', ts: t, item: { id: 'other' } },
      { id: 'p4', ts: 'yesterday', item: { id: 'p4' } },
    ]);
    await putRaw(name, 'meta', [{ model: 1 }], ['learning']);

    expect((await s.events()).map((e) => e.id)).toEqual(['good1', 'good2']);
    expect((await s.events({ limit: 1 })).map((e) => e.id)).toEqual(['good2']);
    expect([...(await s.items(['p1', 'p2', 'p3', 'p4', 'missing'])).keys()]).toEqual(['p1']);
    expect(await s.getMeta('learning', (v) => typeof (v as { model?: unknown }).model === 'string')).toBeUndefined();
    expect(await s.getMeta('learning')).toEqual({ model: 1 });
    const exported = await s.export();
    expect(exported.events.map((e) => e.id)).toEqual(['good1', 'good2']);
    expect(exported.items.map((i) => i.id)).toEqual(['p1']);
    // Each bad row counted once, however often it was read.
    expect(s.skipped().sort()).toEqual(
      [
        'events:badExtra',
        'events:badType',
        'events:future',
        'events:infinite',
        'events:nullItem',
        'items:p2',
        'items:p3',
        'items:p4',
        'meta:learning',
      ].sort(),
    );
  });
});

describe('memory fallback', () => {
  it('falls back when indexedDB is undefined, and says why', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const s: Store = await openStore({ dbName: freshName() });
    expect(s.kind).toBe('memory');
    expect(s.fallbackReason).toMatch(/indexedDB/i);
    await s.add([ev('a', Date.now())]);
    expect(await s.count()).toBe(1);
  });

  it('falls back when opening throws (private modes)', async () => {
    vi.spyOn(indexedDB, 'open').mockImplementation(() => {
      throw new DOMException('A mutation operation was attempted on a database that did not allow mutations.', 'InvalidStateError');
    });
    const s = await openStore({ dbName: freshName() });
    expect(s.kind).toBe('memory');
    expect(s.fallbackReason).toMatch(/did not allow mutations/);
  });

  it('falls back at once, without waiting for the open timeout, when another tab blocks the upgrade', async () => {
    const name = freshName();
    // Another tab (an older SDK) holds version 1 open and never lets go.
    const old = await new Promise<IDBDatabase>((resolve) => {
      const req = indexedDB.open(name, 1);
      req.onupgradeneeded = () => req.result.createObjectStore('events', { keyPath: 'id' });
      req.onsuccess = () => resolve(req.result);
    });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const s = await openStore({ dbName: name });
      expect(s.kind).toBe('memory');
      expect(s.fallbackReason).toMatch(/blocked: another tab keeps an older version of it open/);
    } finally {
      vi.useRealTimers();
      old.close();
    }
  });

  it('falls back when the database opens but its first transaction never finishes (WebKit, after some reloads), and closes it', async () => {
    const name = freshName();
    // A request that never answers: the count that proves transactions work waits for ever, as in a wedged database.
    const Request = IDBRequest as unknown as new () => IDBRequest<number>; // fake-indexeddb's requests can be made
    const count = vi.spyOn(IDBObjectStore.prototype, 'count').mockImplementation(() => new Request());
    const close = vi.spyOn(IDBDatabase.prototype, 'close');
    try {
      for (const opening of [openStore({ dbName: name, prune: false }), openPageStore({ dbName: name })]) {
        const started = Date.now();
        const s = await opening;
        expect(s.kind).toBe('memory');
        expect(s.fallbackReason).toBe(`IndexedDB unavailable: "${name}" opened, but its first transaction timed out`);
        expect(Date.now() - started).toBeLessThan(10_000);
      }
      expect(close.mock.contexts.filter((db) => (db as IDBDatabase).name === name)).toHaveLength(2);
    } finally {
      count.mockRestore();
      close.mockRestore();
    }
  }, 20_000);

  it('onOpen: a read started as the database opens is answered beside the read that proves it works; when that proof fails, the store is a memory one', async () => {
    const name = freshName();
    const before = await openStore({ dbName: name });
    await before.putSnapshot('model', { rows: 1 });
    before.close();
    const Request = IDBRequest as unknown as new () => IDBRequest<number>;
    const count = vi.spyOn(IDBObjectStore.prototype, 'count').mockImplementation(() => new Request());
    try {
      let read: Promise<unknown> | null = null;
      let settled = false;
      const opening = openStore({ dbName: name, prune: false }, (s) => (read = s.getSnapshot('model')));
      void opening.then(() => (settled = true));
      await vi.waitUntil(() => read);
      expect(await read).toEqual({ rows: 1 });
      expect(settled, 'the proof is still waiting').toBe(false);
      expect((await opening).kind).toBe('memory');
    } finally {
      count.mockRestore();
    }
  }, 20_000);

  it('memoryOnly is not a fallback', async () => {
    const s = await openStore({ memoryOnly: true });
    expect(s.kind).toBe('memory');
    expect(s.fallbackReason).toBeUndefined();
  });
});

describe("the worker's store (openStore)", () => {
  it('runs writes to one database alone, from every connection: never a readwrite transaction in flight beside another transaction', async () => {
    const dbName = freshName();
    const [a, b] = [await openStore({ dbName }), await openStore({ dbName })];
    // Every transaction this thread opens, by mode, counted from its creation to its end.
    const active = { readonly: 0, readwrite: 0 };
    let writeBesideOther = 0;
    let readsTogether = 0;
    const transaction = IDBDatabase.prototype.transaction;
    const spy = vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (this: IDBDatabase, ...args) {
      const tx = transaction.apply(this, args);
      const mode = tx.mode === 'readwrite' ? 'readwrite' : 'readonly';
      active[mode]++;
      if (active.readwrite > 0 && active.readwrite + active.readonly > 1) writeBesideOther++;
      readsTogether = Math.max(readsTogether, active.readonly);
      const end = () => active[mode]--;
      tx.addEventListener('complete', end);
      tx.addEventListener('abort', end);
      return tx;
    });
    try {
      await Promise.all([
        b.recent(10, ['select_item']),
        a.getSnapshot('model'),
        a.add([ev('1', Date.now()), ev('2', Date.now())]),
        b.recent(10, ['select_item']),
        a.putSnapshot('model', { history: ['1'] }),
        b.events(),
        b.putItems([{ id: 'item-1', title: 'Serum' }]),
        a.getSnapshot('model'),
        b.count(),
      ]);
    } finally {
      spy.mockRestore();
    }
    expect(writeBesideOther).toBe(0);
    // Reads still run together.
    expect(readsTogether).toBeGreaterThan(1);
    expect((await b.recent(10, ['select_item'])).map((e) => e.id)).toEqual(['1', '2']);
    expect(await b.getSnapshot('model')).toEqual({ history: ['1'] });
    // A failed call does not stop the ones after it.
    a.close();
    await expect(a.putSnapshot('model', {})).rejects.toThrow();
    expect(await b.count()).toBe(2);
    b.close();
  });

  it('paused (its page is going away), starts no transaction until resumed; what was in flight finishes', async () => {
    const dbName = freshName();
    const store = await openStore({ dbName });
    const started: string[] = [];
    const transaction = IDBDatabase.prototype.transaction;
    const spy = vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (this: IDBDatabase, ...args) {
      started.push(String(args[0]));
      return transaction.apply(this, args);
    });
    try {
      const inFlight = store.add([ev('1', Date.now())]);
      await vi.waitFor(() => expect(started.length).toBeGreaterThan(0)); // its transaction is in flight
      pauseStores();
      let answered = false;
      const later = Promise.all([store.recent(10, ['select_item']), store.putSnapshot('model', { history: ['1'] })]).then((r) => {
        answered = true;
        return r;
      });
      await inFlight;
      const before = started.length;
      await new Promise((r) => setTimeout(r, 50));
      expect(answered).toBe(false);
      expect(started.length, 'no transaction started while paused').toBe(before);
      resumeStores();
      const [recent] = await later;
      expect(recent.map((e) => e.id)).toEqual(['1']);
      expect(started.length).toBeGreaterThan(before);
    } finally {
      resumeStores();
      spy.mockRestore();
      store.close();
    }
  });

  it('storesQuiet() resolves once every call in flight has finished (its transaction completed), or after its wait', async () => {
    const store = await openStore({ dbName: freshName() });
    await storesQuiet(); // nothing in flight: at once
    const ended: string[] = [];
    const transaction = IDBDatabase.prototype.transaction;
    const spy = vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (this: IDBDatabase, ...args) {
      const tx = transaction.apply(this, args);
      tx.addEventListener('complete', () => ended.push(tx.mode));
      return tx;
    });
    try {
      const calls = [store.add([ev('1', Date.now())]), store.putSnapshot('model', { history: ['1'] }), store.recent(10, ['select_item'])];
      const done = calls.map(() => false);
      calls.forEach((c, i) => void c.then(() => (done[i] = true)));
      let quiet = false;
      const waited = storesQuiet(10_000).then(() => (quiet = true));
      await new Promise((r) => setTimeout(r, 0));
      expect(quiet, 'not while the calls run').toBe(false);
      await waited;
      expect(done).toEqual([true, true, true]);
      expect(ended.length, 'every transaction completed').toBeGreaterThanOrEqual(3);
      // A call that never ends (paused here, as a database that never answers would hold it) delays it only `maxMs`.
      pauseStores();
      void store.count();
      const t0 = Date.now();
      await storesQuiet(60);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(50);
    } finally {
      resumeStores();
      spy.mockRestore();
      await storesQuiet();
      store.close();
    }
  });

  it("another tab's forget() deletes the database under an open store: its writes then store nothing and fail nothing, on the page's and the worker's", async () => {
    for (const opener of [openStore, openPageStore]) {
      const dbName = freshName();
      const store = await opener({ dbName });
      await store.add([ev('1', Date.now())]);
      await new Promise<void>((resolve, reject) => {
        const req = indexedDB.deleteDatabase(dbName); // the other tab: this connection is closed on its versionchange
        req.onsuccess = () => resolve();
        req.onerror = () => reject(req.error);
      });
      // Before this tab hears of the forget() (its message comes a moment later), it writes on.
      await expect(store.add([ev('2', Date.now())])).resolves.toBeUndefined();
      await expect(store.putItems([{ id: 'item-2', title: 'Kept nowhere' }])).resolves.toBeUndefined();
      expect(
        (await indexedDB.databases()).map((d) => d.name),
        'nothing made again',
      ).not.toContain(dbName);
    }
  });

  it('a newer version of the database opened in another tab: a write of this tab fails with a StorageError that says so', async () => {
    const dbName = freshName();
    const store = await openPageStore({ dbName });
    const newer = await openDB(dbName, 99); // the other tab's upgrade: this connection is closed on its versionchange
    try {
      await expect(store.add([ev('1', Date.now())])).rejects.toThrow(
        new StorageError(
          `"${dbName}" was upgraded by a newer version of Reco in another tab: add() could not run here (a reload of this page uses the new version)`,
        ),
      );
    } finally {
      newer.close();
    }
  });

  it('paused for good (a reload, not the back/forward cache): closes every connection, and opens none after', async () => {
    const dbName = freshName();
    const [a, b] = [await openStore({ dbName }), await openStore({ dbName })];
    const close = vi.spyOn(IDBDatabase.prototype, 'close');
    try {
      const closed = () => close.mock.contexts.filter((db) => (db as IDBDatabase).name === dbName).length;
      pauseStores(true);
      expect(closed(), 'both connections').toBe(2);
      void openStore({ dbName }); // like every call while paused, it answers only if the page comes back
      await vi.waitFor(() => expect(closed(), 'a connection that opens as the page goes').toBe(3));
      // Nothing is left holding the database: it is deleted at once (WebKit could not, had an ended worker held it).
      const outcome = await new Promise((resolve) => {
        const req = indexedDB.deleteDatabase(dbName);
        req.onsuccess = () => resolve('deleted');
        req.onblocked = () => resolve('blocked');
      });
      expect(outcome).toBe('deleted');
    } finally {
      resumeStores();
      close.mockRestore();
      a.close();
      b.close();
    }
  });

  it('a call the database does not answer fails after STORE_CALL_TIMEOUT_MS, the next ones at once (a call not started never starts), until it answers again', async () => {
    const dbName = freshName();
    const store = await openStore({ dbName });
    await store.add([ev('1', Date.now())]);
    // Another connection keeps a readwrite transaction over every object store busy: this one's transactions wait,
    // as they do on a database that opened and then runs no transaction (WebKit bug 324094).
    const other = await openDB(dbName);
    const busy = other.transaction(['events', 'items', 'meta', 'snapshots'], 'readwrite');
    let holding = true;
    const hold = async () => {
      while (holding) await busy.objectStore('meta').get('x');
    };
    const held = hold();
    // IndexedDB runs on setImmediate here: only the deadline's timer is faked.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const read = store.recent(10, ['select_item']).catch((err: unknown) => err);
      const write = store.add([ev('2', Date.now())]).catch((err: unknown) => err); // queued behind the read
      await vi.advanceTimersByTimeAsync(STORE_CALL_TIMEOUT_MS - 1);
      expect(await Promise.race([read, 'waiting']), 'not before the deadline').toBe('waiting');
      await vi.advanceTimersByTimeAsync(1);
      const err = (await read) as Error;
      expect(err).toBeInstanceOf(StoreTimeoutError);
      expect(err.name, 'the page sees a StorageError').toBe('StorageError');
      expect(err.message).toBe(`"${dbName}" did not answer recent(): no answer within 10 s (the database runs no transaction?)`);
      expect(((await write) as Error).message).toMatch(/did not answer add\(\): no answer within 10 s/);
      // While the read has no answer, a call fails at once rather than queue behind it.
      await expect(store.getSnapshot('model')).rejects.toThrow(
        `"${dbName}" did not answer getSnapshot(): an earlier call still has no answer`,
      );
    } finally {
      vi.useRealTimers();
      holding = false;
      await held;
      await busy.done;
    }
    // The database answers again: calls run; the write that timed out before it started never ran.
    await vi.waitFor(async () => expect((await store.recent(10, ['select_item'])).map((e) => e.id)).toEqual(['1']));
    expect((await store.events()).map((e) => e.id)).toEqual(['1']);
    other.close();
    store.close();
  });
});
