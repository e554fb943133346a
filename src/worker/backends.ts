/** Starting a tfjs backend in the worker: the first of the asked ones that really runs. */
import * as tf from '@tensorflow/tfjs-core';
import type { Backend } from '../shared/options.ts';
import type { EngineStatus } from '../shared/protocol.ts';
import { whyUnsupported } from './backend-support.ts';

/**
 * Tries the backends in order and keeps the first that really runs: `tf.setBackend` resolves false (and
 * leaves another backend active) when, e.g., no GPU adapter exists, so the active one is read back.
 * @param prepare called before trying a backend (the worker sets wasm file paths here)
 * @returns the backend that runs (null when none did) and every attempt, with why each failed (src/worker/backend-support.ts)
 */
export async function startBackend(
  order: readonly Backend[],
  prepare?: (backend: Backend) => void | Promise<void>,
): Promise<{ backend: Backend | null; tried: EngineStatus['tried'] }> {
  const tried: EngineStatus['tried'] = [];
  for (const name of order) {
    try {
      // What the browser lacks is said in words before tfjs tries (it would only resolve false, or log a stack trace).
      const why = await whyUnsupported(name);
      if (why) {
        tried.push({ backend: name, ok: false, reason: why });
        continue;
      }
      await prepare?.(name);
      const ok = (await tf.setBackend(name)) && tf.getBackend() === name;
      tried.push(
        ok
          ? { backend: name, ok }
          : { backend: name, ok, reason: `tfjs could not start it (setBackend('${name}') left ${tf.getBackend()})` },
      );
      if (ok) return { backend: name, tried };
    } catch (err) {
      tried.push({ backend: name, ok: false, reason: (err as Error).message });
    }
  }
  return { backend: null, tried };
}
