import { expect, test, type Page } from '@playwright/test';
import { listenToReco, waitForReco } from './helpers/reco.ts';

// Zero requests to other origins in every failure mode: the SDK never "phones home" with an error or a fallback.
// Requests are recorded on Playwright's context (the worker's included): Chromium only.

const SHOP = '/e2e/pages/shop.html';

const FAILURES: { name: string; path: string; setup?: (page: Page) => Promise<unknown>; after?: (page: Page) => Promise<void> }[] = [
  { name: 'the model is missing (404)', path: `${SHOP}?model=/models/missing/model.json` },
  {
    name: 'the weights are corrupt',
    path: SHOP,
    setup: (page) =>
      page.route('**/models/default/weights.bin', async (route) => {
        const body = Buffer.from(await (await route.fetch()).body());
        body[100]! ^= 0xff;
        await route.fulfill({ body });
      }),
  },
  { name: 'the worker script is missing', path: `${SHOP}?worker=/missing.worker.js` },
  {
    name: 'the worker crashes twice',
    path: `${SHOP}?worker=/e2e/pages/probe.worker.js`,
    after: async (page) => {
      await page.evaluate(() => window.Reco.track('view_item', 'p073'));
      for (let i = 0; i < 2; i++) {
        await page.evaluate(async () => {
          const channel = new BroadcastChannel('e2e-probe');
          const armed = new Promise((resolve) => (channel.onmessage = (e) => e.data === 'armed' && resolve(null)));
          channel.postMessage({ crash: 1 });
          await armed;
          channel.close();
          await window.Reco.rank(['p001', 'p002']);
        });
      }
      expect((await page.evaluate(() => window.Reco.status())).engine).toBe('down');
    },
  },
  {
    name: 'IndexedDB is refused',
    path: SHOP,
    setup: (page) =>
      page.addInitScript(() => {
        IDBFactory.prototype.open = () => {
          throw new DOMException('refused', 'InvalidStateError');
        };
      }),
  },
  { name: "the page's policy refuses wasm", path: '/?csp=nowasm&backends=wasm' },
  { name: 'consent is denied', path: '/?consent=denied' },
];

for (const { name, path, setup, after } of FAILURES) {
  test(`no request leaves the page's origin when ${name}`, async ({ page, context, baseURL }) => {
    const requests: string[] = [];
    context.on('request', (r) => requests.push(r.url()));
    await listenToReco(page);
    await setup?.(page);
    await page.goto(path);
    await waitForReco(page);
    await after?.(page);
    // Every public call, in the failed state.
    await page.evaluate(async () => {
      const R = window.Reco;
      R.track('view_item', 'p001');
      await R.rank(['p001', 'p002']);
      await R.explain('p001');
      await R.train();
      await R.export();
      await R.forget();
    });
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((u) => new URL(u).origin !== new URL(baseURL!).origin)).toEqual([]);
  });
}
