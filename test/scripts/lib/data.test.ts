import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EVENT_INDEX } from '../../../src/model/sequence.ts';
import { catalogItems, dataSha256, loadDataset, splitLeaveOneOut, withheldItems } from '../../../scripts/lib/data.ts';

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
/** Epoch ms, 2023-11-14: the reader takes no earlier time (smaller numbers are epoch seconds or no time at all). */
const T = 1_700_000_000_000;
const row = (o: Record<string, unknown>) => JSON.stringify({ user: 'u1', item: 'a', ts: T + 1000, type: 'select_item', ...o });

describe('loadDataset, generic format', () => {
  it('reads users in time order with event types, adding items that only appear in interactions', () => {
    const ds = loadDataset(
      dataDir({
        'catalog.jsonl': catalog,
        'interactions.jsonl': [
          row({ ts: T + 3000, item: 'b', type: 'purchase' }),
          row({ ts: T + 1000 }),
          '',
          row({ ts: T + 2000, item: 'c' }),
        ].join('\n'),
      }),
    );
    expect(ds.items.map((i) => i.id)).toEqual(['a', 'b', 'c']);
    expect(ds.items[0]).toMatchObject({ title: 'Rose Oil', category: 'Skin > Face', price: 12 });
    expect(ds.users).toHaveLength(1);
    const seq = ds.users[0]!.seq;
    expect(Array.from(seq.items)).toEqual([0, 2, 1]);
    expect(Array.from(seq.events)).toEqual([EVENT_INDEX.select_item, EVENT_INDEX.select_item, EVENT_INDEX.purchase]);
    expect(Array.from(seq.ts!)).toEqual([T + 1000, T + 2000, T + 3000]);
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
          `"u,1","a",${T + 1000},view_item`,
          `"u,1",b,${T + 2000},"add_to_cart"`,
          `"u\n""2""",a,${T + 3000},purchase`,
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
      /^interactions\.jsonl:2: "ts" expected epoch milliseconds or ISO 8601 \(2024-03-02, .*\), got "yesterday"/,
    ],
    [
      'an unknown event type',
      { 'catalog.jsonl': catalog, 'interactions.jsonl': row({ type: 'click' }) },
      /^interactions\.jsonl:1: "type" expected one of view_item_list, .*got "click"/,
    ],
    [
      'a bad CSV timestamp',
      { 'catalog.jsonl': catalog, 'interactions.csv': `user,item,ts,type\nu1,a,${T},view_item\nu1,b,soon,view_item\n` },
      /^interactions\.csv:3: "ts" expected/,
    ],
    [
      'a CSV quote that never closes',
      { 'catalog.jsonl': catalog, 'interactions.csv': `user,item,ts,type\nu1,a,${T},view_item\nu1,"b,${T},view_item\n` },
      /^interactions\.csv:3: a quoted field that starts here never ends/,
    ],
    [
      'a CSV row with too few fields',
      { 'catalog.jsonl': catalog, 'interactions.csv': `user,item,ts,type\nu1,a,${T}\n` },
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

describe('loadDataset, timestamps (README: epoch ms or ISO 8601)', () => {
  const csv = (...rows: string[]) => ({ 'catalog.jsonl': catalog, 'interactions.csv': ['user,item,ts,type', ...rows].join('\n') });
  const times = (files: Record<string, string>) => Array.from(loadDataset(dataDir(files)).users[0]!.seq.ts!);

  it('reads ISO 8601 dates, with an offset or without one (UTC), and epoch ms as a number or as digits', () => {
    expect(
      times(csv('u1,a,2024-03-02,view_item', 'u1,b,2024-03-02T10:00:00Z,view_item', 'u1,a,2024-03-02T12:30:00+02:00,view_item')),
    ).toEqual([Date.UTC(2024, 2, 2), Date.UTC(2024, 2, 2, 10), Date.UTC(2024, 2, 2, 10, 30)]);
    expect(times(csv(`u1,a,${T},view_item`, 'u1,b,2024-03-02T10:00:00.250,view_item'))).toEqual([T, Date.UTC(2024, 2, 2, 10, 0, 0, 250)]);
  });

  // Date.parse read "02.03.2024" (2 March) as February 3 and "10.02.2024" as October 2: the events' order reversed.
  it.each([['02.03.2024 10:00'], ['03/02/2024'], ['2 March 2024'], ['5'], ['1 2'], ['2024-02-30']])(
    'stops at a date that is not ISO 8601 (%s), naming the file, line and the forms it takes',
    (ts) => {
      expect(() => loadDataset(dataDir(csv(`u1,a,${T},view_item`, `u1,b,${ts},view_item`)))).toThrow(
        /^interactions\.csv:3: "ts" expected (epoch milliseconds or ISO 8601 \(2024-03-02, 2024-03-02T10:00:00Z, 2024-03-02T10:00:00\+01:00\)|a valid ISO 8601 date)/,
      );
    },
  );

  it('says a number looks like epoch seconds (read as ms, a shop history fit in one day of 1970)', () => {
    expect(() => loadDataset(dataDir(csv('u1,a,1700000000,view_item')))).toThrow(
      /^interactions\.csv:2: "ts" expected epoch milliseconds, got "1700000000", which looks like epoch seconds \(as milliseconds it is 1970-01-20.*\): multiply by 1000$/,
    );
    expect(() => loadDataset(dataDir({ 'catalog.jsonl': catalog, 'interactions.jsonl': row({ ts: 1700000000 }) }))).toThrow(
      /^interactions\.jsonl:1: "ts" expected epoch milliseconds, got 1700000000, which looks like epoch seconds/,
    );
  });

  it("says a number looks like microseconds (GA4 BigQuery's event_timestamp), and reads that column as microseconds", () => {
    expect(() => loadDataset(dataDir(csv('u1,a,1722247062005000,view_item')))).toThrow(
      /^interactions\.csv:2: "ts" expected epoch milliseconds, got "1722247062005000", which looks like epoch microseconds .*: divide by 1000, or name the column event_timestamp/,
    );
    const ga4 = {
      'catalog.jsonl': catalog,
      'interactions.csv':
        'user_pseudo_id,item_id,event_timestamp,event_name\nu1,a,1722247062005000,view_item\nu1,b,1722247063005000,add_to_cart\n',
    };
    const ds = loadDataset(dataDir(ga4));
    expect(Array.from(ds.users[0]!.seq.ts!)).toEqual([1722247062005, 1722247063005]);
    expect(Array.from(ds.users[0]!.seq.events)).toEqual([EVENT_INDEX.view_item, EVENT_INDEX.add_to_cart]);
    // A GA4 BigQuery export as it is: GA4's other events (a page_view without an item, a view_cart, a refund) skipped
    // and counted, not taken for a wrong type; a name that is no GA4 event still stops the run.
    const notes: string[] = [];
    const all = loadDataset(
      dataDir({
        ...ga4,
        'interactions.csv':
          'user_pseudo_id,item_id,event_timestamp,event_name\nu1,,1722247061005000,page_view\nu1,a,1722247062005000,view_item\n' +
          'u1,,1722247062505000,page_view\nu1,a,1722247062605000,view_cart\nu1,b,1722247063005000,add_to_cart\nu1,b,1722247064005000,refund\n',
      }),
      { note: (l) => notes.push(l) },
    );
    expect(Array.from(all.users[0]!.seq.events)).toEqual([EVENT_INDEX.view_item, EVENT_INDEX.add_to_cart]);
    expect(notes).toContain('interactions.csv: skipped 4 rows of GA4 events Reco does not learn from (page_view 2, view_cart 1, refund 1)');
    // Impressions and removals from the cart are GA4 ecommerce events, but no step of a history as the worker reads it:
    // left out and counted, so that no model learns the grid's own order as what the shopper does next.
    const withImpressions: string[] = [];
    const listed = loadDataset(
      dataDir({
        ...ga4,
        'interactions.csv':
          'user_pseudo_id,item_id,event_timestamp,event_name\nu1,a,1722247061005000,view_item_list\nu1,b,1722247061005000,view_item_list\n' +
          'u1,a,1722247062005000,view_item\nu1,b,1722247063005000,add_to_cart\nu1,b,1722247063505000,remove_from_cart\nu1,c,1722247064005000,view_item_list\n',
      }),
      { note: (l) => withImpressions.push(l) },
    );
    expect(Array.from(listed.users[0]!.seq.events)).toEqual([EVENT_INDEX.view_item, EVENT_INDEX.add_to_cart]);
    expect(withImpressions).toContain(
      "interactions.csv: left out 4 rows that are no step of a shopper's history, as the worker reads it (view_item_list 3, remove_from_cart 1): impressions and removals from the cart",
    );
    expect(() =>
      loadDataset(
        dataDir({ ...ga4, 'interactions.csv': 'user_pseudo_id,item_id,event_timestamp,event_name\nu1,a,1722247062005000,clicks\n' }),
      ),
    ).toThrow(/interactions\.csv:2: "event_name" expected one of view_item_list, select_item, .*got "clicks"/);
    expect(() =>
      loadDataset(
        dataDir({ ...ga4, 'interactions.csv': 'user_pseudo_id,item_id,event_timestamp,event_name\nu1,a,1722247062005,view_item\n' }),
      ),
    ).toThrow(
      /"event_timestamp" expected epoch microseconds, got "1722247062005", which looks like epoch milliseconds .*: multiply by 1000/,
    );
  });
});

describe('loadDataset, the CSV header and the files', () => {
  const csv = (header: string) => ({ 'catalog.jsonl': catalog, 'interactions.csv': `${header}\nu1,a,${T},view_item\n` });
  it.each([
    // Excel's CSV in many locales: every row read as one field, the message was '"user" expected a non-empty value'.
    [
      'user;item;ts;type',
      /^interactions\.csv:1: the header "user;item;ts;type" is one column: the file is separated by semicolons; expected commas/,
    ],
    [
      'User,Item,Ts,Type',
      /^interactions\.csv:1: unknown column "User"; names are lowercase: "user"; expected user, item, ts and optionally type .*\(header "User,Item,Ts,Type"\)/,
    ],
    // A type column under another name made every event a purchase, without a word.
    [
      'user,item,ts,event_type',
      /^interactions\.csv:1: unknown column "event_type" and no type column; expected user, item, ts and optionally type .*a row without a type is read as a purchase/,
    ],
    ['user,item,time,type', /^interactions\.csv:1: no "ts" column in the header "user,item,time,type" \(not read: "time"\); expected user/],
    ['user,item,type', /^interactions\.csv:1: no "ts" column in the header "user,item,type"; expected user, item, ts/],
    ['user,user_id,ts,type', /^interactions\.csv:1: columns "user" and "user_id" both name the user; expected one of them/],
  ])('stops at the header %s, naming it and the columns it expects', (header, message) => {
    const files = csv(header);
    if (header === 'user,item,type') files['interactions.csv'] = `${header}\nu1,a,view_item\n`;
    expect(() => loadDataset(dataDir(files))).toThrow(message);
  });

  it('stops at a JSONL key it does not know in a row without a type, instead of reading a missing type as purchase', () => {
    expect(() =>
      loadDataset(
        dataDir({ 'catalog.jsonl': catalog, 'interactions.jsonl': `{"user":"u1","item":"a","ts":${T},"event_type":"view_item"}` }),
      ),
    ).toThrow(/^interactions\.jsonl:1: unknown key "event_type" and no type key; expected user, item, ts and optionally type/);
  });

  it("reads an export's other columns and keys (a quantity, a price) as not there, and says so once", () => {
    for (const [file, text] of [
      ['interactions.csv', `user,item,ts,type,quantity,price\nu1,a,${T},view_item,1,12\nu1,b,${T + 1000},purchase,2,9\n`],
      ['interactions.jsonl', [row({ quantity: 1, price: 12 }), row({ item: 'b', ts: T + 2000, quantity: 2 })].join('\n')],
    ] as const) {
      const notes: string[] = [];
      const ds = loadDataset(dataDir({ 'catalog.jsonl': catalog, [file]: text }), { note: (l) => notes.push(l) });
      expect(ds.users[0]!.seq.items.length, file).toBe(2);
      expect(
        notes.filter((l) => /not read/.test(l)),
        file,
      ).toEqual([expect.stringMatching(new RegExp(`^${file.replace('.', '\\.')}: not read, .*: "quantity", "price"$`))]);
    }
  });

  it('stops when both interactions.jsonl and interactions.csv are there (the CSV was ignored without a word)', () => {
    expect(() =>
      loadDataset(dataDir({ 'catalog.jsonl': catalog, 'interactions.jsonl': row({}), 'interactions.csv': `user,item,ts\nu1,a,${T}\n` })),
    ).toThrow(/^--data .*: holds both interactions\.jsonl and interactions\.csv; expected one of them/);
  });

  it('names the flag and the directory to pass when given a file (it was a raw ENOTDIR)', () => {
    const dir = dataDir({ 'catalog.jsonl': catalog, 'interactions.jsonl': row({}) });
    expect(() => loadDataset(join(dir, 'interactions.jsonl'))).toThrow(
      `--data ${join(dir, 'interactions.jsonl')}: expected a directory (catalog.jsonl + interactions.jsonl|csv, or the S3-Rec files), got a file; pass the directory it is in, ${dir}`,
    );
    expect(() => loadDataset(join(dir, 'catalog.jsonl'), { flag: '--extra-data' })).toThrow(
      /^--extra-data .*catalog\.jsonl: expected a directory/,
    );
  });
});

describe('loadDataset, duplicates and items missing from the catalog', () => {
  const load = (files: Record<string, string>) => {
    const notes: string[] = [];
    const ds = loadDataset(dataDir(files), { note: (l) => notes.push(l) });
    return { ds, notes };
  };

  it('drops exact duplicate rows (an event exported twice) and says how many, in one line', () => {
    const { ds, notes } = load({
      'catalog.jsonl': catalog,
      'interactions.jsonl': [row({}), row({ item: 'b' }), row({}), row({ type: 'view_item' }), row({})].join('\n'),
    });
    expect(Array.from(ds.users[0]!.seq.items)).toEqual([0, 1, 0]);
    expect(notes).toEqual([
      'interactions.jsonl: dropped 2 exact duplicate rows (same user, item, ts and type; e.g. line 3 repeats line 1)',
    ]);
  });

  it('says how many items and rows the catalog lacks, with up to 3 examples, and keeps them as items without text', () => {
    const rows = ['x1', 'x2', 'x3', 'x4', 'x1'].map((item, k) => row({ item, ts: T + k }));
    const { ds, notes } = load({ 'catalog.jsonl': catalog, 'interactions.jsonl': [row({}), ...rows].join('\n') });
    expect(notes).toEqual([
      'interactions.jsonl: 4 of its 5 items (5 of 6 rows) are not in catalog.jsonl, e.g. "x1", "x2", "x3": kept as items without text',
    ]);
    expect(ds.items.map((i) => i.id)).toEqual(['a', 'b', 'x1', 'x2', 'x3', 'x4']);
    expect(catalogItems(ds).map((i) => i.id)).toEqual(['a', 'b']);
  });

  it('says when no item of the catalog has text: what reads text has no words, tf-idf orders by popularity', () => {
    const ids = ['{"id":"a"}', '{"id":"b","price":4}'].join('\n');
    expect(load({ 'catalog.jsonl': ids, 'interactions.jsonl': row({}) }).notes).toEqual([
      'catalog.jsonl: none of its 2 items has a title, brand or category: what reads text (tf-idf, the content part of the blend and of a trained model, the default model) has no words here, and tf-idf orders by popularity alone',
    ]);
    // One item with a brand is enough: no note.
    const some = ['{"id":"a"}', '{"id":"b","brand":"Acme"}'].join('\n');
    expect(load({ 'catalog.jsonl': some, 'interactions.jsonl': row({}) }).notes).toEqual([]);
  });

  it('stops when none of the items is in the catalog, and says when the ids differ only in case', () => {
    expect(() => load({ 'catalog.jsonl': catalog, 'interactions.jsonl': [row({ item: 'A' }), row({ item: 'c' })].join('\n') })).toThrow(
      'interactions.jsonl: none of its 2 items is in catalog.jsonl (2 ids), e.g. "A", "c"; expected the catalog\'s ids; 1 of them match a catalog id when case is ignored ("A" and "a"): write the ids the same way in both files',
    );
  });

  it('trims catalog ids as CSV cells are: "a " in the catalog is the "a" of the interactions', () => {
    const { ds, notes } = load({
      'catalog.jsonl': '{"id":"a ","title":"Rose Oil"}\n{"id":" b"}',
      'interactions.csv': `user,item,ts\nu1, a ,${T}\nu1,b,${T + 1}\n`,
    });
    expect(notes).toEqual([]);
    expect(ds.items.map((i) => i.id)).toEqual(['a', 'b']);
    expect(ds.unlisted).toBeUndefined();
  });
});

describe('dataSha256', () => {
  const jsonl = [row({ ts: T + 2 }), row({ item: 'b', ts: T + 1 }), row({ user: 'u2', ts: T + 3 })].join('\n');
  it('is the same for the same events in another format, row order or directory name, and differs for other events', () => {
    const a = dataSha256(loadDataset(dataDir({ 'catalog.jsonl': catalog, 'interactions.jsonl': jsonl })));
    const csv = `user,item,ts,type\nu2,a,${T + 3},select_item\nu1,a,${new Date(T + 2).toISOString()},select_item\nu1,b,${T + 1},select_item\n`;
    expect(dataSha256(loadDataset(dataDir({ 'catalog.jsonl': catalog, 'interactions.csv': csv })))).toBe(a);
    const other = jsonl.replace(`"ts":${T + 3}`, `"ts":${T + 4}`);
    expect(dataSha256(loadDataset(dataDir({ 'catalog.jsonl': catalog, 'interactions.jsonl': other })))).not.toBe(a);
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

describe('loadDataset, S3-Rec format: which .txt holds the sequences', () => {
  const tsv = ['item_id\tasin\ttitle\tattributes', '1\tA1\tLip Balm\t', '2\tA2\tRose Oil\t'].join('\n');
  it('the one named after the .tsv, whatever other .txt files the directory holds (a README.txt, a LICENSE.txt)', () => {
    const files = {
      'LICENSE.txt': 'MIT License\n',
      'README.txt': 'Amazon Sports, S3-Rec split\n',
      'Sports.txt': '7 1 2\n',
      'Sports_item_text.tsv': tsv,
    };
    const ds = loadDataset(dataDir(files));
    expect(ds.name).toBe('Sports');
    expect(ds.users.map((u) => [u.id, Array.from(u.seq.items)])).toEqual([['7', [0, 1]]]);
  });
  it("else the directory's only .txt; several and none named after the .tsv, or none, is an error naming the files", () => {
    expect(loadDataset(dataDir({ 'sequences.txt': '7 1 2\n', 'Sports_item_text.tsv': tsv })).users).toHaveLength(1);
    expect(() => loadDataset(dataDir({ 'a.txt': '7 1 2\n', 'b.txt': '8 2 1\n', 'Sports_item_text.tsv': tsv }))).toThrow(
      /Sports_item_text\.tsv and several \.txt files \(a\.txt, b\.txt\); expected the sequences in Sports\.txt/,
    );
    expect(() => loadDataset(dataDir({ 'Sports_item_text.tsv': tsv }))).toThrow(/has no sequences file beside it; expected Sports\.txt/);
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
