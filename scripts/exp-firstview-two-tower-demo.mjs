// One-off (reports/bench-firstview-two-tower-20261204.txt), `node scripts/exp-firstview-two-tower-demo.mjs BASE_URL [LOADS]`
// with `npx tsx scripts/serve.ts --port PORT` serving a built tree: the demo with a shop-trained hybrid (the Beauty student), a repeat view whose snapshot has the shopper's
// history and query but none of the home grid's items (as a listing the last page view never ranked): is the home grid
// in view first shown ranked, and how long is it held? Nothing held back (tfjs loads as it would).
import { chromium } from 'playwright';
const base = process.argv[2];
const LOADS = Number(process.argv[3] ?? 5);
const q = '?model=/models/beauty-student/model.json&backends=wasm';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--enable-unsafe-webgpu'] });
const seedCtx = await browser.newContext();
const seed = await seedCtx.newPage();
await seed.goto(`${base}/${q}`);
await seed.waitForFunction(() => window.Reco?.status().ready === true, null, { timeout: 60_000 });
await seed.evaluate(async () => {
  const ids = [...document.querySelectorAll('[data-reco-grid="home"] [data-reco-id]')].map((el) => el.dataset.recoId);
  for (let i = 0; i < 12; i++) window.Reco.track(i % 3 ? 'view_item' : 'add_to_cart', ids[(i * 5) % ids.length]);
  await window.Reco.export();
});
await seed.waitForTimeout(3000);
const state = await seedCtx.storageState({ indexedDB: true });
await seedCtx.close();
const rows = [];
for (let i = 0; i < LOADS; i++) {
  const ctx = await browser.newContext({ storageState: state, viewport: { width: 1280, height: 720 } });
  await ctx.addInitScript(() => {
    window.__paints = [];
    const tick = () => {
      const g = document.querySelector('[data-reco-grid="home"]');
      if (g && g.querySelector('[data-reco-id]')) {
        const vis = getComputedStyle(g).visibility !== 'hidden';
        const o = [...g.querySelectorAll('[data-reco-id]')].map((e) => e.getAttribute('data-reco-id')).join(',');
        const last = window.__paints.at(-1);
        if (!last || last.o !== o || last.vis !== vis) window.__paints.push({ t: Math.round(performance.now()), vis, o });
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const page = await ctx.newPage();
  // A first load (files cached), then the snapshot's items dropped: the repeat view's grid is one it never ranked.
  await page.goto(`${base}/${q}`);
  await page.waitForFunction(() => window.Reco?.status().ready === true, null, { timeout: 60_000 });
  await page.waitForTimeout(1500);
  await page.goto(`${base}/e2e/pages/blank.html`);
  const dropped = await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const req = indexedDB.open('reco');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const tx = req.result.transaction('snapshots', 'readwrite');
          const store = tx.objectStore('snapshots');
          let n = 0;
          store.openCursor().onsuccess = (e) => {
            const c = e.target.result;
            if (!c) return;
            const v = c.value;
            c.update({ ...v, items: [], values: new Float64Array(0) });
            n++;
            c.continue();
          };
          tx.oncomplete = () => (req.result.close(), resolve(n));
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
  await page.goto(`${base}/${q}`);
  await page.waitForFunction(() => window.Reco?.status().ready === true, null, { timeout: 60_000 });
  await page.waitForTimeout(800);
  const paints = await page.evaluate(() => window.__paints);
  const ids = await page.evaluate(() =>
    [...document.querySelectorAll('[data-reco-grid="home"] [data-reco-id]')].map((e) => e.getAttribute('data-reco-id')),
  );
  const shop = paints[0]?.o;
  const firstVisible = paints.find((p) => p.vis);
  const cache = await page.evaluate(() => window.Reco.status().cache);
  rows.push({
    heldMs: firstVisible && paints[0] && !paints[0].vis ? firstVisible.t - paints[0].t : 0,
    dropped,
    firstVisibleMs: firstVisible?.t,
    inModelOrder: firstVisible?.o !== shop,
    shopOrderShown: firstVisible?.o === shop,
    reason: cache.snapshotReason,
    n: ids.length,
  });
  await ctx.close();
}
await browser.close();
for (const r of rows) console.log(JSON.stringify(r));
const held = rows.map((r) => r.heldMs).sort((a, b) => a - b);
console.log(
  `held p50 ${held[Math.floor(held.length / 2)]} ms (${held.join(', ')}); home grid's first visible paint ranked (not the shop's order): ${rows.filter((r) => r.inModelOrder).length}/${rows.length}; first visible paint p50 ${rows.map((r) => r.firstVisibleMs).sort((a, b) => a - b)[Math.floor(rows.length / 2)]} ms`,
);
