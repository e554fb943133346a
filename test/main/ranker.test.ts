// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import type { EngineClient } from '../../src/main/engine-client.ts';
import { createHistory } from '../../src/main/history.ts';
import { reserveCards } from '../../src/main/cards.ts';
import { createPlacements } from '../../src/main/placements.ts';
import { byScore, createRanker, rankInput } from '../../src/main/ranker.ts';
import { reasons, type RankRequest } from '../../src/shared/protocol.ts';

/**
 * A ranker with an engine that scores by the last character of the id (no history: scores null, the worker's
 * answer for an empty history), and explains with fixed contributions shaped as the worker shapes them (reasons()).
 */
function ranker(hasHistory = true, active = true) {
  const engine = {
    rank: vi.fn(async (req: RankRequest) => ({
      scores: hasHistory ? req.candidates.map((it) => Number(it.id.slice(-1))) : null,
      source: hasHistory ? 'model' : 'none',
    })),
    explain: vi.fn(async (item: { id: string }) =>
      reasons(item.id, [
        { itemId: 'h1', title: 'Lip balm', weight: 0.5 },
        { itemId: 'x', weight: 0.4 },
        { itemId: 'h2', title: undefined, weight: 0.2 },
        { itemId: 'h3', weight: 0.1 },
        { itemId: 'h4', weight: 0.05 },
        { itemId: 'h5', weight: -1 },
      ]),
    ),
    catalog: async () => null,
  } as unknown as EngineClient;
  const shopper = createHistory(null, 50, () => [], vi.fn(), vi.fn());
  const onError = vi.fn();
  const r = createRanker(engine, shopper, { active: () => active, rankFor: async () => null, onError });
  // explain() comes with reco.engine.js, beside placements (src/main/placements.ts).
  const state = { ready: true, control: false, catalog: null };
  const p = createPlacements({ engine, history: shopper, tracker: null, state, active: () => active, onError, reserve: reserveCards });
  return { r, p, engine, onError, shopper };
}

describe('rank()', () => {
  it('sorts by the engine scores, best first', async () => {
    const { r } = ranker();
    expect(await r.rank(['p1', 'p3', 'p2'])).toEqual([
      { id: 'p3', score: 3 },
      { id: 'p2', score: 2 },
      { id: 'p1', score: 1 },
    ]);
  });

  it('keeps the input order with scores 0 without a history, when inactive (control group, not ready), or without an engine', async () => {
    const keep = [
      { id: 'p1', score: 0 },
      { id: 'p3', score: 0 },
    ];
    expect(await ranker(false).r.rank(['p1', 'p3'])).toEqual(keep);
    expect(await ranker(true, false).r.rank(['p1', 'p3'])).toEqual(keep);
    const none = createRanker(
      null,
      createHistory(null, 50, () => [], vi.fn(), vi.fn()),
      { active: () => true, rankFor: async () => null, onError: vi.fn() },
    );
    expect(await none.rank(['p1', 'p3'])).toEqual(keep);
  });

  it('reports bad input naming the entry, and ranks the rest', async () => {
    const { r, onError } = ranker();
    expect(await r.rank(['p1', { title: 'no id' } as never, 'p2'])).toEqual([
      { id: 'p2', score: 2 },
      { id: 'p1', score: 1 },
    ]);
    expect(onError.mock.calls[0]![0].message).toBe('rank(items): items[1].id expected a non-empty string');
    expect(await r.rank('p1' as never)).toEqual([]);
    expect(onError.mock.calls[1]![0]).toBeInstanceOf(TypeError);
  });

  it('uses the features seen on the page for ids, and remembers features passed in', async () => {
    const { r, engine, shopper } = ranker();
    await r.rank([{ id: 'p1', title: 'Mascara' }]);
    expect(shopper.seen('p1')).toEqual({ id: 'p1', title: 'Mascara' });
    await r.rank(['p1']);
    expect(vi.mocked(engine.rank).mock.calls[1]![0].candidates).toEqual([{ id: 'p1', title: 'Mascara' }]);
  });
});

describe('rank() with rules (useRanked)', () => {
  /** An engine whose arrangement (rules applied) puts the last item first; with `order` null, nothing to change. */
  function arranging(order: number[] | null) {
    const engine = {
      rank: vi.fn(async (req: RankRequest) => ({ scores: req.candidates.map(() => 1), source: 'model' })),
      arrange: vi.fn(async () => ({ order, source: order ? 'model' : 'none' })),
    } as unknown as EngineClient;
    const onError = vi.fn();
    const r = createRanker(
      engine,
      createHistory(null, 50, () => [], vi.fn(), vi.fn()),
      { active: () => true, rankFor: async () => null, onError },
    );
    return { r, engine, onError };
  }

  it("answers the grid's arrangement, as a later one (never a Back's), with each item's place as its score", async () => {
    const { r, engine } = arranging([2, 0, 1]);
    expect(await r.rank(['p1', 'p2', 'p3'], { rules: true })).toEqual([
      { id: 'p3', score: 1 },
      { id: 'p1', score: 2 / 3 },
      { id: 'p2', score: 1 / 3 },
    ]);
    expect(engine.arrange).toHaveBeenCalledWith(
      expect.objectContaining({
        candidates: [{ id: 'p1' }, { id: 'p2' }, { id: 'p3' }],
        search: false,
        route: expect.objectContaining({ back: false }),
      }),
    );
    expect(engine.rank).not.toHaveBeenCalled();
  });

  it('keeps the input order (scores 0) when the arrangement changes nothing; without rules it scores', async () => {
    const { r, engine } = arranging(null);
    expect(await r.rank(['p1', 'p2'], { rules: true })).toEqual([
      { id: 'p1', score: 0 },
      { id: 'p2', score: 0 },
    ]);
    await r.rank(['p1', 'p2']);
    expect(engine.rank).toHaveBeenCalledTimes(1);
  });

  it('reports a rules option that is not a boolean, naming it, and scores without the rules', async () => {
    const { r, engine, onError } = arranging([1, 0]);
    expect(await r.rank(['p1', 'p2'], { rules: 'yes' as never })).toHaveLength(2);
    expect(onError).toHaveBeenCalledWith(new TypeError('rank(items, options): options.rules expected true or false, got "yes"'));
    expect(engine.arrange).not.toHaveBeenCalled();
  });
});

describe('arrange()', () => {
  it('reports a grid none of whose items can move for want of an id, once a grid, naming the grid and the attribute; the grid keeps its order', async () => {
    const { r, onError, engine } = ranker();
    expect(await r.arrange([], false, true, { listId: 'shoes', withoutId: 12 })).toBeNull();
    expect(await r.arrange([], false, false, { listId: 'shoes', withoutId: 12 })).toBeNull();
    expect(onError).toHaveBeenCalledTimes(1);
    const err = onError.mock.calls[0]![0] as Error;
    expect(err.name).toBe('GridConfigError');
    expect(err.message).toBe(
      'grid "shoes": 12 of its items have no id (a data-reco-id attribute, microdata sku or productID, or its grids ' +
        "config's id), so none can move",
    );
    await r.arrange([], false, true, { listId: 'bags', withoutId: 2 });
    expect(onError).toHaveBeenCalledTimes(2);
    expect(engine.rank).not.toHaveBeenCalled();
  });

  it('reports a grid that shows a list of cards but no item (none marked with data-reco-id), once a grid, naming the grid and the attribute', async () => {
    const { r, onError, engine } = ranker();
    const container = document.createElement('div');
    container.innerHTML = '<h2>Bestsellers</h2>' + '<a class="card" href="/p/1" data-sku="p1">Product</a>'.repeat(6);
    expect(await r.arrange([], false, false, { listId: 'home', withoutId: 0, unmarked: container })).toBeNull();
    expect(await r.arrange([], false, false, { listId: 'home', withoutId: 0, unmarked: container })).toBeNull();
    expect(onError).toHaveBeenCalledTimes(1);
    const err = onError.mock.calls[0]![0] as Error;
    expect(err.name).toBe('GridConfigError');
    expect(err.message).toBe(
      'grid "home" has no item: none of its 6 cards is marked with data-reco-id (or found by its grids config\'s item ' +
        'selector), so its clicks and impressions are not recorded and nothing in it can move',
    );
    expect(engine.rank).not.toHaveBeenCalled();
    // Cards inside a row element (Bootstrap's .row > .col), the grid's only child.
    const wrapped = document.createElement('div');
    wrapped.innerHTML = `<div class="row">${'<div class="col"><a href="/p">Product</a></div>'.repeat(4)}</div>`;
    await r.arrange([], false, false, { listId: 'wrapped', withoutId: 0, unmarked: wrapped });
    expect((onError.mock.calls[1]![0] as Error).message).toMatch(/^grid "wrapped" has no item: none of its 4 cards is marked/);
    // Cards without a link or an image that carry the shop's own id attribute (opened by a script's click handler).
    const scripted = document.createElement('ul');
    scripted.innerHTML = '<li class="card" data-sku="p1">Lipstick</li>'.repeat(5);
    await r.arrange([], false, false, { listId: 'scripted', withoutId: 0, unmarked: scripted });
    expect((onError.mock.calls[2]![0] as Error).message).toMatch(/^grid "scripted" has no item: none of its 5 cards is marked/);
  });

  it('says nothing of a grid with no item that shows a message instead of cards (no results, a link back)', async () => {
    const { r, onError } = ranker();
    for (const html of [
      '<p>No products match your filters.</p>',
      '<img src="empty.svg" alt=""><p>Nothing here yet. <a href="/">Back to the shop</a></p>',
      '<div class="empty"><p>No results for "lipstik".</p><p>Did you mean lipstick?</p></div>',
      '<p>No results.</p><a class="suggestion" href="/s?q=lipstick">lipstick</a><a class="suggestion" href="/s?q=gloss">gloss</a>',
      '<div class="skeleton"></div>'.repeat(8),
      '',
    ]) {
      const container = document.createElement('div');
      container.innerHTML = html;
      expect(await r.arrange([], false, false, { listId: `empty-${html.length}`, withoutId: 0, unmarked: container })).toBeNull();
    }
    expect(onError).not.toHaveBeenCalled();
  });

  it('says nothing of a grid with nothing to move and no item without an id (all pinned), or of a call without a grid', async () => {
    const { r, onError } = ranker();
    expect(await r.arrange([], false, true, { listId: 'pinned', withoutId: 0 })).toBeNull();
    expect(await r.arrange([], false, true)).toBeNull();
    expect(onError).not.toHaveBeenCalled();
  });
});

describe('explain()', () => {
  it('names at most 3 history items that raised the score, never the item itself, with titles when known', async () => {
    const { p } = ranker();
    expect(await p.explain('x')).toEqual({
      itemId: 'x',
      because: [
        { itemId: 'h1', title: 'Lip balm', weight: 0.5 },
        { itemId: 'h2', weight: 0.2 },
        { itemId: 'h3', weight: 0.1 },
      ],
    });
    expect(reasons('x', [{ itemId: 'x', weight: 1 }])).toEqual([]);
  });

  it('does not name a history item whose weight is float32 rounding (a difference of two equal scores)', () => {
    // The history item "same" changes nothing, but its leave-one-out score came out one float32 step lower (a score
    // near 0.8 is rounded in steps of 2^-24, the sum taken in another order).
    const step = Math.fround(0.8) - Math.fround(Math.fround(0.8) - 2 ** -24);
    expect(step).toBeGreaterThan(0);
    expect(
      reasons('x', [
        { itemId: 'h1', weight: 0.3 },
        { itemId: 'same', weight: step },
      ]),
    ).toEqual([{ itemId: 'h1', weight: 0.3 }]);
  });

  it('reports an id that is not a non-empty string', async () => {
    const { p, onError } = ranker();
    expect(await p.explain('')).toEqual({ itemId: '', because: [] });
    expect(onError.mock.calls[0]![0].message).toMatch(/explain\(itemId\): expected a non-empty string, got ""/);
  });
});

describe('rankInput and byScore', () => {
  it('keeps the input order for equal scores and without scores', () => {
    const items = rankInput(['a', 'b', 'c'], () => undefined, vi.fn());
    expect(byScore(items, null).map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(byScore(items, [1, 2, 1]).map((r) => r.id)).toEqual(['b', 'a', 'c']);
  });
});
