/**
 * Main-thread side of the worker: starts it (or takes the one the script started as it ran), talks to it
 * through comlink, restarts it once if it crashes or hangs. After a second failure every call rejects, and
 * the grids keep the shop's order.
 */
import { proxy, wrap, type Remote } from 'comlink';
import { WorkerCrashedError } from '../shared/errors.ts';
import type { LearningState } from '../shared/learning.ts';
import type {
  Contribution,
  DownloadProgress,
  EngineInit,
  EngineInterface,
  EngineStatus,
  HistoryRequest,
  RankReply,
  RankRequest,
  RoundReply,
} from '../shared/protocol.ts';
import type { ItemFeatures } from '../shared/types.ts';
import type { EarlyWorker } from './early-worker.ts';
import { whyWorkerFailed, type WorkerSource } from './worker-source.ts';

/** The engine as the page uses it: the worker's interface, with crash recovery and timeouts. */
export interface EngineClient {
  /** Resolves with the engine's status once the model is loaded (restarting a crashed worker once). */
  status(): Promise<EngineStatus>;
  /** Answered from the stored snapshot when it fits, else once the model is loaded. */
  rank(req: RankRequest): Promise<RankReply>;
  /** The page recorded history events: the worker prepares the next page view's snapshot. */
  changed(req: HistoryRequest): void;
  /** Resolves once the snapshot work asked so far is written. */
  settle(): Promise<void>;
  /** A learning round in the worker on the stored events: `force` runs it now, otherwise only if due. */
  round(force: boolean): Promise<RoundReply>;
  /** Back to the shipped head, in every tab, before the page clears the store. */
  forget(): Promise<LearningState | null>;
  explain(item: ItemFeatures, req: HistoryRequest): Promise<Contribution[]>;
  terminate(): void;
}

/** How long the model may take to load (first WebGPU shader compiles on a software adapter take seconds). */
const INIT_TIMEOUT_MS = 60_000;
const CALL_TIMEOUT_MS = 15_000;
/** A learning round has its own time budget in the worker; this only catches a hung worker. */
const ROUND_TIMEOUT_MS = 120_000;

/**
 * Starts the worker (see worker-source.ts), or takes `early` (started from the same source as the script ran),
 * and loads the model in it.
 * @param hooks hear learning state changes the page did not ask for (another tab's round, forget) and model download progress
 */
export function createEngineClient(
  source: WorkerSource,
  init: EngineInit,
  log: (msg: string) => void,
  hooks: { onLearning(s: LearningState): void; onProgress(p: DownloadProgress): void },
  early: EarlyWorker | null = null,
): EngineClient {
  const listeners = proxy({ onLearning: hooks.onLearning, onProgress: hooks.onProgress });
  let worker: Worker | undefined;
  let remote: Remote<EngineInterface> | undefined;
  let restarts = 0;
  let dead = false;
  /** Starts so far: a crash is answered by one restart, whichever call hears it first. */
  let generation = 0;
  /** Rejects every call in flight: a crash fails them all at once, not one by one at their timeouts. */
  const inFlight = new Set<(err: Error) => void>();
  const stop = () => {
    dead = true;
    worker?.terminate();
  };

  const start = (): Promise<EngineStatus> => {
    generation++;
    worker?.terminate();
    try {
      const taken = early;
      early = null;
      worker = taken && !taken.failed ? taken.worker : source.start();
      if (taken?.failed) taken.worker.terminate();
    } catch (err) {
      remote = undefined;
      const failed = Promise.reject(new WorkerCrashedError(`could not start the worker ${source.url}: ${(err as Error).message}`));
      failed.catch(() => {}); // as below: whoever awaits it hears it, the page never sees an unhandled rejection
      return failed;
    }
    worker.addEventListener('error', (e) => {
      e.preventDefault();
      // An error without a message is a script that did not load: the answer to its URL may say why.
      void (e.message ? Promise.resolve(null) : whyWorkerFailed(source.url)).then((why) => {
        const err = new WorkerCrashedError(`the worker ${source.url} failed: ${e.message || why || 'it could not load, or it crashed'}`);
        for (const reject of [...inFlight]) reject(err);
      });
    });
    remote = wrap<EngineInterface>(worker);
    const started = race(remote.init(init, listeners), INIT_TIMEOUT_MS, 'init()');
    started.catch(() => {}); // handled by whoever awaits it; never an unhandled rejection in the page
    return started;
  };

  /** `p`, unless the worker crashes or `ms` pass first. */
  const race = <T>(p: Promise<T>, ms: number, what: string): Promise<T> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let fail: (err: Error) => void = () => {};
    const failed = new Promise<never>((_, reject) => {
      fail = reject;
      inFlight.add(reject);
      timer = setTimeout(() => reject(new WorkerCrashedError(`the worker did not answer ${what} within ${ms / 1000} s`)), ms);
    });
    return Promise.race([p, failed]).finally(() => {
      clearTimeout(timer);
      inFlight.delete(fail);
    });
  };

  let ready = start();

  /**
   * `ask(engine)` in the worker, restarting a crashed worker once. Calls that the worker answers before the
   * model is loaded (`early`) do not wait for it here.
   */
  const call = async <T>(what: string, ask: (engine: Remote<EngineInterface>) => Promise<T>, ms: number, early = false): Promise<T> => {
    for (;;) {
      if (dead) throw new WorkerCrashedError('the worker crashed twice, so personalization is off for this page view');
      const gen = generation;
      try {
        if (!early || !remote) await ready;
        return await race(ask(remote!), ms, what);
      } catch (err) {
        if ((err as Error).name !== 'WorkerCrashedError') throw err;
        if (gen !== generation) continue; // another call heard this crash and restarted the worker
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
    rank: (req) => call('rank()', (e) => e.rank(req), INIT_TIMEOUT_MS, true),
    changed: (req) => void call('changed()', (e) => e.changed(req), CALL_TIMEOUT_MS, true).catch(() => {}),
    settle: () => call('settle()', (e) => e.settle(), CALL_TIMEOUT_MS, true),
    status: () => call('status()', (e) => e.status(), CALL_TIMEOUT_MS),
    round: (force) => call('round()', (e) => e.round(force), ROUND_TIMEOUT_MS),
    forget: () => call('forget()', (e) => e.forget(), CALL_TIMEOUT_MS),
    explain: (item, req) => call('explain()', (e) => e.explain(item, req), INIT_TIMEOUT_MS, true),
    terminate: stop,
  };
}
