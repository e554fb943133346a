// One-off (reports/bench-firstview-two-tower-20261204.txt), `node scripts/exp-firstview-two-tower-listing.mjs BASE_URL [LOADS]`
// with `npx tsx scripts/serve.ts --port PORT` serving a built tree: a shop-trained hybrid (the Beauty student) on a listing the shopper never saw, same history as the
// snapshot; is the grid in view shown first in the model's order (ranked within its hold)? Real conditions: nothing held.
import { chromium } from 'playwright';
const base = process.argv[2];
const LOADS = Number(process.argv[3] ?? 5);
const model = '/models/beauty-student/model.json';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--enable-unsafe-webgpu'] });
const rows = [];
for (let i = 0; i < LOADS; i++) {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  await ctx.addInitScript(() => {
    window.__paints = [];
    const tick = () => {
      const g = document.querySelector('[data-reco-grid]');
      if (g && g.children.length) {
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
  await page.goto(`${base}/e2e/pages/listing.html?list=a&model=${model}`);
  await page.waitForFunction(() => window.Reco?.status().ready === true, null, { timeout: 60_000 });
  for (const id of ['a2', 'a4']) await page.click(`[data-reco-id="${id}"]`);
  await page.evaluate(() => window.Reco.export());
  await page.waitForTimeout(1000);
  await page.goto(`${base}/e2e/pages/listing.html?list=b&model=${model}`);
  await page.waitForFunction(() => window.Reco?.status().ready === true, null, { timeout: 60_000 });
  await page.waitForTimeout(500);
  const paints = await page.evaluate(() => window.__paints);
  const modelOrder = (
    await page.evaluate(() => window.Reco.rank([...document.querySelectorAll('[data-reco-id]')].map((e) => e.getAttribute('data-reco-id'))))
  )
    .map((r) => r.id)
    .join(',');
  const firstVisible = paints.find((p) => p.vis);
  const cache = await page.evaluate(() => window.Reco.status().cache);
  rows.push({
    firstVisibleMs: firstVisible?.t,
    inModelOrder: firstVisible?.o === modelOrder,
    snapshot: cache.snapshot,
    reason: cache.snapshotReason,
  });
  await ctx.close();
}
await browser.close();
for (const r of rows) console.log(JSON.stringify(r));
console.log(
  `first visible paint in the model's order: ${rows.filter((r) => r.inModelOrder).length}/${rows.length}; first visible paint p50 ${rows.map((r) => r.firstVisibleMs).sort((a, b) => a - b)[Math.floor(rows.length / 2)]} ms`,
);
