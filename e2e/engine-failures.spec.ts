import { expect, test, type BrowserPage } from './helpers/test.ts';
import { listenToReco, waitForReady, waitForReco } from './helpers/reco.ts';

// The fixture shop (e2e/pages/shop.html, wasm) with Reco's worker wrapped by e2e/pages/probe.worker.js, which can
// crash with calls in flight and report tfjs's live tensor count.
const PAGE = '/e2e/pages/shop.html?worker=/e2e/pages/probe.worker.js';

declare global {
  interface Window {
    /** Messages of the wrapped worker on 'e2e-probe'. */
    __probe: unknown[];
  }
}

async function start(page: BrowserPage): Promise<string[]> {
  await listenToReco(page);
  await page.addInitScript(() => {
    const log: unknown[] = (window.__probe = []);
    new BroadcastChannel('e2e-probe').onmessage = (e) => log.push(e.data);
  });
  await page.goto(PAGE);
  await waitForReady(page);
  await page.waitForFunction(() => window.__probe.includes('started'));
  return page.evaluate(() => [...document.querySelectorAll('.g .card')].map((el) => el.getAttribute('data-sku')!));
}
const started = (page: BrowserPage) => page.evaluate(() => window.__probe.filter((m) => m === 'started').length);

/** The worker swallows the next `n` calls and then crashes; resolves once it is armed. */
async function armCrash(page: BrowserPage, n: number): Promise<void> {
  const armed = await page.evaluate(() => window.__probe.filter((m) => m === 'armed').length);
  await page.evaluate((crash) => new BroadcastChannel('e2e-probe').postMessage({ crash }), n);
  await page.waitForFunction((k) => window.__probe.filter((m) => m === 'armed').length > k, armed);
}

test('a crash with rank() and explain() in flight: both are answered by one new worker at once; a second crash takes the engine down and status() says so', async ({
  tab: page,
}) => {
  const ids = await start(page);
  await page.evaluate((h) => h.forEach((id) => window.Reco.track('view_item', id)), ids.slice(-3));
  const both = () => page.evaluate((c) => Promise.all([window.Reco.rank(c), window.Reco.explain(c[0]!)]), ids);
  const [healthy, why] = await both();
  expect(healthy.some((r) => r.score !== 0)).toBe(true);

  await armCrash(page, 2);
  const [ranked, explained] = await both();
  // The same ranking: the new worker may answer before its engine loads (the pair model on arrays: the same scores
  // to float32 rounding, src/model/pair-plain.ts).
  expect(ranked.map((r) => r.id)).toEqual(healthy.map((r) => r.id));
  ranked.forEach((r, i) => expect(r.score).toBeCloseTo(healthy[i]!.score, 5));
  expect(explained).toEqual(why);
  expect(await started(page), 'one restart for one crash').toBe(2);
  // Served again, and the crash on record in status() (a shop could not tell that it happened).
  await page.waitForFunction(() => window.Reco.status().engine === 'ready'); // it may answer before its model loads
  expect(await page.evaluate(() => window.Reco.status())).toMatchObject({
    ready: true,
    engine: 'ready',
    lastError: expect.stringMatching(/^WorkerCrashedError: .*crashed on purpose with 2 calls in flight; a new worker was started$/),
  });

  await armCrash(page, 2);
  const [off] = await both();
  expect(off).toEqual(ids.map((id) => ({ id, score: 0 })));
  const status = await page.evaluate(() => window.Reco.status());
  expect(status).toMatchObject({ ready: false, engine: 'down' });
  expect(status.lastError).toMatch(
    /^WorkerCrashedError: .*crashed on purpose with 2 calls in flight; the worker failed 2 times, so personalization is off/,
  );
  expect(await started(page), 'no third worker').toBe(2);
  // Later calls answer at once with the shop's order.
  expect(await page.evaluate((c) => window.Reco.rank(c), ids)).toEqual(ids.map((id) => ({ id, score: 0 })));
});

test('1,000 rankings and 100 explanations in the worker leave no tensor behind', async ({ tab: page }) => {
  const ids = await start(page);
  await page.evaluate((h) => h.forEach((id) => window.Reco.track('view_item', id)), ids.slice(-3));
  const tensors = async () => {
    const n = await page.evaluate(() => window.__probe.length);
    await page.evaluate(() => new BroadcastChannel('e2e-probe').postMessage('tensors'));
    await page.waitForFunction((k) => window.__probe.slice(k).some((m) => typeof m === 'object' && m && 'tensors' in m), n);
    return page.evaluate(
      (k) => (window.__probe.slice(k).find((m) => typeof m === 'object' && m && 'tensors' in m) as { tensors: number }).tensors,
      n,
    );
  };
  await page.evaluate((c) => window.Reco.rank(c), ids);
  const before = await tensors();
  expect(before).toBeGreaterThan(0);
  await page.evaluate(async (c) => {
    for (let i = 0; i < 1000; i++) {
      // Every tenth ranking follows a new event, so the shopper vector is computed anew, not served from the cache.
      if (i % 10 === 0) window.Reco.track('view_item', c[i % c.length]!);
      await window.Reco.rank(c);
    }
    for (let i = 0; i < 100; i++) await window.Reco.explain(c[i % c.length]!);
  }, ids);
  expect(await tensors()).toBe(before);
});

test('a stalled model download: status() says "loading" meanwhile, and init() settles with a named error after 20 s without data', async ({
  tab: page,
}) => {
  await listenToReco(page);
  await page.goto('/e2e/pages/shop.html?model=/models/default/model.json%3Fstall');
  await page.waitForFunction(() => window.Reco?.status().engine === 'loading');
  expect(await page.evaluate(() => window.Reco.status())).toMatchObject({ ready: false, engine: 'loading', lastError: null });
  await waitForReco(page, 60_000);
  const status = await page.evaluate(() => window.Reco.status());
  expect(status).toMatchObject({ ready: false, engine: 'down' });
  expect(status.lastError).toMatch(/^ModelError: could not fetch .*model\.json\?stall: no data for 20 s \(stalled download\)/);
});
