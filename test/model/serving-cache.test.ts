import { beforeAll, describe, expect, it } from 'vitest';
import { headArrays } from '../../src/model/head.ts';
import type { LoadedModel } from '../../src/model/io.ts';
import { scoreItems } from '../../src/model/predict.ts';
import { createServingCache } from '../../src/model/serving-cache.ts';
import type { HistoryEntry, ItemFeatures } from '../../src/shared/types.ts';
import { readModel } from '../../src/model/train/model-files.ts';
import { setupTf } from '../../src/model/train/setup-tf.ts';

let model: LoadedModel;
const now = Date.UTC(2026, 10, 29, 12);
const items: ItemFeatures[] = [
  { id: 'a', title: 'Velvet Matte Lipstick, Rosewood', brand: 'Aurelle', category: 'Makeup > Lips > Lipstick', price: 24 },
  { id: 'b', title: 'Repair Shampoo, Argan', brand: 'Tressa', category: 'Hair Care > Shampoo', price: 12 },
  { id: 'c', title: 'Crème brûlée Lip Balm', brand: 'Coralie', category: 'Makeup > Lips', price: 8 },
  { id: 'd', title: 'Hydrating Serum', category: 'Skin Care > Face > Serums', price: 39 },
  { id: 'e' },
];
const history: HistoryEntry[] = [
  { item: items[1]!, type: 'select_item', ts: now - 3_600_000 },
  { item: items[1]!, type: 'view_item', ts: now - 3_590_000 },
  { item: items[0]!, type: 'add_to_cart', ts: now - 120_000 },
];

beforeAll(async () => {
  await setupTf('wasm');
  model = await readModel('fixtures/models/text-transformer');
});

describe('serving cache', () => {
  it('scores every item of one call longer than its item cache as it scores it alone (the first ones got zero vectors)', async () => {
    const head = await headArrays(model.weights);
    const now = Date.UTC(2026, 10, 29, 12);
    const history: HistoryEntry[] = [
      {
        item: { id: 'h', title: 'Velvet Matte Lipstick', brand: 'Aurelle', category: 'Makeup > Lips' },
        type: 'select_item',
        ts: now - 60_000,
      },
    ];
    const feed: ItemFeatures[] = Array.from({ length: 40 }, (_, i) => ({
      id: `sku-${i}`,
      title: `Lip Balm shade ${i}`,
      brand: 'Coralie',
      category: 'Makeup > Lips',
      price: 5 + i,
    }));
    const small = { items: 16, shoppers: 4 }; // a hybrid's cache holds 4,096 items, a "for you" scores a 20,000-item feed
    const alone = await createServingCache(model, small).score(history, feed.slice(0, 1), now, head);
    const inFeed = await createServingCache(model, small).score(history, feed, now, head);
    expect(inFeed[0]).toBeCloseTo(alone[0]!, 4);
  });

  it('gives the scores of scoreItems, also when answering from its caches', async () => {
    const cache = createServingCache(model);
    const head = await headArrays(model.weights);
    const expected = Array.from(await scoreItems(model, history, items, now));
    for (let round = 0; round < 2; round++) {
      const got = await cache.score(history, items, now, head);
      got.forEach((s, i) => expect(s).toBeCloseTo(expected[i]!, 4));
    }
  });

  it('recomputes when the history or its timing changes, and keeps the shop order without history', async () => {
    const cache = createServingCache(model);
    const head = await headArrays(model.weights);
    const before = await cache.score(history, items, now, head);
    const longer = await cache.score([...history, { item: items[3]!, type: 'select_item', ts: now - 1000 }], items, now, head);
    expect(longer).not.toEqual(before);
    const later = await cache.score(history, items, now + 40 * 86_400_000, head);
    const expected = Array.from(await scoreItems(model, history, items, now + 40 * 86_400_000));
    later.forEach((s, i) => expect(s).toBeCloseTo(expected[i]!, 4));
    expect(await cache.score([], items, now, head)).toEqual([0, 0, 0, 0, 0]);
  });
});
