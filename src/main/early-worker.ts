/**
 * The worker, started as soon as the SDK script runs rather than at init(): loading the worker's code is the
 * longest step before a first ranking, and the page usually calls init() later (after its own rendering).
 * init() takes it when it starts the same worker; otherwise (another `workerUrl`, consent denied) it is
 * terminated. One that nobody takes stops after a while.
 */
import type { WorkerSource } from './worker-source.ts';

/** A worker started early, and whether it has already failed (an error event before anyone listened). */
export interface EarlyWorker {
  /** The source's URL (or name): init() takes the worker when its own source has the same. */
  url: string;
  worker: Worker;
  failed: boolean;
}

/** An unclaimed worker is terminated after this long: the page did not call init() (or called it with another URL). */
const UNCLAIMED_MS = 30_000;

let early: EarlyWorker | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;

/** Starts the worker where workers exist; never throws (a failure only means init() starts one itself). */
export function startWorkerEarly(source: WorkerSource): void {
  if (early || typeof Worker !== 'function' || typeof document === 'undefined') return;
  try {
    const worker = source.start();
    const started: EarlyWorker = { url: source.url, worker, failed: false };
    worker.addEventListener('error', (e) => {
      e.preventDefault(); // the engine client reports it, if init() takes this worker
      started.failed = true;
    });
    early = started;
    timer = setTimeout(() => takeEarlyWorker(null), UNCLAIMED_MS);
  } catch {
    // e.g. a Content-Security-Policy without worker-src for this URL: init() tries again and reports it
  }
}

/** The early worker if it was started from a source named `url` (null: none wanted); any other is terminated. */
export function takeEarlyWorker(url: string | null): EarlyWorker | null {
  const taken = early;
  early = null;
  clearTimeout(timer);
  if (taken && taken.url === url) return taken;
  taken?.worker.terminate();
  return null;
}
