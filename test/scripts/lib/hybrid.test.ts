/** The hybrid's tables, prior and weight choice against hand-computed cases. */
import { describe, expect, it } from 'vitest';
import { blendScorer, contentIndex, itemKnnScorer } from '../../../scripts/lib/baselines.ts';
import type { EvalUser } from '../../../scripts/lib/evaluate.ts';
import {
  HYBRID_GRID,
  TRANSITION_GRID,
  TRANSITION_LAST,
  buildHybridFiles,
  chooseHybridWeights,
  chooseKnnLast,
  hybridPrior,
  knnRows,
  plainCatalog,
  plainRows,
  transitionRows,
} from '../../../scripts/lib/hybrid.ts';
import { rankOf, rankingMetrics } from '../../../scripts/lib/metrics.ts';
import { createPlainScorer, decodeNeighbours, followersOf } from '../../../src/model/hybrid.ts';
import { parseCatalogIndex } from '../../../src/model/io.ts';
import { rng } from '../../../src/model/rng.ts';
import { sha256Hex } from '../../../src/model/sha256.ts';
import type { Sequence } from '../../../src/model/train/trainer.ts';

const seq = (...items: number[]): Sequence => ({ items: Int32Array.from(items), events: new Int32Array(items.length), ts: null });

const items = [
  { id: 'a', title: 'Red Lipstick' },
  { id: 'b', title: 'red polish' },
  { id: 'c', title: 'Shampoo' },
  { id: 'd', title: 'Matte red LIPSTICK' },
  { id: 'e', title: 'Conditioner' },
];
// Pairs (a → b) count when b comes at most 3 positions after a in one sequence.
const train = [seq(0, 1, 2), seq(2, 1, 3), seq(1, 0, 2), seq(0, 1, 3, 4)];
// Vocabulary rows: items 0..4 → 1..5 (e.g. a model that saw them all).
const rowOf = (i: number) => i + 1;

describe('buildHybridFiles', () => {
  it("counts the document frequencies of index.json over the catalog it is given (the catalog's own items)", async () => {
    const all = await buildHybridFiles(items, train, rowOf, 6);
    expect(JSON.parse(new TextDecoder().decode(all.files['index.json']))).toMatchObject({ docs: 5 });
    const listed = await buildHybridFiles(items, train, rowOf, 6, undefined, undefined, items.slice(0, 3));
    expect(JSON.parse(new TextDecoder().decode(listed.files['index.json']))).toMatchObject({ docs: 3, df: { red: 2, shampoo: 1 } });
    expect(listed.tables.idf.docs).toBe(3);
  });

  it("keeps each item's top followers, ties to the more popular, and writes files that decode to the same tables", async () => {
    const h = await buildHybridFiles(items, train, rowOf, 6, 2);
    const t = h.tables.neighbours;
    // Item 0 ('a') was followed by 1 (×2: seqs 0 and 3), 2 (×2: seqs 0 and 2), 3 and 4 (once each, seq 3).
    // Top 2: 1 and 2, both twice; 1 is the more popular (4 interactions against 3).
    const row = (r: number) => Array.from(t.ids.subarray(t.offsets[r]!, t.offsets[r + 1]!)).map((x, k) => [x, t.counts[t.offsets[r]! + k]]);
    expect(row(1)).toEqual([
      [2, 2],
      [3, 2],
    ]);
    expect(h.config.neighbours).toMatchObject({ file: 'neighbours.bin', rows: 6, window: 3, top: 2 });
    const file = h.files['neighbours.bin']!;
    expect(h.config.neighbours.sha256).toBe(await sha256Hex(file.buffer as ArrayBuffer));
    const back = decodeNeighbours(file.buffer as ArrayBuffer, h.config.neighbours, 'nb');
    expect(Array.from(back.offsets)).toEqual(Array.from(t.offsets));
    expect(Array.from(back.ids)).toEqual(Array.from(t.ids));
    expect(Array.from(back.counts)).toEqual(Array.from(t.counts));
    const idf = parseCatalogIndex(JSON.parse(new TextDecoder().decode(h.files['index.json']!)), 'ix');
    expect(idf.docs).toBe(5);
    expect(idf.df.get('red')).toBe(3);
    expect(followersOf({ ...h.tables, config: { ...h.config, weights: { transformer: 0, content: 1, cooccurrence: 1 } } }, 'a')).toEqual([
      { id: 'b', count: 2 },
      { id: 'c', count: 2 },
    ]);
  });

  it('gives the catalog rows the serving scorer gives (plainRows = createPlainScorer)', async () => {
    const h = await buildHybridFiles(items, train, rowOf, 6);
    const pc = plainCatalog(items, h.tables, h.config.last);
    const content = new Float64Array(5);
    const cooc = new Float64Array(5);
    plainRows(pc, [3, 0, 1], content, cooc);
    const served = createPlainScorer({ ...h.tables, config: { ...h.config, weights: { transformer: 0, content: 1, cooccurrence: 0 } } });
    const p = served.parts(
      [3, 0, 1].map((i) => items[i]!),
      items,
    );
    for (let j = 0; j < 5; j++) {
      expect(content[j]).toBeCloseTo(p.content[j]!, 12);
      expect(cooc[j]).toBeCloseTo(p.cooccurrence[j]!, 12);
    }
    // With weights (0, 1, w / 3) the plain part is the blend of npm run eval (minus its 1e-9 popularity tie-break).
    const blend = blendScorer(items, train, 1.5, { index: contentIndex(items) }).score([seq(3, 0, 1)], [null]);
    for (let j = 0; j < 5; j++) expect(content[j]! + (1.5 / 3) * cooc[j]!).toBeCloseTo(blend[j]!, 8);
  });
});

describe('the kNN table', () => {
  // Distinct training users per item: 0 {u0, u2, u3}, 1 {u0, u1, u2, u3}, 2 {u0, u1, u2}, 3 {u1, u3}, 4 {u3}.
  it("keeps each item's most similar items by co-interaction cosine, in 255ths, itself first (golden values)", () => {
    const rows = knnRows(train, 5, rowOf, 6, 10);
    // Item 0: itself 1; 1: 3 / √12 = .866 → 221; 2: 2 / √9 → 170; 4: 1 / √3 → 147; 3: 1 / √6 → 104.
    expect(rows[1]).toEqual([
      [1, 255],
      [2, 221],
      [3, 170],
      [5, 147],
      [4, 104],
    ]);
    // Item 3: 1 and 4 tie at 1 / √2 (→ 180), the more popular (1) first; 0 and 2 tie at 1 / √6 and in popularity: the lower first.
    expect(rows[4]).toEqual([
      [4, 255],
      [2, 180],
      [5, 180],
      [1, 104],
      [3, 104],
    ]);
    // Item 4: 3 at 1 / √2, 0 at 1 / √3, 1 at 1 / 2 (127.5 → 128); 2 never shares a shopper with it.
    expect(rows[5]).toEqual([
      [5, 255],
      [4, 180],
      [1, 147],
      [2, 128],
    ]);
    expect(rows[0]).toEqual([]);
    // Top 2: the two most similar only.
    expect(knnRows(train, 5, rowOf, 6, 2)[1]).toEqual([
      [1, 255],
      [2, 221],
    ]);
  });

  it('ships as knn.bin that decodes to the same table, and its plain part is the item-kNN row of npm run eval', async () => {
    const h = await buildHybridFiles(items, train, rowOf, 6, 20, 10);
    expect(h.config.knn).toMatchObject({ file: 'knn.bin', rows: 6, pairs: 23, top: 10 });
    const file = h.files['knn.bin']!;
    expect(h.config.knn!.sha256).toBe(await sha256Hex(file.buffer as ArrayBuffer));
    const back = decodeNeighbours(file.buffer as ArrayBuffer, h.config.knn!, 'knn', 'hybrid.knn');
    expect(Array.from(back.counts)).toEqual(Array.from(h.tables.knn!.counts));
    const pc = plainCatalog(items, h.tables, h.config.last);
    const [content, cooc, knn] = [new Float64Array(5), new Float64Array(5), new Float64Array(5)];
    plainRows(pc, [3, 0, 1], content, cooc, knn);
    // The serving scorer computes the same part.
    const served = createPlainScorer({
      ...h.tables,
      config: { ...h.config, weights: { transformer: 0, content: 0, cooccurrence: 0, knn: 1 } },
    });
    const p = served.parts(
      [3, 0, 1].map((i) => items[i]!),
      items,
    );
    for (let j = 0; j < 5; j++) expect(knn[j]).toBeCloseTo(p.knn[j]!, 12);
    // Item 2 by hand, history newest first 1 (weight 1), 0 (1/2), 3 (1/4): sim(1, 2) = 3 / √12 → 221,
    // sim(0, 2) = 2 / √9 → 170, sim(3, 2) = 1 / √6 → 104.
    expect(knn[2]).toBeCloseTo((221 + 170 / 2 + 104 / 4) / 255, 12);
    // The eval table's item-kNN row, unquantized with a 1e-9 popularity tie-break: within 0.5 / 255 per history item.
    const row = itemKnnScorer(train, 5).score([seq(3, 0, 1)], [null]);
    for (let j = 0; j < 5; j++) expect(Math.abs(knn[j]! - row[j]!)).toBeLessThanOrEqual((0.5 / 255) * 1.75 + 1e-8);
  });
});

describe('transitionRows (the transition part)', () => {
  const repeat = (times: number, ...it: number[]) => Array.from({ length: times }, () => seq(...it));

  it('is the ridge regression of the next item on the ones before it, scaled and quantized (golden values)', () => {
    // 0 → 1 fifty times, 2 → 3 a hundred and fifty: B[0][1] = 50 / (50 + λ) = .5, B[2][3] = 150 / (150 + λ) = .75
    // (λ = 50); the cap is the larger row maximum (.75), so 255 · .5 / .75 = 170 and 255.
    const rows = transitionRows([...repeat(50, 0, 1), ...repeat(150, 2, 3)], 4, rowOf, 5, 20);
    expect(rows).toEqual([[], [[2, 170]], [], [[4, 255]], []]);
    // Only the most frequent items (here 2 and 3) are fitted: item 0 gets no row and is no column.
    expect(transitionRows([...repeat(50, 0, 1), ...repeat(150, 2, 3)], 4, rowOf, 5, 20, 2)).toEqual([[], [], [], [[4, 255]], []]);
    // Items without an id row are left out.
    expect(transitionRows(repeat(50, 0, 1), 4, (i) => (i === 1 ? 0 : i + 1), 5, 20)).toEqual([[], [], [], [], []]);
  });

  it('takes out what the other recent items already explain, which a follower count cannot', () => {
    // Item 2 follows 0 every time (90 times); 1 comes just before 0 in 30 of them, and is followed by 4 in 20 others.
    // Counted with the part's own history weights, 2 follows 1 more (30 · 0.7 = 21) than 4 does (20); the regression
    // gives 2's arrival to 0, and after 1 ranks 0 (its direct follower), then 4, then 2.
    const seqs = [...repeat(30, 1, 0, 2), ...repeat(60, 0, 2), ...repeat(20, 1, 4)];
    expect(30 * TRANSITION_LAST[1]!).toBeGreaterThan(20);
    const row = transitionRows(seqs, 5, rowOf, 6, 20)[2]!;
    expect(row.map(([r]) => r)).toEqual([1, 5, 3]);
    expect(row[1]![1]).toBeGreaterThan(2 * row[2]![1]);
  });

  it('ships as transitions.bin that decodes to the same table, and serving computes the same part and shares', async () => {
    const h = await buildHybridFiles(items, train, rowOf, 6);
    expect(h.config.transitions).toMatchObject({ file: 'transitions.bin', rows: 6, top: 20, last: [...TRANSITION_LAST] });
    const file = h.files['transitions.bin']!;
    expect(h.config.transitions!.sha256).toBe(await sha256Hex(file.buffer as ArrayBuffer));
    const back = decodeNeighbours(file.buffer as ArrayBuffer, h.config.transitions!, 'transitions', 'hybrid.transitions');
    expect(Array.from(back.counts)).toEqual(Array.from(h.tables.transitions!.counts));
    expect(back.counts.length).toBeGreaterThan(0);
    const pc = plainCatalog(items, h.tables, h.config.last);
    const rows = Array.from({ length: 4 }, () => new Float64Array(5));
    const [content, cooc, knn, next] = rows as [Float64Array, Float64Array, Float64Array, Float64Array];
    const history = [3, 0, 1];
    plainRows(pc, history, content, cooc, knn, next);
    expect(next.some((x) => x > 0)).toBe(true);
    const weights = { transformer: 0, content: 1, cooccurrence: 0.5, knn: 0.25, transitions: 2 };
    const served = createPlainScorer({ ...h.tables, config: { ...h.config, weights } });
    const hist = history.map((i) => items[i]!);
    const p = served.parts(hist, items);
    const scores = served.scores(hist, items);
    for (let j = 0; j < 5; j++) {
      expect(next[j]).toBeCloseTo(p.transitions[j]!, 12);
      // Each history item's shares add up to the candidate's plain score, the transition part included.
      expect(served.shares(hist, items[j]!).reduce((a, b) => a + b, 0)).toBeCloseTo(scores[j]!, 12);
    }
  });
});

describe('chooseKnnLast', () => {
  it("chooses the kNN part's history weights by its validation NDCG@10 alone, the last 3 items on a tie", async () => {
    // Item 4 without an id row: a history whose newest three are item 4 gives the last-3 kNN part nothing.
    const h = await buildHybridFiles(items, train, (i) => (i < 4 ? i + 1 : 0), 5);
    const pc = plainCatalog(items, h.tables, h.config.last);
    const user = (hist: number[], target: number): EvalUser => ({
      userIndex: 0,
      hist: seq(...hist),
      target,
      now: null,
      seen: new Set(hist),
      negatives: new Int32Array(0),
    });
    // Target 1 after 3, 4, 4, 4: only a decay over the history reaches item 3 (1 is its most similar: 1 / √2).
    const far = chooseKnnLast(pc, [user([3, 4, 4, 4], 1)], 50);
    expect(far.grid.map((g) => g.name)).toEqual([
      'last 3: 1, 1/2, 1/4',
      '0.5^k over 50',
      '0.7^k over 50',
      '0.8^k over 50',
      '0.9^k over 50',
    ]);
    // Last 3: every item scores 0, the target ranks behind 0 and 2 (ties count against it): 1 / log2(4).
    expect(far.grid[0]!.validNdcg10).toBeCloseTo(0.5, 12);
    expect(far.grid.slice(1).map((g) => g.validNdcg10)).toEqual([1, 1, 1, 1]);
    expect(far.name).toBe('0.5^k over 50');
    expect(far.last).toHaveLength(50);
    expect(far.last[3]).toBe(0.125);
    // Target 1 right after 0: every choice ranks it first; the tie keeps the baselines' last 3.
    expect(chooseKnnLast(pc, [user([0], 1)], 50).last).toEqual([1, 0.5, 0.25]);
  });
});

describe('hybridPrior', () => {
  it('leaves out the follower counts the training sequence itself adds after the prefix', async () => {
    const h = await buildHybridFiles(items, train, rowOf, 6);
    const pc = plainCatalog(items, h.tables, h.config.last);
    const prior = hybridPrior(pc, { transformer: 1, content: 1, cooccurrence: 0.5 });
    expect(prior.names).toEqual(['content', 'cooccurrence']);
    expect(prior.init).toEqual([1, 0.5]);
    const out = new Float32Array(5 * 2);
    // Sequence 3 = 0, 1, 3, 4 with the prefix [0]: 0 → 1 counts twice in the table, once of it is this sequence's
    // own future (0 → 1 here), so 1 remains; 0 → 3 (once, only here) drops to 0; 0 → 2 is not in this sequence: 2 stays.
    prior.fill(train[3]!, 1, [0, 1, 2, 3, 4], out, 0);
    const cooc = Array.from({ length: 5 }, (_, c) => out[2 * c + 1]);
    expect(cooc[1]).toBeCloseTo(Math.log(2), 6);
    expect(cooc[2]).toBeCloseTo(Math.log(3), 6);
    expect(cooc[3]).toBeCloseTo(0, 6);
    // Content is the plain TF-IDF part, as served.
    const content = new Float64Array(5);
    const co = new Float64Array(5);
    plainRows(pc, [0], content, co);
    for (let c = 0; c < 5; c++) expect(out[2 * c]).toBeCloseTo(content[c]!, 6);
    // At serving time the same history has all of it (its future is not in the table).
    expect(co[3]).toBeCloseTo(Math.log(2), 6);
  });
});

/** Four users, each with one history item and a target: (0 → 4), (2 → 4), (1 → 0), (3 → 2). */
const fourUsers = (): EvalUser[] =>
  [
    [0, 4],
    [2, 4],
    [1, 0],
    [3, 2],
  ].map(([a, target], u) => ({
    userIndex: u,
    hist: seq(a!),
    target: target!,
    now: null,
    seen: new Set([a!]),
    negatives: new Int32Array(0),
  }));

describe('chooseHybridWeights', () => {
  it('is never below the blend on the users it chooses on, and uses the transformer when it helps', async () => {
    const h = await buildHybridFiles(items, train, rowOf, 6);
    const pc = plainCatalog(items, h.tables, h.config.last);
    const users = fourUsers();
    // A "transformer" that knows every target.
    const oracle = (part: readonly EvalUser[]) => {
      const out = new Float32Array(part.length * 5);
      part.forEach((u, b) => (out[b * 5 + u.target] = 1));
      return out;
    };
    const chosen = chooseHybridWeights(pc, users, oracle);
    expect(chosen.weights.transformer).toBeGreaterThan(0);
    expect(chosen.validNdcg10).toBe(1);
    // Without it (all zeros) the choice is the best plain weighting, at least the blend's.
    const zeros = (part: readonly EvalUser[]) => new Float32Array(part.length * 5);
    const plain = chooseHybridWeights(pc, users, zeros);
    const blend = blendScorer(items, train, 1.5, { index: contentIndex(items) });
    const ranks = users.map((u) => rankOf(blend.score([u.hist], [null]), u.target, null, u.seen));
    expect(plain.validNdcg10).toBeGreaterThanOrEqual(rankingMetrics(ranks)['NDCG@10']);
  });

  it('reports exactly the NDCG@10 and HR@10 of full ranks for the chosen point, on a catalog past its rank cutoff', async () => {
    // 60 items, walks over neighbours in catalog order, a "transformer" of fixed pseudo-random scores per user.
    const many = Array.from({ length: 60 }, (_, i) => ({ id: `i${i}`, title: `item ${i % 7} word${i % 5}` }));
    const r = rng(9);
    const walks = Array.from({ length: 200 }, () => {
      const s = [Math.floor(r() * 60)];
      while (s.length < 6) s.push((s[s.length - 1]! + 1 + Math.floor(r() * 4)) % 60);
      return seq(...s);
    });
    const h = await buildHybridFiles(many, walks, (i) => i + 1, 61);
    const pc = plainCatalog(many, h.tables, h.config.last);
    const users: EvalUser[] = walks.slice(0, 80).map((w, u) => ({
      userIndex: u,
      hist: seq(...w.items.slice(0, 4)),
      target: (w.items[4]! + u) % 60,
      now: null,
      seen: new Set(w.items.slice(0, 4)),
      negatives: new Int32Array(0),
    }));
    const tr = (u: EvalUser, j: number) => ((u.userIndex * 7919 + j * 104729) % 1000) / 1000;
    const T = (part: readonly EvalUser[]) =>
      Float32Array.from({ length: part.length * 60 }, (_, x) => tr(part[Math.floor(x / 60)]!, x % 60));
    const chosen = chooseHybridWeights(pc, users, T);
    const w = chosen.weights;
    const [content, cooc, knn] = [new Float64Array(60), new Float64Array(60), new Float64Array(60)];
    const ranks = users.map((u) => {
      plainRows(pc, u.hist.items, content, cooc, knn);
      const t = Float32Array.from({ length: 60 }, (_, j) => tr(u, j));
      const score = Float64Array.from(
        { length: 60 },
        (_, j) => w.transformer * t[j]! + (w.content * content[j]! + w.cooccurrence * cooc[j]! + (w.knn ?? 0) * knn[j]!),
      );
      return rankOf(score, u.target, null, u.seen);
    });
    // Some targets rank past the cutoff, so the shortcut is exercised.
    expect(ranks.some((x) => x >= 10)).toBe(true);
    expect(chosen.validNdcg10).toBeCloseTo(rankingMetrics(ranks)['NDCG@10'], 12);
    expect(chosen.validHr10).toBeCloseTo(rankingMetrics(ranks)['HR@10'], 12);
  });

  it('around an earlier choice, tries it and the transition part with each co-occurrence weight', async () => {
    const h = await buildHybridFiles(items, train, rowOf, 6);
    const users = fourUsers();
    const zeros = (part: readonly EvalUser[]) => new Float32Array(part.length * 5);
    const pc = plainCatalog(items, h.tables, h.config.last);
    const first = chooseHybridWeights(pc, users, zeros);
    expect(first.weights.transitions).toBeUndefined();
    const second = chooseHybridWeights(pc, users, zeros, [], first.weights);
    expect(second.points).toBe(1 + TRANSITION_GRID.length * HYBRID_GRID.cooccurrence.length);
    expect(second.validNdcg10).toBeGreaterThanOrEqual(first.validNdcg10);
    // Without a transition table only the earlier choice itself.
    const { transitions: _, ...withoutTable } = h.tables;
    const only = chooseHybridWeights(plainCatalog(items, withoutTable, h.config.last), users, zeros, [], first.weights);
    expect(only.points).toBe(1);
    expect(only.weights).toEqual(first.weights);
    expect(only.validNdcg10).toBe(first.validNdcg10);
  });

  it('tries every earlier point (kNN 0) and kNN on top, and without a kNN table only the earlier points', async () => {
    const withKnn = await buildHybridFiles(items, train, rowOf, 6);
    const without = await buildHybridFiles(items, train, rowOf, 6, 20, 0);
    expect(without.config.knn).toBeUndefined();
    expect(without.files['knn.bin']).toBeUndefined();
    const users = fourUsers();
    const zeros = (part: readonly EvalUser[]) => new Float32Array(part.length * 5);
    const earlier = HYBRID_GRID.transformer.length * HYBRID_GRID.content.length * HYBRID_GRID.cooccurrence.length - 1;
    const two = chooseHybridWeights(plainCatalog(items, without.tables, without.config.last), users, zeros);
    const three = chooseHybridWeights(plainCatalog(items, withKnn.tables, withKnn.config.last), users, zeros);
    expect(two.points).toBe(earlier);
    expect(two.weights.knn).toBeUndefined();
    expect(three.points).toBe(HYBRID_GRID.knn.length * (earlier + 1) - 1);
    // The earlier points are a subset: the choice with kNN is never below the choice without it, on these users.
    expect(three.validNdcg10).toBeGreaterThanOrEqual(two.validNdcg10);
    expect(three.blendNdcg10).toBe(two.blendNdcg10);
  });
});
