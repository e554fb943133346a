// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readStored } from '../../src/main/export.ts';
import { openStore } from '../../src/shared/store.ts';
import { LOCAL_KEYS } from '../../src/shared/local-keys.ts';
import type { RecoEvent, StoredData } from '../../src/shared/types.ts';

/** An event `ago` ms before now (older ones than maxAgeDays are pruned as they are written). */
const event = (id: string, itemId: string, ago: number): RecoEvent => ({
  id,
  type: 'view_item',
  itemId,
  listId: null,
  position: null,
  ts: Date.now() - ago,
  sessionId: 's',
  path: '/',
  control: false,
  pageViewId: 'pv',
});

describe('readStored (export() of every database Reco used)', () => {
  it('reads each database and merges what a memory store holds, events oldest first', async () => {
    const store = await openStore({ dbName: 'erase-read' });
    await store.add([event('e2', 'b', 2000), event('e1', 'a', 3000)]);
    store.close();
    const memory: StoredData = { exportedAt: '', events: [event('e3', 'c', 1000)], items: [], meta: {} };
    const out = await readStored(['erase-read', 'erase-missing'], memory);
    expect(out.events.map((e) => e.id)).toEqual(['e1', 'e2', 'e3']);
    expect(out.unread).toEqual([]); // a database that does not exist holds nothing to miss
  });

  it('gives up on a database that opens but answers no read (WebKit can leave one so), and reports the rest', async () => {
    const store = await openStore({ dbName: 'erase-wedged' });
    await store.add([event('e1', 'a', 1)]);
    store.close();
    // Reads that never answer, as in a wedged database.
    const Request = IDBRequest as unknown as new () => IDBRequest<unknown[]>; // fake-indexeddb's requests can be made
    const getAll = vi.spyOn(IDBObjectStore.prototype, 'getAll').mockImplementation(() => new Request());
    try {
      const memory: StoredData = { exportedAt: '', events: [event('e9', 'z', 9)], items: [], meta: {} };
      const started = Date.now();
      const out = await readStored(['erase-wedged'], memory);
      expect(out.events.map((e) => e.id)).toEqual(['e9']);
      // Said, not silent: the shopper's stored events are missing from this export.
      expect(out.unread).toContainEqual({
        database: 'erase-wedged',
        reason: 'did not answer within 3 s (another tab may block it, or the browser still holds a transaction of a page that went away)',
      });
      expect(Date.now() - started).toBeLessThan(8000);
    } finally {
      getAll.mockRestore();
    }
  }, 15_000);
});

describe('export() over several databases Reco used (the dbName changed)', () => {
  it("keeps both databases' meta records when their keys meet: the current one's as they are, the other's as \"database:key\"", async () => {
    const [a, b] = [await openStore({ dbName: 'export-meta-a' }), await openStore({ dbName: 'export-meta-b' })];
    await a.setMeta('learning', { rounds: 3, from: 'a' });
    await b.setMeta('learning', { rounds: 7, from: 'b' });
    a.close();
    b.close();
    expect((await readStored(['export-meta-a', 'export-meta-b'])).meta).toEqual({
      learning: { rounds: 3, from: 'a' },
      'export-meta-b:learning': { rounds: 7, from: 'b' },
    });
  });
});

describe('export() reports everything stored about the shopper', () => {
  afterEach(() => localStorage.clear());
  it('the serving snapshot (derived from the history: item ids, scores, the items the model counted) as JSON-ready data, and the session record', async () => {
    const store = await openStore({ dbName: 'export-snapshot' });
    await store.add([event('e1', 'a', 1)]);
    const snapshot = {
      format: 1,
      history: '[["a","view_item",3]]',
      items: ['["a"]', '["b"]'],
      values: Float64Array.of(0.5, NaN),
      state: { ids: ['a', 'b'] },
    };
    await store.putSnapshot('/models/default/model.json', snapshot);
    store.close();
    localStorage.setItem(LOCAL_KEYS.session, JSON.stringify({ id: 's1', last: 1700000000000 }));
    const out = await readStored(['export-snapshot']);
    expect(out.snapshots).toEqual({
      '/models/default/model.json': { ...snapshot, values: [0.5, null] },
    });
    expect(JSON.parse(JSON.stringify(out.snapshots))).toEqual(out.snapshots);
    expect(out.session).toEqual({ id: 's1', last: 1700000000000 });
  });
});

describe('export() without IndexedDB at all (a browser setting: the name indexedDB does not exist)', () => {
  afterEach(() => vi.unstubAllGlobals());
  it('reads what the page holds in memory and the click journal, and does not throw', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const memory: StoredData = { exportedAt: '', events: [], items: [{ id: 'm' }], meta: {} };
    expect((await readStored(['reco'], memory)).items).toEqual([{ id: 'm' }]);
  });
});

describe('a database Reco used under a dbName the registry lost (localStorage cleared since)', () => {
  it('export() reads it and eraseEverything() deletes it, found by its schema; the shop’s own databases are left alone (one with events and meta stores too)', async () => {
    const { eraseEverything } = await import('../../src/main/erase.ts');
    vi.stubGlobal('indexedDB', new IDBFactory()); // an origin of its own: the other tests' databases are not this shopper's
    const store = await openStore({ dbName: 'acme-reco' });
    await store.add([event('lost-1', 'a', 1000)]);
    store.close();
    // The shop's own databases: an analytics queue with events and meta stores, one with Reco's four store names but
    // other keys, and a cart.
    const shopDatabase = (name: string, make: (db: IDBDatabase) => void) =>
      new Promise<void>((resolve) => {
        const open = indexedDB.open(name, 1);
        open.onupgradeneeded = () => make(open.result);
        open.onsuccess = () => (open.result.close(), resolve());
      });
    await shopDatabase(
      'acme-analytics',
      (db) => (db.createObjectStore('events', { keyPath: 'id' }).createIndex('ts', 'ts'), db.createObjectStore('meta')),
    );
    await shopDatabase('acme-lookalike', (db) => ['events', 'items', 'meta', 'snapshots'].forEach((name) => db.createObjectStore(name)));
    await shopDatabase('acme-cart', (db) => (db.createObjectStore('events'), db.createObjectStore('lines')));
    const names = async () => (await indexedDB.databases()).map((d) => d.name);

    expect((await readStored(['reco'])).events.map((e) => e.id)).toContain('lost-1');
    expect(await eraseEverything(['reco'])).toEqual([]);
    expect(await names()).not.toContain('acme-reco');
    expect(await names()).toEqual(expect.arrayContaining(['acme-analytics', 'acme-lookalike', 'acme-cart']));
    vi.unstubAllGlobals();
  });
});

describe('forget() where the browser refuses IndexedDB (Firefox private windows before 115: every request fails)', () => {
  it('reports nothing: a deletion refused as every write was (InvalidStateError) deletes nothing that was stored; another failure is reported', async () => {
    const { eraseEverything } = await import('../../src/main/erase.ts');
    const refusing = (error: DOMException) => ({
      databases: () => Promise.reject(error),
      open: () => {
        throw error;
      },
      deleteDatabase() {
        const req = { error, onsuccess: null, onerror: null } as unknown as IDBOpenDBRequest;
        setTimeout(() => req.onerror?.(new Event('error')));
        return req;
      },
    });
    const mutation = new DOMException(
      'A mutation operation was attempted on a database that did not allow mutations.',
      'InvalidStateError',
    );
    vi.stubGlobal('indexedDB', refusing(mutation));
    expect(await eraseEverything(['reco'])).toEqual([]);
    vi.stubGlobal('indexedDB', refusing(new DOMException('The disk is full', 'UnknownError')));
    expect(await eraseEverything(['reco'])).toEqual(['could not delete the database "reco": The disk is full']);
    vi.unstubAllGlobals();
  });
});

describe('forget() on a page that never calls init() (a privacy page), left at once', () => {
  it("notes the databases in the call's own task, and the note goes once they are erased; a note left behind is finished by finishForgetting()", async () => {
    const { finishForgetting, forgetWithoutInstance } = await import('../../src/main/erase.ts');
    vi.stubGlobal('indexedDB', new IDBFactory());
    localStorage.clear();
    const stored = async (dbName: string) => {
      const store = await openStore({ dbName });
      await store.add([event(`${dbName}-1`, 'a', 1000)]);
      store.close();
    };
    const names = async () => (await indexedDB.databases()).map((d) => d.name);
    await stored('reco');
    const erasing = forgetWithoutInstance();
    expect(JSON.parse(localStorage.getItem('reco:forgetting') ?? '[]')).toContain('reco');
    expect(await erasing).toEqual([]);
    expect(localStorage.getItem('reco:forgetting')).toBeNull();
    expect(await names()).not.toContain('reco');

    // What a page left at once leaves: the note, with a database the registry no longer names (its forget() cleared the
    // registry with the other keys), and the click journal.
    await stored('acme-reco');
    localStorage.setItem('reco:forgetting', JSON.stringify(['acme-reco']));
    localStorage.setItem('reco:pending', '{}');
    const finishing = finishForgetting('reco');
    expect(localStorage.getItem('reco:pending'), 'the journal goes at once, before a tracker reads it').toBeNull();
    expect(await finishing).toEqual([]);
    expect(await names()).not.toContain('acme-reco');
    expect(localStorage.getItem('reco:forgetting')).toBeNull();
    expect(await finishForgetting('reco'), 'nothing to finish').toEqual([]);
    vi.unstubAllGlobals();
  });
});
