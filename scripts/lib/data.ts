/**
 * Training data readers. Two formats:
 * - the S3-Rec Amazon format (`*.txt`: "user item item ..." in time order, plus `*_item_text.tsv`:
 *   item_id, asin, title, "brand | category | sub | ..."), as in ../shared/data/beauty;
 * - the generic format any shop can export: `interactions.jsonl` or `interactions.csv`
 *   (user, item, ts, type) and `catalog.jsonl` ({ id, title, brand, category, price }).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readText } from './cli.ts';
import { join } from 'node:path';
import { categoryLevels, featurizeItems, type FeatureConfig } from '../../src/model/features.ts';
import { EVENT_INDEX } from '../../src/model/sequence.ts';
import { rng } from '../../src/model/rng.ts';
import { type Catalog, type Sequence } from '../../src/model/train/trainer.ts';
import { EVENT_TYPES, type EventType, type ItemFeatures } from '../../src/shared/types.ts';
import { parseCsvObjects } from './csv.ts';

export interface Dataset {
  name: string;
  /** Catalog items; a sequence refers to them by index. */
  items: ItemFeatures[];
  users: { id: string; seq: Sequence }[];
}

/** Reads a dataset directory in either format; throws with the file and line on bad input. */
export function loadDataset(dir: string): Dataset {
  if (!existsSync(dir)) throw new Error(`--data ${dir}: no such directory`);
  const files = readdirSync(dir);
  const txt = files.find((f) => /\.txt$/.test(f) && files.some((g) => g.endsWith('_item_text.tsv')));
  if (txt)
    return loadAmazon(
      dir,
      txt,
      files.find((f) => f.endsWith('_item_text.tsv'))!,
    );
  if (files.includes('catalog.jsonl') && (files.includes('interactions.jsonl') || files.includes('interactions.csv')))
    return loadGeneric(dir);
  throw new Error(
    `--data ${dir}: expected Beauty.txt + Beauty_item_text.tsv (S3-Rec format) or catalog.jsonl + interactions.jsonl|csv (generic format, see README)`,
  );
}

const decodeEntities = (s: string) =>
  s
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');

function loadAmazon(dir: string, txt: string, tsv: string): Dataset {
  const rows = readFileSync(join(dir, tsv), 'utf8')
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((l) => l.split('\t'));
  // "brand | top | sub | ..." but the brand is sometimes missing: a first field that is also common as a
  // second field is a top-level category, not a brand.
  const first = new Map<string, number>();
  const second = new Map<string, number>();
  for (const r of rows) {
    const a = (r[3] ?? '').split(' | ');
    first.set(a[0]!, (first.get(a[0]!) ?? 0) + 1);
    if (a[1]) second.set(a[1], (second.get(a[1]) ?? 0) + 1);
  }
  const isTop = (s: string) => (first.get(s) ?? 0) >= 50 && (second.get(s) ?? 0) >= 50;
  const byId = new Map<number, ItemFeatures>();
  for (const r of rows) {
    const id = Number(r[0]);
    const attrs = decodeEntities(r[3] ?? '')
      .split(' | ')
      .filter(Boolean);
    const brand = attrs.length > 0 && !isTop(attrs[0]!) ? attrs.shift() : undefined;
    byId.set(id, { id: String(id), title: decodeEntities(r[2] ?? ''), brand, category: attrs.join(' > ') });
  }
  const users: Dataset['users'] = [];
  let maxItem = 0;
  for (const line of readFileSync(join(dir, txt), 'utf8').split('\n')) {
    const parts = line.trim().split(/\s+/).map(Number);
    if (parts.length < 2) continue;
    const ids = parts.slice(1);
    for (const i of ids) maxItem = Math.max(maxItem, i);
    users.push({ id: String(parts[0]), seq: { items: Int32Array.from(ids, (i) => i - 1), events: new Int32Array(ids.length), ts: null } });
  }
  const items = Array.from({ length: maxItem }, (_, i) => byId.get(i + 1) ?? { id: String(i + 1) });
  return { name: txt.replace(/\.txt$/, ''), items, users };
}

function loadGeneric(dir: string): Dataset {
  const items: ItemFeatures[] = [];
  const index = new Map<string, number>();
  const add = (f: ItemFeatures) => {
    if (!index.has(f.id)) {
      index.set(f.id, items.length);
      items.push(f);
    }
    return index.get(f.id)!;
  };
  const firstLine = new Map<string, number>();
  readText(join(dir, 'catalog.jsonl'))
    .split('\n')
    .forEach((line, n) => {
      if (!line.trim()) return;
      const where = `catalog.jsonl:${n + 1}`;
      const item = catalogItem(parseJson(line, where), where);
      // A second row of an id was dropped without a word: which of the two the shop meant is not ours to guess.
      const first = firstLine.get(item.id);
      if (first !== undefined)
        throw new Error(`${where}: "id" expected a unique id, got ${JSON.stringify(item.id)} again (first on line ${first})`);
      firstLine.set(item.id, n + 1);
      add(item);
    });
  const raw: { user: string; item: string; ts: number; type: EventType }[] = [];
  if (existsSync(join(dir, 'interactions.jsonl'))) {
    readText(join(dir, 'interactions.jsonl'))
      .split('\n')
      .forEach((line, n) => {
        if (line.trim())
          raw.push(checkRow(parseJson(line, `interactions.jsonl:${n + 1}`) as Record<string, unknown>, `interactions.jsonl:${n + 1}`));
      });
  } else {
    for (const { row, line } of parseCsvObjects(readText(join(dir, 'interactions.csv')), 'interactions.csv')) {
      raw.push(checkRow(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v.trim()])), `interactions.csv:${line}`));
    }
  }
  const byUser = new Map<string, typeof raw>();
  for (const r of raw) {
    if (!byUser.has(r.user)) byUser.set(r.user, []);
    byUser.get(r.user)!.push(r);
  }
  const users: Dataset['users'] = [];
  for (const [id, rows] of byUser) {
    rows.sort((a, b) => a.ts - b.ts);
    users.push({
      id,
      seq: {
        items: Int32Array.from(rows, (r) => add({ id: r.item })),
        events: Int32Array.from(rows, (r) => EVENT_INDEX[r.type]),
        ts: Float64Array.from(rows, (r) => r.ts),
      },
    });
  }
  return { name: dir.split('/').filter(Boolean).pop() ?? 'data', items, users };
}

/**
 * One catalog row ({ id, title, brand, category, price }), checked field by field.
 * @throws Error naming `where` (file and line) and the field
 */
export function catalogItem(row: unknown, where: string): ItemFeatures {
  if (row === null || typeof row !== 'object' || Array.isArray(row))
    throw new Error(`${where}: expected an object like {"id":"sku-1","title":"..."}, got ${JSON.stringify(row)}`);
  const o = row as Partial<ItemFeatures> & { id?: unknown };
  if ((typeof o.id !== 'string' && typeof o.id !== 'number') || o.id === '')
    throw new Error(`${where}: "id" expected a non-empty string, got ${JSON.stringify(o.id)}`);
  for (const field of ['title', 'brand', 'category'] as const) {
    if (o[field] != null && typeof o[field] !== 'string')
      throw new Error(`${where}: "${field}" expected a string, got ${JSON.stringify(o[field])}`);
  }
  const price = o.price == null || (o.price as unknown) === '' ? undefined : Number(o.price);
  if (price !== undefined && !Number.isFinite(price))
    throw new Error(`${where}: "price" expected a number, got ${JSON.stringify(o.price)}`);
  return { id: String(o.id), title: o.title, brand: o.brand, category: o.category, price };
}

function parseJson(line: string, where: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`${where}: not valid JSON`);
  }
}

function checkRow(o: Record<string, unknown>, where: string) {
  if (o === null || typeof o !== 'object' || Array.isArray(o))
    throw new Error(`${where}: expected an object like {"user":"u1","item":"sku-1","ts":1700000000000}, got ${JSON.stringify(o)}`);
  const user = o['user'] ?? o['user_id'] ?? o['session'];
  const item = o['item'] ?? o['item_id'] ?? o['aid'];
  const tsRaw = o['ts'] ?? o['timestamp'];
  const type = (o['type'] ?? o['event'] ?? 'purchase') as string;
  if (user == null || user === '') throw new Error(`${where}: "user" expected a non-empty value`);
  if (item == null || item === '') throw new Error(`${where}: "item" expected a non-empty value`);
  const ts = typeof tsRaw === 'number' ? tsRaw : /^\d+$/.test(String(tsRaw)) ? Number(tsRaw) : Date.parse(String(tsRaw));
  if (!Number.isFinite(ts)) throw new Error(`${where}: "ts" expected epoch milliseconds or an ISO date, got ${JSON.stringify(tsRaw)}`);
  if (!(EVENT_TYPES as readonly string[]).includes(type))
    throw new Error(`${where}: "type" expected one of ${EVENT_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
  return { user: String(user), item: String(item), ts, type: type as EventType };
}

/** Leave-one-out split: the last event is the test target, the one before it the validation target. */
export interface Split {
  train: Sequence[];
  valid: { hist: Sequence; target: number; userIndex: number }[];
  test: { hist: Sequence; target: number; userIndex: number }[];
}

export function slice(s: Sequence, end: number): Sequence {
  return { items: s.items.subarray(0, end), events: s.events.subarray(0, end), ts: s.ts ? s.ts.subarray(0, end) : null };
}

export function splitLeaveOneOut(ds: Dataset): Split {
  const split: Split = { train: [], valid: [], test: [] };
  ds.users.forEach(({ seq }, u) => {
    const n = seq.items.length;
    if (n < 3) {
      if (n >= 2) split.train.push(seq);
      return;
    }
    split.train.push(slice(seq, n - 2));
    split.valid.push({ hist: slice(seq, n - 2), target: seq.items[n - 2]!, userIndex: u });
    split.test.push({ hist: slice(seq, n - 1), target: seq.items[n - 1]!, userIndex: u });
  });
  return split;
}

/** Featurizes the dataset's items for a model. `knownIds` rows (1-based) come from the id vocabulary. */
export function makeCatalog(items: readonly ItemFeatures[], f: FeatureConfig, idRow: (i: number) => number): Catalog {
  return { tokens: featurizeItems(items, f), idRows: Int32Array.from(items, (_, i) => idRow(i)), size: items.length };
}

/**
 * Items withheld from training for the cold-start view: the same set for the same item count, fraction
 * and seed, so the train and eval CLIs agree (the eval script reads fraction and seed from the manifest).
 */
export function withheldItems(n: number, fraction: number, seed: number): Set<number> {
  const r = rng(seed ^ 0x5eed);
  const out = new Set<number>();
  for (let i = 0; i < n; i++) if (r() < fraction) out.add(i);
  return out;
}

/**
 * Items whose top-level category is one of `cats` (case-insensitive): what a model trained for the
 * transfer view never saw (train:pair --hold-out, eval --transfer).
 */
export function heldOutItems(items: readonly ItemFeatures[], cats: readonly string[]): Set<number> {
  const want = new Set(cats.map((c) => c.trim().toLowerCase()).filter(Boolean));
  const out = new Set<number>();
  items.forEach((it, i) => {
    const top = categoryLevels(it.category)[0];
    if (top && want.has(top)) out.add(i);
  });
  return out;
}
