/**
 * Simulated shoppers of the demo shop, for training and testing models without real data.
 * Each shopper has a stable taste (favourite top categories and brands, a price sensitivity) and a
 * per-session intent; each step they are shown a grid and click by a softmax over their affinity.
 *
 *   npx tsx scripts/simulate-shoppers.ts --catalog demo/catalog.json --users 3000 --seed 1 --out DIR
 *
 * writes DIR/interactions.jsonl ({"user","item","ts","type"} per line, the project's generic training
 * format) and DIR/catalog.jsonl ({"id","title","brand","category","price"} per line).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { readText } from './lib/cli.ts';
import type { EventType } from '../src/shared/types.ts';
import { mulberry32, type CatalogItem } from './gen-catalog.ts';

/** What the simulator needs to know about an item; a full `CatalogItem` fits. */
export type SimItem = Pick<CatalogItem, 'id' | 'title' | 'brand' | 'category' | 'price'>;

export type InteractionType = Extract<EventType, 'select_item' | 'view_item' | 'add_to_cart' | 'purchase'>;

/** One line of interactions.jsonl. */
export interface Interaction {
  user: string;
  item: string;
  /** Epoch milliseconds, increasing per user. */
  ts: number;
  type: InteractionType;
}

/** A simulated shopper's hidden taste, returned so tests and benchmarks can check against it. */
export interface Shopper {
  user: string;
  /** 1-2 favourite top categories, strongest first. */
  categories: string[];
  /** 1-3 favourite brands. */
  brands: string[];
  /** 0 (ignores price) .. 1.5 (strongly prefers cheaper than the category's median). */
  priceSensitivity: number;
}

export interface SimulateOptions {
  catalog: SimItem[];
  users: number;
  seed: number;
  /** Inclusive range of events per shopper; default [8, 40]. */
  eventsPerUser?: [number, number];
}

const GRID_SIZE = 24;
const TEMPERATURE = 1;
const FAV_CATEGORY_BONUS = [2.6, 2.0];
const FAV_BRAND_BONUS = 1.3;
const INTENT_BONUS = 0.8;
const START_TS = 1_700_000_000_000;
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "Makeup > Lips > Lipstick" -> "Makeup"; accepts the separators the SDK accepts. */
export function topCategory(category: string): string {
  return category.split(/\s*[>|/]\s*/)[0].trim();
}

/** Median price of each top-level category: the reference price a shopper's price sensitivity compares with. */
export function medianPrices(catalog: readonly SimItem[]): Map<string, number> {
  const tops = [...new Set(catalog.map((item) => topCategory(item.category)))];
  return new Map(
    tops.map((top) => {
      const prices = catalog
        .filter((item) => topCategory(item.category) === top)
        .map((item) => item.price)
        .sort((a, b) => a - b);
      return [top, prices[Math.floor(prices.length / 2)] || 1];
    }),
  );
}

/**
 * A shopper's hidden affinity for each catalog item (same order): the item's appeal, plus a bonus for a
 * favourite category (the first more than the second) and a favourite brand, minus price sensitivity times
 * the log of the price over its category's median. The choice model clicks by a softmax over it.
 */
export function shopperAffinity(
  catalog: readonly SimItem[],
  shopper: Shopper,
  appeal: readonly number[],
  medians = medianPrices(catalog),
): number[] {
  return catalog.map((item, i) => {
    const top = topCategory(item.category);
    const rank = shopper.categories.indexOf(top);
    return (
      appeal[i]! +
      (rank >= 0 ? FAV_CATEGORY_BONUS[rank]! : 0) +
      (shopper.brands.includes(item.brand) ? FAV_BRAND_BONUS : 0) -
      shopper.priceSensitivity * Math.log(item.price / (medians.get(top) ?? 1))
    );
  });
}

/**
 * Simulates shoppers browsing the shop.
 * @param opts catalog, number of users, PRNG seed and events per user.
 * @returns interactions ordered by user, then time; each shopper's hidden taste; each item's appeal (with
 *   the taste, it gives the shopper's affinity: {@link shopperAffinity}).
 * @throws RangeError when the catalog is empty or the event range is invalid.
 */
export function simulateShoppers(opts: SimulateOptions): { interactions: Interaction[]; shoppers: Shopper[]; appeal: number[] } {
  const { catalog, users, seed } = opts;
  const [minEvents, maxEvents] = opts.eventsPerUser ?? [8, 40];
  if (catalog.length === 0) throw new RangeError('simulateShoppers: the catalog is empty');
  if (!(minEvents >= 1 && maxEvents >= minEvents)) throw new RangeError('simulateShoppers: eventsPerUser must be [min >= 1, max >= min]');

  const rng = mulberry32(seed);
  const between = (lo: number, hi: number): number => lo + rng() * (hi - lo);
  const logBetween = (lo: number, hi: number): number => Math.exp(between(Math.log(lo), Math.log(hi)));
  const weighted = <T>(xs: readonly T[], weights: readonly number[]): T => {
    let r = rng() * weights.reduce((a, b) => a + b, 0);
    for (let i = 0; i < xs.length; i++) if ((r -= weights[i]) <= 0) return xs[i];
    return xs[xs.length - 1];
  };

  const tops = [...new Set(catalog.map((item) => topCategory(item.category)))];
  const itemTop = catalog.map((item) => topCategory(item.category));
  const topWeight = tops.map(() => between(0.5, 1.5));
  const medianPrice = medianPrices(catalog);
  // Some products are simply more appealing than others, so popularity is a real (weak) signal.
  const appeal = catalog.map(() => (rng() + rng() + rng() - 1.5) * 0.8);
  const brandsByTop = new Map(
    tops.map((top) => [top, [...new Set(catalog.filter((_, i) => itemTop[i] === top).map((item) => item.brand))]]),
  );
  const allBrands = [...new Set(catalog.map((item) => item.brand))];

  /** Indices of the items shown: mostly a mixed grid from the whole catalog, sometimes a category page. */
  const showGrid = (intent: string): number[] => {
    const categoryPage = rng() < 0.25;
    const pool = catalog.map((_, i) => i).filter((i) => !categoryPage || itemTop[i] === intent);
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    return pool.slice(0, GRID_SIZE);
  };

  const interactions: Interaction[] = [];
  const shoppers: Shopper[] = [];

  for (let u = 1; u <= users; u++) {
    const user = `u${u}`;
    const categories = [weighted(tops, topWeight)];
    if (rng() < 0.5 && tops.length > 1) {
      const rest = tops.filter((t) => t !== categories[0]);
      categories.push(
        weighted(
          rest,
          rest.map((t) => topWeight[tops.indexOf(t)]),
        ),
      );
    }
    const brands: string[] = [];
    const brandCount = 1 + Math.floor(rng() * 3);
    for (let b = 0; b < brandCount * 4 && brands.length < brandCount; b++) {
      const pool = rng() < 0.8 ? (brandsByTop.get(categories[Math.floor(rng() * categories.length)]) ?? allBrands) : allBrands;
      const brand = pool[Math.floor(rng() * pool.length)];
      if (!brands.includes(brand)) brands.push(brand);
    }
    const shopper: Shopper = { user, categories, brands, priceSensitivity: between(0, 1.5) };
    shoppers.push(shopper);

    const affinity = shopperAffinity(catalog, shopper, appeal, medianPrice);
    const bought = new Set<number>();

    const target = minEvents + Math.floor(rng() * (maxEvents - minEvents + 1));
    let ts = START_TS + Math.floor(rng() * 60 * DAY);
    let intent = categories[0];
    let count = 0;
    const emit = (i: number, type: InteractionType): void => {
      if (count++ < target) interactions.push({ user, item: catalog[i].id, ts: Math.round(ts), type });
    };

    while (count < target) {
      const grid = showGrid(intent);
      const scores = grid.map((i) =>
        Math.exp((affinity[i] + (itemTop[i] === intent ? INTENT_BONUS : 0) - (bought.has(i) ? 1.5 : 0)) / TEMPERATURE),
      );
      const clicked = weighted(grid, scores);
      emit(clicked, 'select_item');
      if (rng() < 0.75) {
        ts += between(2, 15) * SECOND;
        emit(clicked, 'view_item');
        const liked = affinity[clicked] > 2;
        if (rng() < (liked ? 0.2 : 0.06)) {
          ts += between(10, 90) * SECOND;
          emit(clicked, 'add_to_cart');
          if (rng() < 0.4) {
            ts += between(1, 10) * MINUTE;
            emit(clicked, 'purchase');
            bought.add(clicked);
          }
        }
      }
      if (rng() < 0.12) {
        ts += rng() < 0.5 ? between(1, 12) * HOUR : between(1, 9) * DAY;
        intent = rng() < 0.8 ? categories[Math.floor(rng() * categories.length)] : tops[Math.floor(rng() * tops.length)];
      } else {
        ts += logBetween(15 * SECOND, 4 * MINUTE);
      }
    }
  }
  return { interactions, shoppers, appeal };
}

/** Reads a catalog as a JSON array or as JSONL. */
export function readCatalog(path: string): SimItem[] {
  const text = readText(path).trim();
  const rows: unknown[] = text.startsWith('[')
    ? JSON.parse(text)
    : text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
  return rows.map((row, n) => {
    const r = row as Partial<SimItem>;
    if (typeof r.id !== 'string' || typeof r.category !== 'string')
      throw new Error(`${path}: item ${n + 1} needs a string id and category`);
    return { id: r.id, title: r.title ?? '', brand: r.brand ?? '', category: r.category, price: Number(r.price) || 0 };
  });
}

/** A whole-number flag of at least `min`: `--users abc` wrote an empty dataset over --out, `--seed x` was seed 0. */
function whole(flag: string, raw: string, min: number): number {
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(v) || v < min)
    throw new Error(`--${flag}: expected a whole number of at least ${min}, got ${JSON.stringify(raw)}`);
  return v;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      catalog: { type: 'string', default: 'demo/catalog.json' },
      users: { type: 'string', default: '3000' },
      seed: { type: 'string', default: '1' },
      events: { type: 'string', default: '8,40' },
      out: { type: 'string' },
    },
  });
  if (!values.out) {
    console.error('usage: simulate-shoppers --catalog demo/catalog.json --users 3000 --seed 1 [--events 8,40] --out DIR');
    process.exit(2);
  }
  // Every flag is checked before --out is written: a bad one leaves the dataset already there as it was.
  const users = whole('users', values.users, 1);
  const seed = whole('seed', values.seed, 0);
  const [lo, hi, ...rest] = values.events.split(',').map(Number);
  if (rest.length > 0 || !Number.isInteger(lo) || !Number.isInteger(hi) || lo! < 1 || hi! < lo!)
    throw new Error(`--events: expected MIN,MAX events per shopper with 1 <= MIN <= MAX, got ${JSON.stringify(values.events)}`);
  const catalog = readCatalog(values.catalog);
  const { interactions } = simulateShoppers({ catalog, users, seed, eventsPerUser: [lo!, hi!] });
  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, 'interactions.jsonl'), interactions.map((x) => JSON.stringify(x)).join('\n') + '\n');
  writeFileSync(
    join(values.out, 'catalog.jsonl'),
    catalog.map(({ id, title, brand, category, price }) => JSON.stringify({ id, title, brand, category, price })).join('\n') + '\n',
  );
  console.log(`wrote ${interactions.length} interactions of ${users} shoppers and ${catalog.length} items to ${values.out}/`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main();
  } catch (err) {
    console.error(`simulate-shoppers: ${(err as Error).message}`);
    process.exit(1);
  }
}
