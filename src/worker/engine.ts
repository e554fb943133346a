/**
 * The engine: picks a tfjs backend, loads the model, scores candidates. Runs in the worker
 * (engine.worker.ts exposes it with comlink) and in-process in unit tests, unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadModel, type LoadedModel } from '../model/io.ts';
import { scoreItems } from '../model/predict.ts';
import { createServingCache } from '../model/serving-cache.ts';
import { explainScore } from '../model/explain.ts';
import { finetune, type FinetuneOptions, type FinetuneResult } from '../model/finetune.ts';
import { headArrays, headTensors, type HeadArrays } from '../model/head.ts';
import type { Weights } from '../model/scorer.ts';
import { ModelError, NoBackendError } from '../shared/errors.ts';
import { skipped, type HeadInUse } from '../shared/learning.ts';
import type { Backend } from '../shared/options.ts';
import type { EngineInit, EngineInterface, EngineStatus } from '../shared/protocol.ts';
import { openStore, type Store } from '../shared/store.ts';
import type { ItemFeatures, RecoEvent } from '../shared/types.ts';
import { startLearning, type Learner } from './learner.ts';

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
   * @throws TypeError when the arrays do not fit the model's head (d x d and d values)
   */
  setHead(head: HeadArrays | null, prev?: HeadArrays | null): HeadInUse;
  /** Goes back to the head used before the last accepted round or setHead(). */
  rollback(): HeadInUse;
  dispose(): void;
}

/** Makes the engine object; engine.worker.ts exposes its {@link EngineInterface} part to the page. */
export function createEngine(deps: EngineDeps = {}): Engine {
  let model: LoadedModel | null = null;
  let status: EngineStatus = { backend: null, model: null, tried: [], learning: null };
  let store: Store | null = null;
  let learner: Learner | null = null;
  // The shipped head, the head learned on this device in use (null: the shipped one) and the one before it, for rollback.
  let shipped: HeadArrays | null = null;
  let cache: ReturnType<typeof createServingCache> | null = null;
  let learnedHead: { arrays: HeadArrays; tensors: Weights } | null = null;
  let previous: HeadArrays | null = null;

  function useHead(head: HeadArrays | null): HeadInUse {
    if (learnedHead) tf.dispose(Object.values(learnedHead.tensors));
    learnedHead = head ? { arrays: head, tensors: headTensors(head) } : null;
    return learnedHead ? 'personal' : 'shipped';
  }

  function loaded(): { model: LoadedModel; shipped: HeadArrays } {
    if (!model || !shipped) throw new ModelError('the engine was called before init() loaded a model');
    return { model, shipped };
  }

  async function pickBackend(order: readonly Backend[]): Promise<string> {
    const tried: EngineStatus['tried'] = [];
    for (const name of order) {
      try {
        await deps.prepare?.(name);
        // setBackend resolves false (and leaves another backend active) when e.g. no GPU adapter exists.
        const ok = (await tf.setBackend(name)) && tf.getBackend() === name;
        tried.push(ok ? { backend: name, ok } : { backend: name, ok, reason: 'not available' });
        if (ok) {
          status = { ...status, tried };
          return name;
        }
      } catch (err) {
        tried.push({ backend: name, ok: false, reason: (err as Error).message });
      }
    }
    status = { ...status, tried };
    throw new NoBackendError(`no tfjs backend could start: ${tried.map((t) => `${t.backend} (${t.reason})`).join(', ')}`);
  }

  const api: Engine = {
    async init(opts: EngineInit, onLearning) {
      const backend = await pickBackend(opts.backends);
      const loaded = await loadModel(opts.modelUrl, deps.fetch ?? fetch);
      if (model) tf.dispose(Object.values(model.weights));
      model = loaded;
      cache = null; // a new model: nothing cached is valid
      shipped = await headArrays(loaded.weights);
      useHead(null);
      previous = null;
      status = { ...status, backend, model: { id: loaded.manifest.id, version: loaded.manifest.version }, learning: null };
      learner?.close();
      store?.close();
      learner = store = null;
      const l = opts.learning;
      if (l) {
        try {
          store = await openStore({ dbName: l.dbName, maxEvents: l.maxEvents, maxAgeDays: l.maxAgeDays });
          if (store.kind !== 'indexeddb') throw new Error(store.fallbackReason ?? 'IndexedDB unavailable in the worker');
          const host = {
            modelKey: `${loaded.manifest.id}@${loaded.manifest.version}`,
            train: (e: RecoEvent[], i: ItemFeatures[]) => api.train(e, i),
            setHead: (h: HeadArrays | null, p: HeadArrays | null) => api.setHead(h, p),
          };
          learner = await startLearning(host, store, l, (s) => {
            status.learning = s;
            onLearning?.(s);
          });
          status.learning = learner.state();
        } catch (err) {
          store?.close();
          store = null;
          status.learningError = `on-device learning is off: ${(err as Error).message}`;
        }
      }
      // Warm-up compiles shaders / allocates buffers off the critical path of the first real ranking.
      const probe: ItemFeatures = { id: '__warmup__', title: 'warm up', category: 'warm' };
      await scoreItems(loaded, [{ item: probe, type: 'select_item', ts: 0 }], [probe, probe], 1);
      return status;
    },

    async rank(history, candidates, now) {
      const m = loaded();
      cache ??= createServingCache(m.model);
      return cache.score(history, candidates, now, learnedHead?.arrays ?? m.shipped);
    },

    async train(events, items, opts = {}) {
      const m = loaded();
      const current = learnedHead?.arrays ?? m.shipped;
      const result = await finetune(m.model, events, new Map(items.map((it) => [it.id, it])), { current, shipped: m.shipped }, opts);
      if (result.accepted && result.head) {
        previous = learnedHead?.arrays ?? null;
        useHead(result.head);
      }
      return result;
    },

    setHead(head, prev = null) {
      const d = loaded().model.manifest.config.d;
      for (const h of [head, prev]) {
        if (h && (h.w?.length !== d * d || h.c?.length !== d)) throw new TypeError(`setHead: expected w of ${d * d} and c of ${d} values`);
      }
      previous = prev;
      return useHead(head);
    },

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

    rollback() {
      const back = previous;
      previous = null;
      return useHead(back);
    },

    async explain(history, item, now) {
      const m = loaded();
      return explainScore(m.model, history, item, now, learnedHead?.arrays ?? m.shipped);
    },

    status() {
      return status;
    },

    dispose() {
      learner?.close();
      store?.close();
      learner = store = null;
      if (model) tf.dispose(Object.values(model.weights));
      useHead(null);
      model = null;
      cache = null;
      shipped = previous = null;
    },
  };
  return api;
}
