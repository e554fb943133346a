import { expect, test } from './helpers/test.ts';
import type { ItemFeatures } from '../src/index.ts';
import { HISTORY_TYPES } from '../src/shared/labels.ts';
import { DEFAULTS } from '../src/shared/options.ts';
import type { HistoryEntry } from '../src/shared/types.ts';
import { scoreItems } from '../src/model/predict.ts';
import { readAnyModel } from '../src/model/train/model-files.ts';
import { isPairModel, type LoadedModel } from '../src/model/io.ts';
import { createPairScorer } from '../src/model/pair-scorer.ts';
import { createPlainScorer } from '../src/model/hybrid.ts';
import { setupTf } from '../src/model/train/setup-tf.ts';
import { waitForReco } from './helpers/reco.ts';

// Rich, varied features: accents and umlauts (folded by the tokenizer), other scripts, apostrophes, category
// separators of every kind, prices from cents to thousands, and items with missing fields.
const HISTORY_ITEMS: ItemFeatures[] = [
  {
    id: 'h1',
    title: 'Crème brûlée Lip Balm, Vanilla Bean, 0.15 oz',
    brand: 'Maison Lumière',
    category: 'Makeup > Lips > Lip Balm',
    price: 12.5,
  },
  { id: 'h2', title: 'Ölige Haut Serum mit Niacinamid 30 ml', brand: 'Hautwerk', category: 'Skin Care > Face > Serums', price: 34.9 },
  { id: 'h3', title: "L'Eau d'Été Eau de Toilette", brand: "L'Atelier", category: 'Fragrance | Women | Eau de Toilette', price: 79 },
  {
    id: 'h4',
    title: '資生堂 アルティミューン パワライジング コンセントレート',
    brand: '資生堂',
    category: 'Skin Care/Face/Serums',
    price: 1299,
  },
  { id: 'h5', title: 'Matte Lipstick — Rouge Noir №5', brand: 'Aurelle', category: 'Makeup > Lips > Lipstick', price: 0.99 },
  { id: 'h6', title: 'Shampoo', category: 'Hair Care' },
];
const CANDIDATES: ItemFeatures[] = [
  { id: 'c1', title: 'Crème Brûlée Body Butter', brand: 'Maison Lumière', category: 'Bath & Body > Moisturizers > Body Butter', price: 24 },
  { id: 'c2', title: 'Ölfreie Feuchtigkeitscreme LSF 30', brand: 'Hautwerk', category: 'Skin Care > Face > Moisturizers', price: 29.95 },
  { id: 'c3', title: 'Velvet Matte Lipstick, Mauve Mist', brand: 'Aurelle', category: 'Makeup > Lips > Lipstick', price: 24.9 },
  {
    id: 'c4',
    title: 'Eau de Parfum Intense à la Fleur d’Oranger',
    brand: "L'Atelier",
    category: 'Fragrance > Women > Eau de Parfum',
    price: 118,
  },
  { id: 'c5', title: 'Argan Repair Hair Mask 200 ml', brand: 'Kerasol', category: 'Hair Care > Treatments > Masks', price: 18 },
  { id: 'c6', title: 'Gel Nail Polish, Cherry Ñoño', brand: 'Lacquerie', category: 'Nails > Polish', price: 9 },
  { id: 'c7', title: '資生堂 ベネフィーク セラム', brand: '資生堂', category: 'Skin Care > Face > Serums', price: 89 },
  { id: 'c8', title: 'Ｆｕｌｌｗｉｄｔｈ Ｔｏｎｅｒ ＴＥＳＴ', category: 'Skin Care > Face > Toners', price: 15 },
  { id: 'c9', title: 'Mascara' },
  { id: 'c10' },
  { id: 'c11', title: 'Dry Shampoo Spray', brand: 'Kerasol', category: 'Hair Care > Shampoo > Dry Shampoo', price: 7.49 },
  {
    id: 'c12',
    title: 'Crème brûlée Lip Balm, Vanilla Bean, 0.15 oz',
    brand: 'Maison Lumière',
    category: 'Makeup > Lips > Lip Balm',
    price: 12.5,
  },
];

/**
 * The two shipped models. The Beauty student also has an id embedding: there the items carry Beauty item ids
 * from its vocabulary (the last history item and two candidates stay unknown, text only).
 */
const CASES = [
  { model: 'default', ids: (id: string) => id },
  {
    model: 'beauty-student',
    ids: (id: string) =>
      (
        ({
          h1: '101',
          h2: '2023',
          h3: '377',
          h4: '4410',
          h5: '58',
          c1: '102',
          c2: '2024',
          c3: '59',
          c4: '378',
          c5: '7000',
          c6: '911',
          c7: '4411',
          c8: '12000',
          c11: '3',
          c12: '101',
        }) as Record<string, string>
      )[id] ?? id,
  },
] as const;

async function hybridScores(model: LoadedModel, history: HistoryEntry[], candidates: ItemFeatures[]): Promise<number[]> {
  const h = model.hybrid!;
  const t = await scoreItems(model, history, candidates, Date.now());
  const plain = createPlainScorer(h).scores(
    history.slice(-model.manifest.config.features.maxLen).map((e) => e.item),
    candidates,
  );
  return Array.from(t, (x, j) => h.config.weights.transformer * x + plain[j]!);
}

const models = new Map<string, Awaited<ReturnType<typeof readAnyModel>>>();
test.beforeAll(async () => {
  expect(await setupTf('wasm')).toBe('wasm');
  for (const { model } of CASES) models.set(model, await readAnyModel(`public/models/${model}`));
});

for (const { model: name, ids } of CASES) {
  const history_ = HISTORY_ITEMS.map((it) => ({ ...it, id: ids(it.id) }));
  const candidates = CANDIDATES.map((it) => ({ ...it, id: ids(it.id) }));
  for (const backend of ['webgpu', 'wasm']) {
    test(`the worker on ${backend} scores like Node (tfjs wasm) with the ${name} model, to 1e-4`, async ({ tab: page }) => {
      const model = models.get(name)!;
      if (model.vocab) {
        // The student's case really exercises the id embedding: all but the unknown items are in its vocabulary.
        const known = [...history_, ...candidates].filter((it) => model.vocab!.has(it.id)).length;
        expect(known).toBe(history_.length + candidates.length - 3);
      }
      await page.goto(`/e2e/pages/rank.html?backends=${backend}&model=${name}&allowSoftwareGpu`);
      await waitForReco(page);
      const status = await page.evaluate(() => window.Reco.status());
      // A backend this browser cannot run (WebGPU in Firefox ESR and WebKitGTK) is detected and named by status().
      const unsupported = new RegExp(
        `^NoBackendError: no tfjs backend could start: ${backend} \\((WebGPU is not available|no WebGPU adapter)`,
      );
      test.skip(!status.ready && unsupported.test(status.lastError ?? ''), `${page.engine} cannot run ${backend}: ${status.lastError}`);
      expect(status.lastError).toBeNull();
      expect(status.backend).toBe(backend);
      expect(status.model?.id).toBe(model.manifest.id);

      // The page learns the items' features (rank() with an empty history scores 0 and keeps the order), then the shopper acts.
      const cold = await page.evaluate((items) => window.Reco.rank(items), history_);
      expect(cold).toEqual(history_.map((it) => ({ id: it.id, score: 0 })));
      await page.evaluate(
        (h) => window.Reco.track('view_item', h[0]!),
        history_.map((it) => it.id),
      );
      // A click is recorded by the tracker (track() refuses the automatic types): the second item, shown in a grid
      // with all its features, is clicked.
      await page.evaluate((it) => {
        const card = Object.assign(document.createElement('a'), { textContent: it.title ?? it.id });
        card.dataset.recoId = it.id;
        for (const k of ['title', 'category', 'brand', 'price'] as const)
          if (it[k] !== undefined) card.dataset[`reco${k[0]!.toUpperCase()}${k.slice(1)}`] = String(it[k]);
        const grid = document.createElement('div');
        grid.dataset.recoGrid = 'agreement';
        grid.append(card);
        document.body.append(grid);
      }, history_[1]!);
      await page.click(`[data-reco-grid="agreement"] [data-reco-id="${history_[1]!.id}"]`);
      await page.evaluate(
        (h) => {
          const R = window.Reco;
          R.track('add_to_cart', h[2]!, { value: 79, currency: 'EUR' });
          R.track('view_item', h[3]!);
          R.track('add_to_wishlist', h[4]!);
          R.track('purchase', h[2]!, { value: 79, currency: 'EUR' });
          R.track('view_item', h[5]!);
          R.track('view_item', 'unknown-item');
        },
        history_.map((it) => it.id),
      );
      const ranked = await page.evaluate((items) => window.Reco.rank(items), candidates);
      const { events, items } = await page.evaluate(() => window.Reco.export());

      // The same input on the Node side, read back from what the page stored.
      const features = new Map(items.map((it) => [it.id, it]));
      const history: HistoryEntry[] = events
        .filter((e) => HISTORY_TYPES.includes(e.type))
        .sort((a, b) => a.ts - b.ts)
        .slice(-DEFAULTS.historyLength)
        .map((e) => ({ item: features.get(e.itemId) ?? { id: e.itemId }, type: e.type, ts: e.ts }));
      const [h1, h2, h3, h4, h5, h6] = history_.map((it) => it.id);
      expect(history.map((h) => `${h.type} ${h.item.id}`)).toEqual([
        `view_item ${h1}`,
        `select_item ${h2}`,
        `add_to_cart ${h3}`,
        `view_item ${h4}`,
        `add_to_wishlist ${h5}`,
        `purchase ${h3}`,
        `view_item ${h6}`,
        'view_item unknown-item',
      ]);
      expect(features.get(h4!)).toEqual(history_[3]);
      // The pair model's IDF counts the items its worker has seen: a fresh scorer here sees the same ones (this ranking's).
      // A hybrid (format 4 to 6): its transformer through predict.ts, weighted, plus the plain part from its shipped tables.
      const node = isPairModel(model)
        ? await createPairScorer(model, model.index).score(history, candidates, Date.now())
        : model.hybrid
          ? await hybridScores(model, history, candidates)
          : await scoreItems(model, history, candidates, Date.now());

      if (!isPairModel(model) && model.hybrid) {
        const parts = createPlainScorer(model.hybrid).parts(
          history.slice(-model.manifest.config.features.maxLen).map((e) => e.item),
          candidates,
        );
        // A hybrid with item-kNN (format 5 or 6): its kNN part is in these scores (c12 is h1 itself: similarity 1).
        if (model.hybrid.knn) expect(parts.knn.filter((x) => x > 0).length).toBeGreaterThan(0);
        // A hybrid with the transition part (format 6): so is that part (some candidates follow the newest events).
        if (model.hybrid.transitions) expect(parts.transitions.filter((x) => x > 0).length).toBeGreaterThan(0);
      }
      const page_ = new Map(ranked.map((r) => [r.id, r.score]));
      expect([...page_.keys()].sort()).toEqual(candidates.map((c) => c.id).sort());
      const diffs = candidates.map((c, i) => Math.abs(page_.get(c.id)! - node[i]!));
      console.log(
        `[${name} on ${backend}] max |worker - node| = ${Math.max(...diffs).toExponential(2)} over ${candidates.length} candidates; scores ${[...node].map((s) => s.toFixed(3)).join(' ')}`,
      );
      candidates.forEach((c, i) => expect(Math.abs(page_.get(c.id)! - node[i]!), `score of ${c.id}`).toBeLessThanOrEqual(1e-4));
      // Scores that differ from each other: agreement is not a coincidence of constant outputs.
      // (The default pair model as shipped is TF-IDF of the last 3 events: candidates sharing no word with them tie at 0.)
      expect(new Set([...node].map((s) => s.toFixed(4))).size).toBeGreaterThan(isPairModel(model) ? 5 : candidates.length - 3);
    });
  }
}
