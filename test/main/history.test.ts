import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { createHistory, SEEN_MAX } from '../../src/main/history.ts';
import { openStore } from '../../src/shared/store.ts';
import type { RecoEvent } from '../../src/shared/types.ts';

let n = 0;
const event = (itemId: string, type: RecoEvent['type'], ts: number): RecoEvent => ({
  id: `e${++n}`,
  type,
  itemId,
  listId: 'home',
  position: 0,
  ts,
  sessionId: 's',
  path: '/',
  control: false,
  pageViewId: 'pv',
});

describe('shopper history', () => {
  it('reads the newest history events, oldest first, without impressions, with features seen, stored, or the id alone', async () => {
    const store = await openStore({ dbName: `history-${Date.now()}` });
    const t = Date.now() - 60_000;
    await store.add([
      event('a', 'select_item', t + 1),
      event('b', 'view_item_list', t + 2),
      event('b', 'view_item', t + 3),
      event('c', 'add_to_cart', t + 4),
      event('d', 'purchase', t + 5),
    ]);
    await store.putItems([{ id: 'b', title: 'stored B' }]);
    const history = createHistory(store, 3, vi.fn());
    history.remember([{ id: 'c', title: 'seen C' }]);
    const { history: h, item } = await history.read(['x']);
    expect(h.map((e) => `${e.type} ${e.item.id} ${e.item.title ?? '-'}`)).toEqual([
      'view_item b stored B',
      'add_to_cart c seen C',
      'purchase d -',
    ]);
    expect(item('x')).toEqual({ id: 'x' });
    store.close();
  });

  it('stores only items not seen before on this page, and reports a failed write', async () => {
    const putItems = vi.fn(async (_items: { id: string }[]) => {
      throw new Error('quota');
    });
    const onError = vi.fn();
    const history = createHistory({ putItems } as never, 50, onError);
    history.remember([{ id: 'a', title: 'A' }]);
    history.remember([{ id: 'a', title: 'A again' }, { id: 'b' }]);
    expect(putItems.mock.calls.map(([items]) => items.map((i) => i.id))).toEqual([['a'], ['b']]);
    expect(history.seen('a')).toEqual({ id: 'a', title: 'A again' });
    await vi.waitFor(() => expect(onError).toHaveBeenCalledTimes(2));
  });

  it('is empty when nothing is stored (consent denied), and still knows the items seen', async () => {
    const history = createHistory(null, 50, vi.fn());
    history.remember([{ id: 'a', title: 'A' }]);
    const { history: h, item } = await history.read();
    expect(h).toEqual([]);
    expect(item('a')).toEqual({ id: 'a', title: 'A' });
  });
});

describe("the page's item cache", () => {
  it(`keeps at most ${SEEN_MAX} items, the least recently shown evicted first (a long-lived single-page app)`, () => {
    const shopper = createHistory(null, 50, vi.fn());
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
