/**
 * Writes demo/shoppers.json: simulated shoppers of the demo shop for its "simulate shoppers" panel, which
 * replays them through the page's own model (demo/simulate.js). Each shopper has the hidden taste of the
 * simulator (scripts/simulate-shoppers.ts) and the first events of their history; the items' appeal comes
 * once. A seed other than the one the default model was trained on (1), so the panel shows shoppers the model
 * never saw.
 *
 *   npx tsx scripts/demo-shoppers.ts [--users 300] [--seed 7] [--events 12]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readCatalog, simulateShoppers } from './simulate-shoppers.ts';

const { values } = parseArgs({
  options: { users: { type: 'string', default: '300' }, seed: { type: 'string', default: '7' }, events: { type: 'string', default: '12' } },
});
const catalog = readCatalog('demo/catalog.json');
const { interactions, shoppers, appeal } = simulateShoppers({ catalog, users: Number(values.users), seed: Number(values.seed) });
const keep = Number(values.events);
const histories = new Map<string, [string, string, number][]>();
for (const x of interactions) {
  const h = histories.get(x.user) ?? histories.set(x.user, []).get(x.user)!;
  // Seconds since the shopper's first event.
  if (h.length < keep) h.push([x.item, x.type, h.length ? Math.round((x.ts - interactions.find((y) => y.user === x.user)!.ts) / 1000) : 0]);
}
const out = {
  about: `Simulated shoppers of the demo catalog (scripts/simulate-shoppers.ts, seed ${values.seed}): hidden taste and the first ${keep} events of each. Written by scripts/demo-shoppers.ts.`,
  appeal: appeal.map((x) => Math.round(x * 1000) / 1000),
  shoppers: shoppers.map((s) => ({
    ...s,
    priceSensitivity: Math.round(s.priceSensitivity * 1000) / 1000,
    history: histories.get(s.user) ?? [],
  })),
};
writeFileSync('demo/shoppers.json', JSON.stringify(out) + '\n');
console.log(`wrote demo/shoppers.json: ${shoppers.length} shoppers, ${keep} events each at most`);
