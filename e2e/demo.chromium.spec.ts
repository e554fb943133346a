// The demo shop as a product owner and a shopper meet it: keyboard, phone width, history, consent, the order switch
// and the placement rows. Chromium only: these use the viewport and the keyboard, which Playwright drives here.
import { expect, test, type Page } from '@playwright/test';
import { backAtTop, gridItems, listenToReco, openAndCloseProduct, waitForRanked, waitForReady } from './helpers/reco.ts';

/** A returning shopper: opens (and closes) four products of one top category, then reloads the shop. */
async function returningShopper(page: Page, top: string): Promise<void> {
  await page.goto('/');
  await waitForReady(page);
  const picks = (await gridItems(page, '#grid-home')).filter((it) => !it.pinned && it.top === top).slice(-4);
  for (const it of picks) await openAndCloseProduct(page, it.id);
  await expect
    .poll(async () => (await page.evaluate(() => window.Reco.export())).events.filter((e) => e.type === 'view_item').length)
    .toBe(4);
  await expect.poll(() => new URL(page.url()).hash).toBe(''); // closing went back to the shop's address
  await backAtTop(page);
  await listenToReco(page);
  await page.reload();
  await waitForReady(page);
}

const homeIds = (page: Page) =>
  page.locator('#grid-home [data-reco-id]').evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset['recoId']!));

test('panel closed (under 1200 px): Tab never lands on its off-screen controls; opened, they are reachable', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.goto('/');
  await waitForReady(page);
  expect(await page.evaluate(() => document.body.classList.contains('panel-open'))).toBe(false);
  await page.focus('#grid-new .card:last-child .add');
  const offScreen: string[] = [];
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement!;
      const box = el.getBoundingClientRect();
      return { name: el.id || el.textContent!.trim(), onScreen: box.right > 0 && box.left < innerWidth };
    });
    if (!focused.onScreen) offScreen.push(focused.name);
  }
  expect(offScreen, 'focused while off-screen').toEqual([]);

  await page.click('#panel-tab');
  await page.focus('#export');
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('export');
});

test('keyboard focus in the dark panel has a ring of at least 3:1 against it', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/');
  await waitForReady(page);
  await page.focus('#show-impressions');
  await page.keyboard.press('Tab'); // focus by keyboard: :focus-visible applies
  const contrast = await page.evaluate(() => {
    const luminance = (color: string) => {
      const [r, g, b] = color
        .match(/[\d.]+/g)!
        .slice(0, 3)
        .map((v) => Number(v) / 255)
        .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    const style = getComputedStyle(document.activeElement!);
    const [light, dark] = [
      luminance(style.outlineColor),
      luminance(getComputedStyle(document.getElementById('panel')!).backgroundColor),
    ].sort((a, b) => b - a);
    return { style: style.outlineStyle, ratio: (light! + 0.05) / (dark! + 0.05) };
  });
  expect(contrast.style).not.toBe('none');
  expect(contrast.ratio).toBeGreaterThanOrEqual(3);
});

test('a returning shopper: the grid already shows their picks, so "Show my picks" is not offered; the shelf says why', async ({ page }) => {
  await returningShopper(page, 'Nails');
  await expect(page.locator('#home-sub')).toHaveText(/^Because you viewed /, { timeout: 10_000 });
  expect((await gridItems(page, '#grid-home')).slice(0, 4).filter((it) => it.top === 'Nails').length).toBeGreaterThanOrEqual(2);
  await page.waitForTimeout(1500); // the panel's status refresh (1 s), which offers the button when it should
  expect(await page.isVisible('#home-apply')).toBe(false);
});

test('a first visit offers "Show my picks" only once the shopper has opened products; a click on it orders the grid for them', async ({
  page,
}) => {
  await listenToReco(page);
  await page.goto('/');
  await waitForReady(page);
  await page.waitForTimeout(1500); // impressions counted, the panel's status refreshed
  expect(await page.isVisible('#home-apply'), 'offered before any click').toBe(false);
  // Not ranked yet (nothing to rank by): the shelf says so rather than "Ordered for you".
  expect(await page.textContent('#home-sub')).toBe('Reco orders this shelf for you as you browse, on this device');
  const before = await gridItems(page, '#grid-home');
  const nails = before.filter((it) => !it.pinned && it.top === 'Nails').slice(-3);
  for (const it of nails) await openAndCloseProduct(page, it.id);
  await expect(page.locator('#home-apply')).toBeVisible();
  const rankings = await page.evaluate(() => window.__reco.ranked.filter((r) => r.listId === 'home').length);
  await page.evaluate(() => document.getElementById('home-apply')!.scrollIntoView({ block: 'center' }));
  await page.click('#home-apply');
  await waitForRanked(page, 'home', rankings + 1);
  await expect(page.locator('#home-apply')).toBeHidden();
  await expect(page.locator('#home-sub')).toHaveText(/^Because you viewed /);
  const nailsInTop8 = (items: { top: string }[]) => items.slice(0, 8).filter((it) => it.top === 'Nails').length;
  expect(nailsInTop8(await gridItems(page, '#grid-home'))).toBeGreaterThan(nailsInTop8(before));
});

test('"Personalized order" switched off: the shop’s order, and the shelf no longer claims it is ordered for the shopper', async ({
  page,
}) => {
  await returningShopper(page, 'Nails');
  await expect(page.locator('#home-sub')).toHaveText(/^Because you viewed /, { timeout: 10_000 });
  const personalizedOrder = await homeIds(page);
  await page.uncheck('#order-switch');
  await expect(page.locator('#home-sub')).toHaveText(/shop’s own order/);
  expect(await page.textContent('#home-title')).not.toMatch(/for you/);
  expect(await page.isVisible('#panel-because')).toBe(false);
  const shopOrder = await homeIds(page);
  expect(shopOrder).not.toEqual(personalizedOrder);

  await page.check('#order-switch');
  await expect(page.locator('#home-sub')).toHaveText(/^Because you viewed /, { timeout: 10_000 });
  expect(await page.textContent('#home-title')).toBe('Recommended for you');
});

test('on a phone (375 px) the "Because you viewed …" line has the shelf’s width, and the grid does not move when it arrives', async ({
  page,
}) => {
  await page.setViewportSize({ width: 375, height: 740 });
  await returningShopper(page, 'Hair Care');
  await expect(page.locator('#home-sub')).toHaveText(/^Because you viewed /, { timeout: 10_000 });
  const widths = await page.evaluate(() => ({
    line: document.getElementById('home-sub')!.getBoundingClientRect().width,
    shelf: document.getElementById('recommended')!.getBoundingClientRect().width,
    lines: Math.round(
      document.getElementById('home-sub')!.getBoundingClientRect().height /
        parseFloat(getComputedStyle(document.getElementById('home-sub')!).lineHeight),
    ),
  }));
  expect(widths.line).toBeGreaterThanOrEqual(widths.shelf * 0.95);
  expect(widths.lines).toBe(2);
  // The default line takes the same height: the grid starts at the same place whatever the line says.
  const gridTop = () => page.evaluate(() => document.getElementById('grid-home')!.getBoundingClientRect().top + scrollY);
  const withReason = await gridTop();
  await page.evaluate(() => (document.getElementById('home-sub')!.textContent = 'Ordered for you by Reco, on this device'));
  expect(await gridTop()).toBe(withReason);
});

test('on a phone "Show my picks" fits on one line beside the switch, and the grid does not move when it comes', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto('/');
  await waitForReady(page);
  const gridTop = () => page.evaluate(() => document.getElementById('grid-home')!.getBoundingClientRect().top + scrollY);
  const before = await gridTop();
  const nails = (await gridItems(page, '#grid-home')).filter((it) => !it.pinned && it.top === 'Nails').slice(-3);
  for (const it of nails) await openAndCloseProduct(page, it.id);
  await expect(page.locator('#home-apply')).toBeVisible();
  const button = await page.evaluate(() => {
    const box = document.getElementById('home-apply')!.getBoundingClientRect();
    return { height: box.height, right: box.right };
  });
  expect(button.height, 'one line').toBeLessThan(40);
  expect(button.right).toBeLessThanOrEqual(375);
  expect(await gridTop()).toBe(before);
});

test('closing a product with × or Esc: Back then leaves the shop, as on any site; a product reached by its address closes in place', async ({
  page,
}) => {
  await page.goto('/favicon.svg'); // the page before the shop
  await page.goto('/');
  await waitForReady(page);
  const [a, b] = (await gridItems(page, '#grid-home')).filter((it) => !it.pinned).map((it) => it.id);
  await openAndCloseProduct(page, a!); // ×
  await expect.poll(() => new URL(page.url()).hash).toBe('');
  await page.click(`#grid-home [data-reco-id="${b}"] .card-link`);
  await expect(page.locator('#product')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.locator('#product')).toBeHidden();
  await expect.poll(() => new URL(page.url()).hash).toBe('');
  await page.goBack();
  expect(new URL(page.url()).pathname).toBe('/favicon.svg');

  // Arrived on a product's address (a shared link): closing drops the product from the address, Back leaves.
  await page.goto(`/#/p/${a}`);
  await expect(page.locator('#product')).toBeVisible();
  await page.click('#product .dialog-close');
  await expect.poll(() => page.url()).toMatch(/\/$/);
  await page.goBack();
  expect(new URL(page.url()).pathname).toBe('/favicon.svg');
});

test('Back with a product open closes it; Forward opens it again', async ({ page }) => {
  await page.goto('/');
  await waitForReady(page);
  const [a] = (await gridItems(page, '#grid-home')).filter((it) => !it.pinned).map((it) => it.id);
  await page.click(`#grid-home [data-reco-id="${a}"] .card-link`);
  await expect(page.locator('#product')).toBeVisible();
  await page.goBack();
  await expect(page.locator('#product')).toBeHidden();
  await page.goForward();
  await expect(page.locator('#product')).toBeVisible();
  await page.click('#product .dialog-close');
  await expect(page.locator('#product')).toBeHidden();
  await expect.poll(() => new URL(page.url()).hash).toBe('');
});

test('consent denied: the panel says Reco is off, no empty placement rows are shown, the shop works in its own order', async ({ page }) => {
  await page.goto('/?consent=denied');
  await expect.poll(() => page.evaluate(() => window.Reco.status().engine)).toBe('off');
  await expect(page.locator('#reco-state')).toHaveText('Off · consent denied', { timeout: 5000 });
  expect(await page.textContent('.site-footer')).toContain('records nothing');
  expect(await page.textContent('#home-sub')).toBe('In the shop’s own order: Reco is off on this page');
  expect(await page.isVisible('#recent-title')).toBe(false);
  const [a] = (await gridItems(page, '#grid-home')).map((it) => it.id);
  await page.click(`#grid-home [data-reco-id="${a}"] .card-link`);
  await expect(page.locator('#product')).toBeVisible();
  await expect(page.locator('#pd-similar-title')).toBeHidden();
  await expect(page.locator('#pd-byv-title')).toBeHidden();
  expect((await page.evaluate(() => window.Reco.export())).events).toEqual([]);
});

test('first visit: no empty "Recently viewed" shelf; after a product view it shows that product', async ({ page }) => {
  await page.goto('/');
  await waitForReady(page);
  await expect(page.locator('#recent-title')).toBeHidden();
  const [a] = (await gridItems(page, '#grid-home')).filter((it) => !it.pinned).map((it) => it.id);
  await openAndCloseProduct(page, a!);
  await expect(page.locator('#recent-title')).toBeVisible();
  await expect(page.locator(`#recent [data-reco-id="${a}"]`)).toHaveCount(1);
});
