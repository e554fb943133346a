import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CatalogItem } from '../../scripts/gen-catalog.ts';
import { shopperAffinity, simulateShoppers, type Shopper } from '../../scripts/simulate-shoppers.ts';

const demo = join(import.meta.dirname, '../../demo');
const catalog: CatalogItem[] = JSON.parse(readFileSync(join(demo, 'catalog.json'), 'utf8'));
const data = JSON.parse(readFileSync(join(demo, 'shoppers.json'), 'utf8')) as {
  appeal: number[];
  shoppers: (Shopper & { history: [string, string, number][] })[];
};

interface Interval {
  mean: number;
  low: number;
  high: number;
}
/** demo/simulate.js, plain JS loaded by the demo page. */
interface SimulateModule {
  shopperAffinity(catalog: unknown[], shopper: Shopper, appeal: number[]): number[];
  meanInterval(values: number[]): Interval;
  simulateShoppers(o: {
    rank: (
      items: { id: string }[],
      options: { history: { item: { id: string }; type: string; ts: number }[] },
    ) => Promise<{ id: string }[]>;
    catalog: CatalogItem[];
    grid: string[];
    pinned: string | null;
    data: typeof data;
    count?: number;
  }): Promise<{ shoppers: number; shop: Interval; personalized: Interval; lift: Interval }>;
}
const sim = (await import(/* @vite-ignore */ join(demo, 'simulate.js'))) as SimulateModule;

describe('demo/shoppers.json and demo/simulate.js', () => {
  it('hold the simulator’s shoppers: the same tastes and first events as scripts/simulate-shoppers.ts with seed 7', () => {
    const run = simulateShoppers({ catalog, users: data.shoppers.length, seed: 7 });
    data.shoppers.forEach((s, u) => {
      expect(s.categories).toEqual(run.shoppers[u]!.categories);
      expect(s.brands).toEqual(run.shoppers[u]!.brands);
      const first = run.interactions.filter((x) => x.user === s.user).slice(0, s.history.length);
      expect(s.history.map(([id, type]) => [id, type])).toEqual(first.map((x) => [x.item, x.type]));
    });
  });

  it('computes each shopper’s affinity with the simulator’s own rule', () => {
    for (const s of data.shoppers.slice(0, 50)) {
      const js = sim.shopperAffinity(catalog, s, data.appeal);
      const ts = shopperAffinity(catalog, s, data.appeal);
      js.forEach((x, i) => expect(x).toBeCloseTo(ts[i]!, 9));
    }
  });

  it('measures the click share of the first 8 places: a ranking by the hidden taste beats the shop’s order, the reverse loses', async () => {
    const grid = catalog.slice(0, 48).map((it) => it.id);
    const byTaste = (sign: number) => async (items: { id: string }[], o: { history: { item: { id: string } }[] }) => {
      const shopper = data.shoppers.find((s) => s.history[0]![0] === o.history[0]!.item.id)!;
      const affinity = sim.shopperAffinity(catalog, shopper, data.appeal);
      const at = (id: string) => catalog.findIndex((it) => it.id === id);
      return [...items].sort((a, b) => sign * (affinity[at(b.id)]! - affinity[at(a.id)]!));
    };
    const best = await sim.simulateShoppers({ rank: byTaste(1), catalog, grid, pinned: null, data, count: 60 });
    const worst = await sim.simulateShoppers({ rank: byTaste(-1), catalog, grid, pinned: null, data, count: 60 });
    expect(best.shoppers).toBe(60);
    expect(best.lift.low).toBeGreaterThan(0);
    expect(worst.lift.high).toBeLessThan(0);
    expect(best.shop).toEqual(worst.shop);
    expect(best.personalized.low).toBeLessThanOrEqual(best.personalized.mean);
    expect(best.personalized.mean).toBeLessThanOrEqual(best.personalized.high);
  });

  it('keeps a pinned item in its place, as Reco does', async () => {
    const grid = catalog.slice(0, 48).map((it) => it.id);
    const reversed = async (items: { id: string }[]) => [...items].reverse();
    const pinned = grid[0]!;
    const [shopper] = data.shoppers;
    const result = await sim.simulateShoppers({ rank: reversed, catalog, grid, pinned, data, count: 1 });
    // The shopper's click weights: affinity, plus 0.8 for the category of their last event (the simulator's intent bonus).
    const affinity = sim.shopperAffinity(catalog, shopper!, data.appeal);
    const top = (id: string) => catalog.find((it) => it.id === id)!.category.split(' > ')[0];
    const intent = top(shopper!.history.at(-1)![0]);
    const weight = (id: string) => Math.exp(affinity[catalog.findIndex((it) => it.id === id)]! + (top(id) === intent ? 0.8 : 0));
    const order = [pinned, ...[...grid].reverse().filter((id) => id !== pinned)];
    const share = order.slice(0, 8).reduce((x, id) => x + weight(id), 0) / grid.reduce((x, id) => x + weight(id), 0);
    expect(result.personalized.mean).toBeCloseTo(share, 9);
  });

  it('gives a 95% interval of the mean', () => {
    const { mean, low, high } = sim.meanInterval([0, 1, 0, 1]);
    expect(mean).toBe(0.5);
    expect(high - mean).toBeCloseTo((1.96 * Math.sqrt(1 / 3)) / 2, 9);
    expect(mean - low).toBeCloseTo(high - mean, 12);
  });
});
