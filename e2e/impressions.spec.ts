import { expect, test } from './helpers/test.ts';
import { bringIntoView, impressions } from './helpers/impressions.ts';
import { waitForReady } from './helpers/reco.ts';

// IntersectionObserver timing differs between engines; the MRC rule (half in view for one continuous second) must not.
test('an item scrolled past in under a second is no impression; one in view for a second is counted once', async ({ tab: page }) => {
  await page.goto('/e2e/pages/impressions.html');
  await waitForReady(page);
  expect(await impressions(page)).toEqual([]);

  // A passes through the viewport: in view, then gone at the next frame.
  const inViewMs = await page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const a = document.getElementById('a')!;
        let since = 0;
        const io = new IntersectionObserver(
          ([e]) => {
            if (e!.intersectionRatio >= 0.5 && !since) {
              since = performance.now();
              window.scrollBy(0, window.innerHeight); // the spacer below A is two viewports tall: nothing in view
            } else if (since && e!.intersectionRatio < 0.5) {
              io.disconnect();
              resolve(performance.now() - since);
            }
          },
          { threshold: [0, 0.5, 1] },
        );
        io.observe(a);
        a.scrollIntoView({ block: 'center' });
      }),
  );
  expect(inViewMs, 'precondition: A was in view for less than a second').toBeLessThan(1000);

  // B stays in view: counted once it has been in view for a second. Had A's clock not stopped, A would be counted first.
  await bringIntoView(page, 'b');
  await expect.poll(() => impressions(page), { timeout: 30_000 }).toEqual(['b@1']);

  // Away to C (counted too), back to B, and a new item D shown beside B: once D is counted, B has been back in view
  // for a full second as well, and must still be counted once.
  await bringIntoView(page, 'c');
  await expect.poll(() => impressions(page), { timeout: 30_000 }).toEqual(['b@1', 'c@2']);
  await bringIntoView(page, 'b');
  await page.evaluate(() =>
    document
      .getElementById('b')!
      .insertAdjacentHTML('afterend', '<div class="card" id="d" data-reco-id="d" data-reco-title="Mint Lip Scrub">D</div>'),
  );
  await expect.poll(() => impressions(page), { timeout: 30_000 }).toEqual(['b@1', 'c@2', 'd@2']);
  const { events } = await page.evaluate(() => window.Reco.export());
  expect(events.filter((e) => e.itemId === 'a')).toEqual([]);
  expect(new Set(events.filter((e) => e.type === 'view_item_list').map((e) => e.pageViewId)).size).toBe(1);
});

test('an item too tall to be half in view (a large card on a phone) counts at 30% in view, the MRC rule for large items', async ({
  tab: page,
}) => {
  await page.goto('/e2e/pages/impressions.html');
  await waitForReady(page);
  // 300 px wide and two and a half viewports tall: at most 40% of it is ever in view, and it is over 242,500 pixels.
  await page.evaluate(() =>
    document
      .getElementById('c')!
      .insertAdjacentHTML(
        'afterend',
        '<div class="card" id="tall" data-reco-id="tall" data-reco-title="Bamboo Bath Mat" style="height: 250vh"></div>',
      ),
  );
  await page.evaluate(() => document.getElementById('tall')!.scrollIntoView({ block: 'center' }));
  await expect.poll(() => impressions(page), { timeout: 30_000 }).toEqual(['tall@3']);
});

test("a grid in view held until ranked: each item's second starts when the hold ends, not while it is hidden", async ({ tab: page }) => {
  // A shopper who opened a product before (on a first visit nothing could move the grid: it is not held).
  await page.goto('/e2e/pages/product.html?product=p001');
  await waitForReady(page);
  await page.evaluate(() => window.Reco.export());
  await page.goto('/e2e/pages/held.html');
  await waitForReady(page);
  const shown = async () => {
    const { events } = await page.evaluate(() => window.Reco.export());
    return events.filter((e) => e.type === 'view_item_list').map((e) => ({ id: e.itemId, ts: e.ts }));
  };
  await expect.poll(async () => (await shown()).length, { timeout: 30_000 }).toBe(6);
  const hold = await page.evaluate(() => (window as unknown as { __hold: { start: number | null; end: number | null } }).__hold);
  expect(hold.start, 'precondition: the grid was held at load').not.toBeNull();
  expect(hold.end).not.toBeNull();
  // Date.now() on both sides: an impression is recorded at least one second after the grid was shown.
  for (const { id, ts } of await shown())
    expect(ts - hold.end!, `${id}: ms from the end of the hold (held ${hold.end! - hold.start!} ms)`).toBeGreaterThanOrEqual(999);
});
