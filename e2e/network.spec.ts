import { expect, test, type BrowserContext, type Request } from '@playwright/test';
import { gridItems, openAndCloseProduct, waitForReady } from './helpers/reco.ts';

/** The demo shop's own files: everything else the page requests is the SDK's. */
const SHOP = /^\/(\?.*)?$|^\/(shop\.css|shop\.js|catalog\.json|favicon\.svg)$|^\/img\/[\w-]+\.svg$/;

/** Records every request of the context, the worker's included (Chromium reports dedicated-worker fetches on the context). */
function record(context: BrowserContext): Request[] {
  const requests: Request[] = [];
  context.on('request', (r) => requests.push(r));
  return requests;
}

async function shopAndBrowse(page: import('@playwright/test').Page, query: string) {
  await page.goto(`/${query}`);
  const status = await waitForReady(page);
  const [item] = (await gridItems(page, '#grid-home')).filter((it) => !it.pinned);
  await openAndCloseProduct(page, item!.id);
  const ranked = await page.evaluate(() =>
    window.Reco.rank([...document.querySelectorAll('[data-reco-id]')].slice(0, 10).map((el) => el.getAttribute('data-reco-id')!)),
  );
  expect(
    ranked.some((r) => r.score !== 0),
    'rank() used the model',
  ).toBe(true);
  await page.evaluate(() => window.Reco.export()); // flushes pending events to IndexedDB
  return status;
}

function check(requests: Request[], origin: string) {
  expect(requests.length).toBeGreaterThan(5);
  const foreign = requests.map((r) => r.url()).filter((u) => new URL(u).origin !== origin);
  expect(foreign, 'requests to other origins').toEqual([]);
  const sdk = requests.filter((r) => !SHOP.test(new URL(r.url()).pathname + new URL(r.url()).search));
  expect(
    sdk.filter((r) => r.method() !== 'GET').map((r) => `${r.method()} ${r.url()}`),
    'the SDK only downloads',
  ).toEqual([]);
  return [...new Set(sdk.map((r) => new URL(r.url()).pathname))].sort();
}

test('on WebGPU the SDK requests its script, its worker and the model files, all from the page origin', async ({
  page,
  context,
  baseURL,
}) => {
  const requests = record(context);
  const status = await shopAndBrowse(page, '');
  expect(status.backend).toBe('webgpu');
  expect(check(requests, new URL(baseURL!).origin)).toEqual([
    '/models/default/model.json',
    '/models/default/weights.bin',
    '/reco.js',
    '/reco.worker.js',
  ]);
});

test('on wasm the SDK also requests one wasm file from next to its worker, and nothing else', async ({ page, context, baseURL }) => {
  const requests = record(context);
  const status = await shopAndBrowse(page, '?backends=wasm');
  expect(status.backend).toBe('wasm');
  const paths = check(requests, new URL(baseURL!).origin);
  const wasm = paths.filter((p) => p.endsWith('.wasm'));
  expect(wasm).toHaveLength(1);
  expect(wasm[0]).toMatch(/^\/reco\.tfjs-backend-wasm(-simd)?\.[\w-]+\.wasm$/);
  expect(paths.filter((p) => !p.endsWith('.wasm'))).toEqual([
    '/models/default/model.json',
    '/models/default/weights.bin',
    '/reco.js',
    '/reco.worker.js',
  ]);
  const failed = requests.filter((r) => r.failure());
  expect(failed.map((r) => r.url())).toEqual([]);
});
