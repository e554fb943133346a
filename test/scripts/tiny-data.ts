/** A tiny generated shop for model tests: 4 categories of 10 items; each user stays within one category. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rng } from '../../src/model/rng.ts';

const CATEGORIES = [
  { path: 'Makeup > Eyes', words: ['mascara', 'eyeliner', 'lash', 'brow', 'shadow'] },
  { path: 'Skin Care > Face', words: ['serum', 'moisturizer', 'cleanser', 'toner', 'retinol'] },
  { path: 'Hair > Styling', words: ['shampoo', 'conditioner', 'curl', 'spray', 'keratin'] },
  { path: 'Fragrance > Women', words: ['perfume', 'eau', 'parfum', 'floral', 'musk'] },
];
const BRANDS = ['Lumiere', 'Verdant', 'Aurora', 'Noir'];

/**
 * Writes catalog.jsonl and interactions.jsonl (the generic format) into `dir`.
 * Users pick distinct items of their category, popular ones (low index) more often; with `loyal: 'brand'`,
 * distinct items of their brand across all categories instead.
 */
export function writeTinyDataset(dir: string, opts: { users?: number; seed?: number; loyal?: 'category' | 'brand' } = {}): void {
  const r = rng(opts.seed ?? 1);
  mkdirSync(dir, { recursive: true });
  const catalog: string[] = [];
  CATEGORIES.forEach((c, ci) => {
    for (let k = 0; k < 10; k++) {
      const words = `${c.words[k % 5]} ${c.words[(k + 2) % 5]} ${['deluxe', 'mini', 'classic', 'pro', 'daily'][k % 5]}`;
      // Brand-loyal shops name the brand in the brand field only, so that text similarity does not find it for them.
      const title = opts.loyal === 'brand' ? words : `${BRANDS[k % 4]} ${words}`;
      catalog.push(JSON.stringify({ id: `p${ci * 10 + k}`, title, brand: BRANDS[k % 4], category: c.path, price: 5 + ((k * 7) % 40) }));
    }
  });
  const lines: string[] = [];
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  for (let u = 0; u < (opts.users ?? 200); u++) {
    const ci = u % 4;
    const n = 5 + Math.floor(r() * 4);
    const picked = new Set<number>();
    let ts = t0 + u * 86400e3;
    while (picked.size < n) {
      // Brand-loyal users: brand u % 4 is item k % 4 of every category.
      const id =
        opts.loyal === 'brand'
          ? Math.floor(r() * 4) * 10 + ci + 4 * Math.floor(r() * (ci < 2 ? 3 : 2))
          : ci * 10 + Math.min(9, Math.floor(10 * r() ** 1.5));
      if (picked.has(id)) continue;
      picked.add(id);
      ts += 60e3 + Math.floor(r() * 3600e3);
      lines.push(JSON.stringify({ user: `u${u}`, item: `p${id}`, ts, type: r() < 0.8 ? 'select_item' : 'add_to_cart' }));
    }
  }
  writeFileSync(join(dir, 'catalog.jsonl'), catalog.join('\n') + '\n');
  writeFileSync(join(dir, 'interactions.jsonl'), lines.join('\n') + '\n');
}
