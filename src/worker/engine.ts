/**
 * The tfjs engine: picks a backend, loads the model (either kind: the transformer, or the pair model),
 * scores candidates, writes serving snapshots, learns. The worker loads it on demand (src/worker/tfjs.ts)
 * behind the host (host.ts), which answers first rankings without it; unit tests run it in-process, unchanged.
 */
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import * as tf from '@tensorflow/tfjs-core';
import { gridOrder } from '../model/arrange.ts';
import { explainScore } from '../model/explain.ts';
import type { FinetuneOptions, FinetuneResult } from '../model/finetune.ts';
import { headArrays, type HeadArrays } from '../model/head.ts';
import { createHybridScorer, explainHybridScore, type HybridScorer } from '../model/hybrid-predict.ts';
import type { HybridTables } from '../model/hybrid.ts';
import { isPairModel, loadAnyModel, type AnyModel, type LoadedModel } from '../model/io.ts';
import { PAIR_FEATURE_COUNT } from '../model/pair-features.ts';
import { applyPairHead, explainPairScore, pairHeadSize, shippedPairHead, seenCountsOf, type PairScorer } from '../model/pair-predict.ts';
import { createPairScorer } from '../model/pair-scorer.ts';
import { recommendFrom, withCatalogFeatures, type PlacementScorer, type Placements } from '../model/placements.ts';
import { scoreItems } from '../model/predict.ts';
import { recentSteps } from '../model/sequence.ts';
import { createServingCache, type ServingCache } from '../model/serving-cache.ts';
import { headKey, historyKey, modelKey, tableSnapshot, weightsKey, type Snapshot } from '../model/snapshot.ts';
import { ModelError, NoBackendError } from '../shared/errors.ts';
import { DEFAULTS } from '../shared/options.ts';
import { validateRequest } from '../shared/placements.ts';
import { DEFAULT_RULES, validateRules } from '../shared/rules.ts';
import { skipped, type HeadInUse, type LearningSchedule, type LearningState } from '../shared/learning.ts';
import type { Backend } from '../shared/options.ts';
import type {
  CatalogStatus,
  Contribution,
  EngineStatus,
  LearningStore,
  PlacementPage,
  PlacementReply,
  RoundReply,
} from '../shared/protocol.ts';
import type { Store } from '../shared/store.ts';
import type { HistoryEntry, ItemFeatures, RecoEvent } from '../shared/types.ts';
import { startBackend } from './backends.ts';
import { createCatalog, type LoadedCatalog, type WorkerCatalog } from './catalog.ts';
import { chunkFailed } from './chunks.ts';
import { feedFieldsFor, MAX_FEED_ITEMS, overFeed, type FetchedFeed } from './feed.ts';
import { createFiles, once, type Files } from './files.ts';
import { downloadModel, type ModelDownloads } from './model-download.ts';
import { givenHistory } from './given-history.ts';
import { imageOrigins, priceFormat, slotTexts } from './slots.ts';
import { createHeads, type Heads } from './heads.ts';
import { openLearner, type Learner } from './learner.ts';

export interface EngineDeps {
  /** Fetch for model.json when no `manifest` is given to init(), and for the files. Default: fetch. */
  fetch?: typeof fetch;
  /** Model files through Cache Storage. Default: createFiles({ fetch }). */
  files?: Files;
  /**
   * Loads a backend's code before it is tried (the worker imports it on demand), saying for wasm where its
   * binary came from. Default: nothing (the backends are already registered).
   */
  load?: (backend: Backend) => Promise<'cache' | 'network' | null | void>;
}

export interface EngineOptions {
  modelUrl: string;
  /** Where the model's other files are, by the name model.json gives them, when not next to it (a bundler renamed them). */
  modelFiles?: Record<string, string>;
  backends: readonly Backend[];
  allowSoftwareGpu?: boolean;
  /** On-device learning on the events of this database; null or absent: none. */
  learning?: (LearningStore & LearningSchedule) | null;
  /** What placements draw from: the feed at `url`, or (null) the items seen, including those stored in database `dbName`. */
  catalog?: { url: string | null; dbName: string | null };
  /** The `rules` option as given (checked here: a TypeError naming the field). */
  rules?: unknown;
  /** Search grids: the shopper's share in the blend with the shop's relevance order. */
  searchWeight?: number;
}

/** What the worker's host hands the engine. */
export interface EngineContext {
  /** The database, already open: learning uses it instead of opening its own. */
  store?: Store | null;
  /** model.json and the files it names, downloading since the host's init(), for the host and the engine. */
  downloads?: ModelDownloads;
  /** The snapshot the previous page view stored: a model whose scores depend on state takes it back from it. */
  snapshot?: Snapshot | null;
  /** The load of the catalog feed (`opts.catalog.url`), started by the host when the page called init(). */
  feed?: Promise<FetchedFeed>;
  /**
   * A hybrid's tables as the host's early path read and checked them (early-two-tower.ts), or null where it could not:
   * the engine does not read and check them again.
   */
  hybrid?: Promise<HybridTables | null>;
}

/** The engine, as the worker's host and the tests use it. */
export interface Engine {
  /**
   * Starts a backend and loads the model (in parallel), loads the head learned on this device, warms a GPU backend up.
   * @param onLearning called when the learning state changes by itself (another tab's round or forget)
   * @throws ModelError for missing or corrupt model files; NoBackendError when no backend starts.
   */
  init(opts: EngineOptions, onLearning?: (s: LearningState) => void, ctx?: EngineContext): Promise<EngineStatus>;
  /** Scores candidates for this history (oldest first); same order as `candidates`. */
  rank(history: readonly HistoryEntry[], candidates: readonly ItemFeatures[], now: number): Promise<number[]>;
  /**
   * Scores candidates for a history given to `rank(items, { history })` as the page passed it (src/worker/given-history.ts).
   * @throws TypeError naming the entry of an invalid history
   */
  rankFor(given: unknown, candidates: ItemFeatures[], now: number): Promise<number[]>;
  /**
   * A grid's movable items in their new order (indices), rules applied; null when the order would not change.
   * @param older events older than `history` that the rules read (src/worker/history.ts olderEvents)
   */
  arrange(
    history: readonly HistoryEntry[],
    items: readonly ItemFeatures[],
    search: boolean,
    now: number,
    older?: readonly HistoryEntry[],
  ): Promise<number[] | null>;
  /**
   * Replaces the merchandising rules.
   * @throws TypeError naming the field; the rules in force stay
   */
  setRules(rules: unknown): void;
  /**
   * A placement from the catalog for this history (oldest first), the rules applied.
   * @param older events older than `history` that the rules read (src/worker/history.ts olderEvents)
   * @throws TypeError naming the field of an invalid request
   */
  recommend(
    history: readonly HistoryEntry[],
    request: unknown,
    page: PlacementPage,
    older?: readonly HistoryEntry[],
  ): Promise<PlacementReply>;
  /**
   * Items this worker showed before the model was loaded (rankings answered from the snapshot): they count as rank()
   * would have counted them (the pair model's IDF of the items seen), so a worker that restarted scores and explains
   * as the one before it. The other model kinds keep nothing of the items seen.
   */
  observe(items: readonly ItemFeatures[]): void;
  /** The serving snapshot of this (non-empty) history and these items, with the head in use: of every gap bucket, or of `buckets`. */
  snapshot(history: readonly HistoryEntry[], items: readonly ItemFeatures[], buckets?: readonly number[]): Promise<Snapshot>;
  /** The model and head a snapshot must have been computed with to be used now, and where that head is stored. */
  serving(): { model: string; head: string; weights: string };
  /** The shop's feed has loaded (or there is none): a snapshot written now records its availability. */
  feedSettled(): boolean;
  /** Where placements draw from, once the feed (if any) has loaded or failed. */
  catalog(): Promise<CatalogStatus>;
  /** The feed's status if it has loaded or failed by now; null before, or without a feed. */
  feedStatus(): CatalogStatus | null;
  explain(history: readonly HistoryEntry[], item: ItemFeatures, now: number): Promise<Contribution[]>;
  round(force: boolean): Promise<RoundReply>;
  forget(): LearningState | null;
  status(): EngineStatus;
  /**
   * One fine-tuning round on the shopper's events (loaded on first use: src/model/finetune.ts, pair-finetune.ts).
   * An accepted head is used from then on, the one it replaces is kept for rollback(); a rejected or skipped round
   * changes nothing.
   * @param items the item feature cache: history features and the pool of sampled negatives
   */
  train(events: RecoEvent[], items: ItemFeatures[], opts?: FinetuneOptions): Promise<FinetuneResult>;
  /**
   * Uses a stored head (null: the shipped one), e.g. one another tab learned.
   * @param prev the head to go back to on rollback() (null: the shipped one)
   * @throws TypeError when the arrays do not fit the model's head (d x d and d values; the pair model's: one per pair feature, and 1)
   */
  setHead(head: HeadArrays | null, prev?: HeadArrays | null): HeadInUse;
  /** Goes back to the head used before the last accepted round or setHead(). */
  rollback(): HeadInUse;
  dispose(): void;
}

/** The engine's part of status() before init. */
const initial = (): EngineStatus => ({
  backend: null,
  model: null,
  backends: [],
  cache: { available: false, model: null, wasm: null, snapshot: null },
  learning: null,
});

/** Candidates a placement asks the pair model about (the most similar in text to what it starts from). */
const PAIR_CANDIDATES = 120;

/** Makes the engine object. */
export function createEngine(deps: EngineDeps = {}): Engine {
  const fetchFn = deps.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const files = deps.files ?? createFiles({ fetch: fetchFn });
  let status = initial();
  /**
   * The loaded model, its key, its heads; a transformer's serving cache, or the pair model's scorer (which holds
   * the IDF of the items seen). A new model: nothing cached is valid.
   */
  let loaded: {
    model: AnyModel;
    key: string;
    heads: Heads;
    serve: { kind: 'transformer'; cache: ServingCache } | { kind: 'pair'; scorer: PairScorer } | { kind: 'hybrid'; scorer: HybridScorer };
  } | null = null;
  let learner: Learner | null = null;
  let catalog: WorkerCatalog | null = null;
  let rules = DEFAULT_RULES;
  let searchWeight = DEFAULTS.searchWeight;
  /** Placements over one catalog (a new feed or new items seen make a new one). */
  let placements: { over: LoadedCatalog; p: Placements } | null = null;

  /**
   * The history with the feed's features for items the page knows by id alone (a track('view_item', id) of an item
   * not on the page): while the feed loads, a ranking of such a history waits for it rather than score items without text.
   */
  const enrich = async (history: readonly HistoryEntry[]): Promise<HistoryEntry[]> => {
    if (catalog?.status().url && !catalog.loadedFeed() && history.some((e) => !e.item.title)) await catalog.current().catch(() => null);
    return withCatalogFeatures(catalog?.loadedFeed() ?? null, history);
  };

  /** Scores with the head in use, whatever the model kind. */
  async function score(history: readonly HistoryEntry[], candidates: readonly ItemFeatures[], now: number): Promise<ArrayLike<number>> {
    const { serve, heads } = current();
    if (serve.kind === 'pair' || serve.kind === 'hybrid') return serve.scorer.score(history, candidates, now, heads.inUse());
    return serve.cache.score(history, candidates, now, heads.inUse());
  }

  /** An item as the merchandising rules read it: the page's fields, and the loaded feed's for the others (see overFeed). */
  const withFeed = (it: ItemFeatures): ItemFeatures => overFeed(it, inFeed(it.id));

  /** The loaded feed's item of this id (undefined: no feed loaded, or not in it). */
  function inFeed(id: string): ItemFeatures | undefined {
    const feed = catalog?.loadedFeed();
    return feed?.items[feed.index.get(id) ?? -1];
  }

  /** The serving snapshot of this history (features as the model reads them) and these items, with the head in use. */
  async function snapshotOf(
    history: readonly HistoryEntry[],
    items: readonly ItemFeatures[],
    buckets: readonly number[] | undefined,
  ): Promise<Snapshot> {
    const { serve, heads, model } = current();
    if (serve.kind === 'transformer') return serve.cache.snapshot(history, items, heads.inUse(), engine.serving(), buckets);
    if (serve.kind === 'hybrid') {
      // A hybrid's score is not a dot product either (its plain parts): its own scores per gap bucket.
      const head = heads.inUse();
      const meta = { ...engine.serving(), maxLen: serve.scorer.maxLen };
      const table = await tableSnapshot((h, list, now) => serve.scorer.score(h, list, now, head), meta, history, items, buckets);
      // With the transformer part's queries: the next page view scores items this one never ranked before tfjs loads.
      const { d, queries } = await serve.scorer.transformer.snapshot(history, [], head, meta, buckets);
      return { ...table, transformer: { d, queries } };
    }
    // The pair model's score is not a dot product: its own scores per gap bucket, and the IDF of the items seen
    // they were computed with. The items count in it first, as rank() counts them before scoring: an item shown
    // while the history was empty (no ranking asked the model) counts the same in the next page view's model.
    serve.scorer.observe(recentSteps(history, serve.scorer.maxLen).map((e) => e.item));
    serve.scorer.observe(items);
    const head = heads.inUse();
    const F = PAIR_FEATURE_COUNT;
    const score = async (h: readonly HistoryEntry[], list: readonly ItemFeatures[], now: number) => {
      const p = await serve.scorer.parts(h, list, now);
      return p ? Float64Array.from(p.base, (b, c) => applyPairHead(head, b, p.pooled, c * F)) : new Float64Array(list.length);
    };
    const maxLen = (model.manifest.config as { maxLen: number }).maxLen;
    const snapshot = await tableSnapshot(score, { ...engine.serving(), maxLen }, history, items, buckets);
    return { ...snapshot, state: serve.scorer.counts() };
  }

  function current() {
    if (!loaded) throw new ModelError('the engine was called before init() loaded a model');
    return loaded;
  }

  /**
   * Decodes the model from its files (`downloads`: model.json and the files it names, downloading since the host's
   * init()), once a backend runs. A stored copy that fails its checksum (a disk error) is dropped and fetched again, once.
   */
  function decodeModel(
    downloads: ModelDownloads,
    where: Readonly<Record<string, string>>,
    hybrid: Promise<HybridTables | null> | undefined,
  ): () => Promise<AnyModel> {
    const fromCache = new Set<string>();
    const get = async (u: string): Promise<Response> => {
      if (u === downloads.url) return downloads.manifest();
      const { bytes, from } = await downloads.get(u);
      if (from === 'cache') fromCache.add(u);
      status.cache.model = from;
      return new Response(bytes);
    };
    return async () => {
      const known = await hybrid?.catch(() => null);
      try {
        return await loadAnyModel(downloads.url, get as typeof fetch, where, known);
      } catch (err) {
        const bad = [...fromCache].find((u) => (err as Error).message.startsWith(u));
        if (!bad) throw err;
        await downloads.drop(bad);
        fromCache.clear();
        return loadAnyModel(downloads.url, get as typeof fetch, where, known);
      }
    };
  }

  const engine: Engine = {
    async init(opts, onLearning, ctx = {}) {
      status = { ...initial(), cache: { ...initial().cache, available: await files.available() } };
      rules = validateRules(opts.rules);
      searchWeight = opts.searchWeight ?? DEFAULTS.searchWeight;
      const where = opts.modelFiles ?? {};
      // The model downloads while the backend starts (since the host's init()); its tensors are made once the backend runs.
      const downloads =
        ctx.downloads ??
        downloadModel(
          opts.modelUrl,
          once(() => fetchFn(opts.modelUrl)),
          where,
          files,
        );
      downloads.start();
      const decode = decodeModel(downloads, where, ctx.hybrid);
      let wasm: 'cache' | 'network' | null = null;
      const load = async (b: Backend) => {
        const from = await deps.load?.(b);
        if (b === 'wasm') wasm = from ?? null;
      };
      const { backend, tried } = await startBackend(opts.backends, { allowSoftwareGpu: opts.allowSoftwareGpu, load });
      status.backends = tried;
      status.cache.wasm = backend === 'wasm' ? wasm : null;
      if (!backend) {
        throw new NoBackendError(`no tfjs backend could start: ${tried.map((b) => `${b.backend} (${b.reason})`).join(', ')}`);
      }
      const model = await decode();
      engine.dispose();
      const key = modelKey(model.manifest);
      if (isPairModel(model)) {
        // The seen-items IDF of the page view that stored the snapshot: the scores it kept are this model's again.
        const seed = ctx.snapshot?.model === key ? seenCountsOf(ctx.snapshot.state) : null;
        loaded = {
          model,
          key,
          heads: createHeads(shippedPairHead(), pairHeadSize()),
          serve: { kind: 'pair', scorer: createPairScorer(model, model.index, seed) },
        };
      } else {
        const d = model.manifest.config.d;
        const hybrid = model.hybrid;
        loaded = {
          model,
          key,
          heads: createHeads(await headArrays(model.weights), { w: d * d, c: d }),
          // Item vectors of a whole feed stay cached, so "for you" scores every catalog item with dot products only.
          serve: hybrid
            ? { kind: 'hybrid', scorer: createHybridScorer({ ...model, hybrid }) }
            : { kind: 'transformer', cache: createServingCache(model, { items: MAX_FEED_ITEMS + 4096, shoppers: 16 }) },
        };
      }
      catalog = createCatalog(opts.catalog ?? { url: null, dbName: null }, fetchFn, () => files.storage(), ctx.feed, ctx.store);
      placements = null;
      status = { ...status, backend, model: { id: model.manifest.id, version: model.manifest.version }, learning: null };
      if (opts.learning) {
        const host = { modelKey: weightsKey(model.manifest), train: engine.train, setHead: engine.setHead, rollback: engine.rollback };
        const notify = (s: LearningState) => {
          status.learning = s;
          onLearning?.(s);
        };
        try {
          learner = await openLearner(opts.learning, host, notify, ctx.store ?? undefined);
          status.learning = learner.state();
          status.skipped = learner.skipped();
        } catch (err) {
          status.learningError = `on-device learning is off: ${(err as Error).message}`;
        }
      }
      // A GPU backend compiles its shaders on first use: a warm-up keeps that off the first real ranking.
      if (backend === 'webgl' || backend === 'webgpu') {
        const probe: ItemFeatures = { id: '__warmup__', title: 'warm up', category: 'warm' };
        const probeHistory = [{ item: probe, type: 'select_item' as const, ts: 0 }];
        // The pair model warms up on a scorer of its own, so the probe never counts in the IDF of the items seen.
        if (isPairModel(model)) await createPairScorer(model).parts(probeHistory, [probe, probe], 1);
        else await scoreItems(model, probeHistory, [probe, probe], 1);
      }
      return status;
    },

    async rank(history, candidates, now) {
      catalog?.observe(candidates);
      return Array.from(await score(await enrich(history), candidates, now));
    },

    async rankFor(given, candidates, now) {
      catalog?.observe(candidates);
      // An item given by id takes the features the feed or the page showed for it.
      const history = givenHistory(given, now).map((e) => ({ ...e, item: catalog?.lookup(e.item.id) ?? e.item }));
      return history.length ? engine.rank(history, candidates, now) : candidates.map(() => 0);
    },

    setRules(next) {
      rules = validateRules(next);
    },

    async arrange(history, given, search, now, older = []) {
      current();
      catalog?.observe(given);
      const scores = history.length ? await score(await enrich(history), given, now) : new Float32Array(given.length);
      const ruled = older.length ? [...older, ...history] : history;
      // The rules read what the feed says of a field the page does not give (availability, tags, a bare card's category).
      return gridOrder(given.map(withFeed), scores, { rules, history: ruled, now, searchWeight: search ? searchWeight : null });
    },

    async recommend(given, request, { seen, now, control, show }, older = []) {
      const q = validateRequest(request);
      const price = show && priceFormat(show);
      const origins = show && imageOrigins(show, catalog?.status().url ?? null);
      const { serve } = current();
      catalog!.observe(seen, true);
      catalog!.observe(given.map((e) => e.item));
      const over = await catalog!.current();
      if (placements?.over !== over) {
        // The pair model computes features for every (candidate, history item) pair: it scores the items most
        // similar in text to the history (what the default pair model ranks by) rather than a whole feed.
        const scorer: PlacementScorer = { score, maxCandidates: serve.kind === 'pair' ? PAIR_CANDIDATES : Infinity };
        // Without a shipped index, the pair model's IDF counts the items it has seen: the feed is the shop's catalog.
        if (serve.kind === 'pair' && catalog!.loadedFeed() === over) serve.scorer.observe(over.items);
        placements = { over, p: recommendFrom(over, scorer) };
      }
      // The control group sees placements without personalization: for you in catalog order, nothing "because you
      // viewed"; the rules still read its history (what was just bought is not shown).
      const placed = await placements.p.recommend(q, given, rules, now, !control, older);
      const items = placed.map(({ item, reason }) => {
        const row = over.rows[over.index.get(item.id) ?? -1];
        return { ...row, ...item, ...(reason && { reason }) };
      });
      return { items, catalog: catalog!.status(), ...(show && { slots: items.map((it) => slotTexts(it, show, price!, origins!)) }) };
    },

    observe(items) {
      const { serve } = current();
      catalog?.observe(items, true);
      if (serve.kind === 'pair') serve.scorer.observe(items);
    },

    async snapshot(given, items, buckets) {
      // Scores from the history as the model ranks it (an item the page knows by id alone takes the feed's features),
      // keyed by the history as the next page view's host reads it from the page's store, before any feed is loaded.
      const snapshot = await snapshotOf(await enrich(given), items, buckets);
      const feed = items.flatMap((it) => feedFieldsFor(it, inFeed(it.id)) ?? []);
      return { ...snapshot, history: historyKey(given, snapshot.maxLen), ...(feed.length ? { feed } : {}) };
    },

    feedSettled: () => !catalog?.status().url || !!catalog.loadedFeed(),

    async catalog() {
      await catalog!.current();
      return catalog!.status();
    },

    feedStatus() {
      const now = catalog?.status();
      return now?.url && (catalog!.loadedFeed() || now.error) ? now : null;
    },

    serving() {
      const { key, heads, model } = current();
      return {
        model: key,
        head: heads.inUse() === heads.shipped() ? 'shipped' : headKey(heads.inUse()),
        weights: weightsKey(model.manifest),
      };
    },

    async train(events, items, opts = {}) {
      const { model, heads, serve } = current();
      const byId = new Map(items.map((it) => [it.id, it]));
      const both = { current: heads.inUse(), shipped: heads.shipped() };
      // Fine-tuning (and what it needs of tfjs) is loaded on the first round, never on the way to the first ranking.
      // A hybrid fine-tunes its transformer's head only, inside the whole score; its tables stay as shipped.
      const result =
        serve.kind === 'pair'
          ? await (
              await import('../model/pair-finetune.ts').catch(chunkFailed('reco.worker.pair-finetune.js'))
            ).finetunePair(serve.scorer, events, byId, both, opts)
          : await (
              await import('../model/finetune.ts').catch(chunkFailed('reco.worker.finetune.js'))
            ).finetune(model as LoadedModel, events, byId, both, opts, serve.kind === 'hybrid' ? serve.scorer.offsets : undefined);
      if (result.accepted && result.head) heads.accept(result.head);
      return result;
    },

    setHead: (head, prev = null) => current().heads.set(head, prev),
    rollback: () => current().heads.rollback(),

    async round(force) {
      if (!learner) return { decision: skipped(status.learningError ?? 'on-device learning is off'), state: null };
      const decision = await learner.round(force);
      status.learning = learner.state();
      return { decision: decision ?? skipped(force ? 'another round is running' : 'not due'), state: status.learning };
    },

    forget() {
      learner?.forget();
      status.learning = learner?.state() ?? null;
      return status.learning;
    },

    async explain(history, item, now) {
      const { model, heads, serve } = current();
      if (serve.kind === 'pair') return explainPairScore(serve.scorer, history, item, now, heads.inUse());
      if (serve.kind === 'hybrid') return explainHybridScore(model as LoadedModel, serve.scorer, history, item, now, heads.inUse());
      return explainScore(model as LoadedModel, history, item, now, heads.inUse());
    },

    status: () => (learner ? { ...status, skipped: learner.skipped() } : status),

    dispose() {
      learner?.close();
      learner = null;
      if (loaded) tf.dispose(Object.values(loaded.model.weights));
      loaded = null;
    },
  };
  return engine;
}
