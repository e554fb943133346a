// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import type { EngineClient } from '../../src/main/engine-client.ts';
import { createHistory } from '../../src/main/history.ts';
import { reserveCards } from '../../src/main/cards.ts';
import { createPlacements } from '../../src/main/placements.ts';
import { createRanker } from '../../src/main/ranker.ts';
import { givenHistory } from '../../src/worker/given-history.ts';

describe('rank(items, { history })', () => {
  function setup(active: boolean, rankFor = async (_g: unknown, items: { id: string }[]) => items.map((it) => Number(it.id.slice(-1)))) {
    const engine = { rank: vi.fn(), rankFor: vi.fn(rankFor), catalog: async () => null } as unknown as EngineClient;
    const shopper = createHistory(null, 50, () => [], vi.fn(), vi.fn());
    shopper.request = vi.fn(async () => ({ pending: [], known: [], now: 0 }));
    const onError = vi.fn();
    const placements = createPlacements({
      engine,
      history: shopper,
      tracker: null,
      state: { ready: true, control: !active, catalog: null },
      active: () => active,
      onError,
      reserve: reserveCards,
    });
    const r = createRanker(engine, shopper, { active: () => active, rankFor: placements.rankFor, onError });
    return { r, engine, shopper, onError };
  }

  it('scores for the given history instead of the stored one, also in the control group: the worker gets it as given', async () => {
    const { r, engine, shopper } = setup(false);
    const given = [{ item: 'h1', type: 'view_item' as const, ts: 5 }, { item: { id: 'h2', title: 'Clay Mask' } }, { item: 'h9' }];
    const ranked = await r.rank(['p1', 'p3'], { history: given });
    expect(ranked.map((x) => x.id)).toEqual(['p3', 'p1']);
    expect(vi.mocked(engine.rankFor).mock.calls[0]![0]).toEqual(given);
    expect(engine.rank).not.toHaveBeenCalled();
    expect(shopper.request).not.toHaveBeenCalled();
  });

  it('a history the worker rejects is reported, and the input order kept', async () => {
    const { r, onError } = setup(true, async (g) => (givenHistory(g, 0), []));
    expect((await r.rank(['p1', 'p3'], { history: [{ item: 'h1', type: 'bought' as never }] })).map((x) => x.score)).toEqual([0, 0]);
    expect(onError.mock.calls[0]![0].message).toMatch(/history\[0\]\.type expected one of/);
  });

  it('the worker completes and checks the history: a click, one minute apart up to now, by default; each fault names its entry', () => {
    expect(givenHistory([{ item: 'a' }, { item: { id: 'b', title: 'B' }, type: 'view_item', ts: 7 }], 600_000)).toEqual([
      { item: { id: 'a' }, type: 'select_item', ts: 480_000 },
      { item: { id: 'b', title: 'B' }, type: 'view_item', ts: 7 },
    ]);
    expect(() => givenHistory([{ item: '' }], 0)).toThrow(/history\[0\]\.item expected an id/);
    expect(() => givenHistory([{ item: 'a' }, null], 0)).toThrow(/history\[1\]\.item expected an id/);
    expect(() => givenHistory('a', 0)).toThrow(/expected an array of \{ item, type\?, ts\? \}/);
  });
});
