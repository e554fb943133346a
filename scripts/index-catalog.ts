/**
 * Builds the catalog index of a shop for the pair model: how many of the shop's items contain each word
 * (document frequencies), so the worker weighs words by the whole catalog's IDF from the first ranking on,
 * rather than by the items it has seen so far.
 *
 *   npm run index -- --catalog catalog.jsonl --out public/models/myshop [--model public/models/default]
 *
 * --catalog: catalog.jsonl (one {"id","title","brand","category","price"} per line), a JSON array of such
 * items (e.g. demo/catalog.json), or a dataset directory (scripts/lib/data.ts formats).
 * Writes OUT/index.json; with --model, also copies that pair model into OUT with `index` set in its
 * manifest, so `modelUrl: '.../myshop/model.json'` serves the model with this shop's IDF.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CatalogIndex } from '../src/model/io.ts';
import { termStats } from '../src/model/text.ts';
import type { ItemFeatures } from '../src/shared/types.ts';
import { catalogItem, catalogItems, loadDataset } from './lib/data.ts';
import { checkWritable, readText } from './lib/cli.ts';

/** Reads a catalog in any of the accepted forms; throws naming the line (or item) and field of a bad row, or a repeated id. */
export function readCatalog(path: string): ItemFeatures[] {
  if (!existsSync(path)) throw new Error(`--catalog ${path}: no such file or directory`);
  // The catalog's items only: items that only the interactions name counted as documents without words.
  if (statSync(path).isDirectory()) return catalogItems(loadDataset(path, { flag: '--catalog' }));
  const text = readText(path);
  const rows: { row: unknown; where: string }[] = [];
  if (path.endsWith('.json')) {
    let arr: unknown;
    try {
      arr = JSON.parse(text);
    } catch {
      throw new Error(`--catalog ${path}: not valid JSON`);
    }
    if (!Array.isArray(arr)) throw new Error(`--catalog ${path}: expected a JSON array of items`);
    arr.forEach((row, i) => rows.push({ row, where: `${path}: item ${i + 1}` }));
  } else {
    text.split('\n').forEach((line, n) => {
      if (!line.trim()) return;
      try {
        rows.push({ row: JSON.parse(line), where: `${path}:${n + 1}` });
      } catch {
        throw new Error(`${path}:${n + 1}: not valid JSON`);
      }
    });
  }
  // A repeated id counted its words twice in the document frequencies.
  const first = new Map<string, string>();
  return rows.map(({ row, where }) => {
    const item = catalogItem(row, where);
    if (first.has(item.id))
      throw new Error(`${where}: "id" expected a unique id, got ${JSON.stringify(item.id)} again (first at ${first.get(item.id)})`);
    first.set(item.id, where);
    return item;
  });
}

/** The index file of a catalog: document frequencies of its items' words, terms sorted. */
export function catalogIndex(items: readonly ItemFeatures[]): CatalogIndex {
  const stats = termStats(items);
  return {
    format: 'reco-catalog-index',
    version: 1,
    docs: stats.docs,
    df: Object.fromEntries([...stats.df].sort((a, b) => (a[0] < b[0] ? -1 : 1))),
  };
}

function readManifest(dir: string, flag: string): Record<string, unknown> {
  const path = join(dir, 'model.json');
  if (!existsSync(path)) throw new Error(`${flag} ${dir}: no model.json there`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    throw new Error(`${flag} ${dir}: model.json is not valid JSON`);
  }
}

/**
 * Refuses an --out whose model this run would break: a trained model (a hybrid's manifest checks its own index.json's
 * hash), or a pair model whose manifest names index.json when no --model rewrites that manifest with the new hash.
 */
export function checkOut(out: string, model: string | undefined): void {
  if (!existsSync(join(out, 'model.json'))) return;
  const existing = readManifest(out, '--out');
  if (existing['formatVersion'] !== 3)
    throw new Error(
      `--out ${out}: holds a trained model (formatVersion ${JSON.stringify(existing['formatVersion'])}) whose own index.json this would overwrite; expected a new directory or a pair model's (formatVersion 3)`,
    );
  if (!model && existing['index'] != null)
    throw new Error(
      `--out ${out}: holds a pair model whose manifest checks index.json's hash; pass --model ${out} to rewrite both, or another --out`,
    );
}

function main(): void {
  const { values: a } = parseArgs({ options: { catalog: { type: 'string' }, out: { type: 'string' }, model: { type: 'string' } } });
  if (!a.catalog || !a.out) throw new Error('usage: npm run index -- --catalog FILE --out DIR [--model public/models/default]');
  checkWritable('--out', a.out, 'directory');
  const items = readCatalog(a.catalog);
  if (items.length === 0) throw new Error(`--catalog ${a.catalog}: no items`);
  // Everything is checked before anything is written: a model already in --out keeps working when the run fails.
  const manifest = a.model ? readManifest(a.model, '--model') : null;
  if (manifest && manifest['formatVersion'] !== 3)
    throw new Error(
      `--model ${a.model}: formatVersion ${JSON.stringify(manifest['formatVersion'])}, not a pair model (formatVersion 3); only the pair model reads a catalog index`,
    );
  checkOut(a.out, a.model);
  mkdirSync(a.out, { recursive: true });
  const index = catalogIndex(items);
  const json = JSON.stringify(index) + '\n';
  writeFileSync(join(a.out, 'index.json'), json);
  // Bytes as written (UTF-8): a Japanese catalog's terms take 3 bytes a character.
  console.log(
    `wrote ${join(a.out, 'index.json')}: ${index.docs} items, ${Object.keys(index.df).length} terms, ${Buffer.byteLength(json)} bytes`,
  );
  if (Object.keys(index.df).length === 0)
    console.log(
      `--catalog ${a.catalog}: none of its ${items.length} items has a title, brand or category: the index holds no words, and the default model has none to compare items by`,
    );
  if (a.model && manifest) {
    if (resolve(a.model) !== resolve(a.out)) copyFileSync(join(a.model, 'weights.bin'), join(a.out, 'weights.bin'));
    manifest['index'] = 'index.json';
    // The index's own hash: checked when it loads, and a shopper's stored copy is replaced when the index changes
    // under the same model (the catalog changed, the weights did not).
    manifest['indexSha256'] = createHash('sha256').update(json).digest('hex');
    writeFileSync(join(a.out, 'model.json'), JSON.stringify(manifest, null, 1) + '\n');
    console.log(`wrote ${join(a.out, 'model.json')}: ${String(manifest['id'])} ${String(manifest['version'])} with this catalog's IDF`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    main();
  } catch (err) {
    console.error(`index: ${(err as Error).message}`);
    process.exit(1);
  }
}
