/**
 * Main-thread side of the worker: starts it, talks to it through comlink, restarts it once if it
 * crashes or hangs. After a second failure every call rejects, and the grids keep the shop's order.
 */
import { proxy, wrap, type Remote } from 'comlink';
import { WorkerCrashedError } from '../shared/errors.ts';
import type { LearningState } from '../shared/learning.ts';
import type { Contribution, EngineInit, EngineInterface, EngineStatus, RoundReply } from '../shared/protocol.ts';
import type { HistoryEntry, ItemFeatures } from '../shared/types.ts';
import { whyWorkerFailed, type WorkerSource } from './worker-source.ts';

/** The engine as the page uses it: the worker's interface, with crash recovery and timeouts. */
export interface EngineClient {
  /** Resolves with the engine's status once the model is loaded and warmed up (restarting a crashed worker once). */
  status(): Promise<EngineStatus>;
  rank(history: HistoryEntry[], candidates: ItemFeatures[]): Promise<number[]>;
  /** A learning round in the worker on the stored events: `force` runs it now, otherwise only if due. */
  round(force: boolean): Promise<RoundReply>;
  /** Back to the shipped head, in every tab, before the page clears the store. */
  forget(): Promise<LearningState | null>;
  explain(history: HistoryEntry[], item: ItemFeatures): Promise<Contribution[]>;
  terminate(): void;
}

/** How long the worker may take to start (first WebGPU shader compiles on a software adapter take seconds). */
const INIT_TIMEOUT_MS = 60_000;
const CALL_TIMEOUT_MS = 15_000;
/** A learning round has its own time budget in the worker; this only catches a hung worker. */
const ROUND_TIMEOUT_MS = 120_000;

/**
 * Starts the worker (see worker-source.ts) and loads the model in it.
 * @param onLearning hears learning state changes the page did not ask for (another tab's round, forget)
 */
export function createEngineClient(
  source: WorkerSource,
  init: EngineInit,
  log: (msg: string) => void,
  onLearning: (s: LearningState) => void,
): EngineClient {
  const learningListener = proxy(onLearning);
  let worker: Worker | undefined;
  let remote: Remote<EngineInterface>;
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
      worker = source.start();
    } catch (err) {
      const failed = Promise.reject(new WorkerCrashedError(`could not start the worker ${source.url}: ${(err as Error).message}`));
      failed.catch(() => {}); // as below: whoever awaits it hears it, the page never sees an unhandled rejection
      return failed;
    }
    worker.addEventListener('error', (e) => {
      e.preventDefault();
      // An error without a message is a script that did not load: the answer to its URL may say why.
      void (e.message ? Promise.resolve(null) : whyWorkerFailed(source.url)).then((why) =>
        crashed(new WorkerCrashedError(`the worker ${source.url} failed: ${e.message || why || 'it could not load, or it crashed'}`)),
      );
    });
    remote = wrap<EngineInterface>(worker);
    const started = race(remote.init(init, learningListener), INIT_TIMEOUT_MS, 'init()');
    started.catch(() => {}); // handled by whoever awaits it; never an unhandled rejection in the page
    return started;
  };

  /** `p`, unless the worker crashes (the latest call hears it) or `ms` pass first. */
  const race = <T>(p: Promise<T>, ms: number, what: string): Promise<T> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const failed = new Promise<never>((_, reject) => {
      crashed = reject;
      timer = setTimeout(() => reject(new WorkerCrashedError(`the worker did not answer ${what} within ${ms / 1000} s`)), ms);
    });
    return Promise.race([p, failed]).finally(() => clearTimeout(timer));
  };

  let ready = start();

  /** `ask(engine)` in the worker, restarting a crashed worker once. */
  const call = async <T>(what: string, ask: (engine: Remote<EngineInterface>) => Promise<T>, ms = CALL_TIMEOUT_MS): Promise<T> => {
    for (;;) {
      if (dead) throw new WorkerCrashedError('the worker crashed twice, so personalization is off for this page view');
      try {
        await ready;
        return await race(ask(remote), ms, what);
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
    rank: (history, candidates) => call('rank()', (e) => e.rank(history, candidates, Date.now())),
    status: () => call('status()', (e) => e.status()),
    round: (force) => call('round()', (e) => e.round(force), ROUND_TIMEOUT_MS),
    forget: () => call('forget()', (e) => e.forget()),
    explain: (history, item) => call('explain()', (e) => e.explain(history, item, Date.now())),
    terminate: stop,
  };
}
