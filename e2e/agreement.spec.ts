import { expect, test } from '@playwright/test';
import type { ItemFeatures } from '../src/index.ts';
import type { HistoryEntry } from '../src/types.ts';
import { scoreItems } from '../src/model/predict.ts';
import { readModel } from '../scripts/lib/model-files.ts';
import { setupTf } from '../scripts/lib/tfnode.ts';
import { waitForReady } from './helpers.ts';

/** Event types the SDK reads as history (impressions are not). */
const HISTORY_TYPES = new Set(['select_item', 'view_item', 'add_to_wishlist', 'add_to_cart', 'begin_checkout', 'purchase']);

// Rich, varied features: accents and umlauts (folded by the tokenizer), other scripts, apostrophes, category
// separators of every kind, prices from cents to thousands, and items with missing fields.
const HISTORY_ITEMS: ItemFeatures[] = [
  { id: 'h1', title: 'Crème brûlée Lip Balm, Vanilla Bean, 0.15 oz', brand: 'Maison Lumière', category: 'Makeup > Lips > Lip Balm', price: 12.5 },
  { id: 'h2', title: 'Ölige Haut Serum mit Niacinamid 30 ml', brand: 'Hautwerk', category: 'Skin Care > Face > Serums', price: 34.9 },
  { id: 'h3', title: "L'Eau d'Été Eau de Toilette", brand: "L'Atelier", category: 'Fragrance | Women | Eau de Toilette', price: 79 },
  { id: 'h4', title: '資生堂 アルティミューン パワライジング コンセントレート', brand: '資生堂', category: 'Skin Care/Face/Serums', price: 1299 },
  { id: 'h5', title: 'Matte Lipstick — Rouge Noir №5', brand: 'Aurelle', category: 'Makeup > Lips > Lipstick', price: 0.99 },
  { id: 'h6', title: 'Shampoo', category: 'Hair Care' },
];
const CANDIDATES: ItemFeatures[] = [
  { id: 'c1', title: 'Crème Brûlée Body Butter', brand: 'Maison Lumière', category: 'Bath & Body > Moisturizers > Body Butter', price: 24 },
  { id: 'c2', title: 'Ölfreie Feuchtigkeitscreme LSF 30', brand: 'Hautwerk', category: 'Skin Care > Face > Moisturizers', price: 29.95 },
  { id: 'c3', title: 'Velvet Matte Lipstick, Mauve Mist', brand: 'Aurelle', category: 'Makeup > Lips > Lipstick', price: 24.9 },
  { id: 'c4', title: 'Eau de Parfum Intense à la Fleur d’Oranger', brand: "L'Atelier", category: 'Fragrance > Women > Eau de Parfum', price: 118 },
  { id: 'c5', title: 'Argan Repair Hair Mask 200 ml', brand: 'Kerasol', category: 'Hair Care > Treatments > Masks', price: 18 },
  { id: 'c6', title: 'Gel Nail Polish, Cherry Ñoño', brand: 'Lacquerie', category: 'Nails > Polish', price: 9 },
  { id: 'c7', title: '資生堂 ベネフィーク セラム', brand: '資生堂', category: 'Skin Care > Face > Serums', price: 89 },
  { id: 'c8', title: 'Ｆｕｌｌｗｉｄｔｈ Ｔｏｎｅｒ ＴＥＳＴ', category: 'Skin Care > Face > Toners', price: 15 },
  { id: 'c9', title: 'Mascara' },
  { id: 'c10' },
  { id: 'c11', title: 'Dry Shampoo Spray', brand: 'Kerasol', category: 'Hair Care > Shampoo > Dry Shampoo', price: 7.49 },
  { id: 'c12', title: 'Crème brûlée Lip Balm, Vanilla Bean, 0.15 oz', brand: 'Maison Lumière', category: 'Makeup > Lips > Lip Balm', price: 12.5 },
];

let model: Awaited<ReturnType<typeof readModel>>;
test.beforeAll(async () => {
  expect(await setupTf('wasm')).toBe('wasm');
  model = await readModel('public/models/default');
});

for (const backend of ['webgpu', 'wasm']) {
  test(`the worker on ${backend} scores like Node (tfjs wasm) for the same history and candidates, to 1e-4`, async ({ page }) => {
    await page.goto(`/e2e/pages/rank.html?backends=${backend}`);
    expect((await waitForReady(page)).backend).toBe(backend);

    // The page learns the items' features (rank() with an empty history scores 0 and keeps the order), then the shopper acts.
    const cold = await page.evaluate((items) => window.Reco.rank(items), HISTORY_ITEMS);
    expect(cold).toEqual(HISTORY_ITEMS.map((it) => ({ id: it.id, score: 0 })));
    await page.evaluate(() => {
      const R = window.Reco;
      R.track('view_item', 'h1');
      R.track('select_item', 'h2');
      R.track('view_item_list', 'h6');
      R.track('add_to_cart', 'h3', { value: 79, currency: 'EUR' });
      R.track('view_item', 'h4');
      R.track('add_to_wishlist', 'h5');
      R.track('purchase', 'h3', { value: 79, currency: 'EUR' });
      R.track('view_item', 'h6');
      R.track('view_item', 'unknown-item');
    });
    const ranked = await page.evaluate((items) => window.Reco.rank(items), CANDIDATES);
    const { events, items } = await page.evaluate(() => window.Reco.export());

    // The same input on the Node side, read back from what the page stored.
    const features = new Map(items.map((it) => [it.id, it]));
    const history: HistoryEntry[] = events
      .filter((e) => HISTORY_TYPES.has(e.type))
      .sort((a, b) => a.ts - b.ts)
      .slice(-50)
      .map((e) => ({ item: features.get(e.itemId) ?? { id: e.itemId }, type: e.type, ts: e.ts }));
    expect(history.map((h) => `${h.type} ${h.item.id}`)).toEqual([
      'view_item h1', 'select_item h2', 'add_to_cart h3', 'view_item h4', 'add_to_wishlist h5', 'purchase h3', 'view_item h6', 'view_item unknown-item',
    ]);
    expect(features.get('h4')).toEqual(HISTORY_ITEMS[3]);
    const node = await scoreItems(model, history, CANDIDATES, Date.now());

    const page_ = new Map(ranked.map((r) => [r.id, r.score]));
    expect([...page_.keys()].sort()).toEqual(CANDIDATES.map((c) => c.id).sort());
    const diffs = CANDIDATES.map((c, i) => Math.abs(page_.get(c.id)! - node[i]!));
    console.log(`[${backend}] max |worker - node| = ${Math.max(...diffs).toExponential(2)} over ${CANDIDATES.length} candidates; scores ${[...node].map((s) => s.toFixed(3)).join(' ')}`);
    CANDIDATES.forEach((c, i) => expect(Math.abs(page_.get(c.id)! - node[i]!), `score of ${c.id}`).toBeLessThanOrEqual(1e-4));
    // Scores that differ from each other: agreement is not a coincidence of constant outputs.
    expect(new Set([...node].map((s) => s.toFixed(4))).size).toBeGreaterThan(CANDIDATES.length - 3);
  });
}
