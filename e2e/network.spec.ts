import { expect, test, type BrowserPage } from './helpers/test.ts';
import { gridItems, openAndCloseProduct, waitForReady } from './helpers/reco.ts';
import type { SeenRequest } from './helpers/engines/page.ts';

/** The demo shop's own files: everything else the page requests is the SDK's. */
const SHOP =
  /^\/(\?.*)?$|^\/(shop\.css|shop\.js|panel-state\.js|placements\.js|simulate\.js|catalog\.json|favicon\.svg)$|^\/img\/[\w-]+\.svg$/;
const SDK_FILES = ['/models/default/model.json', '/models/default/weights.bin', '/reco.engine.js', '/reco.js', '/reco.worker.js'];

async function shopAndBrowse(tab: BrowserPage, query: string) {
  await tab.goto(`/${query}`);
  const status = await waitForReady(tab);
  const [item] = (await gridItems(tab, '#grid-home')).filter((it) => !it.pinned);
  await openAndCloseProduct(tab, item!.id);
  const ranked = await tab.evaluate(() =>
    window.Reco.rank([...document.querySelectorAll('[data-reco-id]')].slice(0, 10).map((el) => el.getAttribute('data-reco-id')!)),
  );
  expect(
    ranked.some((r) => r.score !== 0),
    'rank() used the model',
  ).toBe(true);
  await tab.evaluate(() => window.Reco.export()); // flushes pending events to IndexedDB
  return status;
}

/** No request left the page's origin; the SDK only downloaded. Returns the SDK's paths. */
function check(requests: readonly SeenRequest[], origin: string): string[] {
  expect(requests.length).toBeGreaterThan(5);
  // A data: URL is inline, nothing is sent (Firefox reported a data:font/woff2 one on the demo with its placements).
  const sent = requests.filter((r) => !r.url.startsWith('data:'));
  const foreign = sent.map((r) => r.url).filter((u) => new URL(u).origin !== origin);
  expect(foreign, 'requests to other origins').toEqual([]);
  const sdk = sent.filter((r) => !SHOP.test(new URL(r.url).pathname + new URL(r.url).search));
  expect(
    sdk.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.url}`),
    'the SDK only downloads',
  ).toEqual([]);
  return [...new Set(sdk.map((r) => new URL(r.url).pathname))].sort();
}

/** A control: the request log really sees a foreign request made by the page and one made by a worker. */
async function expectForeignSeen(tab: BrowserPage): Promise<void> {
  const before = tab.requests().length;
  await tab.evaluate(async () => {
    await fetch('http://reco-e2e-page.invalid/probe').catch(() => {});
    const worker = new Worker(
      URL.createObjectURL(new Blob(["fetch('http://reco-e2e-worker.invalid/probe').catch(() => {}).finally(() => postMessage('done'))"])),
    );
    await new Promise((resolve) => (worker.onmessage = resolve));
    worker.terminate();
  });
  await expect
    .poll(
      () =>
        tab
          .requests()
          .slice(before)
          .map((r) => new URL(r.url).hostname)
          .sort(),
      { message: 'the request log sees foreign requests of the page and of a worker' },
    )
    .toEqual(expect.arrayContaining(['reco-e2e-page.invalid', 'reco-e2e-worker.invalid']));
}

test('with the default backends the SDK requests its script, its worker and the chunks of the backend that runs (and a wasm file on wasm), and the model, all from the page origin', async ({
  tab,
  baseURL,
}) => {
  const status = await shopAndBrowse(tab, '');
  const paths = check(tab.requests(), new URL(baseURL!).origin);
  const wasm = paths.filter((p) => p.endsWith('.wasm'));
  expect(wasm).toHaveLength(status.backend === 'wasm' ? 1 : 0);
  const files = paths.filter((p) => !p.endsWith('.wasm'));
  expect(files).toEqual(expect.arrayContaining([...SDK_FILES, '/reco.worker.tfjs.js', `/reco.worker.backend-${status.backend}.js`]));
  // Only the backend that runs has its code downloaded (shared chunks of tfjs, named by the bundler, come along).
  expect(files.filter((f) => /backend-/.test(f))).toEqual([`/reco.worker.backend-${status.backend}.js`]);
  expect(
    files.every((f) => SDK_FILES.includes(f) || /^\/reco\.worker\.[\w-]+\.js$/.test(f)),
    files.join(' '),
  ).toBe(true);
  await expectForeignSeen(tab);
});

test('on wasm the SDK also requests one wasm file from next to its worker, and nothing else', async ({ tab, baseURL }) => {
  const status = await shopAndBrowse(tab, '?backends=wasm');
  expect(status.backend).toBe('wasm');
  const paths = check(tab.requests(), new URL(baseURL!).origin);
  const wasm = paths.filter((p) => p.endsWith('.wasm'));
  expect(wasm).toHaveLength(1);
  expect(wasm[0]).toMatch(/^\/reco\.tfjs-backend-wasm(-simd)?\.wasm$/); // stable names: no hash to copy anew on upgrade
  const files = paths.filter((p) => !p.endsWith('.wasm'));
  expect(files).toEqual(expect.arrayContaining([...SDK_FILES, '/reco.worker.tfjs.js', '/reco.worker.backend-wasm.js']));
  expect(files.filter((f) => /backend-/.test(f))).toEqual(['/reco.worker.backend-wasm.js']);
});
