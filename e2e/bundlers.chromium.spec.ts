import { test as base, expect, type Page } from '@playwright/test';
import { PORT } from './helpers/origins.ts';
import { firstSight, listenToReco, waitForRanked, waitForReady, watchFirstSight } from './helpers/reco.ts';
import { serveApp, tarballApp, type TarballApp } from './helpers/tarball-app.ts';
import { PRODUCTS } from './apps/shop/src/catalog.ts';

// A Vite shop that installed the packed package and copied nothing (e2e/apps/shop): built once per run.
const test = base.extend<object, { app: TarballApp }>({
  // eslint-disable-next-line no-empty-pattern
  app: [async ({}, use) => use(tarballApp()), { scope: 'worker', timeout: 600_000 }],
});

const ids = (page: Page) => page.locator('#list [data-reco-id]').evaluateAll((els) => els.map((el) => el.getAttribute('data-reco-id')!));
/** The app's perfumes: last in the shop's order (e2e/apps/shop/src/catalog.ts). */
const FRAGRANCE = ['p075', 'p076', 'p077', 'p078', 'p079'];

/** The shopper views three perfumes, reloads, and gets them first. */
async function viewPerfumesAndReload(page: Page, url: string): Promise<void> {
  await listenToReco(page);
  await page.goto(url);
  const status = await waitForReady(page);
  expect(status.backend).toBe('wasm');
  expect((await ids(page)).slice(-5)).toEqual(FRAGRANCE);
  await viewThreePerfumesAndReload(page);
}

/** On the page open now: the shopper views the first three perfumes, then reloads. */
async function viewThreePerfumesAndReload(page: Page): Promise<void> {
  await page.evaluate((viewed) => viewed.forEach((id) => window.Reco.track('view_item', id)), FRAGRANCE.slice(0, 3));
  await page.evaluate(() => window.Reco.exportData()); // written before the reload
  await page.reload();
  await waitForReady(page);
}

test('types: a strict consumer (skipLibCheck false, exactOptionalPropertyTypes) compiles against the installed package, reco-sdk/react, reco-sdk/vue, reco-sdk/svelte and reco-sdk/angular included', async ({
  app,
}) => {
  expect(app.tsc.output).toBe('');
  expect(app.tsc.code).toBe(0);
});

test("types under TypeScript's older moduleResolution node (node10: Create React App, older Angular and Jest setups), which reads no exports: reco-sdk/react resolves too", async ({
  app,
}) => {
  // It said "Cannot find module 'reco-sdk/react' or its corresponding type declarations" (the package's typesVersions now names them).
  expect(app.tscNode10.output).toBe('');
  expect(app.tscNode10.code).toBe(0);
});

test('the package installs alone: no runtime dependencies, types without TensorFlow.js', async ({ app }) => {
  const { readFileSync, existsSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(`${app.dir}/node_modules/reco-sdk/package.json`, 'utf8')) as Record<string, unknown>;
  expect(pkg['dependencies']).toBeUndefined();
  expect(existsSync(`${app.dir}/node_modules/@tensorflow`)).toBe(false);
  // The default model ships; the demo's Beauty model (1.7 MB) is the repository's, not the package's.
  expect(existsSync(`${app.dir}/node_modules/reco-sdk/public/models/default/model.json`)).toBe(true);
  expect(existsSync(`${app.dir}/node_modules/reco-sdk/public/models/beauty-student`)).toBe(false);
  for (const dts of ['reco.d.ts', 'react.d.ts', 'vue.d.ts', 'svelte.d.ts', 'angular.d.ts']) {
    const text = readFileSync(`${app.dir}/node_modules/reco-sdk/dist/${dts}`, 'utf8');
    expect(text).not.toMatch(/tensorflow|@webgpu|from "\.\/|from '\.\//);
  }
});

test("the files an app's bundler must copy are named by literals, new URL('…', import.meta.url): the form webpack 5 and Vite follow", async ({
  app,
}) => {
  // webpack 5 reads new URL(<not a literal>, import.meta.url) as a module context of its own: the file is never copied
  // and the call throws "Cannot find module …" (the wasm backend did not start in a no-configuration webpack app).
  const { readFileSync, readdirSync } = await import('node:fs');
  const dist = `${app.dir}/node_modules/reco-sdk/dist`;
  const calls = ['bundler-assets.mjs', 'reco.worker.backend-wasm.js'].flatMap((f) =>
    [...readFileSync(`${dist}/${f}`, 'utf8').matchAll(/new URL\(([^()]*?),\s*import\.meta\.url\)/g)].map((m) => m[1]!),
  );
  // The worker and its chunks: every URL and import a literal (Vite's preload helper had a new URL(<a variable>, …)).
  const worker = readdirSync(dist).filter((f) => /^reco\.worker.*\.js$/.test(f));
  const workerCalls = worker.flatMap((f) =>
    [...readFileSync(`${dist}/${f}`, 'utf8').matchAll(/new URL\(([^()]*?),\s*import\.meta\.url\)|(?<![\w$.])import\(([^()]*?)\)/g)].map(
      (m) => m[1] ?? m[2]!,
    ),
  );
  expect(workerCalls.length).toBeGreaterThan(5);
  expect(workerCalls.filter((c) => !/^(['"`])[^'"`$]+\1$/.test(c))).toEqual([]);
  const named = calls.map((c) => /^(['"`])([^'"`$]+)\1$/.exec(c)?.[2] ?? `not a literal: ${c}`);
  expect(named).toEqual(
    expect.arrayContaining([
      './reco.worker.js',
      '../public/models/default/model.json',
      'reco.tfjs-backend-wasm.wasm',
      'reco.tfjs-backend-wasm-simd.wasm',
      'reco.tfjs-backend-wasm-threaded-simd.wasm',
    ]),
  );
  expect(named.filter((n) => n.startsWith('not a literal'))).toEqual([]);
});

test("CommonJS (Jest's default mode, a require()): both entries load, by Node's require of ES modules", async ({ app }) => {
  const { spawnSync } = await import('node:child_process');
  const script = "const r = require('reco-sdk'), h = require('reco-sdk/react'); console.log(typeof r.init, typeof h.useRanked)";
  const run = spawnSync(process.execPath, ['--no-warnings', '-e', script], { cwd: app.dir, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.stdout.trim()).toBe('function function');
});

test('vite build takes the worker, its wasm and the model from the package, with no copy step', async ({ app }) => {
  const built = app.built.join('\n');
  expect(built).toMatch(/\.wasm$/m);
  expect(built).toMatch(/worker[^/\n]*\.js$/m);
  expect(built).toMatch(/weights[^/\n]*\.bin$/m);
  // model.json is emitted, or inlined as a data: URL when it is small (Vite's assetsInlineLimit, 4 KB).
  const { readFileSync } = await import('node:fs');
  const inlined = app.built
    .filter((f) => f.endsWith('.js'))
    .some((f) => readFileSync(`${app.dir}/dist/${f}`, 'utf8').includes('data:application/json;base64,'));
  expect(/model[^/\n]*\.json$/m.test(built) || inlined).toBe(true);
});

test("vite build with the worker as an ES module (worker.format 'es'): tfjs and every backend stay in chunks of their own, none emptied", async ({
  app,
}) => {
  // The package marks its worker files as having side effects: each backend's chunk registers it with tfjs, and
  // nothing imports a name from it, so a bundler that believed "no side effects" would drop its code.
  for (const backend of ['cpu', 'wasm', 'webgl', 'webgpu']) {
    const chunk = app.builtEs.find((f) => new RegExp(`backend-${backend}[^/]*\\.js$`).test(f.file));
    expect(chunk, `the ${backend} backend's chunk`).toBeDefined();
    expect(chunk!.bytes, `${chunk!.file}`).toBeGreaterThan(20_000);
  }
});

test('webpack 5 with no configuration file: it warns about nothing in the package, and its output holds the worker, wasm and model (bundled-apps.spec.ts serves it in each engine)', async ({
  app,
}) => {
  // The worker's copy of Vite's preload helper had webpack warn "Critical dependency: the request of a dependency is an
  // expression" (reco.worker.js) on every build of a shop's app, and add every file next to the worker to it.
  expect(app.webpack.warnings.filter((w) => w.module !== null)).toEqual([]);
  const built = app.webpack.built.join('\n');
  expect(built).toMatch(/\.wasm$/m);
  expect(built).toMatch(/\.bin$/m);
  expect(app.webpack.built.filter((f) => /reco|\.d\.ts$|\.mjs$/.test(f))).toEqual([]);
});

test("esbuild with no configuration (a classic script, no import.meta.url): init() says what to do and the grid keeps its order; with the package's dist/ served and workerUrl and modelUrl given, it personalizes", async ({
  app,
  page,
}) => {
  const server = await serveApp(app, 'esbuild', PORT + 3);
  try {
    const requests: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await listenToReco(page);
    await page.goto(server.url);
    await page.waitForFunction(() => window.Reco?.status().engine === 'down', undefined, { timeout: 30_000 });
    const shopOrder = PRODUCTS.map((p) => p.sku);
    expect(await ids(page)).toEqual(shopOrder);
    // It said "TypeError: Failed to construct 'URL': Invalid URL", the storage off.
    const why =
      "WorkerCrashedError: could not start the worker reco.worker.js (bundled by the app): this app's bundle is a classic script (esbuild's default output) without import.meta.url to find the worker and the model from: bundle as an ES module (esbuild --format=esm), or serve the package's dist/ and pass workerUrl and modelUrl to init()";
    expect((await page.evaluate(() => window.Reco.status().lastError))?.startsWith(why)).toBe(true);
    expect(await page.evaluate(() => window.Reco.status().storage)).toBe('indexeddb');
    expect(pageErrors).toEqual([]);
    // No worker was looked for where there is none.
    expect(requests.filter((p) => /worker/.test(p))).toEqual([]);

    // The README's way: the package's dist/ served by the shop (here at /reco/), its URLs given to init().
    await viewPerfumesAndReload(page, `${server.url}?worker=/reco/reco.worker.js&model=/reco/models/default/model.json`);
    const ranked = await waitForRanked(page, 'home');
    expect(await ids(page)).toEqual(ranked.order);
    expect(ranked.order.slice(0, 3).filter((id) => FRAGRANCE.includes(id)).length).toBeGreaterThan(0);
    expect(await page.evaluate(() => [...window.__reco.consoleErrors, ...window.__reco.errors])).toEqual([]);
    expect(pageErrors).toEqual([]);
  } finally {
    server.stop();
  }
});

test('an app that passes a workerUrl of its own at init() (its bundler did not copy the worker): the bundled worker is never requested', async ({
  app,
  page,
}) => {
  const server = await serveApp(app, 'preview', PORT + 3);
  try {
    const workers: string[] = [];
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (/reco\.worker/.test(path)) workers.push(path);
    });
    await listenToReco(page);
    await page.goto(`${server.url}?worker=/nowhere/reco.worker.js`);
    await page.waitForFunction(() => window.Reco?.status().engine === 'down', undefined, { timeout: 30_000 });
    expect(workers.length).toBeGreaterThan(0);
    expect(workers.filter((path) => path !== '/nowhere/reco.worker.js')).toEqual([]);
  } finally {
    server.stop();
  }
});

test('React: useRanked renders the list in the shopper order; Reco tracks it and never moves its nodes', async ({ app, page }) => {
  const server = await serveApp(app, 'preview', PORT + 3);
  try {
    await viewPerfumesAndReload(page, `${server.url}?react`);
    // The hook re-renders once Reco has ranked the list.
    await expect.poll(async () => (await ids(page)).slice(0, 3).filter((id) => FRAGRANCE.includes(id)).length).toBeGreaterThan(0);
    const shown = await ids(page);
    const ranked = await page.evaluate(
      (list) => window.Reco.rank(list).then((r) => r.map((x) => x.id)),
      shown.map((id) => ({ id })),
    );
    expect(new Set(shown)).toEqual(new Set(ranked));
    // Reco re-ordered nothing itself (no 'ranked' event for this grid), and React reported no DOM surprise.
    expect(await page.evaluate(() => window.__reco.ranked.filter((r) => r.listId === 'react-home'))).toEqual([]);
    await page.locator('#rerender').click();
    expect(await ids(page)).toEqual(shown);
    // Its clicks are recorded, with the list and the position React rendered.
    await page.locator(`#list [data-reco-id="${shown[1]}"] a`).click();
    const clicks = (await page.evaluate(() => window.Reco.exportData())).events.filter((e) => e.type === 'select_item');
    expect(clicks.map((e) => `${e.itemId} ${e.listId} #${e.position}`)).toEqual([`${shown[1]} react-home #1`]);
    expect(await page.evaluate(() => [...window.__reco.consoleErrors, ...window.__reco.errors])).toEqual([]);
  } finally {
    server.stop();
  }
});

test("React: the merchandising rules order the hook's list as they order grids: a product the app says is out of stock goes last", async ({
  app,
  page,
}) => {
  const server = await serveApp(app, 'preview', PORT + 3);
  try {
    // hideUnavailable, on by default: on a first visit already (no history), the perfume out of stock goes last.
    const url = `${server.url}?react&soldout=${FRAGRANCE[0]}`;
    await listenToReco(page);
    await page.goto(url);
    await waitForReady(page);
    await expect.poll(async () => (await ids(page)).at(-1)).toBe(FRAGRANCE[0]);
    // The shopper views three perfumes, the first of them the one out of stock: the other two come first, it stays last.
    await viewThreePerfumesAndReload(page);
    await expect.poll(async () => (await ids(page)).slice(0, 3).filter((id) => FRAGRANCE.includes(id)).length).toBeGreaterThan(0);
    expect((await ids(page)).at(-1)).toBe(FRAGRANCE[0]);
    expect(await page.evaluate(() => [...window.__reco.consoleErrors, ...window.__reco.errors])).toEqual([]);
  } finally {
    server.stop();
  }
});

test("React: on a page load the list in view is hidden until its first ranking is rendered, so the shopper's first sight of it is their order; on a first visit it is not hidden", async ({
  app,
  page,
}) => {
  const server = await serveApp(app, 'preview', PORT + 3);
  try {
    await watchFirstSight(page);
    const held = async () => (await firstSight(page)).held;
    await listenToReco(page);
    await page.goto(`${server.url}?react`);
    await waitForReady(page);
    expect(await held(), 'a first visit: nothing could move the list, so it is not hidden').toBe(false);
    await viewPerfumesAndReload(page, `${server.url}?react`);
    expect(await held(), 'a shopper with a history: held').toBe(true);
    const first = await firstSight(page);
    const readyAt = await page.evaluate(() => window.__reco.readyAt);
    console.log(
      `[react first sight] ${first.at === null ? 'none' : Math.round(first.at)} ms after navigation; ready at ${Math.round(readyAt ?? -1)} ms`,
    );
    expect(first.order, 'the list was shown').not.toBeNull();
    expect(
      first.order!.slice(0, 3).filter((id) => FRAGRANCE.includes(id)).length,
      'the perfumes the shopper viewed come first',
    ).toBeGreaterThan(0);
    expect(await ids(page), 'and it stays so: nothing moved after it was shown').toEqual(first.order);
    expect(await page.evaluate(() => [...window.__reco.consoleErrors, ...window.__reco.errors])).toEqual([]);
  } finally {
    server.stop();
  }
});
