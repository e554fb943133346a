import { expect, test, type BrowserPage } from './helpers/test.ts';
import { storedEvents } from './helpers/idb.ts';
import { originsSentTo, waitForReady } from './helpers/reco.ts';

// The shop's own GA4 (or Universal Analytics) ecommerce tagging read into the history, in each engine.

const dataLayer = (tab: BrowserPage) =>
  tab.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { dataLayer: unknown[] }).dataLayer)) as unknown[]);
const armEvents = async (tab: BrowserPage) =>
  ((await dataLayer(tab)) as { event?: string }[]).filter((e) => e && /^reco_/.test(String(e.event)));

test("GA4 dataLayer: the shop's own ecommerce pushes land in the history once each, and the page gets one arm event", async ({ tab }) => {
  await tab.goto('/e2e/pages/datalayer.html');
  await waitForReady(tab);

  await tab.click('#list [data-reco-id="p051"] a'); // the tracker records the click; the shop pushes select_item
  await tab.click('#add'); // the shop pushes add_to_cart; the page calls no track()
  await tab.click('#buy'); // gtag('event', 'purchase', ...)
  await tab.evaluate(() => window.Reco.exportData()); // flushes
  const events = (await storedEvents(tab)).sort((a, b) => a.ts - b.ts);

  expect(events.filter((e) => e.type === 'add_to_cart').map((e) => [e.itemId, e.extra])).toEqual([
    ['p003', { price: 21, quantity: 1, currency: 'EUR' }],
  ]);
  expect(events.filter((e) => e.type === 'select_item').map((e) => `${e.itemId} ${e.listId} #${e.position}`)).toEqual(['p051 home #1']);
  expect(events.filter((e) => e.type === 'purchase').map((e) => [e.itemId, e.extra?.['transaction_id']])).toEqual([['p003', 'T-1']]);
  // Impressions of the tracked grid are the tracker's (viewable ones only); the carousel item Reco does not track is read.
  expect(events.filter((e) => e.type === 'view_item_list' && e.itemId === 'p200')).toHaveLength(1);
  expect(events.filter((e) => e.type === 'view_item_list').every((e) => e.listId === 'home')).toBe(true);

  expect(await armEvents(tab)).toEqual([{ event: 'reco_personalized', reco_arm: 'personalized' }]);
  const shop = await tab.evaluate(() => location.origin);
  expect(originsSentTo(tab), 'Reco sends nothing anywhere').toEqual(new Set([shop]));
});

// A Tag Manager setup from before GA4 (Universal Analytics' enhanced ecommerce), which GA4 reads as its own events.
test("Universal Analytics' enhanced ecommerce pushes land in the history as the GA4 events they stand for, with the products' features", async ({
  tab,
}) => {
  await tab.goto('/e2e/pages/datalayer.html?ua');
  await waitForReady(tab);
  // The product page's detail is a history, so the grid is in this shopper's order: the click is where the card is shown.
  const shownAt = await tab.evaluate(() =>
    [...document.querySelectorAll('#list [data-reco-id]')].findIndex((card) => card.getAttribute('data-reco-id') === 'p051'),
  );
  await tab.click('#list [data-reco-id="p051"] a'); // the tracker records the click; the shop pushes productClick
  await tab.click('#add');
  await tab.click('#buy');
  const { events, items } = await tab.evaluate(() => window.Reco.exportData());
  expect(events.filter((e) => e.type === 'view_item').map((e) => e.itemId)).toEqual(['p300']);
  expect(events.filter((e) => e.type === 'select_item').map((e) => `${e.itemId} ${e.listId} #${e.position}`)).toEqual([
    `p051 home #${shownAt}`,
  ]);
  expect(events.filter((e) => e.type === 'add_to_cart').map((e) => [e.itemId, e.extra])).toEqual([
    ['p003', { price: 21, quantity: 1, currency: 'EUR' }],
  ]);
  expect(events.filter((e) => e.type === 'purchase').map((e) => [e.itemId, e.extra?.['transaction_id']])).toEqual([['p003', 'T-UA']]);
  expect(events.filter((e) => e.type === 'view_item_list' && e.itemId === 'p200').map((e) => e.listId)).toEqual(['carousel']);
  expect(items.find((i) => i.id === 'p300')).toMatchObject({
    title: 'Velvetine Lip Liner, Cherry Noir',
    brand: 'Velvetine',
    category: 'Makeup > Lips > Lip Liner',
    price: 14.5,
  });
});

test('GA4 dataLayer: a page view in the control group (holdout) gets reco_control', async ({ tab }) => {
  await tab.goto('/e2e/pages/datalayer.html?control');
  await tab.waitForFunction(() => (window as unknown as { recoStarted?: Promise<unknown> }).recoStarted);
  await tab.evaluate(() => (window as unknown as { recoStarted: Promise<unknown> }).recoStarted.then(() => null));
  expect(await tab.evaluate(() => window.Reco.status().control)).toBe(true);
  expect(await armEvents(tab)).toEqual([{ event: 'reco_control', reco_arm: 'control' }]);
});

test("GA4 dataLayer with Consent Mode: the shop's pushes made while analytics_storage is denied are not stored; those after the shopper accepts are", async ({
  tab,
}) => {
  await tab.goto('/e2e/pages/datalayer.html?consent=denied');
  await waitForReady(tab);
  await tab.click('#add'); // add_to_cart while the banner is open (denied by default)
  await tab.evaluate(() =>
    (window as unknown as { gtag: (...a: unknown[]) => void }).gtag('consent', 'update', { analytics_storage: 'granted' }),
  );
  await tab.click('#buy'); // gtag('event', 'purchase', ...) once the shopper accepted
  await tab.evaluate(() => window.Reco.exportData()); // flushes
  const events = await storedEvents(tab);
  expect(events.filter((e) => e.type === 'add_to_cart')).toEqual([]);
  expect(events.filter((e) => e.type === 'purchase').map((e) => e.itemId)).toEqual(['p003']);
  // The shop's impression pushed at load, while denied, of the item Reco does not track: not stored.
  expect(events.filter((e) => e.itemId === 'p200')).toEqual([]);
});
