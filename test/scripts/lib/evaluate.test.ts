import { describe, expect, it } from 'vitest';
import type { Sequence } from '../../../src/model/train/trainer.ts';
import {
  cooccurrenceScorer,
  cooccurrenceTable,
  dropItems,
  popularityScorer,
  withMemory,
  type BatchScorer,
} from '../../../scripts/lib/baselines.ts';
import { splitLeaveOneOut, type Dataset } from '../../../scripts/lib/data.ts';
import { runScorer, summarize, testUsers } from '../../../scripts/lib/evaluate.ts';

const seq = (...items: number[]): Sequence => ({ items: Int32Array.from(items), events: new Int32Array(items.length), ts: null });

/** A dataset of `n` items whose users have the given item sequences. */
function dataset(n: number, seqs: number[][]): Dataset {
  return {
    name: 't',
    items: Array.from({ length: n }, (_, i) => ({ id: `i${i}` })),
    users: seqs.map((s, u) => ({ id: `u${u}`, seq: seq(...s) })),
  };
}

describe('testUsers', () => {
  const ds = dataset(
    500,
    Array.from({ length: 30 }, (_, u) => [u, u + 1, u + 2, u + 3, (u * 7) % 500]),
  );
  const split = splitLeaveOneOut(ds);

  it('draws 99 distinct negatives the user never interacted with, the same for the same seed', () => {
    const users = testUsers(ds, split, { seed: 3 });
    expect(users).toHaveLength(30);
    for (const u of users) {
      const all = new Set(ds.users[u.userIndex]!.seq.items);
      expect(u.negatives).toHaveLength(99);
      expect(new Set(u.negatives).size).toBe(99);
      for (const i of u.negatives) expect(all.has(i)).toBe(false);
      expect([...u.seen]).toEqual([...new Set(u.hist.items)]);
    }
    expect(testUsers(ds, split, { seed: 3 }).map((u) => Array.from(u.negatives))).toEqual(users.map((u) => Array.from(u.negatives)));
    expect(testUsers(ds, split, { seed: 4 })[0]!.negatives).not.toEqual(users[0]!.negatives);
    expect(testUsers(ds, split, { seed: 3, limit: 5 }).map((u) => Array.from(u.negatives))).toEqual(
      users.slice(0, 5).map((u) => Array.from(u.negatives)),
    );
  });

  it('takes every non-interacted item when fewer than 99 exist', () => {
    const small = dataset(8, [[0, 1, 2, 3]]);
    const [u] = testUsers(small, splitLeaveOneOut(small), { seed: 1 });
    expect([...u!.negatives].sort()).toEqual([4, 5, 6, 7]);
  });
});

describe('runScorer and summarize', () => {
  // Item 0..9; the scorer ranks items by index, highest first.
  const ds = dataset(10, [
    [9, 8, 1],
    [9, 8, 7, 5],
    [2, 3, 0],
  ]);
  const split = splitLeaveOneOut(ds);
  const byIndex: BatchScorer = { name: 'idx', bytes: 0, score: (h) => Float32Array.from({ length: h.length * 10 }, (_, k) => k % 10) };

  it('ranks against all items with the history excluded, and against the sampled negatives', () => {
    const users = testUsers(ds, split, { seed: 1, negatives: 3 });
    const o = runScorer(byIndex, users, 10, { batch: 2 });
    // Targets 1, 5, 0; above them and not in the history: 2..7; 6; 1 and 4..9.
    expect(Array.from(o.full)).toEqual([6, 1, 7]);
    users.forEach((u, i) => {
      expect(o.sampled[i]).toBe(Array.from(u.negatives).filter((n) => n > u.target).length);
      expect(o.auc[i]).toBeCloseTo(Array.from(u.negatives).filter((n) => n < u.target).length / 3, 12);
    });
    const s = summarize(o, undefined, 2);
    const hits = Array.from(o.sampled).filter((r) => r < 2).length;
    expect(s.click.recall).toBeCloseTo(hits / 3, 12);
    expect(s.click.precision).toBeCloseTo(hits / 6, 12);
    expect(s.full['HR@5']).toBeCloseTo(1 / 3, 12);
    expect(summarize(o, [1]).full.MRR).toBeCloseTo(1 / 2, 12);
  });
});

describe('baselines', () => {
  const train = [seq(0, 1, 2), seq(0, 1), seq(3, 1, 0), seq(2, 2)];

  it('popularity counts training interactions and ships 4 bytes per item', () => {
    const pop = popularityScorer(train, 5);
    expect(Array.from(pop.score([seq(4)], [null]))).toEqual([3, 3, 3, 1, 0]);
    expect(pop.bytes).toBe(20);
  });

  it('co-occurrence sums forward pair counts of the last items, recency-weighted, popularity breaking ties', () => {
    const co = cooccurrenceScorer(train, 5, { window: 1, last: 2, symmetric: false });
    // Pairs a→b within 1: 0→1 (x2), 1→2, 3→1, 1→0, 2→2 (self, skipped). History [..., 3, 0]: 1 * C[0] + 1/2 * C[3].
    const s = co.score([seq(3, 0)], [null]);
    // Tie-break: popularity count * (smallest weight 1/2) / (max count 3 + 1).
    const popPart = (c: number) => (0.5 * c) / 4;
    expect(s[1]).toBeCloseTo(2 + 0.5 + popPart(3), 6);
    expect(s[2]).toBeCloseTo(popPart(3), 6);
    expect(s[3]).toBeCloseTo(popPart(1), 6);
    expect(s[4]).toBe(0);
    expect(co.bytes).toBe(4 * 6 + 8 * 4 + 4 * 5);
  });

  it("the teacher adds beta * log(1 + co-occurrence count) to its transformer's scores", () => {
    const table = cooccurrenceTable(train, 5, { window: 1, last: 2, symmetric: false });
    const model: BatchScorer = { name: 'm', bytes: 100, score: (h) => new Float32Array(h.length * 5).fill(1) };
    const teacher = withMemory(model, table, 2);
    const s = teacher.score([seq(3, 0)], [null]);
    // Neighbours of [3, 0]: item 1 with 1 * C[0][1] + 1/2 * C[3][1] = 2.5, item 0 with 1/2 * C[3][0] = 0.
    expect(s[1]).toBeCloseTo(1 + 2 * Math.log1p(2.5), 6);
    expect([s[0], s[2], s[3], s[4]]).toEqual([1, 1, 1, 1]);
    expect(teacher.bytes).toBe(100 + 4 * 6 + 8 * 4);
    expect(teacher.name).toBe('m + co-occurrence (beta 2)');
  });

  it('dropItems removes withheld items and keeps the rest in order', () => {
    expect(Array.from(dropItems(seq(0, 1, 2, 1), new Set([1])).items)).toEqual([0, 2]);
  });
});
