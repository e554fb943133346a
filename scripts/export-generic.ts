/**
 * Exports a dataset (either format) in the generic format a shop exports, optionally only some top-level
 * categories, as a catalog of its own: what the README's one-command training was checked on besides Beauty
 * and the demo's shoppers.
 *
 *   npx tsx scripts/export-generic.ts --data ../shared/data/beauty --out .cache/beauty-hcf --categories "Hair Care,Fragrance"
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { categoryLevels } from '../src/model/features.ts';
import { heldOutItems, loadDataset } from './lib/data.ts';
import { writeGeneric } from './lib/generic-export.ts';

const USAGE = 'usage: npx tsx scripts/export-generic.ts --data DIR --out DIR [--categories "A,B"] [--min-events N]';

function main(): void {
  const { values: a } = parseArgs({
    options: {
      data: { type: 'string' },
      out: { type: 'string' },
      categories: { type: 'string' },
      'min-events': { type: 'string', default: '3' },
      help: { type: 'boolean', default: false },
    },
  });
  if (a.help || !a.data || !a.out) {
    console.log(USAGE);
    process.exit(a.help ? 0 : 1);
  }
  // The export replaces catalog.jsonl and interactions.jsonl in --out: into --data, it replaced the shop's own export.
  if (resolve(a.out) === resolve(a.data))
    throw new Error(`--out ${a.out}: the --data directory itself, whose files the export would replace; expected another directory`);
  const minEvents = Number(a['min-events']);
  if (!Number.isInteger(minEvents) || minEvents < 1) throw new Error(`--min-events: expected a positive integer, got ${a['min-events']}`);
  const categories = a.categories
    ?.split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  if (a.categories !== undefined && !categories?.length)
    throw new Error(`--categories: expected top-level category names separated by commas, got ${JSON.stringify(a.categories)}`);
  const ds = loadDataset(a.data);
  if (categories && heldOutItems(ds.items, categories).size === 0) {
    const tops = [...new Set(ds.items.map((it) => categoryLevels(it.category)[0]).filter(Boolean))].sort();
    throw new Error(
      `--categories: no item of ${a.data} is in ${categories.join(', ')}; expected some of its top-level categories (${tops.join(', ')})`,
    );
  }
  const r = writeGeneric(ds, a.out, { categories, minEvents });
  console.log(
    `${a.out}: ${r.users} shoppers, ${r.items} items, ${r.interactions} interactions${categories ? ` (top-level ${categories.join(', ')})` : ''}`,
  );
}

try {
  main();
} catch (err) {
  console.error(`export-generic: ${(err as Error).message}`);
  process.exit(1);
}
