import { expect, test, type BrowserPage } from './helpers/test.ts';
import { listenToReco, originsSentTo, waitForReco } from './helpers/reco.ts';

// Zero requests to other origins in every failure mode, in each engine: the SDK never "phones home" with an error or a
// fallback. Every request of the session is recorded (the worker's included: e2e/helpers/engines/page.ts requests()).

const SHOP = '/e2e/pages/shop.html';

const FAILURES: { name: string; path: string; after?: (tab: BrowserPage) => Promise<void> }[] = [
  { name: 'the model is missing (404)', path: `${SHOP}?model=/models/missing/model.json` },
  // The e2e server's /e2e/corrupt/ copy of the model: its weights with bytes flipped (scripts/serve.ts).
  {
    name: 'the weights are corrupt',
    path: `${SHOP}?model=/e2e/corrupt/models/default/model.json`,
    after: async (tab) => expect(await tab.evaluate(() => window.Reco.status().lastError)).toMatch(/weights\.bin.*(corrupt|checksum)/),
  },
  { name: 'the worker script is missing', path: `${SHOP}?worker=/missing.worker.js` },
  {
    name: 'the worker crashes twice',
    path: `${SHOP}?worker=/e2e/pages/probe.worker.js`,
    after: async (tab) => {
      await tab.evaluate(() => window.Reco.track('view_item', 'p073'));
      for (let i = 0; i < 2; i++) {
        await tab.evaluate(async () => {
          const channel = new BroadcastChannel('e2e-probe');
          const armed = new Promise((resolve) => (channel.onmessage = (e) => e.data === 'armed' && resolve(null)));
          channel.postMessage({ crash: 1 });
          await armed;
          channel.close();
          await window.Reco.rank(['p001', 'p002']);
        });
      }
      expect((await tab.evaluate(() => window.Reco.status())).engine).toBe('down');
    },
  },
  { name: "the page's policy refuses wasm", path: '/?csp=nowasm&backends=wasm' },
  { name: 'consent is denied', path: '/?consent=denied' },
];

/** In the failed state, every public call; then no request of the session went anywhere but the shop's origin. */
async function everyCallStaysHome(tab: BrowserPage): Promise<void> {
  await tab.evaluate(async () => {
    const R = window.Reco;
    R.track('view_item', 'p001');
    await R.rank(['p001', 'p002']);
    await R.explain('p001');
    await R.train();
    await R.export();
    await R.forget();
  });
  expect(tab.requests().length).toBeGreaterThan(0);
  expect(originsSentTo(tab)).toEqual(new Set([await tab.evaluate(() => location.origin)]));
}

for (const { name, path, after } of FAILURES) {
  test(`no request leaves the page's origin when ${name}`, async ({ tab }) => {
    await listenToReco(tab);
    await tab.goto(path);
    await waitForReco(tab);
    await after?.(tab);
    await everyCallStaysHome(tab);
  });
}

test("no request leaves the page's origin when the browser refuses IndexedDB", async ({ openSession }) => {
  const tab = await openSession({ indexedDB: false });
  await listenToReco(tab);
  await tab.goto(SHOP);
  await waitForReco(tab);
  await everyCallStaysHome(tab);
});
