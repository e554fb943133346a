/** All options of `Reco.init()`, their defaults and their validation, in one place. */
import type { GridConfig } from './grid/discover.ts';
import { validateGridConfigs } from './grid/discover.ts';
import type { Consent } from '../tracker/consent.ts';
import type { Backend } from '../shared/types.ts';

export interface RecoOptions {
  /** URL of the model manifest. Default: `models/default/model.json` next to the SDK script. */
  modelUrl?: string;
  /** URL of the worker bundle. Default: `reco.worker.js` next to the SDK script. */
  workerUrl?: string;
  /** tfjs backends to try, in order. Default: webgpu, webgl, wasm, cpu. */
  backends?: Backend[];
  /** 'denied' records nothing and does not personalize. Default: 'granted' (the shop's consent banner decides). */
  consent?: Consent;
  /** Honour Global Privacy Control: with `navigator.globalPrivacyControl`, keep events in memory only. Default: true. */
  respectGpc?: boolean;
  /** Grids in the shop's own markup, besides `[data-reco-grid]`. Default: none. */
  grids?: GridConfig[];
  /** Re-order grids at init and when new ones appear (MutationObserver). Default: true. */
  autoPersonalize?: boolean;
  /** Share of page views (0..1) left unpersonalized as a control group; recorded on events. Default: 0. */
  holdout?: number;
  /** Hide grids until ranked, at most this long (ms); 0 disables. Default: 400. */
  antiFlickerMs?: number;
  /** FLIP-animate moves (always off with prefers-reduced-motion). Default: true. */
  animate?: boolean;
  /** Stored events are capped at this count, oldest evicted first. Default: 5000. */
  maxEvents?: number;
  /** Stored events older than this many days are evicted. Default: 90. */
  maxAgeDays?: number;
  /** History events the model reads. Default: 50. */
  historyLength?: number;
  /** IndexedDB database name. Default: 'reco'. */
  dbName?: string;
  /** Log every step to the console. Default: false. */
  debug?: boolean;
  /**
   * On-device learning: a fine-tuning round of the scoring head starts (in the worker, when the page is
   * idle or hidden) once this many labelled events (clicks, add to cart, purchases) arrived since the
   * last round; 0 leaves rounds to `train()`. Default: 20.
   */
  trainAfterEvents?: number;
  /** At most one automatic learning round per this many minutes, across tabs. Default: 10. */
  trainIntervalMinutes?: number;
}

export type ResolvedOptions = Required<Omit<RecoOptions, 'modelUrl' | 'workerUrl'>> & { modelUrl: string; workerUrl: string };

export const DEFAULTS = {
  backends: ['webgpu', 'webgl', 'wasm', 'cpu'],
  consent: 'granted',
  respectGpc: true,
  grids: [],
  autoPersonalize: true,
  holdout: 0,
  antiFlickerMs: 400,
  animate: true,
  maxEvents: 5000,
  maxAgeDays: 90,
  historyLength: 50,
  dbName: 'reco',
  debug: false,
  trainAfterEvents: 20,
  trainIntervalMinutes: 10,
} satisfies Required<Omit<RecoOptions, 'modelUrl' | 'workerUrl'>>;

const BACKENDS: readonly Backend[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

type Rule = [expected: string, ok: (v: unknown) => boolean];
const STRING: Rule = ['a non-empty string', (v) => typeof v === 'string' && v !== ''];
const BOOL: Rule = ['true or false', (v) => typeof v === 'boolean'];
const range = (min: number, max: number): Rule => [`a number from ${min} to ${max}`, (v) => typeof v === 'number' && v >= min && v <= max];

/** Every option and how it is checked, in the order checked; `grids` has its own validator. */
const RULES: Record<keyof RecoOptions, Rule | null> = {
  modelUrl: STRING,
  workerUrl: STRING,
  dbName: STRING,
  respectGpc: BOOL,
  autoPersonalize: BOOL,
  animate: BOOL,
  debug: BOOL,
  holdout: range(0, 1),
  antiFlickerMs: range(0, 10_000),
  maxEvents: range(10, 1e6),
  maxAgeDays: range(1, 3650),
  historyLength: range(1, 50),
  trainAfterEvents: range(0, 1e6),
  trainIntervalMinutes: range(0, 1e6),
  consent: ['"granted" or "denied"', (v) => v === 'granted' || v === 'denied'],
  backends: [`a non-empty array of ${BACKENDS.join(', ')}`, (v) => Array.isArray(v) && v.length > 0 && v.every((x) => BACKENDS.includes(x as Backend))],
  grids: null,
};

/**
 * Merges defaults and validates.
 * @throws TypeError naming the option and what was expected.
 */
export function resolveOptions(input: unknown, scriptUrl: string): ResolvedOptions {
  if (input != null && (typeof input !== 'object' || Array.isArray(input))) throw new TypeError('Reco.init(options): expected an object');
  const o = (input ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!Object.hasOwn(RULES, k)) throw new TypeError(`Reco.init: unknown option "${k}"`);
  for (const [k, rule] of Object.entries(RULES)) {
    if (rule && o[k] !== undefined && !rule[1](o[k])) throw new TypeError(`Reco.init: option "${k}" expected ${rule[0]}, got ${JSON.stringify(o[k])}`);
  }
  return {
    ...DEFAULTS,
    // An option passed as undefined keeps its default.
    ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)),
    grids: validateGridConfigs(o['grids']),
    modelUrl: new URL((o['modelUrl'] as string | undefined) ?? 'models/default/model.json', scriptUrl).href,
    workerUrl: new URL((o['workerUrl'] as string | undefined) ?? 'reco.worker.js', scriptUrl).href,
  } as ResolvedOptions;
}
