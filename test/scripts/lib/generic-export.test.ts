/** The generic-format export reads back as the data it was written from. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset, type Dataset } from '../../../scripts/lib/data.ts';
import { writeGeneric } from '../../../scripts/lib/generic-export.ts';

const items = [
  { id: 'a', title: 'Argan shampoo', brand: 'Verdant', category: 'Hair Care > Shampoo' },
  { id: 'b', title: 'Red lipstick', category: 'Makeup > Lips', price: 12.5 },
  { id: 'c', title: 'Eau de parfum', category: 'Fragrance > Women' },
  { id: 'd', title: 'Conditioner', category: 'Hair Care > Conditioner' },
];
const seq = (ids: number[], events?: number[], ts?: number[]) => ({
  items: Int32Array.from(ids),
  events: Int32Array.from(events ?? ids.map(() => 0)),
  ts: ts ? Float64Array.from(ts) : null,
});
/** Epoch ms, 2023-11-14: the reader takes no earlier time (smaller numbers are epoch seconds or no time at all). */
const T = 1_700_000_000_000;
const ds: Dataset = {
  name: 'tiny',
  items,
  users: [
    { id: 'u1', seq: seq([0, 1, 2, 3]) },
    { id: 'u2', seq: seq([1, 1, 0]) },
    { id: 'u3', seq: seq([3, 0, 2], [2, 5, 8], [T + 1000, T + 2000, T + 3000]) },
  ],
};
const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'reco-export-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('writeGeneric', () => {
  it('writes every shopper and item; events without a type are purchases a day apart, typed ones keep their type and time', () => {
    const dir = fresh();
    expect(writeGeneric(ds, dir, { start: T })).toEqual({ users: 3, items: 4, interactions: 10 });
    const back = loadDataset(dir);
    expect(back.users.map((u) => u.id)).toEqual(['u1', 'u2', 'u3']);
    // u2's two events of b in a row are read back as one step of b (as the worker reads a history).
    expect(back.users.map((u) => [...u.seq.items].map((i) => back.items[i]!.id).join(''))).toEqual(['abcd', 'ba', 'dac']);
    expect([...back.users[0]!.seq.ts!]).toEqual([0, 1, 2, 3].map((d) => T + d * 86_400_000));
    expect([...back.users[0]!.seq.events]).toEqual([8, 8, 8, 8]); // purchase
    expect([...back.users[2]!.seq.events]).toEqual([2, 5, 8]); // select_item, add_to_cart, purchase
    expect([...back.users[2]!.seq.ts!]).toEqual([T + 1000, T + 2000, T + 3000]);
    expect(back.items.find((it) => it.id === 'b')).toEqual({ id: 'b', title: 'Red lipstick', category: 'Makeup > Lips', price: 12.5 });
  });

  it('keeps only the items of the categories asked for, and the shoppers left with enough events', () => {
    const dir = fresh();
    expect(writeGeneric(ds, dir, { categories: ['hair care', 'Fragrance'], minEvents: 3 })).toEqual({
      users: 2,
      items: 3,
      interactions: 6,
    });
    const catalog = readFileSync(join(dir, 'catalog.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).id);
    expect(catalog).toEqual(['a', 'c', 'd']);
    const back = loadDataset(dir);
    // u2 keeps one Hair Care event of three: left out.
    expect(back.users.map((u) => u.id)).toEqual(['u1', 'u3']);
    expect(back.users.map((u) => [...u.seq.items].map((i) => back.items[i]!.id).join(''))).toEqual(['acd', 'dac']);
  });
});
