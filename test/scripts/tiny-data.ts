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
 * Users pick distinct items of their category, popular ones (low index) more often.
 */
export function writeTinyDataset(dir: string, opts: { users?: number; seed?: number } = {}): void {
  const r = rng(opts.seed ?? 1);
  mkdirSync(dir, { recursive: true });
  const catalog: string[] = [];
  CATEGORIES.forEach((c, ci) => {
    for (let k = 0; k < 10; k++) {
      const title = `${BRANDS[k % 4]} ${c.words[k % 5]} ${c.words[(k + 2) % 5]} ${['deluxe', 'mini', 'classic', 'pro', 'daily'][k % 5]}`;
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
      const k = Math.min(9, Math.floor(10 * r() ** 1.5));
      if (picked.has(k)) continue;
      picked.add(k);
      ts += 60e3 + Math.floor(r() * 3600e3);
      lines.push(JSON.stringify({ user: `u${u}`, item: `p${ci * 10 + k}`, ts, type: r() < 0.8 ? 'select_item' : 'add_to_cart' }));
    }
  }
  writeFileSync(join(dir, 'catalog.jsonl'), catalog.join('\n') + '\n');
  writeFileSync(join(dir, 'interactions.jsonl'), lines.join('\n') + '\n');
}
