/**
 * Starting a tfjs backend in the worker: the first of the asked ones that really runs. What each needs from the
 * browser is checked first (backend-support.ts: also whether a GPU is a software one), and each backend's code
 * is loaded only when it is tried.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Backend, BackendTried } from '../shared/options.ts';
import { whyUnsupported } from './backend-support.ts';

export interface StartOptions {
  /** Run WebGPU and WebGL on software adapters too. */
  allowSoftwareGpu?: boolean;
  /** Loads a backend's code (and its files, for wasm); called once, before tfjs tries it. */
  load?: (backend: Backend) => void | Promise<void>;
  /** Why a backend should not run here, or null (default: whyUnsupported; tests replace it). */
  check?: (backend: Backend, allowSoftwareGpu: boolean) => Promise<string | null>;
}

/**
 * Tries the backends in order and keeps the first that really runs: `tf.setBackend` resolves false (and
 * leaves another backend active) when, e.g., no GPU adapter exists, so the active one is read back.
 * @returns the backend that runs (null when none did) and every attempt, with why each one before it is not used
 */
export async function startBackend(
  order: readonly Backend[],
  o: StartOptions = {},
): Promise<{ backend: Backend | null; tried: BackendTried[] }> {
  const check = o.check ?? whyUnsupported;
  // Every check starts at once: asking for a GPU adapter or a WebGL context takes tens of milliseconds each.
  const checks = new Map(
    order.map((b) => {
      const why = check(b, o.allowSoftwareGpu === true).catch((err: Error) => err?.message ?? String(err));
      return [b, why] as const;
    }),
  );
  const tried: BackendTried[] = [];
  for (const name of order) {
    try {
      // What the browser lacks is said in words before tfjs tries (it would only resolve false, or log a stack trace).
      const why = await checks.get(name);
      if (why) {
        tried.push({ backend: name, ok: false, reason: why });
        continue;
      }
      await o.load?.(name);
      const ok = (await tf.setBackend(name)) && tf.getBackend() === name;
      tried.push(
        ok
          ? { backend: name, ok }
          : { backend: name, ok, reason: `tfjs could not start it (setBackend('${name}') left ${tf.getBackend()})` },
      );
      if (ok) return { backend: name, tried };
    } catch (err) {
      tried.push({ backend: name, ok: false, reason: (err as Error)?.message ?? String(err) });
    }
  }
  return { backend: null, tried };
}
