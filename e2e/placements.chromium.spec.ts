// A placement's layout shift (layout-shift entries: a Chromium API). The feed's request (no cookie, revalidated by
// ETag) is checked in each engine: placements.spec.ts.
import { expect, test } from '@playwright/test';

test('a placement rendered at page load keeps its space from the first paint: no layout shift when its items arrive', async ({ page }) => {
  await page.addInitScript(() => {
    (window as unknown as { shifts: number[] }).shifts = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as PerformanceEntry[] & { value: number; hadRecentInput: boolean }[])
        if (!e.hadRecentInput) (window as unknown as { shifts: number[] }).shifts.push(e.value);
    }).observe({ type: 'layout-shift', buffered: true });
  });
  await page.goto('/e2e/pages/placements-early.html');
  const belowBefore = await page.locator('#below').boundingBox();
  const ids = await page.evaluate(async () =>
    (await (window as unknown as { rendered: Promise<{ id: string }[]> }).rendered).map((it) => it.id),
  );
  expect(ids.length).toBeGreaterThan(0);
  await expect(page.locator('#similar > .card[data-reco-id]').first()).toBeVisible();
  expect(await page.locator('#below').boundingBox()).toEqual(belowBefore);
  await page.waitForTimeout(200); // layout-shift entries are delivered after the frame
  expect(await page.evaluate(() => (window as unknown as { shifts: number[] }).shifts.reduce((a, b) => a + b, 0))).toBe(0);
});
