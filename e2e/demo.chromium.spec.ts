// The demo shop with the keyboard and at a phone's width: Tab and focus rings, Esc, Back after closing a product.
// Chromium only: these use the viewport and the keyboard, which Playwright drives here. The rest of the shopper's
// path through the demo (a returning visit, "Show my picks", the order switch, consent denied) is demo.spec.ts, in
// every engine.
import { expect, test } from '@playwright/test';
import { gridItems, openAndCloseProduct, returningShopper, waitForReady } from './helpers/reco.ts';

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
