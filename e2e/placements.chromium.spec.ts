import { expect, test, type Request } from '@playwright/test';
import { waitForReady } from './helpers/reco.ts';

test('the feed is the only extra request: on the page origin, from the worker, once a page view, without cookies; a second view revalidates it by ETag', async ({
  page,
  context,
  baseURL,
}) => {
  const origin = new URL(baseURL!).origin;
  await context.addCookies([{ name: 'shop_session', value: 'secret', url: origin }]);
  const requests: Request[] = [];
  context.on('request', (r) => requests.push(r));
  const feedRequests = () => requests.filter((r) => new URL(r.url()).pathname === '/e2e/pages/placements-feed.jsonl');

  await page.goto('/e2e/pages/placements.html');
  await waitForReady(page);
  await page.evaluate(() => window.Reco.track('view_item', 'p010'));
  await page.evaluate(async () => {
    await window.Reco.recommend({ placement: 'for-you' });
    await window.Reco.recommend({ placement: 'similar', itemId: 'p001' });
  });
  expect(feedRequests()).toHaveLength(1);
  const [first] = feedRequests();
  expect((await first!.allHeaders())['cookie'], 'no cookie goes with the feed request').toBeUndefined();
  expect((await first!.response())!.status()).toBe(200);
  expect(await page.evaluate(() => window.Reco.status().catalog)).toMatchObject({ source: 'feed', items: 45, fromCache: false });

  await page.reload();
  await waitForReady(page);
  await page.evaluate(() => window.Reco.recommend({ placement: 'for-you' }));
  expect(feedRequests()).toHaveLength(2);
  const second = feedRequests()[1]!;
  expect((await second.allHeaders())['if-none-match']).toBeTruthy();
  expect((await second.response())!.status()).toBe(304);
  expect(await page.evaluate(() => window.Reco.status().catalog)).toMatchObject({ source: 'feed', items: 45, fromCache: true });

  const foreign = requests.map((r) => r.url()).filter((u) => new URL(u).origin !== origin);
  expect(foreign, 'requests to other origins').toEqual([]);
});

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
