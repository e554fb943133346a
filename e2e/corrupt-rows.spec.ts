import { expect, test } from './helpers/test.ts';
import { putRawRows } from './helpers/idb.ts';
import { listenToReco, waitForReady } from './helpers/reco.ts';

// The fixture shop (wasm). Rows another script, an older SDK or a damaged disk left in Reco's database.
const PAGE = '/e2e/pages/shop.html';

test('malformed stored rows (an event without item id, an item whose category is an array, a broken learning record) are skipped and counted; personalization and learning go on', async ({
  tab: page,
}) => {
  await listenToReco(page);
  await page.goto(PAGE);
  await waitForReady(page);
  const order = () => page.evaluate(() => [...document.querySelectorAll('.g .card')].map((el) => el.getAttribute('data-sku')!));
  const original = await order();
  const fragrance = original.slice(-5);

  // A good history (three Fragrance items viewed), then the bad rows, newest of all.
  await page.evaluate((ids) => ids.forEach((id) => window.Reco.track('view_item', id)), fragrance.slice(0, 3));
  await page.evaluate(() => window.Reco.export());
  const base = { listId: null, position: null, sessionId: 's', path: '/', control: false, pageViewId: 'pv' };
  const now = Date.now();
  await putRawRows(page, 'events', [
    { ...base, id: 'bad-null-item', type: 'view_item', itemId: null, ts: now },
    { ...base, id: 'good-unseen-item', type: 'view_item', itemId: 'p100', ts: now + 1 },
  ]);
  // p100 is not on this page, so its features are read from the item cache: where its category is an array.
  await putRawRows(page, 'items', [{ id: 'p100', ts: now, item: { id: 'p100', title: 'Rose Oil', category: ['Fragrance', "Women's"] } }]);
  await putRawRows(page, 'meta', [{ model: 'default@x', rounds: 'many', heads: null }], ['learning']);

  await page.reload();
  await waitForReady(page);
  await page.evaluate(() => window.Reco.personalize());
  const ranked = await order();
  expect(ranked).not.toEqual(original);
  expect(ranked.slice(0, 5).filter((id) => fragrance.includes(id)).length, 'Fragrance moved up').toBeGreaterThan(0);
  const status = await page.evaluate(() => window.Reco.status());
  expect(status).toMatchObject({ ready: true, lastError: null, skippedRows: 3 });
  const decision = await page.evaluate(() => window.Reco.train());
  expect(decision.reason, 'learning is still on').not.toMatch(/learning is off/);
  expect((await page.evaluate(() => window.Reco.export())).events.map((e) => e.id)).not.toContain('bad-null-item');
  expect(await page.pageErrors()).toEqual([]);
});
