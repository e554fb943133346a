/**
 * The options of `Reco.init()` that every part reads, and their defaults: one table, read by the page, the
 * store and the worker. The page adds the URLs and the grid descriptions, and validates (src/main/options.ts).
 */

import type { Rules } from './rules.ts';

/** The tfjs backends the engine can run on, in the order tried by default. */
export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type Backend = (typeof BACKENDS)[number];

/** One backend the engine tried: `ok` for the one that runs; otherwise `reason` says why not, in words. */
export interface BackendTried {
  backend: Backend;
  ok: boolean;
  reason?: string;
}

/** The shopper's consent to storing behaviour on the device. */
export type Consent = 'granted' | 'denied';

/**
 * The options with a default, read by the page, the store and the worker. `Reco.init()` takes any of them,
 * plus the URLs and the grid descriptions (RecoOptions, src/main/options.ts).
 */
export interface CommonOptions {
  /** tfjs backends to try, in order. Default: webgpu, webgl, wasm, cpu. */
  backends: readonly Backend[];
  /**
   * Also run WebGPU on a software adapter (SwiftShader, llvmpipe, "Microsoft Basic Render": what a machine
   * without a GPU offers) and WebGL on a software renderer. They are many times slower than wasm, so by
   * default they are skipped and `status().backends` says why; true keeps them, for tests. Default: false.
   */
  allowSoftwareGpu: boolean;
  /** 'denied' records nothing and does not personalize. Default: 'granted' (the shop's consent banner decides). */
  consent: Consent;
  /** Honour Global Privacy Control: with `navigator.globalPrivacyControl`, keep events in memory only. Default: true. */
  respectGpc: boolean;
  /** Re-order grids at init and when new ones appear (MutationObserver). Default: true. */
  autoPersonalize: boolean;
  /** Share of page views (0..1) left unpersonalized as a control group; recorded on events. Default: 0. */
  holdout: number;
  /** Hide grids until ranked, at most this long (ms); 0 disables. Default: 400. */
  antiFlickerMs: number;
  /** FLIP-animate moves (always off with prefers-reduced-motion). Default: true. */
  animate: boolean;
  /** Stored events are capped at this count, oldest evicted first. Default: 5000. */
  maxEvents: number;
  /** Stored events older than this many days are evicted. Default: 90. */
  maxAgeDays: number;
  /**
   * History events the worker keeps for the models, the newest ones. The models read steps (a card's click, its page and
   * an add to cart are one step): 150 events hold the Beauty student's 50 steps at three events a step. Default: 150.
   */
  historyLength: number;
  /** IndexedDB database name. Default: 'reco'. */
  dbName: string;
  /** Log every step to the console. Default: false. */
  debug: boolean;
  /**
   * On-device learning: a fine-tuning round of the scoring head starts (in the worker, when the page is
   * idle or hidden) once this many labelled events (clicks, add to cart, purchases) arrived since the
   * last round; 0 leaves rounds to `train()`. Default: 5.
   */
  trainAfterEvents: number;
  /** At most one automatic learning round per this many minutes, across tabs. Default: 10. */
  trainIntervalMinutes: number;
  /** Merchandising rules for grids and placements: filters, boosts, diversity, recent purchases left out. Checked and applied by the worker (src/shared/rules.ts). Default: none beyond the rules' own defaults. */
  rules: Rules;
  /**
   * Search-results grids: the shopper's share (0..1) in the blend with the shop's relevance order; 0 keeps
   * the shop's order. Default: 0.1, the weight that costs neither shipped model anything on Beauty (the untrained
   * default pair model gains nothing from a higher one; a model trained on behaviour, like the Beauty student,
   * does best at 0.25: see the README and `npm run eval:placements`).
   */
  searchWeight: number;
}

/** The most events of a shopper's history the worker keeps for the models (the `historyLength` option's upper bound). */
export const MAX_HISTORY_LENGTH = 300;

/** Every option's default, in one table (the URLs' defaults depend on the script's URL, and `grids` defaults to none: see resolveOptions). */
export const DEFAULTS = {
  backends: [...BACKENDS],
  allowSoftwareGpu: false,
  consent: 'granted',
  respectGpc: true,
  autoPersonalize: true,
  holdout: 0,
  antiFlickerMs: 400,
  animate: true,
  maxEvents: 5000,
  maxAgeDays: 90,
  historyLength: 150,
  dbName: 'reco',
  debug: false,
  trainAfterEvents: 5,
  trainIntervalMinutes: 10,
  rules: {},
  searchWeight: 0.1,
} satisfies CommonOptions;
