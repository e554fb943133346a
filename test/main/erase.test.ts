import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readStored } from '../../src/main/export.ts';
import { openStore } from '../../src/shared/store.ts';
import type { ExportData, RecoEvent } from '../../src/shared/types.ts';

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
    const memory: ExportData = { exportedAt: '', events: [event('e3', 'c', 1000)], items: [], meta: {} };
    const out = await readStored(['erase-read', 'erase-missing'], memory);
    expect(out.events.map((e) => e.id)).toEqual(['e1', 'e2', 'e3']);
  });

  it('gives up on a database that opens but answers no read (WebKit can leave one so), and reports the rest', async () => {
    const store = await openStore({ dbName: 'erase-wedged' });
    await store.add([event('e1', 'a', 1)]);
    store.close();
    // Reads that never answer, as in a wedged database.
    const Request = IDBRequest as unknown as new () => IDBRequest<unknown[]>; // fake-indexeddb's requests can be made
    const getAll = vi.spyOn(IDBObjectStore.prototype, 'getAll').mockImplementation(() => new Request());
    try {
      const memory: ExportData = { exportedAt: '', events: [event('e9', 'z', 9)], items: [], meta: {} };
      const started = Date.now();
      const out = await readStored(['erase-wedged'], memory);
      expect(out.events.map((e) => e.id)).toEqual(['e9']);
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

describe('export() without IndexedDB at all (a browser setting: the name indexedDB does not exist)', () => {
  afterEach(() => vi.unstubAllGlobals());
  it('reads what the page holds in memory and the click journal, and does not throw', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const memory: ExportData = { exportedAt: '', events: [], items: [{ id: 'm' }], meta: {} };
    expect((await readStored(['reco'], memory)).items).toEqual([{ id: 'm' }]);
  });
});
