/**
 * The engine: picks a tfjs backend, loads the model, scores candidates. Runs in the worker
 * (engine.worker.ts exposes it with comlink) and in-process in unit tests, unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadModel, ModelError, type LoadedModel } from '../model/io.ts';
import { scoreItems } from '../model/predict.ts';
import { createServingCache } from '../model/serving-cache.ts';
import { explainScore, type Contribution } from '../model/explain.ts';
import { finetune, headArrays, headTensors, type FinetuneOptions, type FinetuneResult, type HeadArrays } from '../model/finetune.ts';
import type { Weights } from '../model/scorer.ts';
import { skipped, type LearningDecision, type LearningSchedule, type LearningState } from '../main/scheduler.ts';
import { openStore, type Store } from '../shared/store.ts';
import type { Backend, HistoryEntry, ItemFeatures, RecoEvent } from '../shared/types.ts';
import { startLearning, type Learner } from './learner.ts';

export interface EngineInit {
  /** URL of model.json. */
  modelUrl: string;
  /** Backends to try, in order. */
  backends: readonly Backend[];
  /**
   * On-device learning on the events the page stores in this IndexedDB database (same retention caps as
   * the page's store); null or absent: no learning (e.g. memory-only storage, which the worker cannot read).
   */
  learning?: ({ dbName: string; maxEvents: number; maxAgeDays: number } & LearningSchedule) | null;
}

export interface EngineStatus {
  /** The backend that really runs (read back from tf.getBackend()), or null before init. */
  backend: string | null;
  model: { id: string; version: string } | null;
  /** Backends tried and why each one that failed did. */
  tried: { backend: Backend; ok: boolean; reason?: string }[];
  /** On-device learning, or null when off or unavailable (`learningError` says why when it failed). */
  learning: LearningState | null;
  learningError?: string;
}

export interface EngineDeps {
  fetch?: typeof fetch;
  /** Called before trying a backend (the worker sets wasm file paths here). */
  prepare?: (backend: Backend) => void | Promise<void>;
}

/** Makes the engine object. Its methods are the worker's whole API. */
export function createEngine(deps: EngineDeps = {}) {
  let model: LoadedModel | null = null;
  let status: EngineStatus = { backend: null, model: null, tried: [], learning: null };
  let store: Store | null = null;
  let learner: Learner | null = null;
  // The shipped head, the personal head in use (null: the shipped one) and the one before it, for rollback.
  let shipped: HeadArrays | null = null;
  let cache: ReturnType<typeof createServingCache> | null = null;
  let personal: { arrays: HeadArrays; tensors: Weights } | null = null;
  let previous: HeadArrays | null = null;

  function useHead(head: HeadArrays | null): 'shipped' | 'personal' {
    if (personal) tf.dispose(Object.values(personal.tensors));
    personal = head ? { arrays: head, tensors: headTensors(head) } : null;
    return personal ? 'personal' : 'shipped';
  }

  function loaded(): { model: LoadedModel; shipped: HeadArrays } {
    if (!model || !shipped) throw new ModelError('engine: called before init()');
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
    throw new Error(`no tfjs backend could start (tried ${order.join(', ')})`);
  }

  const api = {
    /**
     * Starts a backend, loads and checks the model, loads the head learned on this device (with
     * `opts.learning`), runs one warm-up ranking.
     * @param onLearning called when the learning state changes by itself (another tab's round or forget)
     * @throws ModelError for missing or corrupt model files; Error when no backend starts.
     */
    async init(opts: EngineInit, onLearning?: (s: LearningState) => void): Promise<EngineStatus> {
      const backend = await pickBackend(opts.backends);
      const loaded = await loadModel(opts.modelUrl, deps.fetch ?? fetch);
      model?.weights && tf.dispose(Object.values(model.weights));
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
          const host = { modelKey: `${loaded.manifest.id}@${loaded.manifest.version}`, train: (e: RecoEvent[], i: ItemFeatures[]) => api.train(e, i), setHead: (h: HeadArrays | null, p: HeadArrays | null) => api.setHead(h, p) };
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

    /** Scores candidates for this history (oldest first); same order as `candidates`. */
    async rank(history: HistoryEntry[], candidates: ItemFeatures[], now: number): Promise<number[]> {
      if (!model) throw new ModelError('engine: rank() before init()');
      const m = loaded();
      cache ??= createServingCache(m.model);
      return cache.score(history, candidates, now, personal?.arrays ?? m.shipped);
    },

    /**
     * One fine-tuning round on the shopper's events (src/model/finetune.ts). An accepted head is used
     * from then on, the one it replaces is kept for rollback(); a rejected or skipped round changes nothing.
     * @param items the item feature cache: history features and the pool of sampled negatives
     */
    async train(events: RecoEvent[], items: ItemFeatures[], opts: FinetuneOptions = {}): Promise<FinetuneResult> {
      const m = loaded();
      const current = personal?.arrays ?? m.shipped;
      const result = await finetune(m.model, events, new Map(items.map((it) => [it.id, it])), { current, shipped: m.shipped }, opts);
      if (result.accepted && result.head) {
        previous = personal?.arrays ?? null;
        useHead(result.head);
      }
      return result;
    },

    /**
     * Uses a stored head (null: the shipped one), e.g. one another tab learned.
     * @param prev the head to go back to on rollback() (null: the shipped one)
     * @throws TypeError when the arrays do not fit the model's head (d x d and d values)
     */
    setHead(head: HeadArrays | null, prev: HeadArrays | null = null): 'shipped' | 'personal' {
      const d = loaded().model.manifest.config.d;
      for (const h of [head, prev]) {
        if (h && (h.w?.length !== d * d || h.c?.length !== d)) throw new TypeError(`setHead: expected w of ${d * d} and c of ${d} values`);
      }
      previous = prev;
      return useHead(head);
    },

    /**
     * A learning round on the stored events: when `force`, now; otherwise only if due. Holds the
     * cross-tab lock, so a round another tab is running makes this one skip.
     */
    async round(force: boolean): Promise<{ decision: LearningDecision; state: LearningState | null }> {
      if (!learner) return { decision: skipped(status.learningError ?? 'on-device learning is off'), state: null };
      const decision = await learner.round(force);
      status.learning = learner.state();
      return { decision: decision ?? skipped(force ? 'another round is running' : 'not due'), state: status.learning };
    },

    /** Back to the shipped head and a fresh schedule, in every tab; a round under way writes nothing. The page clears the store next. */
    forget(): LearningState | null {
      learner?.forget();
      status.learning = learner?.state() ?? null;
      return status.learning;
    },

    /** Goes back to the head used before the last accepted round or setHead(). */
    rollback(): 'shipped' | 'personal' {
      const back = previous;
      previous = null;
      return useHead(back);
    },

    /** Leave-one-out contributions of the history items to `item`'s score with the head in use, largest first. */
    async explain(history: HistoryEntry[], item: ItemFeatures, now: number): Promise<Contribution[]> {
      const m = loaded();
      return explainScore(m.model, history, item, now, personal?.arrays ?? m.shipped);
    },

    status(): EngineStatus {
      return status;
    },

    dispose(): void {
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

export type EngineApi = ReturnType<typeof createEngine>;
