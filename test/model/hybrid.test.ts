import { describe, expect, it } from 'vitest';
import {
  checkHybridConfig,
  combine,
  createPlainScorer,
  decodeNeighbours,
  followerCounts,
  followersOf,
  knnSimilarities,
  neighbourLayout,
  type HybridConfig,
  type HybridTables,
} from '../../src/model/hybrid.ts';
import { termStats } from '../../src/model/text.ts';
import type { ItemFeatures } from '../../src/shared/types.ts';

// Three items, vocabulary rows A = 1, B = 2, C = 3. Hand-computed below with smoothed IDF over these three:
// red, lipstick, x in 2 items (idf ln(4/3) + 1), matte, blue, mascara in 1 (idf ln 2 + 1).
const A: ItemFeatures = { id: 'A', title: 'red lipstick', brand: 'X' };
const B: ItemFeatures = { id: 'B', title: 'red lipstick matte', brand: 'X' };
const C: ItemFeatures = { id: 'C', title: 'blue mascara' };

/** The neighbour file by hand: A → B (3 times), A → C (once), B → C (twice). */
function neighbourFile(): ArrayBuffer {
  const buf = new ArrayBuffer(13);
  new Uint8Array(buf, 0, 4).set([0, 2, 1, 0]); // row lengths, rows 0..3
  new Uint16Array(buf, 4, 3).set([2, 3, 3]); // ids
  new Uint8Array(buf, 10, 3).set([3, 1, 2]); // counts
  return buf;
}

const config: HybridConfig = {
  weights: { transformer: 2, content: 1, cooccurrence: 0.5 },
  last: [1, 0.5, 0.25],
  neighbours: { file: 'neighbours.bin', sha256: 'x', rows: 4, pairs: 3, window: 3, top: 20 },
  index: { file: 'index.json', sha256: 'y' },
};

function tables(): HybridTables {
  return {
    config,
    neighbours: decodeNeighbours(neighbourFile(), config.neighbours, 'nb'),
    idf: termStats([A, B, C]),
    vocab: new Map([
      ['A', 1],
      ['B', 2],
      ['C', 3],
    ]),
    ids: ['', 'A', 'B', 'C'],
  };
}

describe('the neighbour table', () => {
  it('has the documented layout: row lengths, ids aligned to 4 bytes, counts', () => {
    expect(neighbourLayout(4, 3)).toEqual({ idBytes: 2, idsAt: 4, countsAt: 10, bytes: 13 });
    expect(neighbourLayout(70000, 10)).toEqual({ idBytes: 4, idsAt: 70000, countsAt: 70040, bytes: 70050 });
  });

  it('decodes rows and follower counts (golden values)', () => {
    const t = decodeNeighbours(neighbourFile(), config.neighbours, 'nb');
    expect(Array.from(t.offsets)).toEqual([0, 0, 2, 3, 3]);
    // History C, A, B (newest last): B weighs 1, A 1/2, C 1/4 (C has no followers).
    const counts = followerCounts(t, [3, 1, 2], [1, 0.5, 0.25]);
    expect([...counts].sort()).toEqual([
      [2, 1.5],
      [3, 2.5],
    ]);
    // Unknown items (row 0) add nothing.
    expect([...followerCounts(t, [0, 0], [1, 0.5])]).toEqual([]);
  });

  it("looks up an item's followers, most frequent first, for placements", () => {
    expect(followersOf(tables(), 'A')).toEqual([
      { id: 'B', count: 3 },
      { id: 'C', count: 1 },
    ]);
    expect(followersOf(tables(), 'nope')).toEqual([]);
  });

  it('rejects a file whose size, rows or ids do not match the manifest, naming what', () => {
    expect(() => decodeNeighbours(new ArrayBuffer(12), config.neighbours, 'm/neighbours.bin')).toThrow(
      'm/neighbours.bin: expected 13 bytes for hybrid.neighbours (rows 4, pairs 3), got 12',
    );
    const bad = neighbourFile();
    new Uint16Array(bad, 4, 3).set([2, 3, 9]);
    expect(() => decodeNeighbours(bad, config.neighbours, 'nb')).toThrow('nb: a neighbour row 9 outside 1..3');
    const lengths = neighbourFile();
    new Uint8Array(lengths, 0, 4).set([0, 2, 2, 0]);
    expect(() => decodeNeighbours(lengths, config.neighbours, 'nb')).toThrow('row lengths add up to 4, hybrid.neighbours.pairs says 3');
  });
});

/**
 * The kNN file by hand, similarities in 255ths: A ~ A (255, itself), A ~ B (153 = 0.6), B ~ B (255), B ~ A (153),
 * B ~ C (51 = 0.2), C ~ C (255).
 */
function knnFile(): ArrayBuffer {
  const buf = new ArrayBuffer(4 + 6 * 2 + 6);
  new Uint8Array(buf, 0, 4).set([0, 2, 3, 1]);
  new Uint16Array(buf, 4, 6).set([1, 2, 2, 1, 3, 3]);
  new Uint8Array(buf, 16, 6).set([255, 153, 255, 153, 51, 255]);
  return buf;
}

const knnConfig: HybridConfig = {
  ...config,
  weights: { ...config.weights, knn: 2 },
  knn: { file: 'knn.bin', sha256: 'z', rows: 4, pairs: 6, top: 20, last: [1, 0.5, 0.25] },
};

const knnTables = (): HybridTables => ({
  ...tables(),
  config: knnConfig,
  knn: decodeNeighbours(knnFile(), knnConfig.knn!, 'knn', 'hybrid.knn'),
});

describe('the kNN table (item-kNN, the third plain part)', () => {
  it('decodes in the neighbour layout and sums weighted similarities (golden values)', () => {
    const t = decodeNeighbours(knnFile(), knnConfig.knn!, 'knn', 'hybrid.knn');
    expect(Array.from(t.offsets)).toEqual([0, 0, 2, 5, 6]);
    // History C, A, B (newest last): B weighs 1, A 1/2, C 1/4.
    // A: 1·0.6 (B~A) + 1/2·1 (A itself) = 1.1; B: 1·1 + 1/2·0.6 = 1.3; C: 1·0.2 + 1/4·1 = 0.45.
    const s = knnSimilarities(t, [3, 1, 2], [1, 0.5, 0.25]);
    expect([...s].sort()).toEqual([
      [1, expect.closeTo(1.1, 12)],
      [2, expect.closeTo(1.3, 12)],
      [3, expect.closeTo(0.45, 12)],
    ]);
    expect([...knnSimilarities(t, [0], [1])]).toEqual([]);
  });

  it('names hybrid.knn when its file does not match the manifest', () => {
    expect(() => decodeNeighbours(new ArrayBuffer(21), knnConfig.knn!, 'm/knn.bin', 'hybrid.knn')).toThrow(
      'm/knn.bin: expected 22 bytes for hybrid.knn (rows 4, pairs 6), got 21',
    );
    const lengths = knnFile();
    new Uint8Array(lengths, 0, 4).set([0, 2, 2, 1]);
    expect(() => decodeNeighbours(lengths, knnConfig.knn!, 'm/knn.bin', 'hybrid.knn')).toThrow(
      'm/knn.bin: row lengths add up to 5, hybrid.knn.pairs says 6',
    );
  });

  it('adds knn · Σ last[k] · sim(h_k, j) to the plain score (golden values)', () => {
    const plain = createPlainScorer(knnTables());
    const p = plain.parts([C, A, B], [A, B, C]);
    expect(Array.from(p.knn)).toEqual([expect.closeTo(1.1, 12), expect.closeTo(1.3, 12), expect.closeTo(0.45, 12)]);
    expect(Array.from(plain.scores([C, A, B], [A, B, C]))).toEqual([
      expect.closeTo(1.29648967585 + 2 * 1.1, 10),
      expect.closeTo(1.39824483793 + 0.5 * Math.log(2.5) + 2 * 1.3, 10),
      expect.closeTo(0.25 + 0.5 * Math.log(3.5) + 2 * 0.45, 10),
    ]);
    // The kNN part reads its own history weights: 0.5^k over 5 items reaches A (oldest of [A, C, A, B]) twice.
    const far = createPlainScorer({
      ...knnTables(),
      config: { ...knnConfig, knn: { ...knnConfig.knn!, last: [1, 0.5, 0.25, 0.125, 0.0625] } },
    });
    // Newest first B (1), A (1/2), C (1/4), A (1/8): A = 1·0.6 + (1/2 + 1/8)·1, B = 1 + (1/2 + 1/8)·0.6, C = 1·0.2 + 1/4.
    expect(Array.from(far.parts([A, C, A, B], [A, B, C]).knn)).toEqual([
      expect.closeTo(0.6 + 0.625, 12),
      expect.closeTo(1 + 0.625 * 0.6, 12),
      expect.closeTo(0.2 + 0.25, 12),
    ]);
    // Content and co-occurrence still read the newest three.
    expect(Array.from(far.parts([A, C, A, B], [A, B, C]).content)).toEqual(Array.from(plain.parts([C, A, B], [A, B, C]).content));
    // Without the table (a format 4 hybrid) the kNN part is 0 and the scores are the two-part ones.
    expect(Array.from(createPlainScorer(tables()).parts([C, A, B], [A, B, C]).knn)).toEqual([0, 0, 0]);
  });
});

describe('the plain part and the combiner', () => {
  it('scores content and co-occurrence as defined (golden values)', () => {
    const plain = createPlainScorer(tables());
    const p = plain.parts([C, A, B], [A, B, C]);
    // content: 1·cos(B, j) + 1/2·cos(A, j) + 1/4·cos(C, j); cos(A, B) = 0.79648967585...
    expect(Array.from(p.content)).toEqual([expect.closeTo(1.29648967585, 10), expect.closeTo(1.39824483793, 10), expect.closeTo(0.25, 12)]);
    // co-occurrence: ln(1 + Σ weight · count): A none, B 1.5, C 2.5.
    expect(Array.from(p.cooccurrence)).toEqual([0, expect.closeTo(Math.log(2.5), 12), expect.closeTo(Math.log(3.5), 12)]);
    const s = plain.scores([C, A, B], [A, B, C]);
    expect(Array.from(s)).toEqual([
      expect.closeTo(1.29648967585, 10),
      expect.closeTo(1.39824483793 + 0.5 * Math.log(2.5), 10),
      expect.closeTo(0.25 + 0.5 * Math.log(3.5), 10),
    ]);
    expect(combine(config.weights, 0.75, s[2]!)).toBeCloseTo(1.5 + 0.25 + 0.5 * Math.log(3.5), 10);
  });

  it('reads only the newest items, and gives an empty history nothing', () => {
    const plain = createPlainScorer(tables());
    // Older items than the newest three do not count.
    expect(Array.from(plain.scores([A, A, A, C, A, B], [A, B, C]))).toEqual(Array.from(plain.scores([C, A, B], [A, B, C])));
    expect(Array.from(plain.scores([], [A, B]))).toEqual([0, 0]);
    // Items without text or outside the vocabulary: content 0 and no followers, never NaN.
    expect(Array.from(plain.scores([{ id: 'z' }], [{ id: 'y' }, A]))).toEqual([0, 0]);
  });
});

describe('checkHybridConfig', () => {
  const fail = (what: string): never => {
    throw new Error(what);
  };
  it('names the field that is wrong', () => {
    expect(checkHybridConfig(config, 3, fail)).toBe(config);
    expect(() => checkHybridConfig(undefined, 3, fail)).toThrow('hybrid: expected an object in a format 4 manifest');
    expect(() => checkHybridConfig({ ...config, weights: { ...config.weights, content: 'x' } }, 3, fail)).toThrow(
      'hybrid.weights.content: expected a number, got "x"',
    );
    expect(() => checkHybridConfig({ ...config, last: [] }, 3, fail)).toThrow('hybrid.last: expected a non-empty array of numbers, got []');
    expect(() => checkHybridConfig(config, 5, fail)).toThrow('hybrid.neighbours.rows: expected 6 (the id vocabulary + 1), got 4');
    expect(() => checkHybridConfig({ ...config, index: { file: 'i.json' } }, 3, fail)).toThrow('hybrid.index: expected { file, sha256 }');
    expect(checkHybridConfig(knnConfig, 3, fail)).toBe(knnConfig);
    expect(() => checkHybridConfig({ ...knnConfig, knn: { ...knnConfig.knn!, rows: 3 } }, 3, fail)).toThrow(
      'hybrid.knn.rows: expected 4 (the id vocabulary + 1), got 3',
    );
    expect(() => checkHybridConfig({ ...knnConfig, knn: { ...knnConfig.knn!, pairs: -1 } }, 3, fail)).toThrow(
      'hybrid.knn.pairs: expected a whole number, got -1',
    );
    expect(() => checkHybridConfig({ ...knnConfig, knn: { file: 'knn.bin' } }, 3, fail)).toThrow(
      'hybrid.knn: expected { file, sha256, rows, pairs, top, last }',
    );
    expect(() => checkHybridConfig({ ...knnConfig, knn: { ...knnConfig.knn!, last: [] } }, 3, fail)).toThrow(
      'hybrid.knn.last: expected a non-empty array of numbers, got []',
    );
    expect(() => checkHybridConfig({ ...knnConfig, weights: { ...knnConfig.weights, knn: 'x' } }, 3, fail)).toThrow(
      'hybrid.weights.knn: expected a number or nothing, got "x"',
    );
    expect(() => checkHybridConfig({ ...config, weights: knnConfig.weights }, 3, fail)).toThrow(
      'hybrid.knn: weights.knn is 2 but the manifest ships no kNN table',
    );
    // The transition table: the same checks, naming its own fields.
    const transitions = { ...knnConfig.knn!, file: 'transitions.bin', last: [1, 0.7] };
    const withTransitions = { ...config, weights: { ...config.weights, transitions: 0.5 }, transitions };
    expect(checkHybridConfig(withTransitions, 3, fail)).toBe(withTransitions);
    expect(() => checkHybridConfig({ ...withTransitions, transitions: { ...transitions, rows: 3 } }, 3, fail)).toThrow(
      'hybrid.transitions.rows: expected 4 (the id vocabulary + 1), got 3',
    );
    expect(() => checkHybridConfig({ ...withTransitions, transitions: { ...transitions, last: 'x' } }, 3, fail)).toThrow(
      'hybrid.transitions.last: expected a non-empty array of numbers, got "x"',
    );
    expect(() => checkHybridConfig({ ...withTransitions, weights: { ...config.weights, transitions: null } }, 3, fail)).toThrow(
      'hybrid.weights.transitions: expected a number or nothing, got null',
    );
    expect(() => checkHybridConfig({ ...config, weights: withTransitions.weights }, 3, fail)).toThrow(
      'hybrid.transitions: weights.transitions is 0.5 but the manifest ships no transition table',
    );
  });
});
