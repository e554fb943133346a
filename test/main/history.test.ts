import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { createHistory } from '../../src/main/history.ts';
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

describe("the page's side of the history", () => {
  it('sends the history events not written yet (no impressions) and the features seen on the page for them', async () => {
    const t = Date.now();
    const unwritten = [event('a', 'select_item', t), event('b', 'view_item_list', t + 1), event('c', 'view_item', t + 2)];
    const history = createHistory({ kind: 'indexeddb', putItems: async () => {} } as never, 50, () => unwritten, vi.fn());
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
    const history = createHistory(store, 50, () => [event('d', 'view_item', t + 3)], vi.fn());
    const req = await history.request();
    expect(req.pending.map((e) => e.itemId)).toEqual(['a', 'c', 'd']);
    expect(req.known).toEqual([{ id: 'c', title: 'stored C' }]);
  });

  it('stores only items not seen before on this page, and reports a failed write', async () => {
    const putItems = vi.fn(async (_items: { id: string }[]) => {
      throw new Error('quota');
    });
    const onError = vi.fn();
    const history = createHistory({ putItems } as never, 50, () => [], onError);
    history.remember([{ id: 'a', title: 'A' }]);
    history.remember([{ id: 'a', title: 'A again' }, { id: 'b' }]);
    expect(putItems.mock.calls.map(([items]) => items.map((i) => i.id))).toEqual([['a'], ['b']]);
    expect(history.seen('a')).toEqual({ id: 'a', title: 'A again' });
    await vi.waitFor(() => expect(onError).toHaveBeenCalledTimes(2));
  });
});
