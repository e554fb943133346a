import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import { headArrays, type HeadArrays } from '../../src/model/head.ts';
import type { LoadedModel } from '../../src/model/io.ts';
import { scoreItems } from '../../src/model/predict.ts';
import { GAP_EXAMPLES, GAP_KINDS, gapBucket } from '../../src/model/sequence.ts';
import { createServingCache } from '../../src/model/serving-cache.ts';
import { asSnapshot, bucketsAtOnce, headKey, modelKey, snapshotQuery, snapshotScores, tableSnapshot } from '../../src/model/snapshot.ts';
import { readModel } from '../../src/model/train/model-files.ts';
import { setupTf } from '../../src/model/train/setup-tf.ts';
import { openStore } from '../../src/shared/store.ts';
import type { HistoryEntry } from '../../src/shared/types.ts';
import { CATALOG } from '../../fixtures/shopper.ts';

let model: LoadedModel;
let shipped: HeadArrays;
let meta: { model: string; head: string };
const newest = Date.UTC(2026, 10, 29, 12);
const history: HistoryEntry[] = [
  { item: CATALOG[3]!, type: 'select_item', ts: newest - 3_600_000 },
  { item: CATALOG[3]!, type: 'view_item', ts: newest - 3_590_000 },
  { item: CATALOG[40]!, type: 'add_to_cart', ts: newest - 120_000 },
  { item: { id: 'no-features' }, type: 'select_item', ts: newest },
];
const items = [...CATALOG.slice(10, 40), { id: 'bare' }];
/** One "now" in every gap bucket after the newest event: the next page view may come at any of them. */
const nows = GAP_EXAMPLES.map((gap) => newest + (gap < 0 ? gap : gap + 1));

beforeAll(async () => {
  await setupTf('wasm');
  // The transformer (the pair model's snapshot is a table of its own scores: test/worker/host.test.ts runs both).
  model = await readModel('fixtures/models/text-transformer');
  shipped = await headArrays(model.weights);
  meta = { model: modelKey(model.manifest), head: 'shipped' };
});

describe('serving snapshot', () => {
  it('covers every gap bucket', () => {
    expect(new Set(nows.map((t) => gapBucket(t - newest))).size).toBe(GAP_KINDS);
  });

  it("gives the model's scores for the same history at any later time, without tfjs: exactly the serving cache's, and scoreItems' to float precision", async () => {
    const snapshot = await createServingCache(model).snapshot(history, items, shipped, meta);
    for (const now of nows) {
      const answer = snapshotScores(snapshot, meta, history, items, now);
      if (!('scores' in answer)) throw new Error(answer.miss);
      // A fresh cache: the model computes everything again.
      expect(answer.scores).toEqual(await createServingCache(model).score(history, items, now, shipped));
      const full = await scoreItems(model, history, items, now);
      answer.scores.forEach((s, i) => expect(s).toBeCloseTo(full[i]!, 4));
    }
  });

  it('keeps its numbers through IndexedDB (structured clone), and rows that are not snapshots are refused', async () => {
    const store = await openStore({ dbName: 'snapshot-test' });
    await store.putSnapshot('m', await createServingCache(model).snapshot(history, items, shipped, meta));
    const back = asSnapshot(await store.getSnapshot('m'));
    expect(back).not.toBeNull();
    const answer = snapshotScores(back, meta, history, items, nows[4]!);
    expect(answer).toEqual({ scores: await createServingCache(model).score(history, items, nows[4]!, shipped), behind: 0 });
    for (const bad of [null, 3, { format: 1 }, { ...back, values: [1, 2] }, { ...back, queries: new Float32Array(3) }])
      expect(asSnapshot(bad)).toBeNull();
    // The feed's record of the rule fields comes back; one that is not a list of items is left out, the scores kept.
    const feed = [
      { id: 'p2', available: false },
      { id: 'p3', category: 'Skin > Serum', tags: ['clearance'], price: 12 },
    ];
    await store.putSnapshot('m', { ...back!, feed });
    expect(asSnapshot(await store.getSnapshot('m'))?.feed).toEqual(feed);
    for (const bad of ['p2', [2], [null], [{ id: 'p2', available: 'no' }], [{ id: 'p3', tags: 'clearance' }]]) {
      const kept = asSnapshot({ ...back, feed: bad });
      expect(kept?.feed).toBeUndefined();
      expect(snapshotScores(kept, meta, history, items, nows[4]!)).toEqual(answer);
    }
    // A snapshot an earlier version stored: the unavailable items' ids alone.
    expect(asSnapshot({ ...back, unavailable: ['p2'] })?.feed).toEqual([{ id: 'p2', available: false }]);
    store.close();
  });

  it('uses the learned head it was computed with, and only that one', async () => {
    const learned: HeadArrays = { w: shipped.w.map((x, i) => x + (i % 7) * 0.01), c: shipped.c.map((x) => x - 0.02) };
    const mine = { ...meta, head: headKey(learned) };
    const snapshot = await createServingCache(model).snapshot(history, items, learned, mine);
    const answer = snapshotScores(snapshot, mine, history, items, nows[3]!);
    expect(answer).toEqual({ scores: await createServingCache(model).score(history, items, nows[3]!, learned), behind: 0 });
    expect(snapshotScores(snapshot, meta, history, items, nows[3]!)).toEqual({ miss: 'the learned head changed' });
    expect(headKey(learned)).toBe(headKey({ w: Float32Array.from(learned.w), c: Float32Array.from(learned.c) }));
    expect(headKey(null)).toBe('shipped');
  });

  it('answers nothing it cannot answer: another model, another history, an item not seen', async () => {
    const snapshot = await createServingCache(model).snapshot(history, items, shipped, meta);
    const now = nows[2]!;
    expect(snapshotScores(null, meta, history, items, now)).toEqual({ miss: 'no snapshot stored' });
    expect(snapshotScores(snapshot, { ...meta, model: 'default@2#x' }, history, items, now)).toEqual({ miss: 'the model changed' });
    expect(snapshotScores(snapshot, meta, history.slice(0, -1), items, now)).toEqual({ miss: 'the history changed' });
    expect(snapshotScores(snapshot, meta, history.slice(2), items, now)).toEqual({ miss: 'the history changed' });
    // A card's click and its product page are one step (recentSteps): without the click the model reads the same history.
    expect(snapshotScores(snapshot, meta, history.slice(1), items, now)).toMatchObject({ behind: 0 });
    const retimed = history.map((e, i) => (i < 2 ? { ...e, ts: e.ts - 40 * 86_400_000 } : e)); // the first visit, 40 days earlier
    expect(snapshotScores(snapshot, meta, retimed, items, now)).toEqual({ miss: 'the history changed' });
    const renamed = history.map((e, i) => (i === 2 ? { ...e, item: { ...e.item, title: 'Another title' } } : e));
    expect(snapshotScores(snapshot, meta, renamed, items, now)).toEqual({ miss: 'the history changed' });
    expect(snapshotScores(snapshot, meta, history, [CATALOG[99]!], now)).toEqual({ miss: `an item not seen before (${CATALOG[99]!.id})` });
    expect(snapshotScores(snapshot, meta, history, [{ ...items[0]!, price: 1 }], now)).toEqual({
      miss: `an item not seen before (${items[0]!.id})`,
    });
  });

  it('a history that grew since (the shopper left before its snapshot was stored) is answered as the older history was, and says how far behind', async () => {
    const snapshot = await createServingCache(model).snapshot(history, items, shipped, meta);
    const later = [
      ...history,
      { item: CATALOG[5]!, type: 'select_item' as const, ts: newest + 10 },
      { item: CATALOG[5]!, type: 'view_item' as const, ts: newest + 11 },
    ];
    for (const now of nows) {
      const answer = snapshotScores(snapshot, meta, later, items, now);
      expect(answer).toEqual({ scores: await createServingCache(model).score(history, items, now, shipped), behind: 2 });
    }
    const otherwise = [...history.slice(0, -1), ...later.slice(-2)];
    expect(snapshotScores(snapshot, meta, otherwise, items, nows[2]!)).toEqual({ miss: 'the history changed' });
  });

  it('stored first with the bucket of a page view at once alone, answers such a page view and no later one, until the rest is stored', async () => {
    expect(bucketsAtOnce(history, newest + 2000), 'just after a click: the first minute').toEqual([gapBucket(30_000)]);
    expect(bucketsAtOnce(history, newest + 2 * 86_400_000), 'a history last changed two days ago').toEqual([gapBucket(2 * 86_400_000)]);
    expect(bucketsAtOnce(history, newest + 55_000), 'near the end of the first minute: the next bucket too').toEqual([
      gapBucket(55_000),
      gapBucket(65_000),
    ]);
    const atOnce = bucketsAtOnce(history, newest + 2000);
    const soon = await createServingCache(model).snapshot(history, items, shipped, meta, atOnce);
    const full = await createServingCache(model).snapshot(history, items, shipped, meta);
    const table = await tableSnapshot(
      async (_history, list, now) => list.map((_, i) => i + now / 1e12),
      { ...meta, maxLen: 50 },
      history,
      items,
      atOnce,
    );
    for (const now of nows) {
      const within = gapBucket(now - newest) === gapBucket(30_000);
      expect(snapshotScores(soon, meta, history, items, now)).toEqual(
        within ? snapshotScores(full, meta, history, items, now) : { miss: 'the time since the newest event is not computed yet' },
      );
      expect('scores' in snapshotScores(table, meta, history, items, now)).toBe(within);
    }
  });

  it('a model whose score is not a dot product stores its own scores per gap bucket, and gets them back', async () => {
    const score = async (h: readonly HistoryEntry[], list: readonly { id: string }[], now: number) =>
      list.map((_, i) => h.length * 10 + i + gapBucket(now - h[h.length - 1]!.ts) / 100);
    const snapshot = await tableSnapshot(score, { ...meta, maxLen: 50 }, history, items);
    for (const now of nows) {
      expect(snapshotScores(snapshot, meta, history, items, now)).toEqual({ scores: await score(history, items, now), behind: 0 });
    }
    expect(asSnapshot(snapshot)).toBe(snapshot);
  });
  it("gives a two-tower model's query for the snapshot's own history only (items it lacks are scored with it), and checks a hybrid's queries", async () => {
    const cache = createServingCache(model);
    const snapshot = await cache.snapshot(history, items, shipped, meta);
    for (const now of nows) {
      const q = snapshotQuery(snapshot, meta, history, now);
      expect('query' in q && Array.from(q.query)).toEqual(
        Array.from(snapshot.queries.slice(gapBucket(now - newest) * snapshot.d, (gapBucket(now - newest) + 1) * snapshot.d)),
      );
    }
    expect(snapshotQuery(snapshot, meta, history.slice(0, -1), nows[2]!)).toEqual({ miss: 'the history changed' });
    expect(snapshotQuery(snapshot, { ...meta, head: 'learned:1:2' }, history, nows[2]!)).toEqual({ miss: 'the learned head changed' });
    expect(snapshotQuery(null, meta, history, nows[2]!)).toEqual({ miss: 'no snapshot stored' });
    // A table snapshot has a query only with a hybrid's transformer part.
    const score = async (_h: readonly HistoryEntry[], list: readonly { id: string }[]) => list.map(() => 1);
    const table = await tableSnapshot(score, { ...meta, maxLen: 50 }, history, items);
    expect(snapshotQuery(table, meta, history, nows[2]!)).toEqual({ miss: 'the model is not a two-tower model' });
    const hybrid = { ...table, transformer: { d: snapshot.d, queries: snapshot.queries } };
    expect(asSnapshot(hybrid)).toBe(hybrid);
    expect('query' in snapshotQuery(hybrid, meta, history, nows[2]!)).toBe(true);
    expect(asSnapshot({ ...table, transformer: { d: snapshot.d, queries: snapshot.queries.slice(1) } })).toBeNull();
    expect(asSnapshot({ ...snapshot, transformer: { d: snapshot.d, queries: snapshot.queries } }), "only a table's").toBeNull();
  });
});
