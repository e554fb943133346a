/**
 * The instance's events (`on('ready' | 'ranked' | 'rules' | 'error' | 'event' | 'progress')`): subscribing, and emitting to the
 * instance's own listeners and to the global `Reco.on()` ones. A listener that throws never stops the others.
 */
import type { RecoEventMap, RecoInstance } from './api.ts';

/** Listeners by event type; the global `Reco.on()` keeps one such map that every instance of `init()` emits to. */
export type Listeners = Map<keyof RecoEventMap, Set<(d: never) => void>>;

const EVENT_NAMES: readonly (keyof RecoEventMap)[] = ['ready', 'ranked', 'rules', 'error', 'event', 'progress'];

/** Calls a listener; one that throws is logged, and never stops the others nor reaches the page. */
function call(fn: (d: never) => void, detail: unknown): void {
  try {
    (fn as (d: unknown) => void)(detail);
  } catch (err) {
    console.error('[reco] an on() listener threw', err);
  }
}

/**
 * Adds `fn` to `listeners`; returns the unsubscribe function. A 'ready' listener added once `reco` is
 * ready hears it too (unless unsubscribed before).
 * @throws TypeError for an unknown event type, or a listener that is not a function
 */
export function subscribe<K extends keyof RecoEventMap>(
  listeners: Listeners,
  type: K,
  fn: (detail: RecoEventMap[K]) => void,
  reco: RecoInstance | null,
): () => void {
  if (!EVENT_NAMES.includes(type)) throw new TypeError(`on(type): expected one of ${EVENT_NAMES.join(', ')}, got ${JSON.stringify(type)}`);
  if (typeof fn !== 'function') throw new TypeError(`on(type, fn): expected a function, got ${typeof fn}`);
  listeners.set(type, (listeners.get(type) ?? new Set()).add(fn as (d: never) => void));
  if (type === 'ready' && reco?.status().ready)
    queueMicrotask(() => listeners.get(type)?.has(fn as (d: never) => void) && call(fn as (d: never) => void, reco.status()));
  return () => listeners.get(type)?.delete(fn as (d: never) => void);
}

/** One instance's events. */
export interface Emitter {
  emit<K extends keyof RecoEventMap>(type: K, detail: RecoEventMap[K]): void;
  /** The instance's own `on()`. */
  on<K extends keyof RecoEventMap>(type: K, fn: (detail: RecoEventMap[K]) => void, reco: RecoInstance): () => void;
  /** Drops every listener of the instance, and stops emitting to the global ones. */
  clear(): void;
}

/** @param global the global `Reco.on()` listeners, which also hear this instance's events (null: none) */
export function createEmitter(global: Listeners | null): Emitter {
  const own: Listeners = new Map();
  return {
    emit(type, detail) {
      for (const fn of [...(own.get(type) ?? []), ...(global?.get(type) ?? [])]) call(fn, detail);
    },
    on: (type, fn, reco) => subscribe(own, type, fn, reco),
    clear() {
      own.clear();
      global = null;
    },
  };
}
