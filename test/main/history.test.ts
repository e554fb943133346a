import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { createHistory, SEEN_MAX } from '../../src/main/history.ts';
import { openPageStore, openStore } from '../../src/shared/store.ts';
import { storedEvent as event } from '../../fixtures/shopper.ts';

describe("the page's side of the history", () => {
  it('sends the history events not written yet (no impressions) and the features seen on the page for them', async () => {
    const t = Date.now();
    const unwritten = [event('a', 'select_item', t), event('b', 'view_item_list', t + 1), event('c', 'view_item', t + 2)];
    const history = createHistory({ kind: 'indexeddb' } as never, 50, () => unwritten, vi.fn(), vi.fn());
    history.remember([
      { id: 'a', title: 'A' },
      { id: 'z', title: 'Z' },
    ]);
    const req = await history.request();
    expect(req.pending.map((e) => e.itemId)).toEqual(['a', 'c']);
    expect(req.known).toEqual([{ id: 'a', title: 'A' }]);
    expect(req.now).toBeGreaterThanOrEqual(t);
  });

  it('with a memory store (out of the worker reach) sends its whole history and the stored features', async () => {
    const store = await openStore({ memoryOnly: true });
    const t = Date.now();
    await store.add([event('a', 'select_item', t), event('b', 'view_item_list', t + 1), event('c', 'add_to_cart', t + 2)]);
    await store.putItems([{ id: 'c', title: 'stored C' }]);
    const history = createHistory(store, 50, () => [event('d', 'view_item', t + 3)], vi.fn(), vi.fn());
    const req = await history.request();
    expect(req.pending.map((e) => e.itemId)).toEqual(['a', 'c', 'd']);
    expect(req.known).toEqual([{ id: 'c', title: 'stored C' }]);
  });

  it('has the worker store only items not seen before on this page, or seen without fields they now have (it writes the item cache of IndexedDB)', async () => {
    const stored: string[][] = [];
    const history = createHistory(
      openPageStore({ dbName: `history-${Math.random()}` }),
      50,
      () => [],
      (items) => void stored.push(items.map((i) => i.id)),
      vi.fn(),
    );
    history.remember([{ id: 'a', title: 'A' }]);
    history.remember([{ id: 'a', title: 'A again' }, { id: 'b' }]);
    await vi.waitFor(() => expect(stored).toEqual([['a'], ['b']]));
    expect(history.seen('a')).toEqual({ id: 'a', title: 'A again' });
    // The shop's GA4 push of a grid's card adds its brand and category: stored again (the cache merges), and kept.
    history.remember([{ id: 'a', brand: 'Acme', category: 'Shoes > Running' }]);
    history.remember([{ id: 'a', title: 'A again' }]); // the grid read again: nothing new
    await vi.waitFor(() => expect(stored).toEqual([['a'], ['b'], ['a']]));
    expect(history.seen('a')).toEqual({ id: 'a', title: 'A again', brand: 'Acme', category: 'Shoes > Running' });
  });

  it('stores them in a memory store itself (out of the worker reach), and reports a failed write', async () => {
    const putItems = vi.fn(async (_items: { id: string }[]) => {
      throw new Error('out of memory');
    });
    const onError = vi.fn();
    const toWorker = vi.fn();
    const history = createHistory({ kind: 'memory', putItems } as never, 50, () => [], toWorker, onError);
    history.remember([{ id: 'a', title: 'A' }]);
    history.remember([{ id: 'a', title: 'A again' }, { id: 'b' }]);
    expect(putItems.mock.calls.map(([items]) => items.map((i) => i.id))).toEqual([['a'], ['b']]);
    await vi.waitFor(() => expect(onError).toHaveBeenCalledTimes(2));
    expect(toWorker).not.toHaveBeenCalled();
  });
});

describe("the page's item cache", () => {
  it(`keeps at most ${SEEN_MAX} items, the least recently shown evicted first (a long-lived single-page app)`, () => {
    const shopper = createHistory(null, 50, () => [], vi.fn(), vi.fn());
    shopper.remember([{ id: 'kept', title: 'Shown again and again' }]);
    for (let i = 0; i < 12_000; i++) {
      shopper.remember([{ id: `sku-${i}`, title: `Item ${i}` }]);
      if (i % 1000 === 0) shopper.remember([{ id: 'kept', title: 'Shown again and again' }]);
    }
    expect(shopper.seen('sku-0')).toBeUndefined();
    expect(shopper.seen('sku-11999')).toEqual({ id: 'sku-11999', title: 'Item 11999' });
    expect(shopper.seen(`sku-${12_000 - SEEN_MAX + 1}`)).toBeDefined();
    expect(shopper.seen('kept')).toBeDefined();
    let held = 0;
    for (let i = 0; i < 12_000; i++) if (shopper.seen(`sku-${i}`)) held++;
    expect(held + 1).toBeLessThanOrEqual(SEEN_MAX);
  });
});
