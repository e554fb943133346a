/**
 * The engine: picks a tfjs backend, loads the model, scores candidates. Runs in the worker
 * (engine.worker.ts exposes it with comlink) and in-process in unit tests, unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import { arrange } from '../model/arrange.ts';
import { contentIndex } from '../model/content.ts';
import { explainScore } from '../model/explain.ts';
import { finetune, type FinetuneOptions, type FinetuneResult } from '../model/finetune.ts';
import { headArrays, type HeadArrays } from '../model/head.ts';
import { createHybridScorer, explainHybridScore, type HybridScorer } from '../model/hybrid-predict.ts';
import { isPairModel, loadAnyModel, type AnyModel, type LoadedModel } from '../model/io.ts';
import { finetunePair } from '../model/pair-finetune.ts';
import { createPairScorer, explainPairScore, pairHeadSize, shippedPairHead, type PairScorer } from '../model/pair-predict.ts';
import { recommendFrom, withCatalogFeatures, type PlacementScorer, type Placements } from '../model/placements.ts';
import { scoreItems } from '../model/predict.ts';
import { createServingCache, type ServingCache } from '../model/serving-cache.ts';
import { ModelError, NoBackendError } from '../shared/errors.ts';
import { DEFAULTS } from '../shared/options.ts';
import { validateRequest } from '../shared/placements.ts';
import { DEFAULT_RULES, validateRules } from '../shared/rules.ts';
import { skipped, type HeadInUse, type LearningState } from '../shared/learning.ts';
import type { Backend } from '../shared/options.ts';
import type { EngineInit, EngineInterface, EngineStatus } from '../shared/protocol.ts';
import type { HistoryEntry, ItemFeatures, RecoEvent } from '../shared/types.ts';
import { startBackend } from './backends.ts';
import { givenHistory } from './given-history.ts';
import { priceFormat, slotTexts } from './slots.ts';
import { createCatalog, MAX_FEED_ITEMS, type LoadedCatalog, type WorkerCatalog } from './catalog.ts';
import { createHeads, type Heads } from './heads.ts';
import { openLearner, type Learner } from './learner.ts';

export interface EngineDeps {
  fetch?: typeof fetch;
  /** Called before trying a backend (the worker sets wasm file paths here). */
  prepare?: (backend: Backend) => void | Promise<void>;
}

/**
 * The engine: the page's interface (what engine.worker.ts exposes), plus what only the worker and tests call.
 */
export interface Engine extends EngineInterface {
  /**
   * One fine-tuning round on the shopper's events (src/model/finetune.ts). An accepted head is used
   * from then on, the one it replaces is kept for rollback(); a rejected or skipped round changes nothing.
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

/** Candidates a placement asks the pair model about (the most similar in text to what it starts from). */
const PAIR_CANDIDATES = 120;

/** Makes the engine object; engine.worker.ts exposes its {@link EngineInterface} part to the page. */
export function createEngine(deps: EngineDeps = {}): Engine {
  let status: EngineStatus = { backend: null, model: null, tried: [], learning: null };
  /**
   * The loaded model and its heads; a transformer's serving cache, or the pair model's scorer (which holds
   * the IDF of the items seen). A new model: nothing cached is valid.
   */
  let loaded: {
    model: AnyModel;
    heads: Heads;
    serve: { kind: 'transformer'; cache: ServingCache } | { kind: 'pair'; scorer: PairScorer } | { kind: 'hybrid'; scorer: HybridScorer };
  } | null = null;
  let learner: Learner | null = null;
  let catalog: WorkerCatalog | null = null;
  let rules = DEFAULT_RULES;
  let searchWeight = DEFAULTS.searchWeight;
  /** Placements over one catalog (a new feed or new items seen make a new one). */
  let placements: { over: LoadedCatalog; p: Placements } | null = null;

  /** History items the page knows only by id (a view tracked with track()) get their features from the feed, once it has loaded (never waiting for it). */
  const enrich = (history: HistoryEntry[]) => withCatalogFeatures(catalog?.loadedFeed() ?? null, history);

  /** Scores with the head in use, whatever the model kind. */
  async function score(history: readonly HistoryEntry[], candidates: readonly ItemFeatures[], now: number): Promise<ArrayLike<number>> {
    const { serve, heads } = current();
    if (serve.kind === 'pair' || serve.kind === 'hybrid') return serve.scorer.score(history, candidates, now, heads.inUse());
    return serve.cache.score(history, candidates, now, heads.inUse());
  }

  function current() {
    if (!loaded) throw new ModelError('the engine was called before init() loaded a model');
    return loaded;
  }

  const engine: Engine = {
    async init(opts: EngineInit, onLearning) {
      const { backend, tried } = await startBackend(opts.backends, deps.prepare);
      status = { ...status, tried };
      if (!backend) throw new NoBackendError(`no tfjs backend could start: ${tried.map((t) => `${t.backend} (${t.reason})`).join(', ')}`);
      rules = validateRules(opts.rules);
      searchWeight = opts.searchWeight ?? DEFAULTS.searchWeight;
      const model = await loadAnyModel(opts.modelUrl, deps.fetch ?? fetch, opts.modelFiles);
      engine.dispose();
      if (isPairModel(model)) {
        loaded = {
          model,
          heads: createHeads(shippedPairHead(), pairHeadSize()),
          serve: { kind: 'pair', scorer: createPairScorer(model, model.index) },
        };
      } else {
        const d = model.manifest.config.d;
        const hybrid = model.hybrid;
        loaded = {
          model,
          heads: createHeads(await headArrays(model.weights), { w: d * d, c: d }),
          // Item vectors of a whole feed stay cached, so "for you" scores every catalog item with dot products only.
          serve: hybrid
            ? { kind: 'hybrid', scorer: createHybridScorer({ ...model, hybrid }) }
            : { kind: 'transformer', cache: createServingCache(model, { items: MAX_FEED_ITEMS + 4096, shoppers: 16 }) },
        };
      }
      catalog = createCatalog(opts.catalog ?? { url: null, dbName: null }, deps.fetch ?? fetch);
      placements = null;
      status = { ...status, backend, model: { id: model.manifest.id, version: model.manifest.version }, learning: null };
      if (opts.learning) {
        const host = { modelKey: `${model.manifest.id}@${model.manifest.version}`, train: engine.train, setHead: engine.setHead };
        const notify = (s: LearningState) => {
          status.learning = s;
          onLearning?.(s);
        };
        try {
          learner = await openLearner(opts.learning, host, notify);
          status.learning = learner.state();
          status.skipped = learner.skipped();
        } catch (err) {
          status.learningError = `on-device learning is off: ${(err as Error).message}`;
        }
      }
      // Warm-up compiles shaders / allocates buffers off the critical path of the first real ranking.
      const probe: ItemFeatures = { id: '__warmup__', title: 'warm up', category: 'warm' };
      const probeHistory = [{ item: probe, type: 'select_item' as const, ts: 0 }];
      // The pair model warms up on a scorer of its own, so the probe never counts in the IDF of the items seen.
      if (isPairModel(model)) await createPairScorer(model).parts(probeHistory, [probe, probe], 1);
      else await scoreItems(model, probeHistory, [probe, probe], 1);
      return status;
    },

    async rank(history, candidates, now) {
      catalog?.observe(candidates);
      return Array.from(await score(enrich(history), candidates, now));
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

    async arrange(history, given, search, now) {
      current();
      catalog?.observe(given);
      // An item the page does not mark takes its availability from the feed.
      const feed = catalog?.loadedFeed();
      const items = given.map((it) => {
        const known = it.available === undefined ? feed?.items[feed.index.get(it.id) ?? -1]?.available : undefined;
        return known === undefined ? it : { ...it, available: known };
      });
      const scores = history.length ? await score(enrich(history), items, now) : new Float32Array(items.length);
      const mmr = rules.diversity && 'mmr' in rules.diversity ? contentIndex(items) : null;
      const { order, excluded } = arrange(items, scores, {
        rules,
        history,
        now,
        ...(search && { search: { weight: searchWeight } }),
        ...(mmr && { similarity: mmr.cosine }),
      });
      const all = [...order, ...excluded];
      return all.every((v, k) => v === k) ? null : all;
    },

    async recommend(given, request, { seen, now, control, show }) {
      const q = validateRequest(request);
      const price = show && priceFormat(show);
      // The control group sees placements without personalization: for you in catalog order, nothing "because you viewed".
      const history = control && (q.placement === 'for-you' || q.placement === 'because-you-viewed') ? [] : given;
      const { serve } = current();
      catalog!.observe(seen);
      catalog!.observe(history.map((e) => e.item));
      const over = await catalog!.current();
      if (placements?.over !== over) {
        // The pair model computes features for every (candidate, history item) pair: it scores the items most
        // similar in text to the history (what the default pair model ranks by) rather than a whole feed.
        const scorer: PlacementScorer = { score, maxCandidates: serve.kind === 'pair' ? PAIR_CANDIDATES : Infinity };
        // Without a shipped index, the pair model's IDF counts the items it has seen: the feed is the shop's catalog.
        if (serve.kind === 'pair' && catalog!.loadedFeed() === over) serve.scorer.observe(over.items);
        placements = { over, p: recommendFrom(over, scorer) };
      }
      const placed = await placements.p.recommend(q, history, rules, now);
      const items = placed.map(({ item, reason }) => {
        const row = over.rows[over.index.get(item.id) ?? -1];
        return { ...row, ...item, ...(reason && { reason }) };
      });
      return { items, catalog: catalog!.status(), ...(show && { slots: items.map((it) => slotTexts(it, show, price!)) }) };
    },

    async train(events, items, opts = {}) {
      const { model, heads, serve } = current();
      const byId = new Map(items.map((it) => [it.id, it]));
      const both = { current: heads.inUse(), shipped: heads.shipped() };
      // A hybrid fine-tunes its transformer's head only, inside the whole score; its tables stay as shipped.
      const result =
        serve.kind === 'pair'
          ? await finetunePair(serve.scorer, events, byId, both, opts)
          : await finetune(model as LoadedModel, events, byId, both, opts, serve.kind === 'hybrid' ? serve.scorer.offsets : undefined);
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
