/**
 * Main-thread side of the worker: starts it (or takes the one the script started as it ran), talks to it through
 * comlink. Crashes and hangs are handled by the supervisor (supervisor.ts): a failed worker is replaced once, calls
 * in flight are asked again of the new one, after a second failure every call rejects and the grids keep the shop's
 * order. Rankings are asked at once, not after the model is loaded: the worker answers the first ones from the
 * snapshot the previous page view stored.
 */
import { proxy, wrap, type Remote } from 'comlink';
import { WorkerCrashedError } from '../shared/errors.ts';
import type { LearningState } from '../shared/learning.ts';
import type {
  CatalogStatus,
  Contribution,
  ArrangeReply,
  ArrangeRequest,
  DownloadProgress,
  EngineInit,
  EngineInterface,
  EngineStatus,
  HistoryRequest,
  PlacementCall,
  PlacementReply,
  RankReply,
  RankRequest,
  RoundReply,
} from '../shared/protocol.ts';
import type { PageWrite } from '../shared/store.ts';
import type { ItemFeatures } from '../shared/types.ts';
import { createSupervisor, type SupervisorState } from './supervisor.ts';
import { BUNDLED_WORKER, whyWorkerFailed, type WorkerSource } from './worker-source.ts';

export type { SupervisorState as EngineState } from './supervisor.ts';
// reco.js takes on-device learning from reco.engine.js (this module's build), once the engine is ready.
export { createPageLearning } from './scheduler.ts';

/** The engine as the page uses it: the worker's interface, with crash recovery and timeouts. */
export interface EngineClient {
  /** Resolves with the engine's status once the model is loaded and warmed up (after a restart, the new worker's). */
  status(): Promise<EngineStatus>;
  /** Answered from the stored snapshot when it fits, else once the model is loaded. */
  rank(req: RankRequest): Promise<RankReply>;
  /** The page recorded history events: the worker prepares the next page view's snapshot. */
  changed(req: HistoryRequest): void;
  /** Features of items the page shows, new to this page view: the worker stores them in the item cache. */
  remember(items: ItemFeatures[]): void;
  /** Resolves once the snapshot work and the item features asked so far are written. */
  settle(): Promise<void>;
  /** Scores for a history the page gives (rank(items, { history })), once the model is loaded. */
  rankFor(given: unknown, candidates: ItemFeatures[]): Promise<number[]>;
  /** A grid's new order, rules applied: answered from the stored snapshot when it fits, like rank(). */
  arrange(req: ArrangeRequest): Promise<ArrangeReply>;
  setRules(rules: unknown): Promise<boolean>;
  recommend(request: unknown, page: PlacementCall): Promise<PlacementReply>;
  /** The feed's status once it has loaded or failed, after the model is ready; null without a feed. */
  catalog(): Promise<CatalogStatus | null>;
  /** A learning round in the worker on the stored events: `force` runs it now, otherwise only if due. */
  round(force: boolean): Promise<RoundReply>;
  /** Back to the shipped head, in every tab, before the page clears the store. */
  forget(): Promise<LearningState | null>;
  explain(item: ItemFeatures, req: HistoryRequest): Promise<Contribution[]>;
  /** Starting, ready, restarting after a failure, or down (failed twice, or the engine could not start). */
  state(): SupervisorState;
  terminate(): void;
}

/** What the page hears from the worker without asking: learning state changes (another tab's round, forget) and model download progress. */
export interface EngineClientHooks {
  onLearning(s: LearningState): void;
  onProgress(p: DownloadProgress): void;
  /** A failure that leaves the engine serving (init()'s invalid rules). */
  onError(err: Error): void;
  /** Makes a write of the worker's with the page's connection (EngineHooks.write). */
  write?(call: PageWrite, args: unknown[]): Promise<boolean>;
}

/**
 * Whether a dispatched click or submit event navigates this tab to another document: a plain primary click on a link
 * (no modifier key: those open tabs or windows) or a form sent, not cancelled, to this tab, not a download, not a jump
 * within the page.
 */
export function leavesPage(e: Event): boolean {
  if (e.defaultPrevented) return false;
  let target: HTMLAnchorElement | HTMLAreaElement | HTMLFormElement | null = null;
  if (e.type === 'submit') target = e.target instanceof HTMLFormElement ? e.target : null;
  else if (e instanceof MouseEvent && e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey)
    target = e.target instanceof Element ? e.target.closest<HTMLAnchorElement | HTMLAreaElement>('a[href], area[href]') : null;
  if (!target || !['', '_self'].includes(target.target.toLowerCase())) return false;
  if (target instanceof HTMLFormElement) return target.method !== 'dialog';
  if (target.hasAttribute('download')) return false;
  const to = new URL(target.href, location.href);
  if (to.protocol !== 'http:' && to.protocol !== 'https:') return false;
  const here = new URL(location.href);
  return !(to.hash && to.origin + to.pathname + to.search === here.origin + here.pathname + here.search);
}

/** A bundled worker that did not load: what to do about it. */
const BUNDLER_HINT =
  ": did your bundler copy it? Without one that follows new URL('…', import.meta.url) (Vite, webpack 5), serve the package's dist/ and pass workerUrl and modelUrl";
/** Where Vite's dev server puts the dependencies it pre-bundles. */
const PRE_BUNDLED = /\/node_modules\/\.vite\/deps\//;
const VITE_DEPS_HINT =
  ": Vite's dev server pre-bundled reco-sdk into node_modules/.vite/deps/, where its worker is not (Vite before 8); add optimizeDeps: { exclude: ['reco-sdk'] } to vite.config";

/** What to do about a bundled worker that did not load, by where the page got this module from (`import.meta.url`). */
export const bundledWorkerHint = (moduleUrl: string): string => (PRE_BUNDLED.test(moduleUrl) ? VITE_DEPS_HINT : BUNDLER_HINT);

/**
 * How long the worker may take to get ready (first WebGPU shader compiles on a software adapter take seconds;
 * model downloads have their own stall timeout in the worker, see src/model/io.ts).
 */
const INIT_TIMEOUT_MS = 60_000;
/** A call's deadline, from when its worker is ready (a ranking sent before waits for the model within INIT_TIMEOUT_MS). */
const CALL_TIMEOUT_MS = 15_000;
/** A learning round has its own time budget in the worker; past this, a worker that still answers is only busy. */
const ROUND_TIMEOUT_MS = 120_000;
/** A worker that does not answer a status read within this, after a call timed out, is hung. */
const PROBE_TIMEOUT_MS = 5_000;

/**
 * Starts the worker (see worker-source.ts) and loads the model in it.
 * @param hooks hear learning state changes the page did not ask for, and the model's download progress
 * @param onState hears the engine going down or being restarted, with why
 */
export function createEngineClient(
  source: WorkerSource,
  init: EngineInit,
  log: (msg: string) => void,
  hooks: EngineClientHooks,
  onState: (state: SupervisorState, reason: Error | null) => void = () => {},
): EngineClient {
  const listeners = proxy({
    onLearning: hooks.onLearning,
    onProgress: hooks.onProgress,
    ...(hooks.write && { write: hooks.write }),
  });
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
        void (e.message ? Promise.resolve(null) : whyWorkerFailed(source.url)).then((why) => {
          // A bundler that does not follow new URL('…', import.meta.url) (esbuild, Rollup without an asset plugin) copies no worker.
          const bundled = source.url === BUNDLED_WORKER;
          // Vite's dev server before Vite 8 pre-bundles the package into node_modules/.vite/deps/, where the worker its
          // new URL('…', import.meta.url) names is not (a 404), though `vite build` copies it.
          const hint = bundled && !e.message ? bundledWorkerHint(import.meta.url) : '';
          // Its URL answers: the page's Content-Security-Policy is the usual cause (a worker from another origin, a CDN's,
          // is started from a blob: URL that imports it, and worker-src governs both).
          const unknown = bundled
            ? 'it could not load, or it crashed'
            : `it could not load (does the page's Content-Security-Policy allow it? worker-src needs its origin, and blob: for one from another origin), or it crashed`;
          crashed(new WorkerCrashedError(`the worker ${source.url} failed: ${e.message || why || unknown}${hint}`));
        });
      });
      const remote = wrap<EngineInterface>(worker);
      workers.set(remote, worker);
      return { handle: remote, ready: remote.init(init, listeners) };
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

  /** `early`: the worker answers before its model is loaded (from the snapshot, or by queueing the work itself). */
  const call = <T>(what: string, ask: (e: Remote<EngineInterface>) => Promise<T>, ms = CALL_TIMEOUT_MS, early = false) =>
    supervisor.call(what, ask, ms, early);
  // The first worker's model is ready: which backend runs it, and why learning is off when it failed; invalid rules
  // are the shop's to fix (a TypeError naming the field), reported as such.
  supervisor.ready().then(
    (s) => {
      if (s.rulesError) hooks.onError(new TypeError(s.rulesError));
      log(`ready on ${s.backend}${s.learningError ? `; ${s.learningError}` : ''}`);
    },
    () => {},
  );
  let firstHeard = false;
  /** Logs what answered the page view's first ranking (the snapshot, the pair model before tfjs, or the model it waited for). */
  const heard = <T extends { source: RankReply['source'] }>(reply: T): T => {
    if (!firstHeard && reply.source !== 'none') {
      firstHeard = true;
      log(
        reply.source === 'snapshot'
          ? 'first ranking from the snapshot of the previous page view'
          : reply.source === 'model-early'
            ? 'first ranking by the model before TensorFlow.js loaded'
            : reply.source === 'back'
              ? 'first ranking: the order the shopper left this page in (back/forward navigation)'
              : 'first ranking waited for the model',
      );
    }
    return reply;
  };
  // The page is going away: the worker starts no more IndexedDB transactions, and closes its connections when the
  // page is not kept for the back/forward cache (WebKit may otherwise keep the database held by the ended worker: see
  // pauseStores). Back from that cache, it goes on.
  const pause = (e: PageTransitionEvent) => void call('pause()', (w) => w.pause(!e.persisted), CALL_TIMEOUT_MS, true).catch(() => {});
  const resume = (e: PageTransitionEvent) => e.persisted && void call('resume()', (w) => w.resume(), CALL_TIMEOUT_MS, true).catch(() => {});
  addEventListener('pagehide', pause);
  addEventListener('pageshow', resume);
  // A link followed or a form sent that leaves the page, told as the event reaches the window (a router that handles the
  // link itself has cancelled it by then, on the document): the worker must hear it before the click's own snapshot
  // starts being stored. pagehide comes only once the next page answers, too late in WebKit.
  const leaving = (e: Event) => leavesPage(e) && void call('leaving()', (w) => w.leaving(), CALL_TIMEOUT_MS, true).catch(() => {});
  addEventListener('click', leaving);
  addEventListener('submit', leaving);
  return {
    rank: (req) => call('rank()', (e) => e.rank(req), CALL_TIMEOUT_MS, true).then(heard),
    changed: (req) => void call('changed()', (e) => e.changed(req), CALL_TIMEOUT_MS, true).catch(() => {}),
    remember: (items) => void call('remember()', (e) => e.remember(items), CALL_TIMEOUT_MS, true).catch(() => {}),
    settle: () => call('settle()', (e) => e.settle(), CALL_TIMEOUT_MS, true),
    arrange: (req) => call('arrange()', (e) => e.arrange(req), CALL_TIMEOUT_MS, true).then(heard),
    rankFor: (given, candidates) => call('rank()', (e) => e.rankFor(given, candidates, Date.now())),
    setRules: (rules) =>
      call('setRules()', (e) => e.setRules(rules)).then((changed) => {
        // A worker started in place of a failed one starts with these rules, not init()'s.
        init = { ...init, rules };
        return changed;
      }),
    recommend: (request, page) => call('recommend()', (e) => e.recommend(request, page)),
    // A feed may take a while: as long as the model may.
    catalog: () => call('catalog()', (e) => e.catalog(), INIT_TIMEOUT_MS),
    status: supervisor.ready,
    round: (force) => call('round()', (e) => e.round(force), ROUND_TIMEOUT_MS),
    forget: () => {
      // A worker started after this (a crash, a hang) stores nothing either: no database, no item cache, no learning.
      init = { ...init, store: null, learning: null, ...(init.catalog && { catalog: { ...init.catalog, dbName: null } }) };
      return call('forget()', (e) => e.forget());
    },
    explain: (item, req) => call('explain()', (e) => e.explain(item, req), CALL_TIMEOUT_MS, true),
    state: supervisor.state,
    terminate() {
      removeEventListener('pagehide', pause);
      removeEventListener('pageshow', resume);
      removeEventListener('click', leaving);
      removeEventListener('submit', leaving);
      supervisor.terminate();
    },
  };
}
