import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CatalogItem } from '../../scripts/gen-catalog.ts';
import { simulateShoppers, topCategory, type Interaction } from '../../scripts/simulate-shoppers.ts';

const catalog: CatalogItem[] = JSON.parse(readFileSync(new URL('../../demo/catalog.json', import.meta.url), 'utf8'));
const byId = new Map(catalog.map((item) => [item.id, item]));

function byUser(interactions: Interaction[]): Map<string, Interaction[]> {
  const users = new Map<string, Interaction[]>();
  for (const x of interactions) {
    const events = users.get(x.user) ?? [];
    events.push(x);
    users.set(x.user, events);
  }
  return users;
}

describe('simulateShoppers', () => {
  const run = simulateShoppers({ catalog, users: 400, seed: 1 });

  it('is deterministic by seed', () => {
    expect(simulateShoppers({ catalog, users: 400, seed: 1 })).toEqual(run);
    const other = simulateShoppers({ catalog, users: 400, seed: 2 });
    expect(other.interactions.slice(0, 50)).not.toEqual(run.interactions.slice(0, 50));
  });

  it('writes valid, time-ordered events within the per-user range', () => {
    const users = byUser(run.interactions);
    expect(users.size).toBe(400);
    for (const events of users.values()) {
      expect(events.length).toBeGreaterThanOrEqual(8);
      expect(events.length).toBeLessThanOrEqual(40);
      expect(events[0].type).toBe('select_item');
      for (let i = 1; i < events.length; i++) expect(events[i].ts).toBeGreaterThanOrEqual(events[i - 1].ts);
    }
    for (const x of run.interactions) {
      expect(byId.has(x.item)).toBe(true);
      expect(['select_item', 'view_item', 'add_to_cart', 'purchase']).toContain(x.type);
    }
    const short = simulateShoppers({ catalog, users: 20, seed: 3, eventsPerUser: [3, 5] });
    for (const events of byUser(short.interactions).values()) expect(events.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...[...byUser(short.interactions).values()].map((e) => e.length))).toBeLessThanOrEqual(5);
  });

  it("concentrates each shopper's clicks on their favourite categories", () => {
    const taste = new Map(run.shoppers.map((s) => [s.user, s]));
    const clicks = run.interactions.filter((x) => x.type === 'select_item');
    const onFavourite = clicks.filter((x) => taste.get(x.user)!.categories.includes(topCategory(byId.get(x.item)!.category)));
    expect(onFavourite.length / clicks.length).toBeGreaterThan(0.6);
  });

  it("is learnable: knowing the history's categories beats popularity at predicting the last click", () => {
    const popularity = new Map<string, number>();
    const cases: { history: Interaction[]; next: string }[] = [];
    for (const events of byUser(run.interactions).values()) {
      const last = events.map((x) => x.type).lastIndexOf('select_item');
      const history = events.slice(0, last);
      for (const x of history) if (x.type === 'select_item') popularity.set(x.item, (popularity.get(x.item) ?? 0) + 1);
      cases.push({ history, next: events[last].item });
    }
    const hitRate = (score: (history: Interaction[]) => (id: string) => number): number => {
      let hits = 0;
      for (const { history, next } of cases) {
        const s = score(history);
        const ranked = catalog.map((item) => item.id).sort((a, b) => s(b) - s(a));
        if (ranked.indexOf(next) < 10) hits++;
      }
      return hits / cases.length;
    };
    const pop = hitRate(() => (id) => popularity.get(id) ?? 0);
    const byCategory = hitRate((history) => {
      const counts = new Map<string, number>();
      for (const x of history) {
        const top = topCategory(byId.get(x.item)!.category);
        counts.set(top, (counts.get(top) ?? 0) + 1);
      }
      return (id) => (counts.get(topCategory(byId.get(id)!.category)) ?? 0) * 1000 + (popularity.get(id) ?? 0);
    });
    expect(byCategory).toBeGreaterThan(1.5 * pop);
  });
});

describe('npm run simulate, bad flags', () => {
  const root = mkdtempSync(join(tmpdir(), 'reco-simulate-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const simulate = (args: string[]) =>
    spawnSync(
      join('node_modules', '.bin', 'tsx'),
      ['scripts/simulate-shoppers.ts', '--catalog', 'demo/catalog.json', '--out', root, ...args],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
  const bad: [string[], RegExp][] = [
    [['--users', 'abc'], /^simulate-shoppers: --users: expected a whole number of at least 1, got "abc"/],
    [['--users=-3'], /--users: expected a whole number of at least 1, got "-3"/],
    [['--users', '5', '--seed', 'x'], /--seed: expected a whole number of at least 0, got "x"/],
    [
      ['--users', '5', '--events', '40,8'],
      /^simulate-shoppers: --events: expected MIN,MAX events per shopper with 1 <= MIN <= MAX, got "40,8"/,
    ],
    [['--users', '5', '--events', 'x'], /--events: expected MIN,MAX .*got "x"/],
  ];

  it('names the flag and keeps the dataset already in --out', () => {
    expect(simulate(['--users', '5', '--seed', '1']).status).toBe(0);
    const before = readFileSync(join(root, 'interactions.jsonl'), 'utf8');
    expect(before.split('\n').length).toBeGreaterThan(5);
    for (const [args, message] of bad) {
      const r = simulate(args);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(readFileSync(join(root, 'interactions.jsonl'), 'utf8'), args.join(' ')).toBe(before);
    }
  }, 60_000);
});
