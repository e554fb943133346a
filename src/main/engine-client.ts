/**
 * Main-thread side of the worker: starts it, talks to it through comlink, restarts it once if it
 * crashes or hangs. After a second failure every call rejects, and the grids keep the shop's order.
 */
import { proxy, wrap, type Remote } from 'comlink';
import type { EngineApi, EngineInit, EngineStatus } from '../worker/engine.ts';
import type { LearningDecision, LearningState } from './scheduler.ts';
import type { Contribution } from '../model/explain.ts';
import type { HistoryEntry, ItemFeatures } from '../shared/types.ts';

type Called = 'rank' | 'status' | 'round' | 'forget' | 'explain';

/** Named error for a worker that crashed, could not load, or stopped answering. */
export class WorkerCrashedError extends Error {
  override name = 'WorkerCrashedError';
}


export interface EngineClient {
  /** Resolves with the engine's status once the model is loaded and warmed up (restarting a crashed worker once). */
  status(): Promise<EngineStatus>;
  rank(history: HistoryEntry[], candidates: ItemFeatures[]): Promise<number[]>;
  /** A learning round in the worker on the stored events: `force` runs it now, otherwise only if due. */
  round(force: boolean): Promise<{ decision: LearningDecision; state: LearningState | null }>;
  /** Back to the shipped head, in every tab, before the page clears the store. */
  forget(): Promise<LearningState | null>;
  explain(history: HistoryEntry[], item: ItemFeatures): Promise<Contribution[]>;
  terminate(): void;
}

/**
 * Starts the worker and loads the model in it.
 * @param onLearning hears learning state changes the page did not ask for (another tab's round, forget)
 */
export function createEngineClient(workerUrl: string, init: EngineInit, log: (msg: string) => void, onLearning: (s: LearningState) => void): EngineClient {
  const learningListener = proxy(onLearning);
  let worker: Worker | undefined;
  let remote: Remote<EngineApi>;
  let restarts = 0;
  let dead = false;
  let crashed: (err: Error) => void;
  const stop = () => {
    dead = true;
    worker?.terminate();
  };

  const start = (): Promise<EngineStatus> => {
    worker?.terminate();
    try {
      worker = new Worker(workerUrl, { type: 'module' });
    } catch (err) {
      return Promise.reject(new WorkerCrashedError(`could not start the worker ${workerUrl}: ${(err as Error).message}`));
    }
    worker.addEventListener('error', (e) => {
      e.preventDefault();
      crashed(new WorkerCrashedError(`worker ${workerUrl} failed: ${e.message || 'could not load or crashed'}`));
    });
    remote = wrap<EngineApi>(worker);
    // First WebGPU shader compiles on a software adapter take seconds.
    const started = race(remote.init(init, learningListener), 60_000, 'init');
    started.catch(() => {}); // handled by whoever awaits it; never an unhandled rejection in the page
    return started;
  };

  /** `p`, unless the worker crashes (the latest call hears it) or `ms` pass first. */
  const race = <T>(p: Promise<T>, ms: number, what: string): Promise<T> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const failed = new Promise<never>((_, reject) => {
      crashed = reject;
      timer = setTimeout(() => reject(new WorkerCrashedError(`worker did not answer ${what} within ${ms} ms`)), ms);
    });
    return Promise.race([p, failed]).finally(() => clearTimeout(timer));
  };

  let ready = start();

  /** `what(...args)` in the worker, restarting a crashed worker once. */
  const call = async <K extends Called>(what: K, args: Parameters<EngineApi[K]>, ms = 15_000): Promise<Awaited<ReturnType<EngineApi[K]>>> => {
    for (;;) {
      if (dead) throw new WorkerCrashedError('the worker crashed twice; personalization is off');
      try {
        await ready;
        // comlink's Remote<> of a generic method name is not callable for TypeScript; this is what it is.
        return await race((remote[what] as unknown as (...a: typeof args) => Promise<Awaited<ReturnType<EngineApi[K]>>>)(...args), ms, what);
      } catch (err) {
        if ((err as Error).name !== 'WorkerCrashedError') throw err;
        if (restarts++) {
          stop();
          throw err;
        }
        log(`${(err as Error).message}; restarting the worker once`);
        ready = start();
      }
    }
  };

  return {
    rank: (history, candidates) => call('rank', [history, candidates, Date.now()]),
    status: () => call('status', []),
    // A round has its own time budget; this only catches a hung worker.
    round: (force) => call('round', [force], 120_000),
    forget: () => call('forget', []),
    explain: (history, item) => call('explain', [history, item, Date.now()]),
    terminate: stop,
  };
}
