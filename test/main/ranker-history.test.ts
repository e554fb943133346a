import { describe, expect, it, vi } from 'vitest';
import type { EngineClient } from '../../src/main/engine-client.ts';
import { createHistory } from '../../src/main/history.ts';
import { createRanker, givenHistory } from '../../src/main/ranker.ts';
import type { HistoryEntry } from '../../src/shared/types.ts';

describe('rank(items, { history })', () => {
  function ranker(active: boolean) {
    const engine = {
      rank: vi.fn(async (_h: HistoryEntry[], items: { id: string }[]) => items.map((it) => Number(it.id.slice(-1)))),
    } as unknown as EngineClient;
    const shopper = createHistory(null, 50, vi.fn());
    shopper.read = vi.fn(async () => ({ history: [], item: (id: string) => ({ id }) }));
    shopper.remember([{ id: 'h1', title: 'Rose Serum' }]);
    const onError = vi.fn();
    const r = createRanker(engine, shopper, { flush: async () => {}, active: () => active, ready: () => true, onError });
    return { r, engine, shopper, onError };
  }

  it('scores for the given history instead of the stored one, also in the control group', async () => {
    const { r, engine, shopper } = ranker(false);
    const ranked = await r.rank(['p1', 'p3'], {
      history: [{ item: 'h1', type: 'view_item', ts: 5 }, { item: { id: 'h2', title: 'Clay Mask' } }],
    });
    expect(ranked.map((x) => x.id)).toEqual(['p3', 'p1']);
    const [h] = vi.mocked(engine.rank).mock.calls[0]!;
    expect(h.map((e) => [e.item, e.type])).toEqual([
      [{ id: 'h1', title: 'Rose Serum' }, 'view_item'],
      [{ id: 'h2', title: 'Clay Mask' }, 'select_item'],
    ]);
    expect(h[0]!.ts).toBe(5);
    expect(shopper.read).not.toHaveBeenCalled();
  });

  it('names the entry of a bad history, and keeps the input order', async () => {
    const { r, onError } = ranker(true);
    expect((await r.rank(['p1', 'p3'], { history: [{ item: 'h1', type: 'bought' as never }] })).map((x) => x.score)).toEqual([0, 0]);
    expect(onError.mock.calls[0]![0].message).toMatch(/history\[0\]\.type expected one of/);
    expect(() => givenHistory([{ item: '' }], () => undefined)).toThrow(/history\[0\]\.item expected an id/);
  });
});
