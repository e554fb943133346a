/**
 * In the browser: a simulated shopper with a stable taste shops the demo for a while; prints the share of
 * their clicks that land in the top 8 places of the home grid over time, with on-device learning and without.
 *
 *   npm run build && npx tsx scripts/bench-demo-learning.ts [--steps 40] [--backend wasm] [--json FILE]
 *
 * Each step: load the home page, re-order it (as the demo's "Show my picks" does), look at the first 24 cards,
 * click one with probability ∝ exp(affinity) (favourite category and brand), come back. Same seed both runs.
 */
import { writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { rng } from '../src/model/rng.ts';
import { ROUND_SETTLE_MS } from '../src/main/scheduler.ts';

const { values: a } = parseArgs({
  options: {
    steps: { type: 'string', default: '40' },
    backend: { type: 'string', default: 'wasm' },
    json: { type: 'string' },
    port: { type: 'string', default: '5191' },
  },
});
const steps = Number(a.steps);
const port = Number(a.port);
const TASTE = { category: 'Hair Care', brand: 'Tressa' };

async function run(learnEvery: number): Promise<boolean[]> {
  const browser = await chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--enable-unsafe-webgpu', '--disable-quic'],
  });
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const r = rng(7);
  const inTop8: boolean[] = [];
  for (let s = 0; s < steps; s++) {
    await page.goto(`http://localhost:${port}/?backends=${a.backend}&learnEvery=${learnEvery}`);
    await page.waitForFunction(() => (window as unknown as { Reco: { status(): { ready: boolean } } }).Reco.status().ready, null, {
      timeout: 60_000,
    });
    await page.evaluate(() => (window as unknown as { Reco: { personalize(): Promise<void> } }).Reco.personalize());
    const cards = await page.$$eval('#grid-home [data-reco-id]', (els) =>
      els.slice(0, 24).map((e) => ({
        id: (e as HTMLElement).dataset['recoId']!,
        category: (e as HTMLElement).dataset['recoCategory'] ?? '',
        brand: (e as HTMLElement).dataset['recoBrand'] ?? '',
      })),
    );
    const w = cards.map((c) => Math.exp(2 * Number(c.category.startsWith(TASTE.category)) + 1.5 * Number(c.brand === TASTE.brand)));
    let x = r() * w.reduce((p, q) => p + q, 0);
    let pick = 0;
    while (pick < w.length - 1 && (x -= w[pick]!) > 0) pick++;
    inTop8.push(pick < 8);
    await page.click(`#grid-home [data-reco-id="${cards[pick]!.id}"] img, #grid-home [data-reco-id="${cards[pick]!.id}"]`);
    // Give the idle page time for a learning round (same wait in both runs): a due round is asked for once the page has
    // stayed ROUND_SETTLE_MS after the click (src/main/scheduler.ts), and it takes a moment. With 2 s, as until
    // 2026-12-07, no round ran since that wait came in.
    await page.waitForTimeout(ROUND_SETTLE_MS + 2000);
    process.stderr.write(`\r${learnEvery ? 'learning' : 'no learning'}: step ${s + 1}/${steps}   `);
  }
  const learning = await page.evaluate(() => (window as unknown as { Reco: { status(): { learning: unknown } } }).Reco.status().learning);
  process.stderr.write(`\n${JSON.stringify(learning)}\n`);
  await browser.close();
  return inTop8;
}

const server = spawn('npx', ['tsx', 'scripts/serve.ts', '--port', String(port)], { stdio: 'ignore' });
await new Promise((res) => setTimeout(res, 2500));
try {
  const withLearning = await run(10);
  const without = await run(0);
  const windows = (xs: boolean[]) =>
    Array.from({ length: Math.ceil(xs.length / 10) }, (_, i) => xs.slice(i * 10, i * 10 + 10)).map(
      (w) => w.filter(Boolean).length / w.length,
    );
  const out = { steps, backend: a.backend, taste: TASTE, top8ShareWithLearning: windows(withLearning), top8ShareWithout: windows(without) };
  console.log('click share of the top 8 of 24, per 10 clicks:');
  console.log(`  with on-device learning: ${out.top8ShareWithLearning.map((v) => v.toFixed(2)).join('  ')}`);
  console.log(`  without:                 ${out.top8ShareWithout.map((v) => v.toFixed(2)).join('  ')}`);
  if (a.json) writeFileSync(a.json, JSON.stringify(out, null, 1) + '\n');
} finally {
  server.kill();
}
