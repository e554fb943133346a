/**
 * The worker's side of the page interface (EngineInterface), without TensorFlow.js: it assembles the shopper's
 * history from IndexedDB, answers the first rankings of a page view from the snapshot the previous page view
 * stored (src/model/snapshot.ts: plain dot products, exact), and meanwhile loads the tfjs engine on demand
 * (tfjs.ts). What the snapshot cannot answer exactly, the pair model answers on arrays (early-pair.ts); a two-tower
 * model answers items the snapshot lacks with the snapshot's query for that very history (early-two-tower.ts); the
 * rest waits for the engine. After each history change the
 * engine writes the next page view's snapshot. Work that holds the thread (loading the engine, scoring, a learning
 * round) starts once no store call is in flight (storesQuiet: WebKit keeps a database whose worker ended first).
 */
import { gridOrder, recentRule } from '../model/arrange.ts';
import {
  ALL_BUCKETS,
  asSnapshot,
  SNAPSHOT_FORMAT,
  bucketsAtOnce,
  headKey,
  historyKey,
  itemKey,
  modelKey,
  weightsKey,
  snapshotQuery,
  snapshotScores,
  type Snapshot,
} from '../model/snapshot.ts';
import {
  reasons,
  type CacheStatus,
  type Contribution,
  type EngineHooks,
  type EngineInit,
  type EngineInterface,
  type EngineStatus,
  type ArrangeReply,
  type ArrangeRequest,
  type HistoryRequest,
  type RankReply,
  type RankRequest,
} from '../shared/protocol.ts';
import { HISTORY_TYPES } from '../shared/labels.ts';
import { DEFAULTS } from '../shared/options.ts';
import { DEFAULT_RULES, validateRules, type ResolvedRules } from '../shared/rules.ts';
import { skipped, type LearningState } from '../shared/learning.ts';
import { openStore, PAGE_WRITES, pauseStores, resumeStores, storesQuiet, type Store } from '../shared/store.ts';
import type { HistoryEntry, ItemFeatures } from '../shared/types.ts';
import { openForgetChannel } from '../shared/forget-channel.ts';
import { listenToWrites } from '../shared/writes-channel.ts';
import type { Engine } from './engine.ts';
import { loadFeed, overFeed, type FetchedFeed } from './feed.ts';
import { createFiles, once, type Files } from './files.ts';
import { createBackOrders, type BackOrders } from './back-orders.ts';
import { loadEarlyPair, type EarlyPair } from './early-pair.ts';
import { loadEarlyTwoTower, type EarlyTwoTower } from './early-two-tower.ts';
import { PAIR_FORMAT_VERSION } from '../model/manifest.ts';
import type { HeadArrays } from '../model/head.ts';
import { downloadModel, type ModelDownloads } from './model-download.ts';
import { assembleHistory, createRecall, hasFeatures, olderEvents, type Recall } from './history.ts';
import { headKey as headMetaKey, readHead } from './learning-store.ts';

export interface HostDeps {
  /** The tfjs engine, loaded on demand (the worker imports tfjs.ts; tests pass an in-process one). */
  loadEngine(files: Files): Promise<Engine>;
  fetch?: typeof fetch;
  /** Cache Storage; null where it is missing. Default: the global one. */
  caches?: CacheStorage | null;
  /** Listens for a page's forget() on this origin. Default: the pages' forget channel (shared/forget-channel.ts). */
  onPageForget?: (onForget: () => void) => void;
  /**
   * Listens for the pages' writes to database `db`; null when it cannot hear them. Default: the pages' writes channel
   * (shared/writes-channel.ts).
   */
  listenToWrites?: (db: string, onWrite: (by: string) => void) => { close(): void } | null;
}

/** Items a snapshot carries over to the next page view, most recently ranked first. */
const SNAPSHOT_ITEMS = 1024;
/** Changes of the history that come together (a click, then the product view it opens) make one snapshot. */
const SNAPSHOT_DELAY_MS = 30;

export function createHost(deps: HostDeps): EngineInterface {
  const fetchFn = deps.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  let configure: (o: EngineInit) => void = () => {};
  let failConfiguration: (err: Error) => void = () => {};
  const configured = new Promise<EngineInit>((resolve, reject) => ((configure = resolve), (failConfiguration = reject)));
  configured.catch(() => {}); // the calls that wait for it hear it
  let opts: EngineInit | null = null;
  let store: Promise<Store | null> = Promise.resolve(null);
  let manifest: () => Promise<Response> = () => Promise.reject(new Error('init() was not called'));
  /** The model's files, downloading since init() (model.json at once; the rest when the engine or early-pair.ts asks). */
  let downloads: ModelDownloads | null = null;
  /** The orders this page view gives its grids, and on a return by Back those it was left with. */
  let backOrders: BackOrders = createBackOrders(async () => null, undefined);
  /** The pair model on arrays, once asked for; null for another model or broken files. */
  let earlyPair: Promise<EarlyPair | null> | null = null;
  /** A two-tower model's embedding tables on arrays (early-two-tower.ts), loaded when a snapshot could give the query. */
  let earlyTwoTower: Promise<EarlyTwoTower | null> | null = null;
  let stored: Promise<Snapshot | null> = Promise.resolve(null);
  let engine: Promise<Engine> | null = null;
  /** The engine once it is ready. */
  let ready: Engine | null = null;
  const cache: CacheStatus = { available: false, model: null, wasm: null, snapshot: null };
  /** Items ranked in this page view (and carried over from the stored snapshot), for the next snapshot. */
  const seen = new Map<string, ItemFeatures>();
  let seenAdded = 0; // counts items new to `seen`, so a snapshot with the same history but more items is written
  let latest: HistoryRequest | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> = Promise.resolve();
  /** This page view's history reads and the events sent since: the snapshot is assembled from them, not read again. */
  let recall: Recall = createRecall(DEFAULTS.historyLength);
  /** The pages' writes to this page's database, heard (shared/writes-channel.ts); null when they cannot be. */
  let writes: { close(): void } | null = null;
  /**
   * The history's events read at init(), beside the snapshot (recall keeps them while the store's stamp is the same):
   * a page view's first rankings need not wait for that read. WebKit runs a worker's IndexedDB requests through the
   * page's main thread, which is busy laying out the page exactly then, so each request the first answer waits for
   * can cost tens of milliseconds of its hold.
   */
  let historyRead: Promise<unknown> = Promise.resolve();
  /** What expected() found, read once per page view from init() (it is asked only until the engine is ready). */
  let expecting: Promise<{ model: string; head: string; learned: HeadArrays | null }> | null = null;
  /** Item features being stored: what a snapshot must still read of the store, it reads after them, as the next page view will. */
  let storing: Promise<void> = Promise.resolve();
  let written = '';
  let generation = 0; // bumped by forget(): snapshot work that started before writes nothing
  /** What the page gave init(): it makes the worker's writes (EngineHooks.write). */
  let pageHooks: EngineHooks = {};
  /** The page said it is leaving (a link followed, a form sent): the stores are paused meanwhile. */
  let leavingPage = false;
  let leaveTimer: ReturnType<typeof setTimeout> | undefined;
  /** A page of this origin called forget(): nothing more is stored in this page view (see erase()). */
  let erased = false;
  let filesOf: Files | null = null;
  let changes = 0; // history changes the page reported: a snapshot's later buckets are not computed once a newer one came
  /**
   * The merchandising rules, for grids arranged from the snapshot (the engine keeps its own copy for everything else);
   * null when init()'s are invalid: the grids keep the shop's order until setRules() gives valid ones.
   */
  let rules: ResolvedRules | null = DEFAULT_RULES;
  /** Why init()'s rules are invalid (the TypeError's message, naming the field); null once valid rules are in force. */
  let rulesError: string | null = null;
  /** The shop's feed, loading since init() (the engine's catalog takes it over); null without one. */
  let feed: Promise<FetchedFeed> | null = null;
  /** The loaded feed's items by id; null until it has loaded. */
  let feedItems: ReadonlyMap<string, ItemFeatures> | null = null;
  let answeredFirst: () => void = () => {};
  const firstAnswer = new Promise<void>((resolve) => (answeredFirst = resolve));

  /** Keeps items ranked for the next snapshot; returns those with features new to this page view. */
  const see = (items: readonly ItemFeatures[]): ItemFeatures[] => {
    const fresh: ItemFeatures[] = [];
    for (const it of items) {
      const key = itemKey(it);
      if (!seen.delete(key)) {
        seenAdded++;
        if (hasFeatures(it)) fresh.push(it);
      }
      seen.set(key, it);
    }
    while (seen.size > SNAPSHOT_ITEMS) seen.delete(seen.keys().next().value!);
    return fresh;
  };

  /** A model's learned head as stored now (the shipped one without learning or a store): its key and arrays. */
  const storedHead = async (model: string, weights: string): Promise<Expected> => {
    const s = await store;
    if (!opts?.learning || !s) return { model, head: 'shipped', learned: null };
    const { head } = await readHead(s, headMetaKey(weights));
    return { model, head: headKey(head), learned: head };
  };

  /** The model and learned head the engine will use, known before it loads: from model.json and the stored head. */
  const expected = (): Promise<Expected> =>
    (expecting ??= (async () => {
      const res = await manifest();
      const m = (await res.json()) as { id: string; version: string; sha256: string; indexSha256?: string };
      return storedHead(modelKey(m), weightsKey(m));
    })());

  /**
   * What a stored snapshot is checked against: model.json's model and head (expected()); or, when model.json has not
   * answered within MANIFEST_GRACE_MS (a slow network revalidating it, or no network), the model the snapshot names
   * with the head stored for it now; one that answers broken within it (not JSON, a 404 page) is a miss. Its cached
   * files made no difference: the check waited for model.json, so a repeat view on a slow network kept the shop's order
   * in view. A model deployed since the snapshot ranks this page view's first grids as the previous one did; the engine
   * loads the new one for what follows.
   */
  const expectedFor = async (snapshot: Snapshot | null): Promise<Expected> => {
    const current = expected();
    if (!snapshot?.weights) return current;
    const late = await Promise.race([
      // A model.json that answered decides, broken or not (a model removed or corrupt: no ranking from its snapshot);
      // one that could not be fetched at all (no network) is as one that has not answered yet.
      current.then(
        () => false,
        () =>
          manifest().then(
            () => false,
            () => true,
          ),
      ),
      wait(MANIFEST_GRACE_MS).then(() => true),
    ]);
    return late ? storedHead(snapshot.model, snapshot.weights) : current;
  };

  /** The model is a pair model (by its manifest's format version); false when that cannot be read. */
  const pairModel = (): Promise<boolean> =>
    manifest()
      .then((r) => r.json() as Promise<{ formatVersion?: unknown }>)
      .then((m) => m.formatVersion === PAIR_FORMAT_VERSION)
      .catch(() => false);

  /**
   * The store with its writes made by the page where it can (EngineHooks.write), else by the worker as before. While
   * the page is leaving the worker's own writes wait (pauseStores): one the page makes ends with it, harmlessly.
   */
  function writesByPage(s: Store): Store {
    const out: Store = { ...s };
    for (const call of PAGE_WRITES) {
      const own = s[call] as (...a: unknown[]) => Promise<void>;
      Object.assign(out, {
        [call]: async (...args: unknown[]) => {
          // Through comlink every hook is a function: one the page lacks rejects.
          const byPage = await Promise.resolve(pageHooks.write?.(call, args)).catch(() => false);
          if (byPage !== true) await own(...args);
        },
      });
    }
    return out;
  }

  /** The pair model on arrays (loaded once, with the items this page view ranked so far), or null. */
  function pairOnArrays(): Promise<EarlyPair | null> {
    earlyPair ??= stored
      .then((snap) => loadEarlyPair(downloads!, snap))
      .then((p) => (p?.scorer.observe(seen.values()), p))
      .catch(() => null); // the engine reports a broken file when it loads the same one
    return earlyPair;
  }

  /** Writes the snapshot of the latest history (when the engine is ready and events are stored). */
  function saveSnapshot(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    const started = generation;
    const change = changes;
    writing = writing
      .then(async () => {
        const s = await store;
        const req = latest;
        if (!ready || !s || !opts || !req) return;
        // Item features being stored wait while the page is leaving (the worker's stores are paused): not the snapshot.
        if (!leavingPage) await storing;
        const { history } = await assembleHistory(recall.recalled(s), req, opts.historyLength);
        if (!history.length || !seen.size) return;
        // What the snapshot is computed from (the model, the head, the history, the items seen, the feed): when none of it
        // changed since the one written, neither would the snapshot. Every ranking asks for one, and computing it
        // scores every item seen.
        const { model, head } = ready.serving();
        const signature = JSON.stringify([model, head, historyKey(history, history.length), seenAdded, ready.feedSettled()]);
        if (signature === written || started !== generation) return;
        const items = [...seen.values()].reverse();
        // A next page view that comes at once first (a reload, the shop's next page), stored before the rest is
        // computed: a shopper who leaves at once finds it. The rest only while no newer change waits.
        for (const buckets of [bucketsAtOnce(history, Date.now()), ALL_BUCKETS]) {
          if (buckets === ALL_BUCKETS && changes !== change) return;
          if (!leavingPage) await storesQuiet();
          const snapshot = await ready.snapshot(history, items, buckets);
          if (started !== generation) return;
          await s.putSnapshot(opts.modelUrl, snapshot);
        }
        written = signature;
      })
      .catch(() => {}); // a snapshot that could not be written only costs the next page view its fast start
    return writing;
  }
  const scheduleSnapshot = () => {
    if (!ready || !opts?.store) return;
    clearTimeout(timer);
    timer = setTimeout(saveSnapshot, SNAPSHOT_DELAY_MS);
  };

  /** The store once open, for the malformed rows it skipped (status() is synchronous). */
  let storeOpen: Store | null = null;
  /** Malformed rows skipped in the page's database: by this host's reads (history, items, snapshot) and the learner's. */
  /** The stored snapshot, when it was malformed. */
  let skippedSnapshot: string[] = [];
  const skippedRows = (): string[] => [
    ...new Set([...(storeOpen?.skipped() ?? []), ...(ready?.status().skipped ?? []), ...skippedSnapshot]),
  ];
  const status = (): EngineStatus => {
    const s = ready?.status();
    const feed = ready?.feedStatus();
    return {
      skipped: skippedRows(),
      backend: s?.backend ?? null,
      model: s?.model ?? null,
      backends: s?.backends ?? [],
      cache: { ...cache, model: s?.cache.model ?? null, wasm: s?.cache.wasm ?? null },
      learning: s?.learning ?? null,
      ...(s?.learningError ? { learningError: s.learningError } : {}),
      ...(rulesError ? { rulesError } : {}),
      ...(feed ? { catalog: feed } : {}),
    };
  };

  /** The engine once it is loaded (on its own schedule), or null when it failed to start (init() reported why). */
  const loadedOrNull = async (): Promise<Engine | null> => (await configured, engine!.catch(() => null));
  /**
   * The engine, for a call that needs the model: it starts loading now rather than after FIRST_RANK_WAIT_MS (a call
   * that waits for the model gains nothing from keeping the worker free for the snapshot). It is handed over once no
   * store call is in flight (storesQuiet), since what the caller does with it holds the thread.
   */
  const needed = async (): Promise<Engine> => {
    answeredFirst();
    await configured;
    const e = await engine!;
    await storesQuiet();
    return e;
  };
  /** As needed(), or null when the engine failed to start. */
  const engineOrNull = (): Promise<Engine | null> => needed().catch(() => null);

  /** The request's history (stored and pending) and candidates with their best known features; the features a ranking brings are stored. */
  async function prepare(req: RankRequest): Promise<{ history: HistoryEntry[]; now: number; candidates: ItemFeatures[] }> {
    const o = await configured;
    const s = await store;
    await historyRead;
    // Only candidates given by id are looked up: the others are used as given (one read per candidate saved).
    const also = req.candidates.filter((c) => !hasFeatures(c)).map((c) => c.id);
    const { history, now, features } = await assembleHistory(s && recall.through(s, { req, also }), req, o.historyLength, also);
    const candidates = req.candidates.map(features);
    // The features a ranking brings are stored (merged), so later page views read them for the history: the page
    // stores what its grids show, but an item rank() was given with features may sit in its grids by id alone.
    recall.add(req);
    const fresh = see(candidates);
    if (s && fresh.length) {
      recall.stored(fresh);
      storing = storing.then(() => s.putItems(fresh)).catch(() => {});
    }
    if (!history.length) answeredFirst();
    return { history, now, candidates };
  }

  /**
   * The events `excludeRecent` reads beyond the model's history (a purchase more than `historyLength` events ago), or
   * none; with `history`, what the rules read.
   */
  async function forRules(history: HistoryEntry[], now: number): Promise<{ older: HistoryEntry[]; ruled: HistoryEntry[] }> {
    const [o, s] = await Promise.all([configured, store]);
    const r = rules && recentRule(rules, now);
    const older = r ? await olderEvents(s && recall.through(s), history, o.historyLength, r.types, r.since) : [];
    return { older, ruled: older.length ? [...older, ...history] : history };
  }

  /**
   * `candidates` as the rules read them: for the fields the page leaves out (availability, category, brand, price,
   * tags), the feed's, its own once it has loaded here, else what it said when the stored snapshot was written. With
   * `waitForFeed` (a first visit's arrangement by the rules alone: no snapshot, no history), the feed is waited for a
   * moment (FEED_WAIT_MS): the page holds the grids in view meanwhile.
   */
  async function withFeedFields(candidates: readonly ItemFeatures[], waitForFeed: boolean): Promise<readonly ItemFeatures[]> {
    const snapshot = await stored;
    if (waitForFeed && !feedItems && !snapshot && feed) await Promise.race([feed.catch(() => {}), wait(FEED_WAIT_MS)]);
    const rows = feedItems ?? new Map(snapshot?.feed?.map((it) => [it.id, it]));
    return rows.size ? candidates.map((it) => overFeed(it, rows.get(it.id))) : candidates;
  }

  /**
   * The history as the engine scores it (engine.ts enrich): an item the shop's feed holds has the feed's features (the
   * page may have given no more than its id, e.g. a view tracked with track()); the feed is waited for when an item
   * has no title.
   */
  async function withFeedHistory(history: readonly HistoryEntry[]): Promise<readonly HistoryEntry[]> {
    if (feed && !feedItems && history.some((e) => !e.item.title)) await feed.catch(() => {});
    const rows = feedItems;
    return rows ? history.map((e) => (rows.has(e.item.id) ? { ...e, item: rows.get(e.item.id)! } : e)) : history;
  }

  /**
   * Scores from before the engine loaded, or null (then the engine answers): from the snapshot the previous page view
   * stored, else from the pair model on arrays (items that page view never ranked, another history).
   */
  async function early(
    history: readonly HistoryEntry[],
    candidates: readonly ItemFeatures[],
    now: number,
  ): Promise<{ scores: number[]; source: 'snapshot' | 'model-early' } | null> {
    if (ready) return null;
    const current = expected();
    const fast = await stored
      .then(async (snap) => snapshotScores(snap, await expectedFor(snap), history, candidates, now))
      .catch((err: Error) => ({ miss: `the model manifest could not be read (${err.message})` }));
    if (cache.snapshot === null) {
      cache.snapshot = 'scores' in fast ? 'hit' : 'miss';
      if ('miss' in fast) cache.snapshotReason = fast.miss;
      else if (fast.behind) cache.snapshotBehind = fast.behind;
    }
    if ('scores' in fast) {
      answeredFirst();
      return { scores: fast.scores, source: 'snapshot' };
    }
    const pair = await pairOnArrays();
    const learned = pair && !ready ? await current.then((c) => c.learned).catch(() => undefined) : undefined;
    const scores =
      pair && learned !== undefined
        ? await pair.scorer.score(await withFeedHistory(history), candidates, now, learned ?? undefined)
        : await twoTowerScores(history, candidates, now);
    answeredFirst();
    return scores ? { scores: Array.from(scores), source: 'model-early' } : null;
  }

  /**
   * A two-tower model's scores (a transformer, a shop-trained hybrid) of items the snapshot lacks, for the snapshot's
   * own history, before the engine loads; null otherwise (the engine answers).
   */
  async function twoTowerScores(
    history: readonly HistoryEntry[],
    candidates: readonly ItemFeatures[],
    now: number,
  ): Promise<number[] | null> {
    const [snapshot, current] = await Promise.all([stored, expected().catch(() => null)]);
    const q = current && !ready ? snapshotQuery(snapshot, current, history, now) : null;
    if (!q || 'miss' in q) return null;
    // Loaded once, and only when the snapshot gives the query: the engine reports a broken file when it loads the same one.
    earlyTwoTower ??= loadEarlyTwoTower(downloads!).catch(() => null);
    const model = await earlyTwoTower;
    return model && !ready ? model.score(q.query, await withFeedHistory(history), candidates) : null;
  }

  /** A grid's arrangement: on a return by Back the order it was left in; else from the snapshot, the pair model early, or the engine. */
  async function arrangement(req: ArrangeRequest): Promise<ArrangeReply> {
    const { history, now, candidates } = await prepare(req);
    if (!rules) return { order: null, source: 'none', skipped: skippedRows() };
    const left = await backOrders.restored(
      candidates.map((c) => c.id),
      req.route,
    );
    if (left) {
      answeredFirst();
      return { order: left, source: 'back', skipped: skippedRows() };
    }
    // Read beside the snapshot's answer, not before it: a page view's first rankings wait for neither twice.
    const reading = forRules(history, now);
    const searchWeight = req.search ? (opts?.searchWeight ?? DEFAULTS.searchWeight) : null;
    // Before the engine, the rules read what the page gives and, for the fields it leaves out, the feed's. Only an
    // arrangement by the rules alone waits for the feed: one with a history goes to the snapshot or the model.
    const items = ready ? candidates : await withFeedFields(candidates, !history.length);
    // Without a history only the rules can move anything: before the model, they move what is unavailable, boosted…
    if (!ready && !history.length)
      return {
        order: gridOrder(items, new Float32Array(items.length), { rules, history: (await reading).ruled, now, searchWeight }),
        source: 'none',
        skipped: skippedRows(),
      };
    const [fast, { older, ruled }] = await Promise.all([history.length ? early(history, candidates, now) : null, reading]);
    if (fast?.source === 'model-early') modelAnswered(req);
    if (fast)
      return {
        order: gridOrder(items, fast.scores, { rules, history: ruled, now, searchWeight }),
        source: fast.source,
        skipped: skippedRows(),
      };
    const e = await engineOrNull();
    if (!e) return { order: null, source: 'none', skipped: skippedRows() };
    const order = await e.arrange(history, candidates, req.search, now, older);
    if (history.length) modelAnswered(req);
    return { order, source: history.length ? 'model' : 'none', skipped: skippedRows() };
  }

  /** The model answered this request: the next page view's snapshot is made from its history. */
  const modelAnswered = (req: RankRequest) => {
    latest = req;
    scheduleSnapshot();
  };

  /**
   * A page of this origin called forget(), this worker's own or another tab's (maybe while this page view was still
   * starting): this worker stores nothing more. Its connection closes and what it would write (items, the next
   * snapshot, a learned head, files in Cache Storage) is not written; a store still opening is closed and its
   * database deleted once more as it opens (see init): opened after the page's deletion, it made a new, empty one.
   * So is an open store whose opening made the database: that was after the deletion too.
   */
  function erase(): void {
    if (erased) return;
    erased = true;
    reset();
    filesOf?.close();
    // Made after the other tab's deletion (before this worker heard of it): deleted again.
    if (storeOpen?.madeDatabase && opts?.store) dropOpened(storeOpen, opts.store.dbName);
    else storeOpen?.close();
    storeOpen = null;
    store = Promise.resolve(null);
    stored = Promise.resolve(null);
  }

  /** Drops this page view's history, the snapshot work under way and the learned head; the shipped head's state. */
  function reset(): LearningState | null {
    generation++;
    clearTimeout(timer);
    timer = undefined;
    latest = null;
    written = '';
    expecting = null;
    recall.clear();
    // The orders shown so far (a single-page app's routes are kept in memory too): nothing is restored from them.
    backOrders = createBackOrders(async () => null, undefined);
    return ready?.forget() ?? null;
  }

  /** The pages' writes to this page's database, heard by the recall; null without a database or a channel. */
  function listenToPages(o: EngineInit): { close(): void } | null {
    return o.store ? (deps.listenToWrites ?? listenToWrites)(o.store.dbName, (by) => recall.writtenBy(by)) : null;
  }

  /** A store that opened after erase(): closed, and the database it may have made anew deleted. */
  function dropOpened(s: Store, dbName: string): null {
    s.close();
    try {
      if (s.kind === 'indexeddb') globalThis.indexedDB?.deleteDatabase(dbName);
    } catch {
      // Refused: nothing of this worker's was written to it.
    }
    return null;
  }

  // From the worker's start: a page's forget() may come before this page view's init().
  (deps.onPageForget ?? openForgetChannel)(erase);

  const host: EngineInterface = {
    async init(o: EngineInit, hooks: EngineHooks = {}) {
      let files: Files;
      try {
        opts = o;
        pageHooks = hooks;
        // The pages' writes are heard from now on: the history read below is kept until one changes it.
        writes?.close();
        writes = listenToPages(o);
        recall = createRecall(o.historyLength, writes !== null);
        // Invalid rules: status() names the field, and the grids keep the shop's order while the engine loads all the
        // same (with no rules), so that the page's setRules() with valid ones personalizes them.
        try {
          rules = validateRules(o.rules);
        } catch (err) {
          rules = null;
          rulesError = (err as Error).message;
        }
        files = filesOf = createFiles({ fetch: fetchFn, caches: deps.caches, onProgress: hooks.onProgress });
        if (erased) files.close();
        downloads = downloadModel(
          o.modelUrl,
          once(() => fetchFn(o.modelUrl)),
          o.modelFiles ?? {},
          files,
        );
        manifest = downloads.manifest;
        // Fetched now, not at the first ranking: in Firefox a worker's fetch waits for the page's main thread, which
        // is busy laying out the very grids that first ranking is for (the snapshot cannot answer without it).
        manifest().catch(() => {});
        let opened: (s: Store) => void = () => {};
        const open = new Promise<Store>((resolve) => (opened = resolve));
        store =
          o.store && !erased
            ? openStore({ ...o.store, prune: false }, opened).then((s) =>
                erased ? dropOpened(s, o.store!.dbName) : s.kind === 'indexeddb' ? writesByPage((storeOpen = s)) : (s.close(), null),
              )
            : Promise.resolve(null);
        // The snapshot and the history are read as soon as the database opens, beside the read that proves it works and
        // beside each other, not one after another when the first grid asks. What they read counts once that proof
        // passed (else the store is a memory one: nothing was stored).
        const beside = <T>(read: (s: Store) => Promise<T>): Promise<T | null> => {
          const reading = Promise.race([open, store]).then((s) => (s ? read(s) : null));
          reading.catch(() => {});
          return store.then((s) => (s ? reading : null));
        };
        stored = beside((s) => s.getSnapshot(o.modelUrl))
          .then((row) => {
            const snapshot = asSnapshot(row);
            // Malformed, not merely of another SDK version's format (nor missing): skipped and counted, as other rows are.
            const otherFormat = typeof row === 'object' && row !== null && (row as { format?: unknown }).format !== SNAPSHOT_FORMAT;
            if (!snapshot && row != null && !otherFormat) skippedSnapshot = [`snapshots:${o.modelUrl}`];
            return snapshot;
          })
          .catch(() => null);
        historyRead = beside((s) => recall.through(s).recent(o.historyLength, HISTORY_TYPES)).catch(() => {});
        expected().catch(() => {});
        backOrders = createBackOrders(() => store, o.page);
        void stored.then((snap) => snap?.items.forEach((key) => see([fromItemKey(key)])));
        configure(o);
      } catch (err) {
        // A step that throws here (Firefox's sandboxed-frame worker threw as it read `caches`) fails the calls that
        // wait for the configuration at once, not at their deadline, and the page gets an Error it can receive (an
        // exception of the browser's own, not an Error, is one postMessage cannot send).
        const error = err instanceof Error ? err : new Error(`the worker could not start: ${String(err)}`);
        failConfiguration(error);
        throw error;
      }
      void files.available().then((a) => (cache.available = a));
      // The feed loads from now on, while the model does: its availability orders the first grids (the rules put
      // what is out of stock last) before the model is there. The engine's catalog reports a failure.
      feed = o.catalog?.url ? loadFeed(o.catalog.url, fetchFn, () => files.storage()) : null;
      feed?.then((f) => (feedItems = new Map(f.entries.map((e) => [e.item.id, e.item])))).catch(() => {});
      const onLearning = (s: LearningState) => {
        scheduleSnapshot(); // another tab's head, or forget()
        hooks.onLearning?.(s);
      };
      // Evaluating tfjs and compiling wasm keep this thread busy for a while: with a snapshot stored, the first
      // rankings are answered before that starts (the worker's other work waits on IndexedDB and the network).
      // So are the pair model's (early-pair.ts), which need only its small weights file. FIRST_RANK_WAIT_MS at most,
      // from init(): a model.json that does not arrive (a stalled download) must not keep the engine from reporting it.
      const deadline = wait(FIRST_RANK_WAIT_MS);
      const answered = Promise.all([stored, Promise.race([pairModel(), deadline.then(() => false)])]).then(async ([snap, pair]) => {
        if (snap || pair) await Promise.race([firstAnswer, deadline]).then(nextTask);
      });
      engine = (async () => {
        await answered;
        await storesQuiet();
        const e = await deps.loadEngine(files);
        const s = await store;
        const learning = o.learning && o.store && s ? { ...o.store, ...o.learning } : null;
        const options = {
          modelUrl: o.modelUrl,
          modelFiles: o.modelFiles,
          backends: o.backends,
          allowSoftwareGpu: o.allowSoftwareGpu,
          learning,
          // The item cache is read from the page's database: not once a page called forget() (the read would make it anew).
          catalog: erased && o.catalog ? { ...o.catalog, dbName: null } : o.catalog,
          rules: rulesError ? undefined : o.rules,
          searchWeight: o.searchWeight,
        };
        await storesQuiet();
        // A hybrid's tables the early path read (it ranked a listing the snapshot lacked) are not read again.
        const hybrid = earlyTwoTower?.then((m) => m?.tables ?? null);
        await e.init(options, onLearning, {
          store: s,
          downloads,
          snapshot: await stored,
          ...(feed && { feed }),
          ...(hybrid && { hybrid }),
        });
        e.observe([...seen.values()]);
        ready = e;
        earlyTwoTower = null; // the engine has the tables now
        latest ??= { pending: [], known: [], now: Date.now() };
        scheduleSnapshot();
        return e;
      })();
      engine.catch(() => {}); // init's caller hears the failure; rankings then keep the shop's order
      await engine;
      return status();
    },

    async rank(req): Promise<RankReply> {
      const { history, now, candidates } = await prepare(req);
      if (!history.length) return { scores: null, source: 'none', skipped: skippedRows() };
      const fast = await early(history, candidates, now);
      if (fast?.source === 'model-early') modelAnswered(req);
      if (fast) return { scores: fast.scores, source: fast.source, skipped: skippedRows() };
      const e = await engineOrNull();
      if (!e) return { scores: null, source: 'none', skipped: skippedRows() };
      const scores = await e.rank(history, candidates, now);
      modelAnswered(req);
      return { scores, source: 'model', skipped: skippedRows() };
    },

    async arrange(req): Promise<ArrangeReply> {
      const reply = await arrangement(req);
      if (reply.order)
        backOrders.shown(
          req.candidates.map((c) => c.id),
          reply.order,
          req.route,
        );
      return reply;
    },

    async rankFor(given, candidates, now) {
      return (await needed()).rankFor(given, candidates, now);
    },

    async setRules(next) {
      const valid = validateRules(next);
      const changed = JSON.stringify(valid) !== JSON.stringify(rules);
      rules = valid;
      rulesError = null;
      (await loadedOrNull())?.setRules(next);
      return changed;
    },

    async recommend(request, page) {
      // No placement without the shop's rules (what is out of stock, excluded, boosted), as no grid moves without them.
      if (rulesError) throw new TypeError(rulesError);
      const o = await configured;
      const { history, now } = await assembleHistory(await store, page, o.historyLength);
      const { older } = await forRules(history, now);
      const e = await needed();
      return e.recommend(history, request, { seen: page.seen, now, control: page.control, show: page.show }, older);
    },

    async catalog() {
      const o = await configured;
      if (!o.catalog?.url) return null;
      return (await loadedOrNull())?.catalog() ?? null;
    },

    changed(req) {
      changes++;
      recall.add(req);
      latest = req;
      scheduleSnapshot();
    },

    remember(items) {
      // Not after forget() (erase() leaves no store), nor in memory mode (no store here: the page keeps them).
      void store.then((s) => {
        if (!s) return;
        recall.stored(items);
        storing = storing.then(() => s.putItems(items)).catch(() => {});
      });
    },

    async settle() {
      await (timer === undefined ? writing : saveSnapshot());
      await storing;
    },

    async round(force) {
      const e = await engineOrNull();
      if (!e) return { decision: skipped('the model is not loaded'), state: null };
      const reply = await e.round(force);
      if (reply.decision.accepted) scheduleSnapshot();
      return reply;
    },

    forget() {
      // Also when the page heard of forget() on the channel before this worker listened to it (another tab's, while
      // this one was starting): from now on this page view stores nothing.
      erase();
      return reset();
    },

    pause(forGood) {
      clearTimeout(leaveTimer);
      pauseStores(forGood);
      // A page kept by the back/forward cache is evicted from it when a channel of its hears a message (Firefox).
      writes?.close();
      writes = null;
      recall.hearing(false);
    },
    resume() {
      clearTimeout(leaveTimer);
      leavingPage = false;
      resumeStores();
      writes?.close();
      writes = opts ? listenToPages(opts) : null;
      recall.hearing(writes !== null);
    },
    leaving() {
      pauseStores();
      leavingPage = true;
      clearTimeout(leaveTimer);
      leaveTimer = setTimeout(() => {
        leavingPage = false;
        resumeStores();
      }, LEAVING_RESUME_MS);
    },

    async explain(item, req): Promise<Contribution[]> {
      const o = await configured;
      const { history, now, features } = await assembleHistory(await store, req, o.historyLength, [item.id]);
      const e = await engineOrNull();
      if (!e || !history.length) return [];
      const titles = new Map(history.map((h) => [h.item.id, h.item.title]));
      const all = await e.explain(history, features(item), now);
      return reasons(
        item.id,
        all.map((c) => ({ ...c, title: titles.get(c.itemId) })),
      );
    },

    status,
  };
  return host;
}

/**
 * With a snapshot stored, how long the engine waits for a first ranking to answer from it before it loads anyway:
 * loading the engine keeps the worker's thread busy (evaluating tfjs, starting a backend), and a grid that asks
 * meanwhile waits. A shop may call init() before it fetches and renders its grids (the quick start does), so this
 * covers that; a call that needs the model (a ranking the snapshot cannot answer, a placement, explain()) starts the
 * load at once.
 */
const FIRST_RANK_WAIT_MS = 1000;
/** How long a snapshot's check waits for model.json before it trusts the model the snapshot names (expectedFor). */
const MANIFEST_GRACE_MS = 100;
/** How long after the page said it was leaving the worker's stores go on if it is still there (see leaving()). */
const LEAVING_RESUME_MS = 3000;
/** How long a first visit's first grids wait for the feed's availability (within the page's 400 ms hold). */
const FEED_WAIT_MS = 250;
const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves after the tasks queued so far (the rankings answered from the snapshot) have run. */
const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** The model and learned head a snapshot must match, and the head's arrays (null: the shipped head). */
interface Expected {
  model: string;
  head: string;
  learned: HeadArrays | null;
}

/** An item's features from its itemKey() (a JSON array of id, title, brand, category, price). */
function fromItemKey(key: string): ItemFeatures {
  const [id, title, brand, category, price] = JSON.parse(key) as [string, string?, string?, string?, number?];
  const it: ItemFeatures = { id };
  if (title !== undefined && title !== null) it.title = title;
  if (brand !== undefined && brand !== null) it.brand = brand;
  if (category !== undefined && category !== null) it.category = category;
  if (price !== undefined && price !== null) it.price = price;
  return it;
}
