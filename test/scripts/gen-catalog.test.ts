import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SEED, formatCatalog, generateCatalog } from '../../scripts/gen-catalog.ts';
import { topCategory } from '../../scripts/simulate-shoppers.ts';

const demo = (path: string): string => readFileSync(new URL(`../../demo/${path}`, import.meta.url), 'utf8');

describe('generateCatalog', () => {
  const { items, svgs } = generateCatalog(DEFAULT_SEED);

  it('matches the committed demo/catalog.json and images (rerun `npx tsx scripts/gen-catalog.ts` after changing it)', () => {
    expect(demo('catalog.json')).toBe(formatCatalog(items));
    for (const item of items) expect(demo(item.image)).toBe(svgs.get(item.id));
  });

  it('is deterministic by seed', () => {
    expect(generateCatalog(DEFAULT_SEED).items).toEqual(items);
    expect(generateCatalog(DEFAULT_SEED + 1).items).not.toEqual(items);
  });

  it('has 144 distinct products over 6 top categories and about 12 brands', () => {
    expect(items).toHaveLength(144);
    expect(new Set(items.map((item) => item.id)).size).toBe(144);
    expect(new Set(items.map((item) => item.title)).size).toBe(144);
    expect(items[0].id).toBe('p001');
    expect(new Set(items.map((item) => topCategory(item.category)))).toEqual(
      new Set(['Makeup', 'Skin Care', 'Hair Care', 'Fragrance', 'Nails', 'Bath & Body']),
    );
    expect(new Set(items.map((item) => item.brand)).size).toBe(12);
    for (const item of items) {
      expect(item.title.startsWith(item.brand)).toBe(true);
      expect(item.category.split(' > ').length).toBeGreaterThanOrEqual(2);
      expect(item.price).toBeGreaterThanOrEqual(5);
      expect(item.price).toBeLessThan(250);
    }
  });

  it('prices by category: fragrance costs more than nail polish', () => {
    const median = (top: string): number => {
      const prices = items
        .filter((item) => topCategory(item.category) === top)
        .map((item) => item.price)
        .sort((a, b) => a - b);
      return prices[prices.length >> 1];
    };
    expect(median('Fragrance')).toBeGreaterThan(3 * median('Nails'));
  });

  it('makes one small, self-contained SVG per product', () => {
    for (const svg of svgs.values()) {
      expect(svg.length).toBeLessThan(2048);
      expect(svg.startsWith('<svg')).toBe(true);
      // The xmlns is a namespace name, not a request; anything else with a URL would load from elsewhere.
      expect(svg.replace('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(/https?:|href=/);
    }
  });
});
