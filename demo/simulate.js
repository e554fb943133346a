// The "simulate shoppers" panel of the demo: replays simulated shoppers (demo/shoppers.json, written by
// scripts/demo-shoppers.ts from the shop's simulator) through the page's own model in the worker, with and
// without personalization, and measures how often their click lands in the first 8 places.
//
// Each shopper sees the home grid (48 products): in the shop's order, or ordered by Reco.rank() for their
// history. They click one product by the simulator's own choice rule (a softmax over their hidden affinity,
// with a bonus for the category they were browsing last). The click-through in the first 8 places is that
// rule's probability mass on them; its mean over shoppers comes with a 95% confidence interval (normal
// approximation), as does the lift (the paired difference).

const FAV_CATEGORY_BONUS = [2.6, 2.0];
const FAV_BRAND_BONUS = 1.3;
const INTENT_BONUS = 0.8;
export const TOP = 8;

/** "Makeup > Lips > Lipstick" -> "Makeup". */
const topOf = (category) => category.split(/\s*[>|/]\s*/)[0].trim();

/** Median price per top-level category (as scripts/simulate-shoppers.ts medianPrices). */
export function medianPrices(catalog) {
  const byTop = new Map();
  for (const item of catalog) byTop.set(topOf(item.category), [...(byTop.get(topOf(item.category)) ?? []), item.price]);
  return new Map([...byTop].map(([top, prices]) => [top, prices.sort((a, b) => a - b)[Math.floor(prices.length / 2)] || 1]));
}

/** A shopper's hidden affinity for each catalog item, the simulator's rule (scripts/simulate-shoppers.ts shopperAffinity). */
export function shopperAffinity(catalog, shopper, appeal, medians = medianPrices(catalog)) {
  return catalog.map((item, i) => {
    const top = topOf(item.category);
    const rank = shopper.categories.indexOf(top);
    return (
      appeal[i] +
      (rank >= 0 ? FAV_CATEGORY_BONUS[rank] : 0) +
      (shopper.brands.includes(item.brand) ? FAV_BRAND_BONUS : 0) -
      shopper.priceSensitivity * Math.log(item.price / (medians.get(top) ?? 1))
    );
  });
}

/** Share of the shopper's click that lands in the first TOP places of `order` (catalog indices). */
export function clickShare(order, weight) {
  let top = 0;
  let all = 0;
  order.forEach((i, k) => {
    all += weight[i];
    if (k < TOP) top += weight[i];
  });
  return top / all;
}

/** Mean and 95% confidence interval (normal approximation) of per-shopper values. */
export function meanInterval(values) {
  const n = values.length;
  const mean = values.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(values.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, n - 1));
  const half = (1.96 * sd) / Math.sqrt(n);
  return { mean, low: mean - half, high: mean + half };
}

/**
 * @param {object} o
 * @param {(items: object[], options: { history: object[] }) => Promise<{ id: string }[]>} o.rank Reco.rank
 * @param {object[]} o.catalog the demo catalog (catalog.json order, as the shoppers' affinities)
 * @param {string[]} o.grid ids of the home grid in the shop's order
 * @param {string | null} o.pinned the id pinned in the grid (it keeps its place, as Reco keeps pins)
 * @param {{ appeal: number[], shoppers: object[] }} o.data demo/shoppers.json
 * @param {number} [o.count] shoppers to replay
 * @param {(done: number) => void} [o.onProgress]
 */
export async function simulateShoppers({ rank, catalog, grid, pinned, data, count = data.shoppers.length, onProgress }) {
  const index = new Map(catalog.map((item, i) => [item.id, i]));
  const medians = medianPrices(catalog);
  const shown = grid.map((id) => index.get(id)).filter((i) => i !== undefined);
  const features = (i) => {
    const { id, title, brand, category, price } = catalog[i];
    return { id, title, brand, category, price };
  };
  const now = Date.now();
  const shop = [];
  const personal = [];
  for (const [n, shopper] of data.shoppers.slice(0, count).entries()) {
    const affinity = shopperAffinity(catalog, shopper, data.appeal, medians);
    const events = shopper.history.filter(([id]) => index.has(id));
    const last = events.at(-1);
    const intent = last ? topOf(catalog[index.get(last[0])].category) : null;
    const weight = affinity.map((a, i) => Math.exp(a + (topOf(catalog[i].category) === intent ? INTENT_BONUS : 0)));
    const history = events.map(([id, type, s]) => ({ item: features(index.get(id)), type, ts: now - (last[2] - s) * 1000 - 60_000 }));
    const ranked = (await rank(shown.map(features), { history })).map((r) => index.get(r.id));
    // Reco keeps a pinned item in its place.
    const at = pinned ? grid.indexOf(pinned) : -1;
    const order = at < 0 ? ranked : ranked.filter((i) => catalog[i].id !== pinned);
    if (at >= 0) order.splice(at, 0, index.get(pinned));
    shop.push(clickShare(shown, weight));
    personal.push(clickShare(order, weight));
    onProgress?.(n + 1);
  }
  return {
    shoppers: shop.length,
    shop: meanInterval(shop),
    personalized: meanInterval(personal),
    lift: meanInterval(personal.map((p, k) => p - shop[k])),
  };
}
