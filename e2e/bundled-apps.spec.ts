import { expect, test as base, type BrowserPage } from './helpers/test.ts';
import { PORT } from './helpers/origins.ts';
import { firstSight, listenToReco, waitForRanked, waitForReady, watchFirstSight, type FirstSight } from './helpers/reco.ts';
import { serveApp, tarballApp, type TarballApp } from './helpers/tarball-app.ts';
import { PRODUCTS } from './apps/shop/src/catalog.ts';

// A Vite shop that installed the packed package and copied nothing (e2e/apps/shop), built by Vite and by webpack
// and served, in each engine: the bundler's worker (an ES module worker in Vite's dev server), wasm and model files
// are found where the bundler put them. Its Svelte app (?svelte) renders the list itself, in the order
// reco-sdk/svelte's store gives. Built once per run (e2e/helpers/tarball-app.ts); the checks of the builds'
// files are in bundlers.chromium.spec.ts.
const test = base.extend<object, { app: TarballApp }>({
  // eslint-disable-next-line no-empty-pattern
  app: [async ({}, use) => use(tarballApp()), { scope: 'worker', timeout: 600_000 }],
});

const ids = (tab: BrowserPage) =>
  tab.evaluate(() => [...document.querySelectorAll('#list [data-reco-id]')].map((el) => el.getAttribute('data-reco-id')!));
/** The app's perfumes: last in the shop's order (e2e/apps/shop/src/catalog.ts). */
const FRAGRANCE = ['p075', 'p076', 'p077', 'p078', 'p079'];

/** The shopper views three perfumes, reloads, and gets them first; the grid shows the order of its first ranking. */
async function perfumesFirstAfterReload(tab: BrowserPage, url: string): Promise<void> {
  await listenToReco(tab);
  await tab.goto(url);
  const status = await waitForReady(tab);
  expect(status.backend).toBe('wasm');
  expect((await ids(tab)).slice(-5)).toEqual(FRAGRANCE);
  await tab.evaluate((viewed) => viewed.forEach((id) => window.Reco.track('view_item', id)), FRAGRANCE.slice(0, 3));
  await tab.evaluate(() => window.Reco.exportData()); // written before the reload
  await tab.reload();
  await waitForReady(tab);
  const ranked = await waitForRanked(tab, 'home');
  expect(await ids(tab)).toEqual(ranked.order);
  expect(ranked.order.slice(0, 3).filter((id) => FRAGRANCE.includes(id)).length).toBeGreaterThan(0);
  expect(await tab.evaluate(() => [...window.__reco.consoleErrors, ...window.__reco.errors])).toEqual([]);
  expect(await tab.pageErrors()).toEqual([]);
}

test('vite build, served: the app personalizes (worker, wasm and model found where the bundler put them)', async ({ app, tab }) => {
  const server = await serveApp(app, 'preview', PORT + 3);
  try {
    await perfumesFirstAfterReload(tab, server.url);
  } finally {
    server.stop();
  }
});

test("webpack 5 with no configuration file: its build, served, personalizes (worker, wasm and model from webpack's output)", async ({
  app,
  tab,
}) => {
  const server = await serveApp(app, 'webpack', PORT + 3);
  try {
    await perfumesFirstAfterReload(tab, server.url);
    // The worker, the model and the wasm backend's file came from webpack's output.
    const files = tab
      .requests()
      .map((r) => new URL(r.url))
      .filter((u) => u.origin === new URL(server.url).origin && /\.(js|wasm|json|bin)$/.test(u.pathname))
      .map((u) => u.pathname);
    expect(files.filter((p) => /\.(wasm|json|bin)$/.test(p)).length).toBeGreaterThanOrEqual(3);
    expect(files.filter((p) => !app.webpack.built.includes(p.slice(1)))).toEqual([]);
  } finally {
    server.stop();
  }
});

test('vite dev server: the app personalizes, the worker served from the package; a wrong path is named', async ({ app, tab }) => {
  const server = await serveApp(app, 'dev', PORT + 2);
  try {
    await perfumesFirstAfterReload(tab, server.url);

    // A wrong path gets the dev server's index.html (status 200): the error says so.
    const error = (options: object) =>
      tab.evaluate(async (o) => (await window.Reco.init({ backends: ['wasm'], ...o })).status().lastError, options);
    expect(await error({ modelUrl: '/nowhere/model.json' })).toBe(
      `ModelError: expected a model manifest, got text/html from ${server.url}nowhere/model.json: is the path right?`,
    );
    expect(await error({ workerUrl: '/nowhere/reco.worker.js' })).toBe(
      // Started twice (a failed worker is replaced once), then the engine is down.
      `WorkerCrashedError: the worker ${server.url}nowhere/reco.worker.js failed: expected the worker script, got text/html from ${server.url}nowhere/reco.worker.js: is the path right?; the worker failed 2 times, so personalization is off for this page view`,
    );
  } finally {
    server.stop();
  }
});

/**
 * The app's list rendered by a framework (?svelte, ?angular) in the order its binding gives: held on a page load and
 * first seen in the shopper's order, no node moved by Reco, the price sort the shopper picks and back, clicks recorded.
 * @param listId the list's data-reco-grid
 */
async function frameworkList(tab: BrowserPage, server: { url: string }, framework: string, listId: string): Promise<void> {
  await watchFirstSight(tab);
  const url = `${server.url}?${framework}`;
  await listenToReco(tab);
  await tab.goto(url);
  await waitForReady(tab);
  expect((await firstSight(tab)).held, 'a first visit: nothing could move the list, so it is not hidden').toBe(false);

  // The shopper views three perfumes, and comes back.
  await tab.evaluate((viewed) => viewed.forEach((id) => window.Reco.track('view_item', id)), FRAGRANCE.slice(0, 3));
  await tab.evaluate(() => window.Reco.exportData()); // written before the reload
  await tab.reload();
  await waitForReady(tab);
  await tab.waitForFunction(() => (window as unknown as { __firstSight: FirstSight }).__firstSight.order);
  const { order: first, held } = await firstSight(tab);
  expect(held, 'a shopper with a history: held').toBe(true);
  expect(first!.slice(0, 3).filter((id) => FRAGRANCE.includes(id)).length, 'the perfumes they viewed come first').toBeGreaterThan(0);
  expect(await ids(tab), 'and it stays so: nothing moved after it was shown').toEqual(first);
  // Reco re-ordered nothing itself (no 'ranked' event for this list): the framework rendered the order.
  expect(await tab.evaluate((id) => window.__reco.ranked.filter((r) => r.listId === id), listId)).toEqual([]);

  // Price: low to high, as the app sorts it; and back to their order.
  const byPrice = [...PRODUCTS].sort((a, b) => a.price - b.price).map((p) => p.sku);
  await tab.click('#by-price');
  await tab.waitForFunction(
    (want) => [...document.querySelectorAll('#list [data-reco-id]')].map((el) => el.getAttribute('data-reco-id')).join() === want,
    byPrice.join(),
  );
  await tab.click('#by-price');
  await tab.waitForFunction(
    (want) => [...document.querySelectorAll('#list [data-reco-id]')].map((el) => el.getAttribute('data-reco-id')).join() === want,
    first!.join(),
  );

  // Its clicks are recorded, with the list and the position the framework rendered.
  await tab.click(`#list [data-reco-id="${first![1]}"] a`);
  const clicks = (await tab.evaluate(() => window.Reco.exportData())).events.filter((e) => e.type === 'select_item');
  expect(clicks.map((e) => `${e.itemId} ${e.listId} #${e.position}`)).toEqual([`${first![1]} ${listId} #1`]);
  expect(await tab.evaluate(() => [...window.__reco.consoleErrors, ...window.__reco.errors])).toEqual([]);
  expect(await tab.pageErrors()).toEqual([]);
}

test("Svelte (reco-sdk/svelte's store, vite build): held on a page load and first seen in the shopper's order; Reco never moves Svelte's nodes; the price sort the shopper picks is the sort they get, and back", async ({
  app,
  tab,
}) => {
  const server = await serveApp(app, 'preview', PORT + 3);
  try {
    await frameworkList(tab, server, 'svelte', 'svelte-home');
  } finally {
    server.stop();
  }
});

test("Angular (reco-sdk/angular's signal, zoneless, vite build): held on a page load and first seen in the shopper's order; Reco never moves Angular's nodes; the price sort the shopper picks is the sort they get, and back", async ({
  app,
  tab,
}) => {
  const server = await serveApp(app, 'preview', PORT + 3);
  try {
    await frameworkList(tab, server, 'angular', 'angular-home');
  } finally {
    server.stop();
  }
});
