/**
 * The engine: picks a tfjs backend, loads the model, scores candidates. Runs in the worker
 * (engine.worker.ts exposes it with comlink) and in-process in unit tests, unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadModel, ModelError, type LoadedModel } from '../model/io.ts';
import { scoreItems } from '../model/predict.ts';
import type { Backend, HistoryEntry, ItemFeatures } from '../types.ts';

export interface EngineInit {
  /** URL of model.json. */
  modelUrl: string;
  /** Backends to try, in order. */
  backends: readonly Backend[];
}

export interface EngineStatus {
  /** The backend that really runs (read back from tf.getBackend()), or null before init. */
  backend: string | null;
  model: { id: string; version: string } | null;
  /** Backends tried and why each one that failed did. */
  tried: { backend: Backend; ok: boolean; reason?: string }[];
}

export interface EngineDeps {
  fetch?: typeof fetch;
  /** Called before trying a backend (the worker sets wasm file paths here). */
  prepare?: (backend: Backend) => void | Promise<void>;
}

/** Makes the engine object. Its methods are the worker's whole API. */
export function createEngine(deps: EngineDeps = {}) {
  let model: LoadedModel | null = null;
  let status: EngineStatus = { backend: null, model: null, tried: [] };

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

  return {
    /**
     * Starts a backend, loads and checks the model, runs one warm-up ranking.
     * @throws ModelError for missing or corrupt model files; Error when no backend starts.
     */
    async init(opts: EngineInit): Promise<EngineStatus> {
      const backend = await pickBackend(opts.backends);
      const loaded = await loadModel(opts.modelUrl, deps.fetch ?? fetch);
      model?.weights && tf.dispose(Object.values(model.weights));
      model = loaded;
      status = { ...status, backend, model: { id: loaded.manifest.id, version: loaded.manifest.version } };
      // Warm-up compiles shaders / allocates buffers off the critical path of the first real ranking.
      const probe: ItemFeatures = { id: '__warmup__', title: 'warm up', category: 'warm' };
      await scoreItems(loaded, [{ item: probe, type: 'select_item', ts: 0 }], [probe, probe], 1);
      return status;
    },

    /** Scores candidates for this history (oldest first); same order as `candidates`. */
    async rank(history: HistoryEntry[], candidates: ItemFeatures[], now: number): Promise<number[]> {
      if (!model) throw new ModelError('engine: rank() before init()');
      return Array.from(await scoreItems(model, history, candidates, now));
    },

    status(): EngineStatus {
      return status;
    },

    dispose(): void {
      if (model) tf.dispose(Object.values(model.weights));
      model = null;
    },
  };
}

export type EngineApi = ReturnType<typeof createEngine>;
