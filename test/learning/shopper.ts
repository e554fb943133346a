/** Simulated shoppers on the demo catalog, as the SDK's tracker would store their events. */
import { readFileSync } from 'node:fs';
import { rng } from '../../src/model/train.ts';
import type { ItemFeatures, RecoEvent } from '../../src/types.ts';

const raw = JSON.parse(readFileSync(new URL('../../demo/catalog.json', import.meta.url), 'utf8')) as (ItemFeatures & Record<string, unknown>)[];
/** The demo shop's items, features only (as the item cache holds them). */
export const CATALOG: ItemFeatures[] = raw.map(({ id, title, brand, category, price }) => ({ id, title, brand, category, price }));
export const ITEMS = new Map(CATALOG.map((it) => [it.id, it]));
export const T0 = Date.parse('2026-03-01T10:00:00Z');

/**
 * One shopper's events: `views` list views of `grid` random items (impressions), each followed by one
 * click. 'brand': every grid holds an item of the shopper's brand, and that is what they click.
 * 'random': a random item of the grid.
 */
export function shopper(seed: number, mode: 'brand' | 'random', views = 40, grid = 12): { events: RecoEvent[]; brand: string } {
  const r = rng(seed);
  const brands = [...new Set(CATALOG.map((c) => c.brand!))];
  const brand = brands[seed % brands.length]!;
  const mine = CATALOG.filter((c) => c.brand === brand);
  const events: RecoEvent[] = [];
  let ts = T0;
  for (let v = 0; v < views; v++) {
    const shown: ItemFeatures[] = [];
    if (mode === 'brand') shown.push(mine[Math.floor(r() * mine.length)]!);
    while (shown.length < grid) {
      const it = CATALOG[Math.floor(r() * CATALOG.length)]!;
      if (!shown.includes(it) && (mode !== 'brand' || it.brand !== brand)) shown.push(it);
    }
    shown.sort(() => r() - 0.5);
    const pageViewId = `pv${v}`;
    const at = { listId: 'home', sessionId: 's1', path: '/', control: false, pageViewId };
    shown.forEach((it, position) => events.push({ id: `${pageViewId}-i${position}`, type: 'view_item_list', itemId: it.id, position, ts, ...at }));
    const pick = mode === 'brand' ? shown.find((it) => it.brand === brand)! : shown[Math.floor(r() * shown.length)]!;
    ts += 30_000;
    events.push({ id: `${pageViewId}-c`, type: 'select_item', itemId: pick.id, position: shown.indexOf(pick), ts, ...at });
    ts += 90_000;
  }
  return { events, brand };
}
