import { describe, expect, it, vi } from 'vitest';
import type { EngineClient } from '../../src/main/engine-client.ts';
import { createHistory } from '../../src/main/history.ts';
import { byScore, createRanker, explanation, rankInput } from '../../src/main/ranker.ts';
import { DEFAULT_RULES } from '../../src/shared/rules.ts';
import type { HistoryEntry } from '../../src/shared/types.ts';

const OPTS = { flush: async () => {}, active: () => true, rankFor: async () => null, rules: () => DEFAULT_RULES, searchWeight: 0.3 };
const entry = (id: string, title?: string): HistoryEntry => ({ item: title ? { id, title } : { id }, type: 'select_item', ts: 1 });

/** A ranker over a fixed history, with an engine that scores by the last character of the id. */
function ranker(history: HistoryEntry[], active = true) {
  const engine = {
    rank: vi.fn(async (_h: HistoryEntry[], items: { id: string }[]) => items.map((it) => Number(it.id.slice(-1)))),
    explain: vi.fn(async () => [
      { itemId: 'h1', weight: 0.5 },
      { itemId: 'x', weight: 0.4 },
      { itemId: 'h2', weight: 0.2 },
      { itemId: 'h3', weight: 0.1 },
      { itemId: 'h4', weight: 0.05 },
      { itemId: 'h5', weight: -1 },
    ]),
  } as unknown as EngineClient;
  const shopper = createHistory(null, 50, vi.fn());
  shopper.read = async () => ({ history, item: (id) => shopper.seen(id) ?? { id } });
  const onError = vi.fn();
  return { r: createRanker(engine, shopper, { ...OPTS, active: () => active, onError }), engine, onError, shopper };
}

describe('rank()', () => {
  it('sorts by the engine scores, best first', async () => {
    const { r } = ranker([entry('h1')]);
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
    expect(await ranker([]).r.rank(['p1', 'p3'])).toEqual(keep);
    expect(await ranker([entry('h1')], false).r.rank(['p1', 'p3'])).toEqual(keep);
    const none = createRanker(null, createHistory(null, 50, vi.fn()), { ...OPTS, onError: vi.fn() });
    expect(await none.rank(['p1', 'p3'])).toEqual(keep);
  });

  it('reports bad input naming the entry, and ranks the rest', async () => {
    const { r, onError } = ranker([entry('h1')]);
    expect(await r.rank(['p1', { title: 'no id' } as never, 'p2'])).toEqual([
      { id: 'p2', score: 2 },
      { id: 'p1', score: 1 },
    ]);
    expect(onError.mock.calls[0]![0].message).toBe('rank(items): items[1].id expected a non-empty string');
    expect(await r.rank('p1' as never)).toEqual([]);
    expect(onError.mock.calls[1]![0]).toBeInstanceOf(TypeError);
  });

  it('uses the features seen on the page for ids, and remembers features passed in', async () => {
    const { r, engine, shopper } = ranker([entry('h1')]);
    await r.rank([{ id: 'p1', title: 'Mascara' }]);
    expect(shopper.seen('p1')).toEqual({ id: 'p1', title: 'Mascara' });
    await r.rank(['p1']);
    expect(vi.mocked(engine.rank).mock.calls[1]![1]).toEqual([{ id: 'p1', title: 'Mascara' }]);
  });
});

describe('explain()', () => {
  it('names at most 3 history items that raised the score, never the item itself, with titles when known', async () => {
    const { r } = ranker([entry('h1', 'Lip balm'), entry('h2')]);
    expect(await r.explain('x')).toEqual({
      itemId: 'x',
      because: [
        { itemId: 'h1', weight: 0.5 },
        { itemId: 'h2', weight: 0.2 },
        { itemId: 'h3', weight: 0.1 },
      ],
    });
    const titled = explanation('x', [{ itemId: 'h1', weight: 1 }], (id) => ({ id, title: `T ${id}` }));
    expect(titled.because).toEqual([{ itemId: 'h1', title: 'T h1', weight: 1 }]);
  });

  it('reports an id that is not a non-empty string', async () => {
    const { r, onError } = ranker([entry('h1')]);
    expect(await r.explain('')).toEqual({ itemId: '', because: [] });
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
