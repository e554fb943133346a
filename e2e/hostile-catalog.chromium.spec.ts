import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { waitForReady } from './helpers/reco.ts';

// The demo shop fed a hostile catalog (served through Playwright's request routing: Chromium only). The catalog's
// text reaches the page's markup (data-reco-* attributes, card text), Reco's store, rank() and explain().

declare global {
  interface Window {
    pwned?: number;
  }
}

const catalog = JSON.parse(readFileSync(new URL('../demo/catalog.json', import.meta.url), 'utf8')) as Record<string, unknown>[];
const HOSTILE_ID = `p001"><img src=x onerror="window.pwned=1">`;
const hostile = catalog.map((item, i) =>
  i === 0
    ? {
        ...item,
        id: HOSTILE_ID,
        title: `<img src=x onerror="window.pwned=2">Velvet <script>window.pwned=3</script>`,
        brand: `<b onmouseover="window.pwned=4">Aurelle</b>`,
        category: `Makeup > <svg onload="window.pwned=5">`,
        image: 'https://tracker.example/pixel.png',
        added: '2999-01-01', // newest: shown in the "New arrivals" grid
      }
    : item,
);

test('hostile ids, titles and image URLs in the catalog stay text in the demo and in the SDK: nothing runs, nothing is injected, nothing is fetched', async ({
  page,
  context,
}) => {
  const requested: string[] = [];
  context.on('request', (r) => requested.push(r.url()));
  const uncaught: string[] = [];
  page.on('pageerror', (e) => uncaught.push(e.message));
  await page.route('**/catalog.json', (route) => route.fulfill({ json: hostile }));
  await page.goto('/');
  await waitForReady(page);

  const card = page.locator('#grid-new article').first();
  expect(await card.getAttribute('data-reco-id')).toBe(HOSTILE_ID);
  expect(await card.getAttribute('data-reco-title')).toBe(hostile[0]!['title']);
  expect(await card.locator('.card-brand').textContent()).toBe(hostile[0]!['brand']);

  // The shopper opens it (its address carries the id) and adds it to the bag; Reco stores, ranks and explains it.
  await card.locator('.card-link').click();
  await expect(page.locator('#product')).toHaveAttribute('open', '');
  expect(await page.locator('#pd-brand').textContent()).toBe(hostile[0]!['brand']);
  await page.locator('#pd-add').click();
  await page.locator('#product .dialog-close').click();
  await expect.poll(() => page.evaluate(() => location.hash)).toBe(''); // back at the shop's address
  const stored = await page.evaluate(() => window.Reco.export());
  expect(stored.events.filter((e) => e.itemId === HOSTILE_ID).map((e) => e.type)).toEqual(
    expect.arrayContaining(['select_item', 'view_item', 'add_to_cart']),
  );
  expect(stored.items.find((it) => it.id === HOSTILE_ID)?.title).toBe(hostile[0]!['title']);
  await page.reload();
  await waitForReady(page);
  await page.evaluate(() => window.Reco.personalize());
  const other = await page.locator('#grid-new article').nth(1).getAttribute('data-reco-id');
  const explained = await page.evaluate((id) => window.Reco.explain(id!), other);
  // explain() hands the title back as data, verbatim; the demo shows it as text ("Because you viewed ...").
  for (const b of explained.because) if (b.itemId === HOSTILE_ID) expect(b.title).toBe(hostile[0]!['title']);
  await page.locator('#cart-button').click();
  expect(await page.locator('#cart-lines li').first().textContent()).toContain(hostile[0]!['brand']);

  expect(await page.evaluate(() => window.pwned)).toBeUndefined();
  expect(await page.locator('main img[src="x"], main script, main b, main svg[onload], [onerror], [onmouseover]').count()).toBe(0);
  expect(requested.filter((u) => new URL(u).hostname !== 'localhost')).toEqual([]);
  expect(uncaught).toEqual([]);
});
