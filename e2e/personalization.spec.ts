import { expect, test } from '@playwright/test';
import { gridItems, listenToReco, openAndCloseProduct, scrollOutOfView, waitForRanked, waitForReady } from './helpers.ts';

const TOP = 8;

test('a shopper who opens 5 products of one category sees more of it in the first 8 places after a reload', async ({ page }) => {
  await listenToReco(page);
  await page.goto('/');
  await waitForReady(page);

  // A fresh context has no history: the home grid keeps the shop's own order.
  const before = await gridItems(page, '#grid-home');
  expect(before.length).toBeGreaterThanOrEqual(40);
  const counts = new Map<string, number>();
  for (const it of before.slice(0, TOP)) counts.set(it.top, (counts.get(it.top) ?? 0) + 1);
  // The category least present at the top that the grid has at least 5 of (pinned items never move).
  const category = [...new Set(before.map((it) => it.top))]
    .filter((c) => before.filter((it) => it.top === c && !it.pinned).length >= 5)
    .sort((a, b) => (counts.get(a) ?? 0) - (counts.get(b) ?? 0))[0]!;
  const beforeCount = counts.get(category) ?? 0;

  const clicked = before.filter((it) => it.top === category && !it.pinned).slice(0, 5).map((it) => it.id);
  for (const id of clicked) await openAndCloseProduct(page, id);

  const events = (await page.evaluate(() => window.Reco.export())).events;
  for (const id of clicked) {
    expect(events.filter((e) => e.itemId === id).map((e) => e.type)).toEqual(expect.arrayContaining(['select_item', 'view_item']));
  }

  await page.reload();
  await waitForReady(page);
  // The home grid is on screen: Reco re-orders it only once the shopper cannot see it (no jump under the cursor).
  // A shopper scrolling down the page and back up gets it personalized.
  await scrollOutOfView(page, '#grid-home');
  const ranked = await waitForRanked(page, 'home');
  await page.evaluate(() => window.scrollTo(0, 0));

  const after = await gridItems(page, '#grid-home');
  expect(after.map((it) => it.id)).toEqual(ranked.order);
  expect(new Set(after.map((it) => it.id))).toEqual(new Set(before.map((it) => it.id)));
  // The promoted item keeps its place.
  before.forEach((it, i) => it.pinned && expect(after[i]!.id).toBe(it.id));
  const afterCount = after.slice(0, TOP).filter((it) => it.top === category).length;
  console.log(`home top ${TOP}: ${category} ${beforeCount} before, ${afterCount} after (backend ${(await page.evaluate(() => window.Reco.status())).backend})`);
  expect(afterCount).toBeGreaterThan(beforeCount);
});
