/**
 * Training data readers. Two formats:
 * - the S3-Rec Amazon format (`*.txt`: "user item item ..." in time order, plus `*_item_text.tsv`:
 *   item_id, asin, title, "brand | category | sub | ..."), as in ../shared/data/beauty;
 * - the generic format any shop can export: `interactions.jsonl` or `interactions.csv`
 *   (user, item, ts, type) and `catalog.jsonl` ({ id, title, brand, category, price }).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readText } from './cli.ts';
import { basename, dirname, join } from 'node:path';
import { categoryLevels, featurizeItems, type FeatureConfig } from '../../src/model/features.ts';
import { EVENT_INDEX, lastSteps } from '../../src/model/sequence.ts';
import { rng } from '../../src/model/rng.ts';
import { type Catalog, type Sequence } from '../../src/model/train/trainer.ts';
import { HISTORY_TYPES } from '../../src/shared/labels.ts';
import { EVENT_TYPES, type EventType, type ItemFeatures } from '../../src/shared/types.ts';
import { parseCsv } from './csv.ts';

export interface Dataset {
  name: string;
  /** Catalog items; a sequence refers to them by index. */
  items: ItemFeatures[];
  users: { id: string; seq: Sequence }[];
  /** Items that only the interactions name, not the catalog (they have no text); absent when there are none. */
  unlisted?: ReadonlySet<number>;
}

export interface LoadOptions {
  /** The flag that named the directory, for messages (default --data). */
  flag?: string;
  /** Where the loader's one-line findings go (duplicates dropped, items missing from the catalog); default stderr. */
  note?: (line: string) => void;
}

/** Reads a dataset directory in either format; throws with the file and line on bad input. */
export function loadDataset(dir: string, opts: LoadOptions = {}): Dataset {
  const flag = opts.flag ?? '--data';
  const note = opts.note ?? ((line: string) => console.error(line));
  if (!existsSync(dir)) throw new Error(`${flag} ${dir}: no such directory`);
  if (!statSync(dir).isDirectory())
    throw new Error(
      `${flag} ${dir}: expected a directory (catalog.jsonl + interactions.jsonl|csv, or the S3-Rec files), got a file${/^(catalog|interactions)\.(jsonl|csv)$/.test(basename(dir)) ? `; pass the directory it is in, ${dirname(dir)}` : ''}`,
    );
  const files = readdirSync(dir);
  const tsv = files.find((f) => f.endsWith('_item_text.tsv'));
  if (tsv) return loadAmazon(dir, amazonSequences(dir, files, tsv, flag), tsv);
  if (files.includes('catalog.jsonl') && (files.includes('interactions.jsonl') || files.includes('interactions.csv')))
    return loadGeneric(dir, note);
  throw new Error(
    `${flag} ${dir}: expected Beauty.txt + Beauty_item_text.tsv (S3-Rec format) or catalog.jsonl + interactions.jsonl|csv (generic format, see README)`,
  );
}

/**
 * The S3-Rec sequences file beside `NAME_item_text.tsv`: `NAME.txt`, or the directory's one `.txt` file (a README.txt
 * or LICENSE.txt beside them is not taken for it).
 * @throws naming the files when there is none, or several and none named after the .tsv
 */
function amazonSequences(dir: string, files: readonly string[], tsv: string, flag: string): string {
  const named = `${tsv.slice(0, -'_item_text.tsv'.length)}.txt`;
  if (files.includes(named)) return named;
  const txt = files.filter((f) => f.endsWith('.txt'));
  if (txt.length === 1) return txt[0]!;
  throw new Error(
    txt.length === 0
      ? `${flag} ${dir}: ${tsv} has no sequences file beside it; expected ${named} (S3-Rec format: one user a line, "user item item ...")`
      : `${flag} ${dir}: ${tsv} and several .txt files (${txt.join(', ')}); expected the sequences in ${named}`,
  );
}

/** The catalog's own items, without those only the interactions name: what document frequencies count (README). */
export function catalogItems(ds: Dataset): ItemFeatures[] {
  return ds.unlisted?.size ? ds.items.filter((_, i) => !ds.unlisted!.has(i)) : ds.items;
}

/** {@link dataSha256} of each dataset loaded, once taken. */
const hashes = new WeakMap<Dataset, string>();

/**
 * A hash of the interactions (user, item id, time and type of each event), the same whatever the file format, the
 * row order or the directory's name: what a trained model's manifest records (training.dataSha256) and
 * `eval --transfer` compares, to tell the data a model trained on from data it never saw.
 */
export function dataSha256(ds: Dataset): string {
  // Taken once per loaded dataset (eval asks for each model it checks): it reads the shoppers' events, which nothing
  // changes once loaded (train's --extra-data appends items after them, which no event of this data names).
  const known = hashes.get(ds);
  if (known) return known;
  const hash = createHash('sha256');
  const byId = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  for (const { id, seq } of [...ds.users].sort((x, y) => byId(x.id, y.id))) {
    const events = Array.from(seq.items, (item, k) => [seq.ts ? seq.ts[k]! : k, ds.items[item]!.id, seq.events[k]!] as const);
    // Events at the same time are in file order; the hash must not depend on it.
    if (seq.ts) events.sort((x, y) => x[0] - y[0] || byId(x[1], y[1]) || x[2] - y[2]);
    hash.update(JSON.stringify([id, events]) + '\n');
  }
  const hex = hash.digest('hex');
  hashes.set(ds, hex);
  return hex;
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
  const unlisted = new Set([...items.keys()].filter((i) => !byId.has(i + 1)));
  return { name: txt.replace(/\.txt$/, ''), items, users, ...(unlisted.size ? { unlisted } : {}) };
}

function loadGeneric(dir: string, note: (line: string) => void): Dataset {
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
  const listed = items.length;
  if (listed > 0 && !items.some((it) => it.title || it.brand || it.category))
    note(
      `catalog.jsonl: none of its ${listed} items has a title, brand or category: what reads text (tf-idf, the content part of the blend and of a trained model, the default model) has no words here, and tf-idf orders by popularity alone`,
    );
  const file = interactionsFile(dir);
  const raw = file === 'interactions.jsonl' ? readJsonlInteractions(dir, note) : readCsvInteractions(dir, note);
  const rows = historyRows(withoutDuplicates(raw, file, note), file, note);
  reportUnlisted(rows, index, file, note);
  const byUser = new Map<string, typeof rows>();
  for (const r of rows) {
    if (!byUser.has(r.user)) byUser.set(r.user, []);
    byUser.get(r.user)!.push(r);
  }
  const users: Dataset['users'] = [];
  let merged = 0;
  for (const [id, all] of byUser) {
    all.sort((a, b) => a.ts - b.ts);
    const rows = lastSteps(all, Infinity, (r) => r.item);
    merged += all.length - rows.length;
    users.push({
      id,
      seq: {
        items: Int32Array.from(rows, (r) => add({ id: r.item })),
        events: Int32Array.from(rows, (r) => EVENT_INDEX[r.type]),
        ts: Float64Array.from(rows, (r) => r.ts),
      },
    });
  }
  if (merged > 0)
    note(
      `${file}: read ${merged} events as part of one step (consecutive events of one item, such as a click and its product page, are one step of a shopper's history, as the worker reads it)`,
    );
  const unlisted = new Set<number>();
  for (let i = listed; i < items.length; i++) unlisted.add(i);
  return { name: dir.split('/').filter(Boolean).pop() ?? 'data', items, users, ...(unlisted.size ? { unlisted } : {}) };
}

/**
 * The rows of a shopper's history as the worker reads it (HISTORY_TYPES): impressions (view_item_list) and removals from
 * the cart are valid rows but no step of it, so a model does not learn to predict the grid's own order, or train on
 * what it never reads. One line counts them by name.
 */
function historyRows(rows: readonly Interaction[], file: string, note: (line: string) => void): Interaction[] {
  const kept = rows.filter((r) => HISTORY_TYPES.includes(r.type));
  if (kept.length < rows.length) {
    const counts = new Map<string, number>();
    for (const r of rows) if (!HISTORY_TYPES.includes(r.type)) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    const each = [...counts].sort((a, b) => b[1] - a[1]).map(([type, n]) => `${type} ${n}`);
    note(
      `${file}: left out ${rows.length - kept.length} rows that are no step of a shopper's history, as the worker reads it (${each.join(', ')}): impressions and removals from the cart`,
    );
  }
  return kept;
}

/** The interactions file of a generic-format directory; both formats at once is an error, not a silent choice. */
function interactionsFile(dir: string): 'interactions.jsonl' | 'interactions.csv' {
  const jsonl = existsSync(join(dir, 'interactions.jsonl'));
  const csv = existsSync(join(dir, 'interactions.csv'));
  if (jsonl && csv)
    throw new Error(
      `--data ${dir}: holds both interactions.jsonl and interactions.csv; expected one of them (move the other out of the directory)`,
    );
  return jsonl ? 'interactions.jsonl' : 'interactions.csv';
}

/** One interaction as read, with the line it came from (for messages). */
interface Interaction {
  user: string;
  item: string;
  ts: number;
  type: EventType;
  line: number;
}

type Field = 'user' | 'item' | 'ts' | 'type';

/**
 * The names a CSV column or a JSONL key may have. Besides the generic names, GA4's BigQuery export's own
 * (user_pseudo_id, event_timestamp in microseconds, event_name; items' item_id) and OTTO's (session, aid), so an
 * export read as it is gives no column whose meaning is guessed.
 */
const FIELD_NAMES: Readonly<Record<string, Field>> = {
  user: 'user',
  user_id: 'user',
  user_pseudo_id: 'user',
  session: 'user',
  item: 'item',
  item_id: 'item',
  aid: 'item',
  ts: 'ts',
  timestamp: 'ts',
  event_timestamp: 'ts',
  type: 'type',
  event: 'type',
  event_name: 'type',
};
const EXPECTED_NAMES =
  'user, item, ts and optionally type (or user_id, user_pseudo_id, session; item_id, aid; timestamp, event_timestamp (GA4 BigQuery, microseconds); event, event_name)';

/**
 * The field each name stands for, and the names that stand for none (an export's other columns: a quantity, a price).
 * Throws naming `where` (and `context`) for a known name in capitals or two names of one field.
 */
function fieldNames(names: readonly string[], where: string, what: string, context = ''): { fields: Map<string, Field>; other: string[] } {
  const fields = new Map<string, Field>();
  const other: string[] = [];
  const by = new Map<Field, string>();
  const fieldOf = (name: string) => (Object.hasOwn(FIELD_NAMES, name) ? FIELD_NAMES[name] : undefined);
  for (const name of names) {
    const field = fieldOf(name);
    if (!field) {
      if (fieldOf(name.toLowerCase()))
        throw new Error(
          `${where}: unknown ${what} ${JSON.stringify(name)}; names are lowercase: "${name.toLowerCase()}"; expected ${EXPECTED_NAMES}${context}`,
        );
      other.push(name);
      continue;
    }
    const prior = by.get(field);
    if (prior !== undefined)
      throw new Error(
        `${where}: ${what}s ${JSON.stringify(prior)} and ${JSON.stringify(name)} both name the ${field}; expected one of them${context}`,
      );
    by.set(field, name);
    fields.set(name, field);
  }
  return { fields, other };
}

/**
 * Other columns are not read, and said so once; but where there is no type, one of them may be the type under another
 * name (event_type): a missing type is read as a purchase, so that stops the run rather than guess.
 */
function checkOtherNames(fields: Map<string, Field>, other: readonly string[], where: string, what: string, context = ''): void {
  if (other.length > 0 && ![...fields.values()].includes('type'))
    throw new Error(
      `${where}: unknown ${what} ${JSON.stringify(other[0])} and no type ${what}; expected ${EXPECTED_NAMES}${context} (a row without a type is read as a purchase: name the type ${what} "type", or drop the ${what})`,
    );
}

function readJsonlInteractions(dir: string, note: (line: string) => void): Interaction[] {
  const rows: Interaction[] = [];
  const ignored = new Set<string>();
  const skipped = skippedEvents('interactions.jsonl', note);
  readText(join(dir, 'interactions.jsonl'))
    .split('\n')
    .forEach((line, n) => {
      if (!line.trim()) return;
      const where = `interactions.jsonl:${n + 1}`;
      const o = parseJson(line, where);
      if (o === null || typeof o !== 'object' || Array.isArray(o))
        throw new Error(`${where}: expected an object like {"user":"u1","item":"sku-1","ts":1700000000000}, got ${JSON.stringify(o)}`);
      const { fields, other } = fieldNames(Object.keys(o), where, 'key');
      checkOtherNames(fields, other, where, 'key');
      for (const name of other) ignored.add(name);
      const values: Partial<Record<Field, { name: string; value: unknown }>> = {};
      for (const [name, field] of fields) values[field] = { name, value: (o as Record<string, unknown>)[name] };
      const row = interaction(values, where, n + 1, skipped.skip);
      if (row) rows.push(row);
    });
  if (ignored.size > 0)
    note(`interactions.jsonl: not read, keys other than ${EXPECTED_NAMES}: ${[...ignored].map((k) => JSON.stringify(k)).join(', ')}`);
  skipped.report();
  return rows;
}

function readCsvInteractions(dir: string, note: (line: string) => void): Interaction[] {
  const [head, ...records] = parseCsv(readText(join(dir, 'interactions.csv')), 'interactions.csv');
  if (!head) return [];
  const names = head.cells.map((h) => h.trim());
  const header = JSON.stringify(names.join(','));
  const where = `interactions.csv:${head.line}`;
  if (names.length === 1 && /[;\t]/.test(names[0]!))
    throw new Error(
      `${where}: the header ${header} is one column: the file is separated by ${names[0]!.includes(';') ? 'semicolons' : 'tabs'}; expected commas, as in "user,item,ts,type" (in Excel, save as "CSV UTF-8 (comma delimited)")`,
    );
  const { fields, other } = fieldNames(names, where, 'column', ` (header ${header})`);
  const missing = (['user', 'item', 'ts'] as const).filter((f) => ![...fields.values()].includes(f));
  const notRead = other.map((c) => JSON.stringify(c)).join(', ');
  if (missing.length > 0)
    throw new Error(
      `${where}: no ${missing.map((f) => `"${f}"`).join(', ')} column in the header ${header}${other.length ? ` (not read: ${notRead})` : ''}; expected ${EXPECTED_NAMES}`,
    );
  checkOtherNames(fields, other, where, 'column', ` (header ${header})`);
  if (other.length > 0) note(`interactions.csv: not read, columns other than ${EXPECTED_NAMES}: ${notRead}`);
  const skipped = skippedEvents('interactions.csv', note);
  const rows = records.flatMap(({ cells, line }) => {
    if (cells.length !== names.length)
      throw new Error(`interactions.csv:${line}: expected ${names.length} fields (${names.join(', ')}), got ${cells.length}`);
    const values: Partial<Record<Field, { name: string; value: unknown }>> = {};
    names.forEach((name, i) => {
      const field = fields.get(name);
      if (field) values[field] = { name, value: cells[i]!.trim() };
    });
    return interaction(values, `interactions.csv:${line}`, line, skipped.skip) ?? [];
  });
  skipped.report();
  return rows;
}

/**
 * GA4's other automatic, enhanced-measurement and recommended events: a GA4 BigQuery export holds them beside the
 * ecommerce events Reco learns from. They name no item the shopper looked at (a page_view has no item_id) or one Reco
 * does not learn from (view_cart, refund): skipped and counted, not stopped at as a wrong type. Not GA4's outbound
 * `click`: a shop's own export may call a product click that, and it stops the run with the names Reco reads.
 */
const OTHER_GA4_EVENTS = new Set([
  'page_view',
  'session_start',
  'first_visit',
  'first_open',
  'user_engagement',
  'scroll',
  'file_download',
  'form_start',
  'form_submit',
  'video_start',
  'video_progress',
  'video_complete',
  'search',
  'view_search_results',
  'login',
  'sign_up',
  'generate_lead',
  'share',
  'select_content',
  'view_cart',
  'add_shipping_info',
  'add_payment_info',
  'refund',
  'view_promotion',
  'select_promotion',
]);

/** Rows skipped as GA4 events Reco does not learn from, by event name, and one line saying so. */
function skippedEvents(file: string, note: (line: string) => void) {
  const counts = new Map<string, number>();
  return {
    skip: (type: string) => counts.set(type, (counts.get(type) ?? 0) + 1),
    report() {
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      const each = [...counts].sort((a, b) => b[1] - a[1]).map(([type, n]) => `${type} ${n}`);
      if (total) note(`${file}: skipped ${total} rows of GA4 events Reco does not learn from (${each.join(', ')})`);
    },
  };
}

/**
 * One interaction from its fields' values, checked; a missing type is a purchase (README). Null for a GA4 event
 * Reco does not learn from (OTHER_GA4_EVENTS: `skip` counts it).
 */
function interaction(
  v: Partial<Record<Field, { name: string; value: unknown }>>,
  where: string,
  line: number,
  skip: (type: string) => void,
): Interaction | null {
  const given = v.type?.value;
  if (typeof given === 'string' && OTHER_GA4_EVENTS.has(given)) return (skip(given), null);
  const id = (field: 'user' | 'item') => {
    const x = v[field]?.value;
    if ((typeof x !== 'string' && typeof x !== 'number') || String(x).trim() === '')
      throw new Error(`${where}: "${v[field]?.name ?? field}" expected a non-empty value, got ${JSON.stringify(x ?? null)}`);
    return String(x).trim();
  };
  const user = id('user');
  const item = id('item');
  const ts = parseTimestamp(v.ts?.value, v.ts?.name ?? 'ts', where);
  const type = v.type === undefined ? 'purchase' : v.type.value;
  if (!(EVENT_TYPES as readonly unknown[]).includes(type))
    throw new Error(`${where}: "${v.type?.name ?? 'type'}" expected one of ${EVENT_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
  return { user, item, ts, type: type as EventType, line };
}

/**
 * One catalog row ({ id, title, brand, category, price }), checked field by field.
 * @throws Error naming `where` (file and line) and the field
 */
export function catalogItem(row: unknown, where: string): ItemFeatures {
  if (row === null || typeof row !== 'object' || Array.isArray(row))
    throw new Error(`${where}: expected an object like {"id":"sku-1","title":"..."}, got ${JSON.stringify(row)}`);
  const o = row as Partial<ItemFeatures> & { id?: unknown };
  // Ids are trimmed as CSV cells are: "sku-1 " in the catalog is the "sku-1" the interactions name.
  if ((typeof o.id !== 'string' && typeof o.id !== 'number') || String(o.id).trim() === '')
    throw new Error(`${where}: "id" expected a non-empty string, got ${JSON.stringify(o.id)}`);
  for (const field of ['title', 'brand', 'category'] as const) {
    if (o[field] != null && typeof o[field] !== 'string')
      throw new Error(`${where}: "${field}" expected a string, got ${JSON.stringify(o[field])}`);
  }
  const price = o.price == null || (o.price as unknown) === '' ? undefined : Number(o.price);
  if (price !== undefined && !Number.isFinite(price))
    throw new Error(`${where}: "price" expected a number, got ${JSON.stringify(o.price)}`);
  return { id: String(o.id).trim(), title: o.title, brand: o.brand, category: o.category, price };
}

function parseJson(line: string, where: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`${where}: not valid JSON`);
  }
}

const MIN_MS = 1e11; // 1973-03-03: an earlier "time" is a number in another unit, or not a time
const MAX_MS = 1e14; // the year 5138
const UNITS = [
  { name: 'seconds', perMs: 1e-3 },
  { name: 'milliseconds', perMs: 1 },
  { name: 'microseconds', perMs: 1e3 },
  { name: 'nanoseconds', perMs: 1e6 },
] as const;
const ISO_EXAMPLES = '2024-03-02, 2024-03-02T10:00:00Z, 2024-03-02T10:00:00+01:00';
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * An event time in epoch ms, from epoch ms (a number, or digits in a CSV cell) or an ISO 8601 date (without an
 * offset: UTC). `event_timestamp` is GA4 BigQuery's, in microseconds. Anything else stops the run: Date.parse read
 * "02.03.2024" as February 3, and epoch seconds taken as ms put a shop's whole history into one day of 1970.
 * @throws Error naming `where`, the field, the unit the number looks like, and what is expected
 */
export function parseTimestamp(raw: unknown, name: string, where: string): number {
  const unit = name === 'event_timestamp' ? UNITS[2] : UNITS[1];
  const expected = `"${name}" expected epoch ${unit.name} or ISO 8601 (${ISO_EXAMPLES})`;
  const text = typeof raw === 'string' ? raw.trim() : raw;
  if (typeof text === 'number' || (typeof text === 'string' && /^\d+(\.\d+)?$/.test(text))) {
    const v = Number(text);
    const ms = v / unit.perMs;
    if (ms >= MIN_MS && ms < MAX_MS) return ms;
    const date = Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : 'no date';
    const looks = UNITS.find((u) => v >= MIN_MS * u.perMs && v < MAX_MS * u.perMs);
    if (!looks) throw new Error(`${where}: ${expected}, got ${JSON.stringify(raw)} (as ${unit.name}: ${date})`);
    const factor = looks.perMs / unit.perMs;
    const fix = factor < 1 ? `multiply by ${1 / factor}` : `divide by ${factor}`;
    const ga4 = looks.name === 'microseconds' ? ", or name the column event_timestamp (GA4 BigQuery's, in microseconds)" : '';
    throw new Error(
      `${where}: "${name}" expected epoch ${unit.name}, got ${JSON.stringify(raw)}, which looks like epoch ${looks.name} (as ${unit.name} it is ${date}): ${fix}${ga4}`,
    );
  }
  const m = typeof text === 'string' ? ISO_8601.exec(text) : null;
  if (!m) throw new Error(`${where}: ${expected}, got ${JSON.stringify(raw)}`);
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => Number(x ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const zone = /^([+-])(\d{2}):?(\d{2})?$/.exec(m[8] ?? '');
  const offset = zone ? (zone[1] === '-' ? -1 : 1) * (Number(zone[2]) * 60 + Number(zone[3] ?? 0)) : 0;
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (mo < 1 || mo > 12 || day.getUTCDate() !== d || day.getUTCMonth() !== mo - 1 || h > 23 || mi > 59 || s > 59)
    throw new Error(`${where}: "${name}" expected a valid ISO 8601 date and time, got ${JSON.stringify(raw)}`);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) + Math.round(Number(`0.${m[7] ?? '0'}`) * 1000) - offset * 60e3;
  if (ms < MIN_MS || ms >= MAX_MS) throw new Error(`${where}: "${name}" expected a date from 1973 on, got ${JSON.stringify(raw)}`);
  return ms;
}

/** The rows without exact repeats (same user, item, ts and type: an event exported twice), with one line saying how many. */
function withoutDuplicates(rows: readonly Interaction[], file: string, note: (line: string) => void): Interaction[] {
  const first = new Map<string, number>();
  const kept: Interaction[] = [];
  let example = '';
  for (const r of rows) {
    const key = JSON.stringify([r.user, r.item, r.ts, r.type]);
    const at = first.get(key);
    if (at === undefined) {
      first.set(key, r.line);
      kept.push(r);
    } else if (!example) example = `line ${r.line} repeats line ${at}`;
  }
  const dropped = rows.length - kept.length;
  if (dropped > 0) note(`${file}: dropped ${dropped} exact duplicate rows (same user, item, ts and type; e.g. ${example})`);
  return kept;
}

/**
 * Says how many of the interactions' items the catalog lacks (they are kept, as items without text), and stops when
 * it has none of them: ids written differently in the two files (case) left every item without text, and no error.
 * @param catalog the catalog's ids (all of them, before the interactions add theirs)
 */
function reportUnlisted(
  rows: readonly Interaction[],
  catalog: ReadonlyMap<string, number>,
  file: string,
  note: (line: string) => void,
): void {
  const missing = new Map<string, number>();
  const items = new Set<string>();
  for (const r of rows) {
    items.add(r.item);
    if (!catalog.has(r.item)) missing.set(r.item, (missing.get(r.item) ?? 0) + 1);
  }
  if (missing.size === 0) return;
  const examples = [...missing.keys()]
    .slice(0, 3)
    .map((id) => JSON.stringify(id))
    .join(', ');
  const folded = new Map([...catalog.keys()].map((id) => [id.toLowerCase(), id]));
  const sameButCase = [...missing.keys()].filter((id) => folded.has(id.toLowerCase()));
  const hint =
    sameButCase.length > 0
      ? `; ${sameButCase.length} of them match a catalog id when case is ignored (${JSON.stringify(sameButCase[0])} and ${JSON.stringify(folded.get(sameButCase[0]!.toLowerCase()))}): write the ids the same way in both files`
      : '';
  if (missing.size === items.size)
    throw new Error(
      `${file}: none of its ${items.size} items is in catalog.jsonl (${catalog.size} ids), e.g. ${examples}; expected the catalog's ids${hint}`,
    );
  const rowCount = [...missing.values()].reduce((a, b) => a + b, 0);
  note(
    `${file}: ${missing.size} of its ${items.size} items (${rowCount} of ${rows.length} rows) are not in catalog.jsonl, e.g. ${examples}: kept as items without text${hint}`,
  );
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
