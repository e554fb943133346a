import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { setupTf } from '../../src/model/train/setup-tf.ts';
import type { EngineInit, RankRequest } from '../../src/shared/protocol.ts';
import { ALL_BUCKETS } from '../../src/model/snapshot.ts';
import { gapBucket, recentSteps } from '../../src/model/sequence.ts';
import { openStore, STORE_CALL_TIMEOUT_MS } from '../../src/shared/store.ts';
import type { ItemFeatures, RecoEvent } from '../../src/shared/types.ts';
import { createPlainScorer, type HybridTables } from '../../src/model/hybrid.ts';
import { createEngine, type Engine } from '../../src/worker/engine.ts';
import { createHost } from '../../src/worker/host.ts';
import { CATALOG, ITEMS, storedEvent as event } from '../../fixtures/shopper.ts';
import { DEFAULTS } from '../../src/shared/options.ts';
import { scoreItems } from '../../src/model/predict.ts';
import { readModel } from '../../src/model/train/model-files.ts';

/**
 * Hosts here hear no page's forget() over BroadcastChannel: test files run in parallel threads of one process, where
 * another file's page would reach them. The test of that path gives its own line.
 */
const alone = (): void => {};
const fileFetch = (async (u: string) => new Response(readFileSync(resolve(u)), { status: 200 })) as unknown as typeof fetch;
let n = 0;
/** The shipped default (the pair model: its snapshot is a table of its scores) and a transformer (item vectors and queries). */
const MODELS = { pair: 'public/models/default/model.json', transformer: 'fixtures/models/text-transformer/model.json' };
/** A shop-trained hybrid (transformer plus tables): the demo's Beauty student. */
const HYBRID = 'public/models/beauty-student/model.json';
const init = (dbName: string, modelUrl = MODELS.pair): EngineInit => ({
  modelUrl,
  backends: ['wasm'],
  historyLength: 50,
  store: { dbName, maxEvents: 5000, maxAgeDays: 90 },
  learning: null,
});
/** A page view's worker; with `gate`, the engine loads only once the gate opens (the snapshot must answer before). */
function pageView(gate?: Promise<void>) {
  return createHost({
    fetch: fileFetch,
    caches: null,
    onPageForget: alone,
    loadEngine: async (files) => {
      await gate;
      return createEngine({ files });
    },
  });
}

/**
 * A page view that hears another tab's forget() when the test calls `heard()` (the BroadcastChannel's stand-in);
 * `engine` may change its engine before init.
 */
function hearingForget(engine: (e: Engine) => void = () => {}) {
  const tell = { heard: (): void => {} };
  const view = createHost({
    fetch: fileFetch,
    caches: null,
    onPageForget: (onForget) => (tell.heard = onForget),
    loadEngine: async (files) => {
      const e = createEngine({ files });
      engine(e);
      return e;
    },
  });
  return { view, heard: () => tell.heard() };
}

/** A page view whose engine's snapshot() goes through `wrap` (to count its calls, or hold some). */
function pageViewWith(wrap: (snapshot: Engine['snapshot']) => Engine['snapshot']) {
  return createHost({
    fetch: fileFetch,
    caches: null,
    onPageForget: alone,
    loadEngine: async (files) => {
      const engine = createEngine({ files });
      return Object.assign(engine, { snapshot: wrap(engine.snapshot.bind(engine)) });
    },
  });
}

/** A database with a shopper's history and item features, as the page leaves it. */
async function shopper(): Promise<{ dbName: string; events: RecoEvent[] }> {
  const dbName = `host-${++n}`;
  const store = await openStore({ dbName });
  const t = Date.now() - 3_600_000;
  const events = [
    event(CATALOG[1]!.id, 'select_item', t),
    event(CATALOG[1]!.id, 'view_item', t + 5000),
    event(CATALOG[7]!.id, 'add_to_cart', t + 60_000),
  ];
  await store.add(events);
  await store.putItems(CATALOG.slice(0, 20));
  store.close();
  return { dbName, events };
}

const candidates = CATALOG.slice(20, 44);
const request = (now = Date.now(), pending: RecoEvent[] = []): RankRequest => ({ candidates, pending, known: [], now });

/** A shopper's page view, ranked by the model, with the next page view's snapshot stored. */
async function rankedPageView(modelUrl = MODELS.pair): Promise<{ dbName: string; view: ReturnType<typeof pageView> }> {
  const { dbName } = await shopper();
  const view = pageView();
  await view.init(init(dbName, modelUrl));
  await view.rank(request());
  await view.settle();
  return { dbName, view };
}

/** A shopper whose previous page view was ranked by the model and stored the next page view's snapshot. */
const shopperWithSnapshot = async (modelUrl = MODELS.pair): Promise<string> => (await rankedPageView(modelUrl)).dbName;

beforeAll(async () => {
  await setupTf('wasm');
});

describe('worker host: the first ranking of a page view', () => {
  it.each(Object.entries(MODELS))(
    "%s model: is answered from the previous page view's snapshot before the engine loads, with the model's own scores",
    async (_kind, modelUrl) => {
      const { dbName } = await shopper();
      const first = pageView();
      await first.init(init(dbName, modelUrl));
      expect((await first.rank(request())).source).toBe('model');
      await first.settle();

      let open: () => void = () => {};
      const gate = new Promise<void>((r) => (open = r));
      const next = pageView(gate);
      const started = next.init(init(dbName, modelUrl));
      const later = Date.now() + 2 * 86_400_000; // two days later: another gap bucket than when it was written
      const fast = await next.rank(request(later));
      expect(fast.source).toBe('snapshot');
      expect(next.status().cache.snapshot).toBe('hit');
      expect(next.status().backend).toBeNull(); // no tfjs yet
      open();
      await started;
      const full = await next.rank(request(later));
      expect(full.source).toBe('model');
      expect(fast.scores).toEqual(full.scores);
      expect(new Set(fast.scores).size, 'scores that rank, not a constant').toBeGreaterThan(1);
    },
  );

  it("a new shopper's first click: the next page view's snapshot gives the pair model's scores, though no ranking asked the model before", async () => {
    const dbName = `host-new-${++n}`;
    const first = pageView();
    await first.init(init(dbName));
    await first.settle();
    // No history yet: the shop's order, the model never scored (nor counted) these items.
    expect((await first.rank(request())).source).toBe('none');
    const clicked = event(candidates[3]!.id, 'select_item', Date.now() - 60_000);
    first.changed({ pending: [clicked], known: [candidates[3]!], now: Date.now() });
    await first.settle();
    const store = await openStore({ dbName });
    await store.add([clicked]);
    await store.putItems([candidates[3]!]);
    store.close();

    let open: () => void = () => {};
    const next = pageView(new Promise<void>((r) => (open = r)));
    const started = next.init(init(dbName));
    const fast = await next.rank(request());
    expect(fast.source).toBe('snapshot');
    open();
    await started;
    const full = await next.rank(request());
    expect(full.source).toBe('model');
    expect(fast.scores).toEqual(full.scores);
  });

  it.each([
    ['pair', 'model-early', 'model-early'],
    ['transformer', 'model', 'model-early'],
  ] as const)(
    '%s model: when the history changed since other than by growing, or an item was not seen, says why and answers by %s, %s',
    async (kind, source, unseen) => {
      const modelUrl = MODELS[kind];
      const dbName = await shopperWithSnapshot(modelUrl);
      // An event older than the newest stored one (another tab's, written late): not the history the snapshot grew from.
      const earlier = event(CATALOG[30]!.id, 'select_item', Date.now() - 7_200_000);
      const next = pageView();
      void next.init(init(dbName, modelUrl));
      expect((await next.rank(request(Date.now(), [earlier]))).source).toBe(source);
      expect(next.status().cache).toMatchObject({ snapshot: 'miss', snapshotReason: 'the history changed' });

      const other = pageView();
      void other.init(init(dbName, modelUrl));
      // Another history needs the transformer's forward pass; an item not seen only its vector (early-two-tower.ts).
      expect((await other.rank({ ...request(), candidates: [...candidates, CATALOG[99]!] })).source).toBe(unseen);
      expect(other.status().cache.snapshotReason).toBe(`an item not seen before (${CATALOG[99]!.id})`);
    },
  );

  it.each([
    ['pair model', 'its forward pass on arrays', MODELS.pair],
    ['transformer', "the snapshot's query, item vectors by lookups", MODELS.transformer],
    ['shop-trained hybrid', "the snapshot's query, item vectors by lookups", HYBRID],
  ])("%s: ranks items the snapshot lacks before the engine loads (%s), with the engine's scores", async (_kind, _how, modelUrl) => {
    const dbName = await shopperWithSnapshot(modelUrl);
    const now = Date.now();
    const unseen = CATALOG.slice(60, 84); // a listing the previous page view never showed
    const early = pageView(new Promise(() => {})); // its engine never loads
    void early.init(init(dbName, modelUrl));
    const first = await early.rank({ ...request(now), candidates: unseen });
    expect(first.source).toBe('model-early');
    expect(early.status().cache).toMatchObject({ snapshot: 'miss', snapshotReason: `an item not seen before (${unseen[0]!.id})` });
    // And the grid's arrangement, rules applied, as the model arranges it.
    const arranged = await early.arrange({ ...request(now), candidates: unseen, search: false });
    expect(arranged.source).toBe('model-early');

    const loaded = pageView();
    await loaded.init(init(dbName, modelUrl));
    const model = await loaded.rank({ ...request(now), candidates: unseen });
    expect(model.source).toBe('model');
    const worst = Math.max(...first.scores!.map((s, i) => Math.abs(s - model.scores![i]!)));
    expect(worst, 'largest difference from the engine').toBeLessThan(1e-5);
    expect(new Set(first.scores!.map((s) => s.toFixed(5))).size, 'the scores tell the items apart').toBeGreaterThan(10);
    expect(arranged.order).toEqual((await loaded.arrange({ ...request(now), candidates: unseen, search: false })).order);
  });

  it('a shop-trained hybrid: the engine takes the tables the early path read and checked, rather than reading them again', async () => {
    const dbName = await shopperWithSnapshot(HYBRID);
    const now = Date.now();
    const unseen = CATALOG.slice(60, 84);
    /** A page view whose engine loads once `open()` is called, and tells what tables its init() was handed. */
    const view = () => {
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      const seen: { tables?: HybridTables | null } = {};
      const host = createHost({
        fetch: fileFetch,
        caches: null,
        onPageForget: alone,
        loadEngine: async (files) => {
          await gate;
          const engine = createEngine({ files });
          const init = engine.init.bind(engine);
          engine.init = async (opts, onLearning, ctx) => {
            seen.tables = await ctx?.hybrid;
            return init(opts, onLearning, ctx);
          };
          return engine;
        },
      });
      return { host, open, seen };
    };
    const early = view();
    const started = early.host.init(init(dbName, HYBRID));
    const first = await early.host.rank({ ...request(now), candidates: unseen });
    expect(first.source).toBe('model-early');
    early.open();
    await started;
    expect(early.seen.tables?.neighbours.counts.length, "the early path's tables").toBeGreaterThan(0);
    const model = await early.host.rank({ ...request(now), candidates: unseen });
    expect(model.source).toBe('model');
    expect(Math.max(...first.scores!.map((s, i) => Math.abs(s - model.scores![i]!)))).toBeLessThan(1e-5);

    // A page view whose snapshot answered everything never read the tables early: the engine reads them itself.
    const plain = view();
    plain.open();
    await plain.host.init(init(dbName, HYBRID));
    expect(plain.seen.tables).toBeUndefined();
    expect((await plain.host.rank({ ...request(now), candidates: unseen })).scores).toEqual(model.scores);
  });

  it("a two-tower model: another history than the snapshot's waits for the engine (its query needs the forward pass)", async () => {
    const dbName = await shopperWithSnapshot(HYBRID);
    const now = Date.now();
    let open!: () => void;
    const view = pageView(new Promise<void>((r) => (open = r)));
    void view.init(init(dbName, HYBRID));
    const clicked = [event(CATALOG[30]!.id, 'select_item', now - 1000)];
    let answered = false;
    const ranking = view.rank({ ...request(now, clicked), candidates: CATALOG.slice(60, 84) }).then((r) => ((answered = true), r));
    await new Promise((r) => setTimeout(r, 300));
    expect(answered, 'no early answer').toBe(false);
    open();
    expect((await ranking).source).toBe('model');
  });

  it('answers a history that grew since the snapshot (the shopper left before the next one was stored) from it, and says how far behind', async () => {
    const dbName = await shopperWithSnapshot();
    const now = Date.now();
    const same = pageView(new Promise(() => {}));
    void same.init(init(dbName));
    const exact = await same.rank(request(now));
    expect(exact.source).toBe('snapshot');
    expect(same.status().cache.snapshotBehind).toBeUndefined();

    const clicked = [event(CATALOG[30]!.id, 'select_item', now - 1000), event(CATALOG[30]!.id, 'view_item', now - 900)];
    const next = pageView(new Promise(() => {}));
    void next.init(init(dbName));
    const behind = await next.rank(request(now, clicked));
    expect(behind.source).toBe('snapshot');
    expect(next.status().cache).toMatchObject({ snapshot: 'hit', snapshotBehind: 2 });
    expect(behind.scores, "the model's order for the history before the click").toEqual(exact.scores);
  });

  it("assembles a change's snapshot from its page view's reads and the events sent since, without reading the store again", async () => {
    const { dbName, view } = await rankedPageView();
    const reads = vi.spyOn(IDBIndex.prototype, 'openKeyCursor');
    const clicked = event(CATALOG[30]!.id, 'select_item', Date.now());
    view.changed({ pending: [clicked], known: [CATALOG[30]!], now: Date.now() });
    await view.settle();
    expect(reads, 'no read of the history').not.toHaveBeenCalled();
    reads.mockRestore();

    // The page wrote the click: the next page view's history is the snapshot's, exactly.
    const store = await openStore({ dbName });
    await store.add([clicked]);
    await store.putItems([CATALOG[30]!]);
    store.close();
    const next = pageView(new Promise(() => {}));
    void next.init(init(dbName));
    expect((await next.rank(request())).source).toBe('snapshot');
    expect(next.status().cache).toMatchObject({ snapshot: 'hit' });
    expect(next.status().cache.snapshotBehind).toBeUndefined();
  });

  it('a malformed stored snapshot is a miss, skipped and counted in status() as other rows are; one of another format (an SDK upgrade) is not counted', async () => {
    for (const [row, counted] of [
      ['garbage', true],
      [{ format: 1, items: 'broken' }, true],
      [{ format: 0, items: [] }, false],
    ] as const) {
      const { dbName } = await shopper();
      const store = await openStore({ dbName });
      await store.putSnapshot(MODELS.pair, row);
      store.close();
      const view = pageView();
      await view.init(init(dbName));
      expect((await view.rank(request())).source).not.toBe('snapshot');
      expect(view.status().skipped).toEqual(counted ? [`snapshots:${MODELS.pair}`] : []);
    }
  });

  it("stores a change's snapshot for a page view at once first: such a page view finds it before the rest is computed", async () => {
    const { dbName } = await shopper();
    // The rest of the buckets never comes: the shopper left while it was computed.
    const view = pageViewWith(
      (snapshot) =>
        (...a) =>
          a[2] !== ALL_BUCKETS ? snapshot(...a) : new Promise<never>(() => {}),
    );
    await view.init(init(dbName));
    const clicked = event(CATALOG[30]!.id, 'select_item', Date.now());
    await view.rank(request(Date.now(), [clicked]));
    const store = await openStore({ dbName });
    await vi.waitFor(async () => expect(await store.getSnapshot(init(dbName).modelUrl)).toBeDefined(), { timeout: 5000 });
    await store.add([clicked]);
    store.close();

    const soon = pageView(new Promise(() => {}));
    void soon.init(init(dbName));
    expect((await soon.rank(request(Date.now() + 5000))).source).toBe('snapshot');
    const later = pageView(new Promise(() => {}));
    void later.init(init(dbName));
    expect((await later.rank(request(Date.now() + 86_400_000))).source).toBe('model-early');
    expect(later.status().cache.snapshotReason).toBe('the time since the newest event is not computed yet');
  });

  it("a page's forget() heard while the worker starts (another tab's): it stores nothing more, and deletes the database its open made", async () => {
    const { dbName } = await shopper();
    const { view, heard } = hearingForget();
    const started = view.init(init(dbName));
    heard(); // another tab's page erased everything while this page view's worker was opening its store
    await started;
    const clicked = event(CATALOG[30]!.id, 'add_to_cart', Date.now());
    expect((await view.rank(request(Date.now(), [clicked]))).source).toBe('model');
    view.changed({ pending: [clicked], known: [], now: Date.now() });
    await view.settle();
    expect((await indexedDB.databases()).map((d) => d.name)).not.toContain(dbName);
  });

  it("a page's forget() heard after this worker's store made the database (the other tab had deleted it first): deleted again", async () => {
    const dbName = `made-${Math.random()}`; // none yet: this worker's opening makes it
    const { view, heard } = hearingForget();
    await view.init(init(dbName));
    await view.rank(request(Date.now()));
    expect((await indexedDB.databases()).map((d) => d.name)).toContain(dbName);
    heard();
    await vi.waitFor(async () => expect((await indexedDB.databases()).map((d) => d.name)).not.toContain(dbName));
  });

  it("a page's forget() heard after this worker opened a database that was there: closed, not deleted (the page that forgot deletes it; a tab opened since may have made it)", async () => {
    const { dbName } = await shopper();
    const { view, heard } = hearingForget();
    await view.init(init(dbName));
    await view.rank(request(Date.now()));
    heard();
    await new Promise((r) => setTimeout(r, 50));
    expect((await indexedDB.databases()).map((d) => d.name)).toContain(dbName);
    const deleted = await new Promise<boolean>((resolve) => {
      const req = indexedDB.deleteDatabase(dbName); // succeeds only once this worker's connection is closed
      req.onsuccess = () => resolve(true);
      req.onblocked = () => resolve(false);
    });
    expect(deleted).toBe(true);
  });

  it("forget() from its page, which heard another tab's forget() before this worker listened: it stores nothing more either", async () => {
    const { dbName } = await shopper();
    const view = pageView(); // hears no channel
    const started = view.init(init(dbName));
    view.forget(); // the page tells its worker what it heard
    await started;
    const clicked = event(CATALOG[30]!.id, 'add_to_cart', Date.now());
    expect((await view.rank(request(Date.now(), [clicked]))).source).toBe('model');
    view.changed({ pending: [clicked], known: [], now: Date.now() });
    await view.settle();
    expect((await indexedDB.databases()).map((d) => d.name)).not.toContain(dbName);
  });

  it("another tab's forget() heard while the engine loads: the engine's catalog makes no database anew (it read the item cache on a connection of its own)", async () => {
    const { dbName } = await shopper();
    const { view, heard } = hearingForget((e) => {
      const init = e.init.bind(e);
      // The other tab's forget() comes while this engine starts its backend and loads the model, and deletes the database.
      e.init = async (...args) => {
        heard();
        await new Promise<void>((r) => (indexedDB.deleteDatabase(dbName).onsuccess = () => r()));
        return init(...args);
      };
    });
    await view.init({ ...init(dbName), catalog: { url: null, dbName } });
    await new Promise((r) => setTimeout(r, 200));
    expect((await indexedDB.databases()).map((d) => d.name)).not.toContain(dbName);
  });

  it('writes the snapshot of a changed history, for the next page view; forget() stops it', async () => {
    const { dbName } = await shopper();
    const first = pageView();
    await first.init(init(dbName));
    await first.rank(request());
    const clicked = event(CATALOG[25]!.id, 'select_item', Date.now());
    first.changed({ pending: [clicked], known: [], now: Date.now() });
    await first.settle();
    const store = await openStore({ dbName });
    await store.add([clicked]);

    const next = pageView(new Promise(() => {})); // the engine never loads: only the snapshot can answer
    void next.init(init(dbName));
    expect((await next.rank(request())).source).toBe('snapshot');

    first.changed({ pending: [event(CATALOG[26]!.id, 'select_item', Date.now())], known: [], now: Date.now() });
    first.forget();
    await store.clear();
    await first.settle();
    expect(await store.getSnapshot('public/models/default/model.json')).toBeUndefined();
    store.close();
  });

  it("hands the worker's writes to the page (its own connection makes them): the item features a ranking brings, the snapshot; a page that cannot (false) leaves them to the worker", async () => {
    const { dbName } = await shopper();
    const byPage: [string, unknown[]][] = [];
    const view = pageView();
    await view.init(init(dbName), { write: async (call, args) => (byPage.push([call, args]), true) });
    await view.rank(request());
    await view.settle();
    const store = await openStore({ dbName });
    expect(byPage.map(([call]) => call)).toEqual(expect.arrayContaining(['putItems', 'putSnapshot']));
    const snapshot = byPage.find(([call]) => call === 'putSnapshot')![1];
    expect(snapshot).toEqual([MODELS.pair, expect.objectContaining({ model: expect.any(String), weights: expect.any(String) })]);
    expect(await store.getSnapshot(MODELS.pair), 'the worker wrote none').toBeUndefined();
    expect((await store.items(candidates.map((c) => c.id))).size, 'nor item features').toBe(0);

    const other = await shopper();
    const alone = pageView();
    await alone.init(init(other.dbName), { write: async () => false });
    await alone.rank(request());
    await alone.settle();
    const otherStore = await openStore({ dbName: other.dbName });
    expect(await otherStore.getSnapshot(MODELS.pair)).toBeDefined();
    expect((await otherStore.items(candidates.map((c) => c.id))).size).toBe(candidates.length);
    store.close();
    otherStore.close();
  });

  it("leaving(): the worker's stores start no transaction until resumed, and the click's snapshot still goes to the page", async () => {
    const { dbName } = await shopper();
    const byPage: unknown[] = [];
    const view = pageView();
    await view.init(init(dbName), { write: async (call, args) => (call === 'putSnapshot' && byPage.push(args[1]), true) });
    await view.rank(request());
    await view.settle();
    const handed = byPage.length;
    const store = await openStore({ dbName }); // a worker's store (this thread's: the same gate)
    try {
      view.leaving();
      let counted = false;
      const reading = store.count().then(() => (counted = true));
      // The card clicked: the page sends its features with the event, as it does.
      const clicked = event(CATALOG[25]!.id, 'select_item', Date.now());
      view.changed({ pending: [clicked], known: [CATALOG[25]!], now: Date.now() });
      await vi.waitFor(() => expect(byPage.length, "the click's snapshot").toBeGreaterThan(handed), { timeout: 2000 });
      expect((byPage.at(-1) as { history: string }).history).toContain(CATALOG[25]!.id);
      await new Promise((r) => setTimeout(r, 200));
      expect(counted, 'a store call waits while the page is leaving').toBe(false);
      view.resume(); // the page stayed (a download link), or came back from the back/forward cache
      await reading;
      expect(counted).toBe(true);
    } finally {
      view.resume();
      store.close();
    }
  });

  it('with a snapshot stored, keeps the worker free for the first ranking before loading the engine, unless a call needs the model', async () => {
    const dbName = await shopperWithSnapshot();
    let loading = false;
    const next = createHost({
      fetch: fileFetch,
      caches: null,
      onPageForget: alone,
      loadEngine: async (files) => ((loading = true), createEngine({ files })),
    });
    const started = next.init(init(dbName));
    await new Promise((r) => setTimeout(r, 100));
    expect(loading, 'no ranking asked yet: the engine waits').toBe(false);
    // explain() needs the model: the engine loads now, not after the wait (FIRST_RANK_WAIT_MS, 1 s).
    const explained = next.explain(CATALOG[30]!, { pending: [], known: [], now: Date.now() });
    await vi.waitFor(() => expect(loading).toBe(true), { timeout: 500 });
    await started;
    expect(Array.isArray(await explained)).toBe(true);
  });

  it('computes the next snapshot again only when what it is made of changed (the history, the items seen)', async () => {
    const { dbName } = await shopper();
    const calls: (readonly number[] | undefined)[] = [];
    const view = pageViewWith(
      (snapshot) =>
        (...a) => (calls.push(a[2]), snapshot(...a)),
    );
    // Each computation: the bucket of a page view at once, stored first, then every bucket.
    const computed = () => {
      for (let i = 0; i < calls.length; i += 2) {
        expect(calls[i]).not.toBe(ALL_BUCKETS);
        expect(calls[i + 1]).toBe(ALL_BUCKETS);
      }
      return calls.length / 2;
    };
    await view.init(init(dbName));
    await view.rank(request());
    await view.settle();
    expect(computed()).toBe(1);
    expect(calls[0], 'the newest stored event is 59 minutes old: that bucket first').toEqual([gapBucket(59 * 60_000)]);
    await view.rank(request());
    await view.rank(request());
    await view.settle();
    expect(computed(), 'the same rankings again: nothing to recompute').toBe(1);
    const clicked = event(CATALOG[30]!.id, 'select_item', Date.now());
    await view.rank(request(Date.now(), [clicked]));
    await view.settle();
    expect(computed(), 'a new event').toBe(2);
    await view.rank(request(Date.now(), [clicked]));
    await view.settle();
    expect(computed()).toBe(2);
    await view.rank({ ...request(Date.now(), [clicked]), candidates: CATALOG.slice(50, 60) });
    await view.settle();
    expect(computed(), 'items not seen before').toBe(3);
  });

  it('stores the features a ranking brings, so later page views read them for the history (an item shown by id alone)', async () => {
    const { dbName } = await shopper();
    const view = pageView();
    await view.init(init(dbName));
    const perfume = { id: 'zz-1', title: 'Eau de parfum', category: 'Fragrance > Women', price: 40 };
    await view.rank({ ...request(), candidates: [perfume, { id: 'zz-2' }] });
    const store = await openStore({ dbName });
    await vi.waitFor(async () => expect(await store.items(['zz-1', 'zz-2'])).toEqual(new Map([['zz-1', perfume]])));
    store.close();
  });

  it("stores the features of the items the page shows (the page's store does not write the item cache); settle() waits for them; nothing after forget()", async () => {
    const { dbName } = await shopper();
    const view = pageView();
    view.remember([{ id: 'zz-1', title: 'Told before init()' }]); // no store yet: kept nowhere, as before the store opens
    await view.init(init(dbName));
    const shown = { id: 'zz-2', title: 'Argan oil shampoo', brand: 'Maison', category: 'Hair Care > Shampoos', price: 12 };
    view.remember([shown]);
    view.remember([{ id: 'zz-2', price: 11 }]); // a field the page reads later is merged, the others kept
    await view.settle();
    const store = await openStore({ dbName, prune: false });
    expect(await store.items(['zz-1', 'zz-2'])).toEqual(new Map([['zz-2', { ...shown, price: 11 }]]));
    view.forget();
    view.remember([{ id: 'zz-3', title: 'After forget()' }]);
    await view.settle();
    expect(await store.items(['zz-3'])).toEqual(new Map());
    store.close();
  });

  it('scores only once its store has no transaction in flight: the features a ranking brings are written first', async () => {
    // WebKit keeps the database of a worker that ends (its page reloads) with a transaction not yet completed on its
    // thread: a transaction left in flight beside scoring, which holds the thread, would make forget() fail there.
    const { dbName } = await shopper();
    let active = 0;
    let written = 0;
    const atScoring: number[] = [];
    const view = createHost({
      fetch: fileFetch,
      caches: null,
      onPageForget: alone,
      loadEngine: async (files) => {
        const e = createEngine({ files });
        const rank = e.rank;
        e.rank = (...args) => (atScoring.push(active), rank(...args));
        return e;
      },
    });
    await view.init(init(dbName));
    await view.rank(request());
    await view.settle();
    const transaction = IDBDatabase.prototype.transaction;
    const spy = vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (this: IDBDatabase, ...args) {
      const tx = transaction.apply(this, args);
      active++;
      if (tx.mode === 'readwrite') written++;
      const end = () => active--;
      tx.addEventListener('complete', end);
      tx.addEventListener('abort', end);
      return tx;
    });
    try {
      const fresh = CATALOG.slice(60, 72); // features new to this page view: the ranking writes them
      const reply = await view.rank({ ...request(), candidates: fresh });
      expect(reply.source).toBe('model');
      expect(written, 'the features were written').toBeGreaterThan(0);
      expect(atScoring.at(-1), 'transactions in flight when scoring started').toBe(0);
    } finally {
      spy.mockRestore();
    }
  });

  it('a database that opens, then answers nothing more (WebKit bug 324094): init() settles, rankings answer from what the page sends, and read the store again once it answers', async () => {
    const { dbName } = await shopper();
    // Another connection keeps a readwrite transaction busy from the worker's second transaction on (its first, the
    // open's proof that transactions run, answers): the worker's reads wait, as on a wedged database.
    const other = await new Promise<IDBDatabase>(
      (resolve) => (indexedDB.open(dbName).onsuccess = (e) => resolve((e.target as IDBOpenDBRequest).result)),
    );
    let holding = false;
    let released: Promise<unknown> = Promise.resolve();
    let transactions = 0;
    const transaction = IDBDatabase.prototype.transaction;
    const spy = vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (this: IDBDatabase, ...args) {
      if (this !== other && ++transactions === 2) {
        holding = true;
        const busy = transaction.call(other, ['events', 'items', 'meta', 'snapshots'], 'readwrite');
        const spin = (): void => {
          busy.objectStore('meta').get('x').onsuccess = () => holding && spin();
        };
        spin();
        released = new Promise((r) => (busy.oncomplete = r));
      }
      return transaction.apply(this, args);
    });
    try {
      const view = pageView();
      const started = Date.now();
      await view.init(init(dbName));
      expect(Date.now() - started, 'within the store call deadline and the engine load').toBeLessThan(STORE_CALL_TIMEOUT_MS + 10_000);
      expect(view.status().backend).toBe('wasm');
      const click = event(candidates[2]!.id, 'select_item', Date.now() - 1000);
      const reply = await view.rank({ ...request(), pending: [click], known: [candidates[2]!] });
      expect(reply.source, 'the model, on the click the page sent').toBe('model');
      expect(new Set(reply.scores).size).toBeGreaterThan(1);
      holding = false;
      await released;
      // The database answers again: the stored history (three events) is read with the click.
      const sent = view.rankFor([{ item: candidates[2]!, type: 'select_item' }], candidates, Date.now());
      // However long the database takes to run its queued calls again (seconds under a loaded machine's test run).
      await vi.waitFor(
        async () => {
          const again = await view.rank({ ...request(), pending: [click], known: [candidates[2]!] });
          expect(again.scores).not.toEqual(reply.scores);
        },
        { timeout: 20_000, interval: 100 },
      );
      expect(await sent).toEqual(reply.scores);
    } finally {
      holding = false;
      spy.mockRestore();
      await released;
      other.close();
    }
  }, 60_000);

  it('a card known by its id and link alone (as discover.ts reads a card marked with data-reco-id only) is scored with its stored features, as a bare id is', async () => {
    const { dbName } = await shopper();
    const view = pageView();
    await view.init(init(dbName));
    const target = CATALOG[1]!; // in the history, its features stored
    const withCard = (card: ItemFeatures) => ({ ...request(), candidates: [...candidates.slice(0, 10), card] });
    const bare = await view.rank(withCard({ id: target.id }));
    const card = await view.rank(withCard({ id: target.id, url: `https://shop.example/p/${target.id}` }));
    expect(card.scores![10]).toBeCloseTo(bare.scores![10]!, 5);
  });

  it('reads from the store only the candidates given by id: the others are scored as given', async () => {
    const { view } = await rankedPageView();
    const read: string[] = [];
    const get = IDBObjectStore.prototype.get;
    const spy = vi.spyOn(IDBObjectStore.prototype, 'get').mockImplementation(function (this: IDBObjectStore, key) {
      if (this.name === 'items') read.push(String(key));
      return get.call(this, key);
    });
    try {
      const byId = CATALOG[3]!; // stored by shopper(), shown here by id alone
      const reply = await view.rank({ ...request(), candidates: [...candidates, { id: byId.id }] });
      expect(reply.source).toBe('model');
      expect(
        read.filter((id) => candidates.some((c) => c.id === id)),
        'no candidate that came with its features',
      ).toEqual([]);
      expect(read).toContain(byId.id);
    } finally {
      spy.mockRestore();
    }
  });

  it('a model.json that never arrives (a stalled download): the engine still starts loading, so it can report the stall', async () => {
    const { dbName } = await shopper();
    let loading = false;
    const view = createHost({
      fetch: ((u: string) => (u.endsWith('model.json') ? new Promise(() => {}) : fileFetch(u))) as typeof fetch,
      caches: null,
      onPageForget: alone,
      loadEngine: async () => {
        loading = true;
        return new Promise<never>(() => {});
      },
    });
    void view.init(init(dbName));
    await vi.waitFor(() => expect(loading).toBe(true), { timeout: 3000 });
  });

  it.each(Object.entries(MODELS))(
    '%s model: a model.json that does not arrive (a slow network revalidating it) does not keep the snapshot from answering',
    async (_kind, modelUrl) => {
      const dbName = await shopperWithSnapshot(modelUrl);
      const next = createHost({
        fetch: ((u: string) => (u.endsWith('model.json') ? new Promise(() => {}) : fileFetch(u))) as typeof fetch,
        caches: null,
        onPageForget: alone,
        loadEngine: () => new Promise(() => {}),
      });
      void next.init(init(dbName, modelUrl));
      const fast = await next.rank(request());
      expect(fast.source).toBe('snapshot');
      expect(new Set(fast.scores).size, 'scores that rank, not a constant').toBeGreaterThan(1);

      // The same scores as when model.json arrives at once.
      const prompt = pageView(new Promise(() => {}));
      void prompt.init(init(dbName, modelUrl));
      expect((await prompt.rank(request())).scores).toEqual(fast.scores);
    },
  );

  it.each([
    ['not JSON', () => new Response('{"format": "reco-model", "config": ', { status: 200 })],
    ['a 404 page', () => new Response('<!doctype html><title>Not found</title>', { status: 404 })],
  ])('a model.json that answers broken (%s): no answer from the snapshot of the model it was', async (_what, answer) => {
    const dbName = await shopperWithSnapshot();
    const next = createHost({
      fetch: (async (u: string) => (u.endsWith('model.json') ? answer() : fileFetch(u))) as unknown as typeof fetch,
      caches: null,
      onPageForget: alone,
      loadEngine: () => new Promise(() => {}),
    });
    void next.init(init(dbName));
    let source: string | null = null;
    void next.rank(request()).then((r) => (source = r.source)); // the engine (never loaded here) would report the model
    await vi.waitFor(
      () =>
        expect(next.status().cache).toMatchObject({
          snapshot: 'miss',
          snapshotReason: expect.stringMatching(/^the model manifest could not be read/),
        }),
      { timeout: 3000 },
    );
    expect(source, 'not answered from the snapshot').toBeNull();
  });

  it('a model.json that cannot be fetched at all (no network): the snapshot answers, as for one that is slow', async () => {
    const dbName = await shopperWithSnapshot();
    const next = createHost({
      fetch: ((u: string) => (u.endsWith('model.json') ? Promise.reject(new TypeError('Failed to fetch')) : fileFetch(u))) as typeof fetch,
      caches: null,
      onPageForget: alone,
      loadEngine: () => new Promise(() => {}),
    });
    void next.init(init(dbName));
    expect((await next.rank(request())).source).toBe('snapshot');
  });

  it('a snapshot written before it named its weights waits for model.json, as before', async () => {
    const dbName = await shopperWithSnapshot();
    const store = await openStore({ dbName });
    const { weights: _, ...older } = (await store.getSnapshot(MODELS.pair)) as Record<string, unknown>;
    await store.putSnapshot(MODELS.pair, older);
    store.close();
    let answered: string | null = null;
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    const next = createHost({
      fetch: (async (u: string) => (u.endsWith('model.json') && (await held), fileFetch(u))) as unknown as typeof fetch,
      caches: null,
      onPageForget: alone,
      loadEngine: () => new Promise(() => {}),
    });
    void next.init(init(dbName));
    const ranking = next.rank(request()).then((r) => (answered = r.source));
    await new Promise((r) => setTimeout(r, 300));
    expect(answered, 'no answer while model.json is held').toBeNull();
    release();
    await ranking;
    expect(answered).toBe('snapshot');
  });

  it('fetches the model manifest as init() starts, before any ranking asks (the snapshot needs it to answer)', async () => {
    const { dbName } = await shopper();
    const asked: string[] = [];
    const host = createHost({
      fetch: (async (u: string) => (asked.push(u), fileFetch(u))) as unknown as typeof fetch,
      caches: null,
      onPageForget: alone,
      loadEngine: () => new Promise(() => {}), // never loads: only init() itself fetches
    });
    void host.init(init(dbName));
    expect(asked).toEqual([MODELS.pair]);
  });

  it('without a history, answers at once with no scores (the shop order), engine or not', async () => {
    const next = pageView(new Promise(() => {}));
    void next.init(init(`host-empty-${++n}`));
    expect(await next.rank(request())).toMatchObject({ scores: null, source: 'none' });
  });
});

describe('worker host: a return by Back (the page was not kept in the back/forward cache)', () => {
  it('shows each grid in the order the shopper left it, once; the same page reached otherwise is ranked anew', async () => {
    const { dbName } = await shopper();
    const page = { url: 'https://shop.example/list?c=hair', back: false };
    const grid = { ...request(), candidates, search: false };
    const first = pageView();
    await first.init({ ...init(dbName), page });
    const left = await first.arrange(grid);
    expect(left.source).toBe('model');
    const store = await openStore({ dbName });
    await vi.waitFor(async () => expect(await store.getMeta('back-orders')).toBeDefined(), { timeout: 5000 });
    // On the next page the shopper added the last items of that grid to the cart, then came back.
    const now = Date.now();
    const later = candidates.slice(-4).map((it, i) => event(it.id, 'add_to_cart', now - 1000 + i));
    await store.add(later);
    store.close();
    const after = { ...request(now), candidates, search: false };

    const back = pageView(new Promise(() => {})); // nothing else could answer: its engine never loads, no snapshot has the new history
    void back.init({ ...init(dbName), page: { ...page, back: true } });
    const restored = await back.arrange(after);
    expect(restored).toMatchObject({ source: 'back', order: left.order });
    // Once: the page's own personalize() after that ranks anew.
    expect((await back.arrange(after)).source).not.toBe('back');

    const anew = pageView();
    await anew.init({ ...init(dbName), page });
    const ranked = await anew.arrange(after);
    expect(ranked.source).toBe('model');
    expect(ranked.order, 'the cart changed the model order: restoring it is what kept the grid').not.toEqual(left.order);
    // Another page, or another grid of this one, reached by Back: ranked.
    const elsewhere = pageView();
    await elsewhere.init({ ...init(dbName), page: { url: 'https://shop.example/list?c=nails', back: true } });
    expect((await elsewhere.arrange(after)).source).toBe('model');
    expect((await elsewhere.arrange({ ...after, candidates: candidates.slice(1) })).source).toBe('model');
  });

  it("a single-page app's route reached by Back (popstate): each grid in the order it was left in there, once per arrival; the same address pushed anew is ranked", async () => {
    const { dbName } = await shopper();
    const listing = 'https://shop.example/app/list';
    const at = (url: string, back: boolean, arrival: number) => ({ url, back, arrival });
    const view = pageView();
    await view.init({ ...init(dbName), page: at(listing, false, 0) });
    const grid = (route: ReturnType<typeof at>, now = Date.now()) => ({ ...request(now), candidates, search: false, route });
    const left = await view.arrange(grid(at(listing, false, 0)));
    expect(left.source).toBe('model');
    // A route pushed to a product (the listing's grid is gone), where the shopper adds the grid's last items to the cart.
    const now = Date.now();
    const store = await openStore({ dbName });
    await store.add(candidates.slice(-4).map((it, i) => event(it.id, 'add_to_cart', now - 1000 + i)));
    store.close();
    // Back (popstate): the router renders the listing again and the page calls personalize().
    expect(await view.arrange(grid(at(listing, true, 1), now))).toMatchObject({ source: 'back', order: left.order });
    // Once per arrival: the page's next personalize() ranks anew, with the cart.
    const ranked = await view.arrange(grid(at(listing, true, 1), now));
    expect(ranked.source).toBe('model');
    expect(ranked.order, 'the cart changed the model order: restoring it is what kept the grid').not.toEqual(left.order);
    // Forward to the product, Back again: the order shown last on the listing (the ranking just above).
    expect(await view.arrange(grid(at(listing, true, 3), now))).toMatchObject({ source: 'back', order: ranked.order });
    // The listing's address pushed anew (a link to it, not Back), and another address reached by Back: ranked.
    expect((await view.arrange(grid(at(listing, false, 3), now))).source).toBe('model');
    expect((await view.arrange(grid(at('https://shop.example/app/sale', true, 4), now))).source).toBe('model');
    // Kept in the database too, by address: an app that ends Reco on each route and starts it again reads it there.
    const next = pageView(new Promise(() => {})); // its engine never loads: only the kept order can answer
    void next.init({ ...init(dbName), page: at(listing, true, 5) });
    await vi.waitFor(async () => expect((await next.arrange(grid(at(listing, true, 5), now))).source).toBe('back'), { timeout: 5000 });
  });

  it('keeps nothing after forget(), nor in memory-only mode', async () => {
    const { dbName } = await shopper();
    const page = { url: 'https://shop.example/', back: false };
    const kept = async () => {
      await new Promise((r) => setTimeout(r, 200)); // a write would have been made by now
      const store = await openStore({ dbName });
      const v = await store.getMeta('back-orders');
      store.close();
      return v;
    };
    // A click the page sends with the item's features (neither view can read the database).
    const clicked = { ...request(Date.now(), [event(CATALOG[21]!.id, 'select_item', Date.now() - 5000)]), known: [CATALOG[21]!] };
    const view = pageView();
    await view.init({ ...init(dbName), page });
    await view.forget();
    expect((await view.arrange({ ...clicked, search: false })).order).not.toBeNull();
    await view.settle();
    expect(await kept()).toBeUndefined();

    const memory = pageView();
    await memory.init({ ...init(dbName), store: null, page });
    expect((await memory.arrange({ ...clicked, search: false })).order).not.toBeNull();
    expect(await kept()).toBeUndefined();
  });
});

describe('worker host: the history it reads', () => {
  it("with the default historyLength, a model reads the shopper's newest maxLen steps, each a card's click and its page (as Node scores that whole history)", async () => {
    const dbName = `host-steps-${++n}`;
    const store = await openStore({ dbName });
    const t = Date.now() - 10 * 3_600_000;
    // 60 products opened from their cards: 120 events, 60 steps; the student reads the newest 50 steps (100 events).
    const opened = CATALOG.slice(60, 120);
    const events = opened.flatMap((it, k) => [
      event(it.id, 'select_item', t + k * 60_000),
      event(it.id, 'view_item', t + k * 60_000 + 2000),
    ]);
    await store.add(events);
    await store.putItems(opened);
    store.close();
    const model = await readModel(HYBRID);
    expect(model.manifest.config.features.maxLen).toBe(50);
    const now = Date.now();
    const scored = CATALOG.slice(0, 40);
    const node = async (newest: number) => {
      const history = events.slice(-newest).map((e) => ({ item: ITEMS.get(e.itemId)!, type: e.type, ts: e.ts }));
      const transformer = await scoreItems(model, history, scored, now);
      const steps = recentSteps(history, model.manifest.config.features.maxLen);
      const plain = createPlainScorer(model.hybrid!).scores(
        steps.map((e) => e.item),
        scored,
      );
      return Array.from(transformer, (x, j) => model.hybrid!.config.weights.transformer * x + plain[j]!);
    };

    const view = pageView();
    await view.init({ ...init(dbName, HYBRID), historyLength: DEFAULTS.historyLength });
    const ranked = await view.rank({ ...request(now), candidates: scored });
    expect(ranked.source).toBe('model');
    const all = await node(events.length);
    expect(Math.max(...ranked.scores!.map((s, j) => Math.abs(s - all[j]!)))).toBeLessThan(1e-4);
    // What the worker read when it kept 50 events (25 of these steps): other scores.
    const half = await node(50);
    expect(Math.max(...half.map((s, j) => Math.abs(s - all[j]!)))).toBeGreaterThan(1e-3);
  });
});

describe('worker host: grids and placements (issue 13) on the history it assembles', () => {
  it('arranges a grid from the snapshot before the engine loads, rules applied, as the model arranges it once loaded', async () => {
    const { dbName } = await shopper();
    const first = pageView();
    await first.init(init(dbName));
    await first.rank(request());
    await first.settle();

    let open: () => void = () => {};
    const next = pageView(new Promise<void>((r) => (open = r)));
    const started = next.init(init(dbName));
    // The page marks the first candidate sold out: hideUnavailable (a default rule) puts it last.
    const grid = { ...request(), candidates: [{ ...candidates[0]!, available: false }, ...candidates.slice(1)], search: false };
    const fast = await next.arrange(grid);
    expect(fast.source).toBe('snapshot');
    expect(fast.order).not.toBeNull();
    expect(fast.order!.at(-1)).toBe(0);
    expect(next.status().backend).toBeNull();
    open();
    await started;
    const full = await next.arrange(grid);
    expect(full).toEqual({ order: fast.order, source: 'model', skipped: [] });
  });

  it('leaves out what was bought in the last 30 days also after more views since than the model reads (historyLength)', async () => {
    const dbName = `host-bought-${++n}`;
    const store = await openStore({ dbName });
    const bought = candidates[0]!;
    const t = Date.now() - 5 * 86_400_000;
    // Bought five days ago, then 60 product views: the purchase is older than the newest 50 events the model reads.
    const views = Array.from({ length: 60 }, (_, k) => event(CATALOG[k % 20]!.id, 'view_item', t + (k + 1) * 3_600_000));
    await store.add([event(bought.id, 'purchase', t), ...views]);
    await store.putItems(CATALOG.slice(0, 20));
    store.close();
    const grid = { ...request(), candidates, search: false };

    const first = pageView();
    await first.init(init(dbName));
    const model = await first.arrange(grid);
    expect(model.source).toBe('model');
    expect(model.order!.at(-1), 'the bought item goes last').toBe(0);
    const forYou = await first.recommend(
      { placement: 'for-you', limit: 100 },
      { pending: [], known: [], now: Date.now(), seen: candidates },
    );
    expect(forYou.items.length).toBeGreaterThan(10);
    expect(forYou.items.map((it) => it.id)).not.toContain(bought.id);
    await first.rank(request());
    await first.settle();

    // The next page view, answered from the snapshot before the engine loads.
    const next = pageView(new Promise(() => {}));
    void next.init(init(dbName));
    const fast = await next.arrange(grid);
    expect(fast.source).toBe('snapshot');
    expect(fast.order!.at(-1)).toBe(0);
  });

  it('without a history, arranges by the rules alone at once, engine or not; with nothing to move, keeps the order', async () => {
    const next = pageView(new Promise(() => {}));
    void next.init(init(`host-rules-${++n}`));
    const marked = [{ ...candidates[0]!, available: false }, ...candidates.slice(1, 4)];
    expect(await next.arrange({ ...request(), candidates: marked, search: false })).toEqual({
      order: [1, 2, 3, 0],
      source: 'none',
      skipped: [],
    });
    expect(await next.arrange({ ...request(), candidates: candidates.slice(0, 4), search: false })).toEqual({
      order: null,
      source: 'none',
      skipped: [],
    });
  });

  it("invalid rules in init(): the grids keep the shop's order, from the snapshot, by the rules alone and from the loaded engine, and init()'s status names the field; valid rules from setRules() then arrange them", async () => {
    const { dbName } = await shopper();
    const first = pageView();
    await first.init(init(dbName));
    await first.rank(request());
    await first.settle();
    const invalid = { ...init(dbName), rules: { diversity: { by: 'brand', max: 0, within: 8 } } };
    const marked = [{ ...candidates[0]!, available: false }, ...candidates.slice(1)];

    const repeat = pageView(new Promise(() => {})); // before the engine: the snapshot would answer
    void repeat.init(invalid).catch(() => {});
    expect(await repeat.arrange({ ...request(), candidates: marked, search: false })).toEqual({ order: null, source: 'none', skipped: [] });

    const firstVisit = pageView(new Promise(() => {})); // no history: the rules alone would move the sold-out item
    void firstVisit.init({ ...init(`host-rules-${++n}`), rules: { boost: 'nope' } }).catch(() => {});
    expect(await firstVisit.arrange({ ...request(), pending: [], candidates: marked.slice(0, 4), search: false })).toEqual({
      order: null,
      source: 'none',
      skipped: [],
    });

    const loaded = pageView();
    expect((await loaded.init(invalid)).rulesError).toMatch(/^rules\.diversity\.max: expected an integer of at least 1, got 0$/);
    expect(await loaded.arrange({ ...request(), candidates: marked, search: false })).toEqual({ order: null, source: 'none', skipped: [] });
    await expect(loaded.recommend({ placement: 'for-you' }, { ...request(), seen: [] })).rejects.toThrow(/rules\.diversity\.max/);
    expect(await loaded.setRules({ hideUnavailable: true })).toBe(true);
    expect(loaded.status().rulesError).toBeUndefined();
    const { order } = await loaded.arrange({ ...request(), candidates: marked, search: false });
    expect(order).not.toBeNull();
    expect(order!.at(-1), 'the sold-out item last').toBe(0);
    expect((await loaded.recommend({ placement: 'for-you' }, { ...request(), seen: [] })).items.length).toBeGreaterThan(0);
  });

  it("pair model before the engine: a history item known by its id alone takes the feed's features, as the engine scores it", async () => {
    // The shopper viewed products the pages never showed (views tracked with track(id)): only the feed describes them.
    const dbName = `host-feed-${++n}`;
    const store = await openStore({ dbName });
    const t = Date.now() - 3_600_000;
    const viewed = [CATALOG[2]!, CATALOG[3]!, CATALOG[9]!];
    await store.add(viewed.map((it, i) => event(it.id, 'view_item', t + i * 1000)));
    store.close();
    const feed = JSON.stringify([...viewed, ...candidates]);
    const viewWith = (load: boolean) =>
      createHost({
        fetch: (async (u: string) => (u === 'feed.json' ? new Response(feed, { status: 200 }) : fileFetch(u))) as unknown as typeof fetch,
        caches: null,
        onPageForget: alone,
        loadEngine: (files) => (load ? Promise.resolve(createEngine({ files })) : new Promise(() => {})),
      });
    const withFeed: EngineInit = { ...init(dbName), catalog: { url: 'feed.json', dbName } };
    const now = Date.now();

    const early = viewWith(false);
    void early.init(withFeed);
    const first = await early.rank(request(now));
    expect(first.source).toBe('model-early');
    const loaded = viewWith(true);
    await loaded.init(withFeed);
    const model = await loaded.rank(request(now));
    expect(model.source).toBe('model');
    expect(new Set(model.scores!.map((x) => x.toFixed(5))).size, 'the feed gave the history its text').toBeGreaterThan(10);
    const worst = Math.max(...first.scores!.map((x, i) => Math.abs(x - model.scores![i]!)));
    expect(worst, 'largest difference from the engine').toBeLessThan(1e-5);
  });

  it("says the feed's status once it loaded or failed, without a placement asking: status().catalog has it from then on", async () => {
    const feed = JSON.stringify(candidates.slice(0, 4));
    const viewWith = (answer: () => Response) =>
      createHost({
        fetch: (async (u: string) => (u === 'feed.json' ? answer() : fileFetch(u))) as unknown as typeof fetch,
        caches: null,
        onPageForget: alone,
        loadEngine: async (files) => createEngine({ files }),
      });
    const withFeed = (): EngineInit => ({ ...init(`host-catalog-${++n}`), catalog: { url: 'feed.json', dbName: null } });

    const loaded = viewWith(() => new Response(feed, { status: 200 }));
    // The feed came before the model: init()'s status has it, for the page's status() as init() resolves.
    expect((await loaded.init(withFeed())).catalog).toMatchObject({ source: 'feed', items: 4, url: 'feed.json' });
    expect(await loaded.catalog()).toMatchObject({ source: 'feed', items: 4, url: 'feed.json' });

    const missing = viewWith(() => new Response('not here', { status: 404 }));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await missing.init(withFeed());
    expect(await missing.catalog()).toMatchObject({
      source: 'seen',
      url: 'feed.json',
      error: expect.stringMatching(/^the catalog feed could not be used \(feed\.json answered HTTP 404\)/),
    });
    expect(warn, 'the page reports it (a CatalogError), not the worker').not.toHaveBeenCalled();
    warn.mockRestore();

    // Without a feed the catalog is the items seen, counted when a placement asks.
    const none = viewWith(() => new Response(feed, { status: 200 }));
    await none.init(init(`host-catalog-${++n}`));
    expect(await none.catalog()).toBeNull();
  });

  it("a first visit (no snapshot): the feed's availability, loaded as init() starts, orders the grids before the engine; a feed that does not answer in time leaves the order", async () => {
    // The page marks nothing; the feed says the second item is sold out.
    const items = candidates.slice(0, 4);
    const feed = JSON.stringify(items.map((it, i) => ({ ...it, availability: i === 1 ? 'out of stock' : 'in stock' })));
    let answer: () => void = () => {};
    const answered = new Promise<void>((r) => (answer = r));
    const fetched: string[] = [];
    const viewWith = (slowFeed: boolean) =>
      createHost({
        fetch: (async (u: string) => {
          fetched.push(u);
          if (u !== 'feed.json') return fileFetch(u);
          if (slowFeed) await answered;
          return new Response(feed, { status: 200 });
        }) as unknown as typeof fetch,
        caches: null,
        onPageForget: alone,
        loadEngine: () => new Promise(() => {}), // never loads: only the host answers
      });
    const withFeed = (dbName: string): EngineInit => ({ ...init(dbName), catalog: { url: 'feed.json', dbName } });

    const view = viewWith(false);
    void view.init(withFeed(`host-feed-${++n}`));
    const grid = { ...request(), candidates: items, search: false };
    expect(await view.arrange(grid)).toEqual({ order: [0, 2, 3, 1], source: 'none', skipped: [] });
    expect(fetched, 'the feed, fetched by the host (the engine never loaded)').toContain('feed.json');

    const slow = viewWith(true);
    void slow.init(withFeed(`host-feed-${++n}`));
    const started = Date.now();
    expect(await slow.arrange(grid), 'the shop order, after a short wait').toEqual({ order: null, source: 'none', skipped: [] });
    expect(Date.now() - started).toBeLessThan(5000);
    answer();
  });

  it("a repeat view answered from the snapshot before its feed has loaded: the rules read the feed's tags for cards that do not give them", async () => {
    const { dbName } = await shopper();
    // The cards give ids and titles; the feed tags the first one for clearance, which the shop's rule buries.
    const shown = candidates.slice(0, 6);
    const cards = shown.map(({ id, title }) => ({ id, title: title! }));
    const feed = JSON.stringify(shown.map((it, i) => ({ ...it, tags: i === 0 ? ['clearance'] : [] })));
    let feedAnswers = true;
    const viewWith = (gate?: Promise<void>) =>
      createHost({
        fetch: (async (u: string) =>
          u !== 'feed.json'
            ? fileFetch(u)
            : feedAnswers
              ? new Response(feed, { status: 200 })
              : new Promise(() => {})) as unknown as typeof fetch,
        caches: null,
        onPageForget: alone,
        loadEngine: async (files) => {
          await gate;
          return createEngine({ files });
        },
      });
    const withFeed: EngineInit = {
      ...init(dbName),
      catalog: { url: 'feed.json', dbName },
      rules: { boost: [{ tag: 'clearance', weight: -50 }] },
    };
    const grid = { ...request(), candidates: cards, search: false };

    const first = viewWith();
    await first.init(withFeed);
    const model = await first.arrange(grid);
    expect(model.source).toBe('model');
    expect(model.order!.at(-1), "the model's arrangement buries it").toBe(0);
    await first.settle();

    // The next page view: the feed does not answer yet, the engine is still loading.
    feedAnswers = false;
    const next = viewWith(new Promise(() => {}));
    void next.init(withFeed);
    const fast = await next.arrange(grid);
    expect(fast.source).toBe('snapshot');
    expect(fast.order!.at(-1), 'so does the one from the snapshot').toBe(0);
  });

  it("recommends from the stored history and the page's pending events: recently viewed lists both, newest first", async () => {
    const { dbName } = await shopper();
    const view = pageView();
    await view.init(init(dbName));
    const viewed = event(CATALOG[12]!.id, 'view_item', Date.now() - 1000);
    const reply = await view.recommend({ placement: 'recently-viewed' }, { pending: [viewed], known: [], now: Date.now(), seen: [] });
    expect(reply.items.map((it) => it.id)).toEqual([CATALOG[12]!.id, CATALOG[1]!.id]);
    expect(reply.items[0]!.title).toBe(CATALOG[12]!.title); // features read from the store
  });

  it('setRules() names the field of invalid rules and keeps those in force, says whether the rules changed; rank(items, { history }) checks the given history', async () => {
    const view = pageView();
    await view.init(init(`host-set-${++n}`));
    await expect(view.setRules({ hideUnavailable: 'yes' })).rejects.toThrow(/rules\.hideUnavailable: expected true or false/);
    const marked = [{ ...candidates[0]!, available: false }, ...candidates.slice(1, 4)];
    expect((await view.arrange({ ...request(), candidates: marked, search: false })).order).toEqual([1, 2, 3, 0]);
    // The rules in force again (the defaults, written out): nothing changed, so the page moves no grid for them.
    expect(await view.setRules({ hideUnavailable: true })).toBe(false);
    expect(await view.setRules({ hideUnavailable: false })).toBe(true);
    expect((await view.arrange({ ...request(), candidates: marked, search: false })).order).toBeNull();
    expect(await view.setRules({ hideUnavailable: false })).toBe(false);
    await expect(view.rankFor([{ item: '' }], candidates, Date.now())).rejects.toThrow(/history\[0\]\.item expected an id/);
    const scores = await view.rankFor([{ item: CATALOG[1]!, type: 'view_item' }], candidates, Date.now());
    expect(new Set(scores).size).toBeGreaterThan(1);
  });
});

describe('worker host: a step of init() that throws', () => {
  it("fails init() with an Error the page can receive, and the calls waiting for it at once, not at the page's deadline", async () => {
    // A browser's own exception, not an Error (Firefox's NS_ERROR_FAILURE as a sandboxed frame's worker read `caches`):
    // postMessage cannot send it, and the page's first ranking waited 15 s for an answer.
    const host = createHost({
      fetch: fileFetch,
      get caches(): CacheStorage | null {
        throw { name: 'NS_ERROR_FAILURE', result: 0x80004005, toString: () => 'NS_ERROR_FAILURE' };
      },
      onPageForget: alone,
      loadEngine: async (files) => createEngine({ files }),
    });
    const started = host.init(init(`throws-${Math.random()}`)).then(
      () => 'resolved',
      (err: unknown) => (err instanceof Error ? err.message : `not an Error: ${String(err)}`),
    );
    const ranked = host.rank(request()).then(
      () => 'answered',
      (err: unknown) => (err instanceof Error ? err.message : `not an Error: ${String(err)}`),
    );
    const hung = new Promise((resolve) => setTimeout(() => resolve('no answer within 2 s'), 2000));
    expect(await started).toBe('the worker could not start: NS_ERROR_FAILURE');
    expect(await Promise.race([ranked, hung])).toBe('the worker could not start: NS_ERROR_FAILURE');
  });
});
