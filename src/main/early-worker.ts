/**
 * The worker, started as soon as the SDK script runs rather than at init(): loading the worker's code is the
 * longest step before a first ranking, and the page usually calls init() later (after its own rendering).
 * init() takes it when it starts the same worker; otherwise (another `workerUrl`, consent denied) it is
 * terminated. One that nobody takes stops after a while.
 */
import { startingNow, type StartedSource, type WorkerSource } from './worker-source.ts';

/** An unclaimed worker is terminated after this long: the page did not call init() (or called it with another URL). */
const UNCLAIMED_MS = 30_000;

let early: StartedSource | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;

/** Starts the worker where workers exist; never throws (a failure only means init() starts one itself). */
export function startWorkerEarly(source: WorkerSource): void {
  if (early || typeof Worker !== 'function' || typeof document === 'undefined') return;
  early = startingNow(source);
  timer = setTimeout(() => takeEarlyWorker(null), UNCLAIMED_MS);
}

/**
 * The early worker's source (its first start() gives that worker) if it was started from a source named `url`
 * (null: none wanted); any other is terminated.
 */
export function takeEarlyWorker(url: string | null): StartedSource | null {
  const taken = early;
  early = null;
  clearTimeout(timer);
  if (taken && taken.url === url) return taken;
  taken?.stop();
  return null;
}
