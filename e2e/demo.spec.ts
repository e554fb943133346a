// The demo shop as a shopper meets it in every engine: a returning visit, a first visit, "Show my picks", the
// "Personalized order" switch, Back and Forward with a product open, consent denied and the "Recently viewed" shelf.
// What needs the keyboard or the viewport (Tab and focus rings, Esc, a phone's width) is in demo.chromium.spec.ts.
import { expect, test, type BrowserPage } from './helpers/test.ts';
import { gridItems, listenToReco, openAndCloseProduct, returningShopper, waitForRanked, waitForReady } from './helpers/reco.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An element's text, or null when the page has none. */
const text = (tab: BrowserPage, selector: string) => tab.evaluate((sel) => document.querySelector(sel)?.textContent ?? null, selector);

/** Whether the shopper can see an element: it is there, has a size and is not hidden (as Playwright's isVisible). */
const visible = (tab: BrowserPage, selector: string) =>
  tab.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return false;
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  }, selector);

const productOpen = (tab: BrowserPage) => tab.evaluate(() => document.querySelector('#product')!.hasAttribute('open'));

const homeIds = (tab: BrowserPage) =>
  tab.evaluate(() => [...document.querySelectorAll('#grid-home [data-reco-id]')].map((el) => el.getAttribute('data-reco-id')!));

/** Clicks as a shopper does, the element scrolled to the middle of the view (the sticky header covers the top). */
async function clickInView(tab: BrowserPage, selector: string): Promise<void> {
  await tab.evaluate((sel) => document.querySelector(sel)!.scrollIntoView({ block: 'center' }), selector);
  await tab.click(selector);
}

test('a returning shopper: the grid already shows their picks, so "Show my picks" is not offered; the shelf says why', async ({ tab }) => {
  await returningShopper(tab, 'Nails');
  await expect.poll(() => text(tab, '#home-sub'), { timeout: 10_000 }).toMatch(/^Because you viewed /);
  expect((await gridItems(tab, '#grid-home')).slice(0, 4).filter((it) => it.top === 'Nails').length).toBeGreaterThanOrEqual(2);
  await sleep(1500); // the panel's status refresh (1 s), which offers the button when it should
  expect(await visible(tab, '#home-apply')).toBe(false);
});

test('a first visit offers "Show my picks" only once the shopper has opened products; a click on it orders the grid for them', async ({
  tab,
}) => {
  await listenToReco(tab);
  await tab.goto('/');
  await waitForReady(tab);
  await sleep(1500); // impressions counted, the panel's status refreshed
  expect(await visible(tab, '#home-apply'), 'offered before any click').toBe(false);
  // Not ranked yet (nothing to rank by): the shelf says so rather than "Ordered for you".
  expect(await text(tab, '#home-sub')).toBe('Reco orders this shelf for you as you browse, on this device');
  const before = await gridItems(tab, '#grid-home');
  const nails = before.filter((it) => !it.pinned && it.top === 'Nails').slice(-3);
  for (const it of nails) await openAndCloseProduct(tab, it.id);
  await expect.poll(() => visible(tab, '#home-apply'), { timeout: 10_000 }).toBe(true);
  const rankings = await tab.evaluate(() => window.__reco.ranked.filter((r) => r.listId === 'home').length);
  await clickInView(tab, '#home-apply');
  await waitForRanked(tab, 'home', rankings + 1);
  await expect.poll(() => visible(tab, '#home-apply')).toBe(false);
  await expect.poll(() => text(tab, '#home-sub')).toMatch(/^Because you viewed /);
  const nailsInTop8 = (items: { top: string }[]) => items.slice(0, 8).filter((it) => it.top === 'Nails').length;
  expect(nailsInTop8(await gridItems(tab, '#grid-home'))).toBeGreaterThan(nailsInTop8(before));
});

test('"Personalized order" switched off: the shop’s order, and the shelf no longer claims it is ordered for the shopper', async ({
  tab,
}) => {
  await returningShopper(tab, 'Nails');
  await expect.poll(() => text(tab, '#home-sub'), { timeout: 10_000 }).toMatch(/^Because you viewed /);
  const personalizedOrder = await homeIds(tab);
  await clickInView(tab, '#order-switch');
  await expect.poll(() => text(tab, '#home-sub')).toMatch(/shop’s own order/);
  expect(await text(tab, '#home-title')).not.toMatch(/for you/);
  expect(await visible(tab, '#panel-because')).toBe(false);
  const shopOrder = await homeIds(tab);
  expect(shopOrder).not.toEqual(personalizedOrder);

  await clickInView(tab, '#order-switch');
  await expect.poll(() => text(tab, '#home-sub'), { timeout: 10_000 }).toMatch(/^Because you viewed /);
  expect(await text(tab, '#home-title')).toBe('Recommended for you');
});

test('Back with a product open closes it; Forward opens it again', async ({ tab }) => {
  await tab.goto('/');
  await waitForReady(tab);
  const [a] = (await gridItems(tab, '#grid-home')).filter((it) => !it.pinned).map((it) => it.id);
  await tab.click(`#grid-home [data-reco-id="${a}"] .card-link`);
  await expect.poll(() => productOpen(tab)).toBe(true);
  await tab.evaluate(() => history.back());
  await expect.poll(() => productOpen(tab)).toBe(false);
  await tab.evaluate(() => history.forward());
  await expect.poll(() => productOpen(tab)).toBe(true);
  expect(await tab.evaluate(() => location.hash), 'the same product').toBe(`#/p/${encodeURIComponent(a!)}`);
  await tab.click('#product .dialog-close');
  await expect.poll(() => productOpen(tab)).toBe(false);
  await expect.poll(() => tab.evaluate(() => location.hash)).toBe('');
});

test('consent denied: the panel says Reco is off, no empty placement rows are shown, the shop works in its own order', async ({ tab }) => {
  await tab.goto('/?consent=denied');
  await expect.poll(() => tab.evaluate(() => window.Reco.status().engine)).toBe('off');
  await expect.poll(() => text(tab, '#reco-state'), { timeout: 5000 }).toBe('Off · consent denied');
  expect(await text(tab, '.site-footer')).toContain('records nothing');
  // The page's lines and rows as they settle once Reco has said it is off (its Chromium original waited as these do).
  await expect.poll(() => text(tab, '#home-sub')).toBe('In the shop’s own order: Reco is off on this page');
  await expect.poll(() => visible(tab, '#recent-title')).toBe(false);
  const [a] = (await gridItems(tab, '#grid-home')).map((it) => it.id);
  await tab.click(`#grid-home [data-reco-id="${a}"] .card-link`);
  await expect.poll(() => productOpen(tab)).toBe(true);
  await expect.poll(() => visible(tab, '#pd-similar-title')).toBe(false);
  await expect.poll(() => visible(tab, '#pd-byv-title')).toBe(false);
  expect((await tab.evaluate(() => window.Reco.export())).events).toEqual([]);
});

test('first visit: no empty "Recently viewed" shelf; after a product view it shows that product', async ({ tab }) => {
  await tab.goto('/');
  await waitForReady(tab);
  // The row keeps its place while Reco fills it, and its section goes once the answer is that it is empty.
  await expect.poll(() => visible(tab, '#recent-title')).toBe(false);
  const [a] = (await gridItems(tab, '#grid-home')).filter((it) => !it.pinned).map((it) => it.id);
  await openAndCloseProduct(tab, a!);
  await expect.poll(() => visible(tab, '#recent-title')).toBe(true);
  expect(await tab.evaluate((id) => document.querySelectorAll(`#recent [data-reco-id="${id}"]`).length, a!)).toBe(1);
});
