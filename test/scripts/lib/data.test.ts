import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EVENT_INDEX } from '../../../src/model/sequence.ts';
import { loadDataset, splitLeaveOneOut, withheldItems } from '../../../scripts/lib/data.ts';

const root = mkdtempSync(join(tmpdir(), 'reco-data-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let count = 0;
/** A fresh dataset directory holding the given files. */
function dataDir(files: Record<string, string>): string {
  const dir = join(root, `d${count++}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const catalog = ['{"id":"a","title":"Rose Oil","category":"Skin > Face","price":12}', '{"id":"b","brand":"Noir"}'].join('\n');
const row = (o: Record<string, unknown>) => JSON.stringify({ user: 'u1', item: 'a', ts: 1000, type: 'select_item', ...o });

describe('loadDataset, generic format', () => {
  it('reads users in time order with event types, adding items that only appear in interactions', () => {
    const ds = loadDataset(
      dataDir({
        'catalog.jsonl': catalog,
        'interactions.jsonl': [row({ ts: 3000, item: 'b', type: 'purchase' }), row({ ts: 1000 }), '', row({ ts: 2000, item: 'c' })].join(
          '\n',
        ),
      }),
    );
    expect(ds.items.map((i) => i.id)).toEqual(['a', 'b', 'c']);
    expect(ds.items[0]).toMatchObject({ title: 'Rose Oil', category: 'Skin > Face', price: 12 });
    expect(ds.users).toHaveLength(1);
    const seq = ds.users[0]!.seq;
    expect(Array.from(seq.items)).toEqual([0, 2, 1]);
    expect(Array.from(seq.events)).toEqual([EVENT_INDEX.select_item, EVENT_INDEX.select_item, EVENT_INDEX.purchase]);
    expect(Array.from(seq.ts!)).toEqual([1000, 2000, 3000]);
  });

  it('reads interactions.csv with ISO dates', () => {
    const ds = loadDataset(
      dataDir({
        'catalog.jsonl': catalog,
        'interactions.csv': 'user,item,ts,type\nu1,a,2026-01-01T00:00:00Z,view_item\nu1,b,2026-01-02T00:00:00Z,add_to_cart\n',
      }),
    );
    expect(Array.from(ds.users[0]!.seq.items)).toEqual([0, 1]);
    expect(ds.users[0]!.seq.ts![1]! - ds.users[0]!.seq.ts![0]!).toBe(86400e3);
  });

  it('reads quoted CSV fields: a quoted id is the same item, embedded commas, line breaks and quotes stay in their field', () => {
    const ds = loadDataset(
      dataDir({
        'catalog.jsonl': catalog,
        'interactions.csv': [
          'user,item,ts,type',
          '"u,1","a",1000,view_item',
          '"u,1",b,2000,"add_to_cart"',
          '"u\n""2""",a,3000,purchase',
        ].join('\r\n'),
      }),
    );
    expect(ds.users.map((u) => u.id).sort()).toEqual(['u\n"2"', 'u,1']);
    expect(Array.from(ds.users.find((u) => u.id === 'u,1')!.seq.items)).toEqual([0, 1]);
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    ['bad JSON', { 'catalog.jsonl': catalog, 'interactions.jsonl': `${row({})}\n{"user":` }, /^interactions\.jsonl:2: not valid JSON/],
    [
      'a missing user',
      { 'catalog.jsonl': catalog, 'interactions.jsonl': `${row({})}\n${row({})}\n${row({ user: '' })}` },
      /^interactions\.jsonl:3: "user" expected/,
    ],
    ['a missing item', { 'catalog.jsonl': catalog, 'interactions.jsonl': row({ item: null }) }, /^interactions\.jsonl:1: "item" expected/],
    [
      'a bad timestamp',
      { 'catalog.jsonl': catalog, 'interactions.jsonl': `${row({})}\n${row({ ts: 'yesterday' })}` },
      /^interactions\.jsonl:2: "ts" expected epoch milliseconds or an ISO date, got "yesterday"/,
    ],
    [
      'an unknown event type',
      { 'catalog.jsonl': catalog, 'interactions.jsonl': row({ type: 'click' }) },
      /^interactions\.jsonl:1: "type" expected one of view_item_list, .*got "click"/,
    ],
    [
      'a bad CSV timestamp',
      { 'catalog.jsonl': catalog, 'interactions.csv': 'user,item,ts,type\nu1,a,1000,view_item\nu1,b,soon,view_item\n' },
      /^interactions\.csv:3: "ts" expected/,
    ],
    [
      'a CSV quote that never closes',
      { 'catalog.jsonl': catalog, 'interactions.csv': 'user,item,ts,type\nu1,a,1000,view_item\nu1,"b,2000,view_item\n' },
      /^interactions\.csv:3: a quoted field that starts here never ends/,
    ],
    [
      'a CSV row with too few fields',
      { 'catalog.jsonl': catalog, 'interactions.csv': 'user,item,ts,type\nu1,a,1000\n' },
      /^interactions\.csv:2: expected 4 fields \(user, item, ts, type\), got 3/,
    ],
    [
      'a catalog row without id',
      { 'catalog.jsonl': `${catalog}\n{"title":"x"}`, 'interactions.jsonl': row({}) },
      /^catalog\.jsonl:3: "id" expected a non-empty string/,
    ],
    [
      'a non-numeric price',
      { 'catalog.jsonl': '{"id":"a","price":"cheap"}', 'interactions.jsonl': row({}) },
      /^catalog\.jsonl:1: "price" expected a number, got "cheap"/,
    ],
    [
      'a category that is not a string',
      { 'catalog.jsonl': '{"id":"a","category":["Skin"]}', 'interactions.jsonl': row({}) },
      /^catalog\.jsonl:1: "category" expected a string/,
    ],
    [
      'a catalog id given twice (the second row was dropped without a word)',
      { 'catalog.jsonl': `${catalog}\n\n{"id":"a","title":"Rose Oil 2"}`, 'interactions.jsonl': row({}) },
      /^catalog\.jsonl:4: "id" expected a unique id, got "a" again \(first on line 1\)/,
    ],
    [
      'a catalog id that is an object',
      { 'catalog.jsonl': '{"id":{"sku":"a"}}', 'interactions.jsonl': row({}) },
      /^catalog\.jsonl:1: "id" expected a non-empty string, got \{"sku":"a"\}/,
    ],
    [
      'a catalog line that is not an object',
      { 'catalog.jsonl': `${catalog}\nnull`, 'interactions.jsonl': row({}) },
      /^catalog\.jsonl:3: expected an object/,
    ],
    [
      'an interactions line that is not an object',
      { 'catalog.jsonl': catalog, 'interactions.jsonl': `${row({})}\nnull` },
      /^interactions\.jsonl:2: expected an object/,
    ],
  ];
  for (const [what, files, message] of bad) {
    it(`names the file, line and field for ${what}`, () => {
      expect(() => loadDataset(dataDir(files))).toThrow(message);
    });
  }

  it('says which formats it expects when the directory holds neither', () => {
    expect(() => loadDataset(dataDir({ 'notes.txt': 'hi' }))).toThrow(
      /expected Beauty\.txt .* or catalog\.jsonl \+ interactions\.jsonl\|csv/,
    );
    expect(() => loadDataset(join(root, 'nope'))).toThrow(/no such directory/);
  });
});

describe('loadDataset, S3-Rec format', () => {
  it('reads 1-based item ids, titles, and brand vs category from the attribute field', () => {
    const tsv = ['item_id\tasin\ttitle\tattributes', '1\tA1\tRose &amp; Oud Oil\tNoir | Skin | Face', '2\tA2\tLip Balm\t'].join('\n');
    const ds = loadDataset(dataDir({ 'Shop.txt': '7 1 2 1\n8 2 1\n', 'Shop_item_text.tsv': tsv }));
    expect(ds.name).toBe('Shop');
    expect(ds.items[0]).toEqual({ id: '1', title: 'Rose & Oud Oil', brand: 'Noir', category: 'Skin > Face' });
    expect(ds.users.map((u) => u.id)).toEqual(['7', '8']);
    expect(Array.from(ds.users[0]!.seq.items)).toEqual([0, 1, 0]);
    expect(ds.users[0]!.seq.ts).toBeNull();
  });
});

describe('splitLeaveOneOut', () => {
  it('holds out the last event for test and the one before for validation', () => {
    const tsv = 'item_id\tasin\ttitle\tattributes\n';
    const ds = loadDataset(dataDir({ 'S.txt': '1 1 2 3 4 5\n2 1 2\n3 4\n', 'S_item_text.tsv': tsv }));
    const split = splitLeaveOneOut(ds);
    expect(split.train.map((s) => Array.from(s.items))).toEqual([
      [0, 1, 2],
      [0, 1],
    ]);
    expect(split.valid.map((v) => [Array.from(v.hist.items), v.target, v.userIndex])).toEqual([[[0, 1, 2], 3, 0]]);
    expect(split.test.map((t) => [Array.from(t.hist.items), t.target, t.userIndex])).toEqual([[[0, 1, 2, 3], 4, 0]]);
  });
});

describe('withheldItems', () => {
  it('is the same set for the same arguments and about the requested fraction', () => {
    const a = withheldItems(5000, 0.1, 42);
    expect([...a]).toEqual([...withheldItems(5000, 0.1, 42)]);
    expect([...a]).not.toEqual([...withheldItems(5000, 0.1, 43)]);
    expect(a.size).toBeGreaterThan(400);
    expect(a.size).toBeLessThan(600);
    expect(withheldItems(100, 0, 42).size).toBe(0);
  });
});
