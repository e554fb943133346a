/**
 * Main-thread side of the worker: starts it, talks to it through comlink. Crashes and hangs are handled by the
 * supervisor (supervisor.ts): a failed worker is replaced once, calls in flight are asked again of the new one,
 * after a second failure every call rejects and the grids keep the shop's order.
 */
import { proxy, wrap, type Remote } from 'comlink';
import { WorkerCrashedError } from '../shared/errors.ts';
import type { LearningState } from '../shared/learning.ts';
import type {
  Contribution,
  EngineInit,
  EngineInterface,
  EngineStatus,
  PlacementCall,
  PlacementReply,
  RoundReply,
} from '../shared/protocol.ts';
import type { HistoryEntry, ItemFeatures } from '../shared/types.ts';
import { createSupervisor, type SupervisorState } from './supervisor.ts';
import { whyWorkerFailed, type WorkerSource } from './worker-source.ts';

export type { SupervisorState as EngineState } from './supervisor.ts';

/** The engine as the page uses it: the worker's interface, with crash recovery and timeouts. */
export interface EngineClient {
  /** Resolves with the engine's status once the model is loaded and warmed up (after a restart, the new worker's). */
  status(): Promise<EngineStatus>;
  rank(history: HistoryEntry[], candidates: ItemFeatures[]): Promise<number[]>;
  rankFor(given: unknown, candidates: ItemFeatures[]): Promise<number[]>;
  arrange(history: HistoryEntry[], items: ItemFeatures[], search: boolean): Promise<number[] | null>;
  setRules(rules: unknown): Promise<void>;
  recommend(history: HistoryEntry[], request: unknown, page: Omit<PlacementCall, 'now'>): Promise<PlacementReply>;
  /** A learning round in the worker on the stored events: `force` runs it now, otherwise only if due. */
  round(force: boolean): Promise<RoundReply>;
  /** Back to the shipped head, in every tab, before the page clears the store. */
  forget(): Promise<LearningState | null>;
  explain(history: HistoryEntry[], item: ItemFeatures): Promise<Contribution[]>;
  /** Starting, ready, restarting after a failure, or down (failed twice, or the engine could not start). */
  state(): SupervisorState;
  terminate(): void;
}

/**
 * How long the worker may take to get ready (first WebGPU shader compiles on a software adapter take seconds;
 * model downloads have their own stall timeout in the worker, see src/model/io.ts).
 */
const INIT_TIMEOUT_MS = 60_000;
const CALL_TIMEOUT_MS = 15_000;
/** A learning round has its own time budget in the worker; past this, a worker that still answers is only busy. */
const ROUND_TIMEOUT_MS = 120_000;
/** A worker that does not answer a status read within this, after a call timed out, is hung. */
const PROBE_TIMEOUT_MS = 5_000;

/**
 * Starts the worker (see worker-source.ts) and loads the model in it.
 * @param onLearning hears learning state changes the page did not ask for (another tab's round, forget)
 * @param onState hears the engine going down or being restarted, with why
 */
export function createEngineClient(
  source: WorkerSource,
  init: EngineInit,
  log: (msg: string) => void,
  onLearning: (s: LearningState) => void,
  onState: (state: SupervisorState, reason: Error | null) => void = () => {},
): EngineClient {
  const learningListener = proxy(onLearning);
  const workers = new Map<Remote<EngineInterface>, Worker>();

  const supervisor = createSupervisor<Remote<EngineInterface>, EngineStatus>({
    start(crashed) {
      let worker: Worker;
      try {
        worker = source.start();
      } catch (err) {
        throw new WorkerCrashedError(`could not start the worker ${source.url}: ${(err as Error).message}`);
      }
      worker.addEventListener('error', (e) => {
        e.preventDefault();
        // An error without a message is a script that did not load: the answer to its URL may say why.
        void (e.message ? Promise.resolve(null) : whyWorkerFailed(source.url)).then((why) =>
          crashed(new WorkerCrashedError(`the worker ${source.url} failed: ${e.message || why || 'it could not load, or it crashed'}`)),
        );
      });
      const remote = wrap<EngineInterface>(worker);
      workers.set(remote, worker);
      return { handle: remote, ready: remote.init(init, learningListener) };
    },
    stop(remote) {
      workers.get(remote)?.terminate();
      workers.delete(remote);
    },
    probe: (remote) => remote.status(),
    initMs: INIT_TIMEOUT_MS,
    probeMs: PROBE_TIMEOUT_MS,
    onState,
    log,
  });

  const call = <T>(what: string, ask: (e: Remote<EngineInterface>) => Promise<T>, ms = CALL_TIMEOUT_MS) => supervisor.call(what, ask, ms);
  return {
    rank: (history, candidates) => call('rank()', (e) => e.rank(history, candidates, Date.now())),
    rankFor: (given, candidates) => call('rank()', (e) => e.rankFor(given, candidates, Date.now())),
    arrange: (history, items, search) => call('arrange()', (e) => e.arrange(history, items, search, Date.now())),
    setRules: (rules) => call('setRules()', (e) => e.setRules(rules)),
    recommend: (history, request, page) => call('recommend()', (e) => e.recommend(history, request, { ...page, now: Date.now() })),
    status: supervisor.ready,
    round: (force) => call('round()', (e) => e.round(force), ROUND_TIMEOUT_MS),
    forget: () => call('forget()', (e) => e.forget()),
    explain: (history, item) => call('explain()', (e) => e.explain(history, item, Date.now())),
    state: supervisor.state,
    terminate: supervisor.terminate,
  };
}
