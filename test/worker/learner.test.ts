import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { pairHeadSize } from '../../src/model/pair-predict.ts';
import { resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LearningSchedule, LearningState } from '../../src/shared/learning.ts';
import { anchoredAdam } from '../../src/model/adam.ts';
import { openStore, pauseStores, resumeStores } from '../../src/shared/store.ts';
import type { HistoryEntry, RecoEvent } from '../../src/shared/types.ts';
import { createEngine, type Engine } from '../../src/worker/engine.ts';
import { setupTf } from '../../src/model/train/setup-tf.ts';
import { CATALOG, shopper } from '../../fixtures/shopper.ts';
import { encodeModel, type ModelManifest } from '../../src/model/io.ts';
import { modelKey } from '../../src/model/snapshot.ts';
import { initWeights } from '../../src/model/scorer.ts';
import { rng } from '../../src/model/rng.ts';

/** Files from the repository, or what a test serves under a path of its own (a model the shop retrained). */
const served = new Map<string, ArrayBuffer | string>();
const fileFetch = (async (u: string) =>
  new Response(served.get(u) ?? readFileSync(resolve(u)), { status: 200 })) as unknown as typeof fetch;
let dbCount = 0;
const engines: Engine[] = [];

/** One tab's worker: the engine in-process (the worker runs the same object), learning on `dbName`. */
async function tab(
  dbName: string,
  schedule: LearningSchedule = { trainAfterEvents: 0, trainIntervalMinutes: 10 },
  modelUrl = 'public/models/default/model.json',
) {
  const engine = createEngine({ fetch: fileFetch });
  engines.push(engine);
  const heard: LearningState[] = [];
  await engine.init(
    {
      modelUrl,
      backends: ['wasm'],
      learning: { dbName, maxEvents: 5000, maxAgeDays: 90, ...schedule },
    },
    (l) => heard.push(l),
  );
  const manifest = JSON.parse(String(served.get(modelUrl) ?? readFileSync(modelUrl, 'utf8'))) as ModelManifest;
  const headKey = `head:${modelKey(manifest)}`;
  return { engine, heard, headKey, learning: () => engine.status().learning! };
}

/** A shopper's events, moved to end an hour ago (the store evicts events older than 90 days). */
function recent(events: RecoEvent[]): RecoEvent[] {
  const shift = Date.now() - 3_600_000 - events[events.length - 1]!.ts;
  return events.map((e) => ({ ...e, ts: e.ts + shift }));
}

/** A database holding one shopper's events and the item cache, as the page's tracker leaves it. */
async function seeded(mode: 'brand' | 'random' = 'brand', seed = 2): Promise<string> {
  const dbName = `reco-learn-${++dbCount}`;
  const store = await openStore({ dbName });
  await store.add(recent(shopper(seed, mode).events));
  await store.putItems(CATALOG);
  store.close();
  return dbName;
}

async function meta<T>(dbName: string, key: string): Promise<T | undefined> {
  const store = await openStore({ dbName });
  const value = await store.getMeta<T>(key);
  store.close();
  return value;
}

const now = Date.now();
const history: HistoryEntry[] = CATALOG.slice(0, 4).map((item, i) => ({ item, type: 'select_item', ts: now - 60_000 + i }));
const candidates = CATALOG.slice(30, 54);

beforeAll(async () => {
  await setupTf('wasm');
});
afterEach(() => {
  for (const e of engines.splice(0)) e.dispose();
  vi.unstubAllGlobals();
});

describe('on-device learning in the worker', () => {
  it('a round pauses until the store has no call in flight: no transaction waits on the thread while it trains', async () => {
    await tab(await seeded()); // learning started: this worker's rounds pause through its store
    const store = await openStore({ dbName: `reco-learn-${++dbCount}` });
    const adam = anchoredAdam({ w: new Float32Array(4), c: new Float32Array(2) }, { lr: 0.01, l2: 0 });
    pauseStores();
    try {
      const call = store.count(); // in flight (waiting) until resumed
      const t0 = performance.now();
      while (performance.now() - t0 < 30); // the round has computed for over 20 ms: this step pauses
      let stepped = false;
      const step = adam.step().then(() => (stepped = true));
      await new Promise((r) => setTimeout(r, 100));
      expect(stepped, 'still waiting for the call in flight').toBe(false);
      resumeStores();
      await call;
      await step;
      expect(stepped).toBe(true);
    } finally {
      resumeStores();
      store.close();
    }
  });

  it('stores an accepted head under the model version, and a reload uses it', async () => {
    const dbName = await seeded();
    const a = await tab(dbName);
    expect(a.learning()).toMatchObject({ rounds: 0, head: 'shipped', pending: 40 });
    const shipped = await a.engine.rank(history, candidates, now);
    const { decision, state } = await a.engine.round(true);
    // The pair model's round: one example per click with a history, but for a click on the item clicked just before
    // (one step of the history, src/model/finetune.ts).
    const clicks = shopper(2, 'brand').events.filter((e) => e.type === 'select_item');
    const steps = clicks.filter((e, i) => i > 0 && clicks[i - 1]!.itemId !== e.itemId).length;
    expect(steps).toBeGreaterThan(30);
    expect(decision).toMatchObject({ accepted: true, examples: steps, heldOut: 0 });
    expect(state).toMatchObject({ rounds: 1, head: 'personal', pending: 0, lastDecision: decision });
    const stored = await meta<{ w: number[]; c: number[]; prev: unknown }>(dbName, a.headKey);
    // The default is the pair model: its head is one weight per pair feature and a score scale (pair-predict.ts).
    expect((JSON.parse(readFileSync('public/models/default/model.json', 'utf8')) as { config: { kind: string } }).config.kind).toBe('pair');
    expect(stored!.w).toHaveLength(pairHeadSize().w);
    expect(stored!.c).toHaveLength(pairHeadSize().c);
    expect(stored!.prev).toBeNull();
    const tuned = await a.engine.rank(history, candidates, now);
    expect(tuned).not.toEqual(shipped);

    const reloaded = await tab(dbName);
    expect(reloaded.learning()).toMatchObject({ rounds: 1, head: 'personal' });
    expect(await reloaded.engine.rank(history, candidates, now)).toEqual(tuned);
  });

  it('leaves the stored head alone when a round is rejected', async () => {
    // A random-click shopper whose round the guardrail rejects (its rate on such shoppers: pair-model.test.ts).
    const dbName = await seeded('random', 3);
    const a = await tab(dbName);
    const { decision } = await a.engine.round(true);
    expect(decision.accepted).toBe(false);
    expect(a.learning()).toMatchObject({ rounds: 1, head: 'shipped', lastDecision: { accepted: false } });
    expect(await meta(dbName, a.headKey)).toBeUndefined();
  });

  it("deletes heads of this model's other versions at start, and keeps those of other models (the newest few)", async () => {
    const dbName = await seeded();
    const store = await openStore({ dbName });
    const head = { w: [1], c: [1], prev: null, at: 1 };
    const older = 'head:default@19990101#00';
    const others = ['head:shop-a@1#a', 'head:shop-b@1#b', 'head:shop-c@1#c', 'head:shop-d@1#d'];
    for (const k of [older, ...others]) await store.setMeta(k, head);
    await store.setMeta('learning', {
      model: 'default@19990101#00',
      rounds: 7,
      lastRoundAt: 1,
      lastLabelTs: 1,
      lastDecision: null,
      heads: [older, ...others],
    });
    store.close();
    const a = await tab(dbName);
    expect(await meta(dbName, older)).toBeUndefined();
    expect(a.learning()).toMatchObject({ rounds: 0, lastDecision: null, head: 'shipped' });
    // Another model's head (a site serving its own model on some pages) stays, the newest three of them.
    expect(await meta(dbName, others[0]!)).toBeUndefined();
    for (const k of others.slice(1)) expect(await meta(dbName, k)).toEqual(head);
    expect((await meta<{ heads: string[] }>(dbName, 'learning'))!.heads).toEqual(others.slice(1));
  });

  it('a malformed learning record or head is skipped and counted; learning starts afresh instead of turning off', async () => {
    const dbName = await seeded();
    const store = await openStore({ dbName });
    await store.setMeta('learning', { model: 'x', rounds: 'many', heads: 'not a list' });
    store.close();
    const a = await tab(dbName);
    expect(a.engine.status().learningError).toBeUndefined();
    expect(a.learning()).toMatchObject({ rounds: 0, head: 'shipped' });
    expect(a.engine.status().skipped).toEqual(['meta:learning']);
    const { decision } = await a.engine.round(true);
    expect(decision.accepted).toBe(true);
    expect(a.learning()).toMatchObject({ rounds: 1, head: 'personal' });

    const again = await openStore({ dbName });
    await again.setMeta(a.headKey, { w: ['x'], c: [], prev: null, at: 1 });
    again.close();
    const b = await tab(dbName);
    expect(b.learning().head).toBe('shipped');
    expect(b.engine.status().skipped).toContain(`meta:${a.headKey}`);
  });

  it('runs an unforced round only when due: enough labelled events, and not within the interval', async () => {
    const dbName = await seeded();
    const a = await tab(dbName, { trainAfterEvents: 50, trainIntervalMinutes: 10 });
    expect((await a.engine.round(false)).decision.reason).toBe('skipped: not due'); // 40 of 50 events
    const b = await tab(dbName, { trainAfterEvents: 20, trainIntervalMinutes: 10 });
    expect((await b.engine.round(false)).decision.accepted).toBe(true);
    const store = await openStore({ dbName });
    await store.add(recent(shopper(5, 'brand').events).map((e) => ({ ...e, id: `later-${e.id}`, ts: Date.now() })));
    store.close();
    expect((await b.engine.round(false)).decision.reason).toBe('skipped: not due'); // 40 new, but 10 minutes have not passed
    expect(b.learning().rounds).toBe(1);
  });

  it('a round skipped for too few labelled events is not a round: the count and the interval wait stay, the next round is due when the events come', async () => {
    const dbName = `reco-learn-${++dbCount}`;
    const store = await openStore({ dbName });
    await store.add(recent(shopper(2, 'brand').events).slice(0, 3));
    const a = await tab(dbName, { trainAfterEvents: 20, trainIntervalMinutes: 10 });
    const skipped = await a.engine.round(true); // Reco.train() on a new shopper
    expect(skipped.decision.reason).toMatch(/^skipped: \d+ labelled steps with a history, 3 needed$/);
    expect(a.learning()).toMatchObject({ rounds: 0, lastDecision: { reason: skipped.decision.reason } });
    await store.add(recent(shopper(5, 'brand').events).map((e) => ({ ...e, id: `later-${e.id}` })));
    await store.putItems(CATALOG);
    store.close();
    expect((await a.engine.round(false)).decision.accepted).toBe(true); // due at once: no 10-minute wait from the skip
    expect(a.learning().rounds).toBe(1);
  });

  it('skips a round while another tab holds the training lock', async () => {
    const held = new Set<string>();
    vi.stubGlobal('navigator', {
      locks: {
        async request(name: string, _opts: { ifAvailable?: boolean }, fn: (lock: object | null) => Promise<unknown>) {
          if (held.has(name)) return fn(null);
          held.add(name);
          try {
            return await fn({ name });
          } finally {
            held.delete(name);
          }
        },
      },
    });
    const dbName = await seeded();
    const a = await tab(dbName);
    const b = await tab(dbName);
    const [ra, rb] = await Promise.all([a.engine.round(true), b.engine.round(true)]);
    expect([ra.decision.reason, rb.decision.reason].filter((r) => r === 'skipped: another round is running')).toHaveLength(1);
    expect([ra, rb].filter((r) => r.decision.accepted)).toHaveLength(1);
  });

  it('another tab picks up an accepted head; forget() goes back to the shipped head in both', async () => {
    const dbName = await seeded();
    const a = await tab(dbName);
    const b = await tab(dbName);
    const shipped = await b.engine.rank(history, candidates, now);
    expect((await a.engine.round(true)).decision.accepted).toBe(true);
    const tuned = await a.engine.rank(history, candidates, now);
    await vi.waitFor(() => expect(b.heard.at(-1)).toMatchObject({ head: 'personal', rounds: 1 }), { timeout: 10_000 });
    expect(await b.engine.rank(history, candidates, now)).toEqual(tuned);

    expect(a.engine.forget()).toMatchObject({ rounds: 0, lastDecision: null, head: 'shipped' });
    const store = await openStore({ dbName });
    await store.clear(); // the page tells its worker, then clears the store
    store.close();
    expect(await a.engine.rank(history, candidates, now)).toEqual(shipped);
    await vi.waitFor(() => expect(b.heard.at(-1)).toMatchObject({ head: 'shipped', rounds: 0 }), { timeout: 10_000 });
    expect(await b.engine.rank(history, candidates, now)).toEqual(shipped);
  });

  it('a round under way when forget() comes writes nothing and leaves the shipped head', async () => {
    const dbName = await seeded();
    const a = await tab(dbName);
    const round = a.engine.round(true);
    a.engine.forget();
    expect((await round).decision.accepted).toBe(false);
    expect(a.learning()).toMatchObject({ rounds: 0, head: 'shipped' });
    expect(await meta(dbName, a.headKey)).toBeUndefined();
    expect(await meta(dbName, 'learning')).toBeUndefined();
  });
});

describe('on-device learning when the shop ships a new model', () => {
  const TRANSFORMER = 'fixtures/models/text-transformer/model.json';
  const shipped = JSON.parse(readFileSync(TRANSFORMER, 'utf8')) as ModelManifest;
  /** The model retrained (a second `npm run train` of the day, same best epoch): same id and version, other weights. */
  async function retrained(dir: string, d: number, seed: number): Promise<string> {
    const config = { ...shipped.config, d, ffn: 2 * d };
    const weights = initWeights(config, rng(seed));
    const r = rng(seed + 1);
    for (const k of ['head.w', 'head.c']) weights[k] = weights[k]!.map(() => (r() - 0.5) * 0.5);
    const { manifest, bin } = await encodeModel({ id: shipped.id, version: shipped.version, config }, weights, null);
    served.set(`${dir}/model.json`, JSON.stringify(manifest));
    served.set(`${dir}/weights.bin`, bin);
    return `${dir}/model.json`;
  }

  it('a head learned on the old weights is not used with the new ones, nor does one of another width turn learning off', async () => {
    const dbName = await seeded();
    const old = await tab(dbName, undefined, TRANSFORMER);
    expect((await old.engine.round(true)).decision.accepted).toBe(true);
    expect(old.learning().head).toBe('personal');

    // The same width: a new shopper's scores, not the old head's.
    const v2 = await retrained('/shop/models/v2', shipped.config.d, 7);
    const fresh = createEngine({ fetch: fileFetch });
    engines.push(fresh);
    await fresh.init({ modelUrl: v2, backends: ['wasm'], learning: null });
    const returning = await tab(dbName, undefined, v2);
    expect(returning.learning()).toMatchObject({ head: 'shipped', rounds: 0 });
    expect(await returning.engine.rank(history, candidates, now)).toEqual(await fresh.rank(history, candidates, now));

    // Another width, under the same key (a damaged record): dropped and counted; learning goes on.
    const v3 = await retrained('/shop/models/v3', shipped.config.d / 2, 9);
    const third = await tab(dbName, undefined, v3);
    expect((await third.engine.round(true)).decision.accepted).toBe(true);
    const wide = await meta<{ w: number[]; c: number[] }>(dbName, returning.headKey);
    expect(wide).toBeUndefined(); // deleted as another model's head when v3 started
    const store = await openStore({ dbName });
    await store.setMeta(third.headKey, { w: Array(16).fill(0.1), c: Array(4).fill(0), prev: null, at: 1 });
    store.close();
    const again = await tab(dbName, undefined, v3);
    expect(again.engine.status().learningError).toBeUndefined();
    expect(again.learning().head).toBe('shipped');
    expect(again.engine.status().skipped).toContain(`meta:${third.headKey}`);
    expect((await again.engine.round(true)).decision.accepted).toBe(true);
  });

  it('a round whose head cannot be stored (quota, a store that stopped answering) leaves the head in use as it was', async () => {
    const dbName = await seeded();
    const store = await openStore({ dbName });
    const engine = createEngine({ fetch: fileFetch });
    engines.push(engine);
    await engine.init(
      {
        modelUrl: 'public/models/default/model.json',
        backends: ['wasm'],
        learning: { dbName, maxEvents: 5000, maxAgeDays: 90, trainAfterEvents: 0, trainIntervalMinutes: 10 },
      },
      undefined,
      { store },
    );
    const before = await engine.rank(history, candidates, now);
    store.setMeta = () => Promise.reject(Object.assign(new Error('the quota is full'), { name: 'QuotaExceededError' }));
    await expect(engine.round(true)).rejects.toThrow('the quota is full');
    expect(engine.status().learning?.head).toBe('shipped');
    expect(engine.serving().head).toBe('shipped');
    expect(await engine.rank(history, candidates, now)).toEqual(before);
  });

  it("a site that serves two models (its own on some pages, the default on others) keeps each one's learned head", async () => {
    const dbName = await seeded();
    const own = '/shop/models/own/model.json';
    served.set(own, JSON.stringify({ ...shipped, id: 'shop-own' }));
    served.set('/shop/models/own/weights.bin', new Uint8Array(readFileSync('fixtures/models/text-transformer/weights.bin')).buffer);
    const a = await tab(dbName);
    expect((await a.engine.round(true)).decision.accepted).toBe(true);
    const b = await tab(dbName, undefined, own);
    expect(b.learning().head).toBe('shipped');
    const again = await tab(dbName);
    expect(again.learning().head).toBe('personal');
  });
});
