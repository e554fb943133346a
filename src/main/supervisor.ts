/**
 * Crash and hang handling for the worker, apart from comlink and the Worker object so that it can be tested
 * alone: each started worker is a generation; every call is tracked with the generation it was sent to.
 *
 * - A generation fails once (the worker's error event, or a call that times out and a liveness probe after it
 *   also gets no answer): every call in flight on it rejects at once, and the failure counts once.
 * - A failed generation is replaced at once while restarts are left; calls that were in flight on it are asked
 *   again, once, of the new one. Timers of calls made to a dead generation never touch the new one.
 * - A call that times out while the worker still answers the probe (a long learning round, a slow first WebGPU
 *   compile) rejects alone with an EngineTimeoutError: a busy worker is not a dead one.
 */
import { EngineTimeoutError, WorkerCrashedError } from '../shared/errors.ts';

/** What the supervisor is doing: starting a worker, serving, replacing a failed one, or given up. */
export type SupervisorState = 'starting' | 'ready' | 'restarting' | 'down';

/** One started worker, as the supervisor sees it. */
export interface Started<H, S> {
  handle: H;
  /** Resolves when the worker is ready (its init call); rejects with the engine's error, or a crash. */
  ready: Promise<S>;
}

export interface SupervisorOptions<H, S> {
  /**
   * Starts a worker; `crashed` is to be called when it fails (its error event). Throws when it cannot start
   * (the failure then counts as one crash of that generation).
   */
  start(crashed: (err: Error) => void): Started<H, S>;
  /** Terminates a worker. */
  stop(handle: H): void;
  /** A cheap call the worker answers when it is alive (a status read). */
  probe(handle: H): Promise<unknown>;
  /** Workers started after the first one fails. Default 1. */
  restarts?: number;
  /** How long the ready call (init) may take; past it the generation fails. */
  initMs: number;
  /** How long a liveness probe may take before the worker counts as hung. */
  probeMs: number;
  /** Hears state changes and why. */
  onState?(state: SupervisorState, reason: Error | null): void;
  log?(msg: string): void;
}

/** What {@link createSupervisor} returns. */
export interface Supervisor<H, S> {
  /**
   * `ask(handle)` on the current worker once it is ready (with `early`, at once: the worker answers it before it is
   * ready), within `ms`. A crash of that worker rejects it at once; it is asked again, once, of the worker started
   * in its place.
   * @throws what `ask` throws; WorkerCrashedError when the worker failed (twice, or for good); EngineTimeoutError
   *   when the worker is alive but did not answer within `ms`
   */
  call<T>(what: string, ask: (handle: H) => Promise<T>, ms: number, early?: boolean): Promise<T>;
  /** The current worker's ready call (init): its status, or why it did not start. */
  ready(): Promise<S>;
  state(): SupervisorState;
  /** Failures counted so far (one per generation at most). */
  failures(): number;
  /** The current generation's number (1 for the first worker). */
  generation(): number;
  /** Stops the worker for good; calls in flight reject. */
  terminate(): void;
}

interface Generation<H, S> {
  id: number;
  handle: H | null;
  ready: Promise<S>;
  /** Rejecters of the calls in flight on this generation. */
  inFlight: Set<(err: Error) => void>;
  failure: Error | null;
  probing: Promise<boolean> | null;
}

/** Rejects with `err` after `ms`, unless cleared first; returns the clear function. */
function deadline(ms: number, onTimeout: () => void): () => void {
  const timer = setTimeout(onTimeout, ms);
  return () => clearTimeout(timer);
}

/** Starts the first worker now. */
export function createSupervisor<H, S>(o: SupervisorOptions<H, S>): Supervisor<H, S> {
  const restarts = o.restarts ?? 1;
  let failures = 0;
  let count = 0;
  let state: SupervisorState = 'starting';
  let down: Error | null = null;
  let gen: Generation<H, S>;

  const setState = (next: SupervisorState, reason: Error | null) => {
    if (next === state && !reason) return;
    state = next;
    o.onState?.(next, reason);
  };

  /** Runs `p` as a call in flight on `g`: it rejects at once when `g` fails. */
  const track = <T>(g: Generation<H, S>, p: Promise<T>): Promise<T> => {
    if (g.failure) return Promise.reject(g.failure);
    let reject!: (err: Error) => void;
    const failed = new Promise<never>((_, r) => (reject = r));
    g.inFlight.add(reject);
    return Promise.race([p, failed]).finally(() => g.inFlight.delete(reject));
  };

  /** Generation `g` failed: its calls reject now; the failure counts once; a new worker starts while restarts are left. */
  const fail = (g: Generation<H, S>, err: Error): void => {
    if (g.failure || down || g !== gen) return;
    failures++;
    const final = failures > restarts;
    if (final)
      down = new WorkerCrashedError(`${err.message}; the worker failed ${failures} times, so personalization is off for this page view`);
    g.failure = down ?? err;
    for (const reject of g.inFlight) reject(g.failure);
    g.inFlight.clear();
    if (g.handle) o.stop(g.handle);
    if (down) return setState('down', down);
    o.log?.(`${err.message}; starting a new worker`);
    setState('restarting', err);
    begin();
  };

  const begin = (): void => {
    const g: Generation<H, S> = {
      id: ++count,
      handle: null,
      ready: Promise.resolve() as Promise<S>,
      inFlight: new Set(),
      failure: null,
      probing: null,
    };
    gen = g;
    let started: Started<H, S>;
    try {
      started = o.start((err) => fail(g, err));
    } catch (err) {
      g.ready = Promise.reject(err as Error);
      g.ready.catch(() => {});
      fail(g, err as Error);
      return;
    }
    g.handle = started.handle;
    const clear = deadline(o.initMs, () =>
      fail(g, new WorkerCrashedError(`the worker did not get ready within ${o.initMs / 1000} s (init())`)),
    );
    g.ready = track(g, started.ready).finally(clear);
    g.ready.then(
      () => g === gen && !g.failure && setState('ready', null),
      (err: Error) => {
        // The engine's own error (no model, no backend): the worker is alive but cannot serve.
        if (g === gen && !g.failure && !down) {
          down = err;
          setState('down', err);
        }
      },
    );
  };

  /** True when `g`'s worker answers a status read within probeMs; false (and `g` failed) when it does not. */
  const alive = (g: Generation<H, S>, what: string, ms: number): Promise<boolean> => {
    g.probing ??= new Promise<boolean>((resolve) => {
      const clear = deadline(o.probeMs, () => {
        fail(
          g,
          new WorkerCrashedError(`the worker stopped answering: ${what} got no answer within ${ms / 1000} s, nor a status check after it`),
        );
        resolve(false);
      });
      o.probe(g.handle as H).then(
        () => (clear(), resolve(true)),
        () => {},
      );
    }).finally(() => (g.probing = null));
    return g.probing;
  };

  /**
   * `ask` on generation `g`, once it is ready (`early`: at once), within `ms` of its being ready: before, an early call
   * may wait for the model to load, and the ready call's own deadline (initMs) covers that time. A worker that hangs
   * once it serves fails its calls after `ms` and the probe, not after initMs.
   */
  const once = async <T>(g: Generation<H, S>, what: string, ask: (handle: H) => Promise<T>, ms: number, early: boolean): Promise<T> => {
    if (!early || !g.handle) await g.ready;
    let clear = () => {};
    let settled = false;
    const timedOut = new Promise<never>((_, reject) => {
      void g.ready
        .catch(() => {}) // its failure rejects the call through track()
        .then(() => {
          if (settled) return;
          clear = deadline(ms, () => {
            void alive(g, what, ms).then(
              (yes) => yes && reject(new EngineTimeoutError(`the worker is busy: ${what} got no answer within ${ms / 1000} s`)),
            );
          });
        });
    });
    try {
      return await track(g, Promise.race([ask(g.handle as H), timedOut]));
    } finally {
      settled = true;
      clear();
    }
  };

  begin();

  return {
    async call(what, ask, ms, early = false) {
      for (let attempt = 0; ; attempt++) {
        if (down) throw down;
        const g = gen;
        try {
          return await once(g, what, ask, ms, early);
        } catch (err) {
          // Asked again of the worker started in place of the one that failed, once.
          if (err !== g.failure || attempt > 0 || down) throw err;
        }
      }
    },
    ready: async () => {
      for (;;) {
        if (down) throw down;
        const g = gen;
        try {
          return await g.ready;
        } catch (err) {
          if (err !== g.failure || down) throw err;
        }
      }
    },
    state: () => state,
    failures: () => failures,
    generation: () => gen.id,
    terminate() {
      if (!down) down = new WorkerCrashedError('the worker was stopped (destroy())');
      for (const reject of gen.inFlight) reject(down);
      gen.inFlight.clear();
      if (gen.handle && !gen.failure) o.stop(gen.handle);
      gen.failure ??= down;
      setState('down', null);
    },
  };
}
