/**
 * How the page starts the worker. A module worker must be same-origin, so a worker on another origin (reco.js
 * from a CDN) is started through a same-origin blob that imports it: the worker's code, its chunks and its wasm
 * then load from the CDN with CORS, relative to the worker's own URL.
 */
/** A worker to start: by URL, or by the app's bundler (`start` given, `url` only names it in messages). */
export interface WorkerSource {
  url: string;
  start(): Worker;
}

/** How the worker the app's bundler bundled is named in messages. */
export const BUNDLED_WORKER = 'reco.worker.js (bundled by the app)';

/** The worker init() starts when no `workerUrl` is given: the bundled one (ES module build), else the one at `url`. */
export const defaultWorker = (startBundled: (() => Worker) | null | undefined, url: string): WorkerSource =>
  startBundled ? { url: BUNDLED_WORKER, start: startBundled } : workerAt(url);

/** The worker at `url`, started directly when same-origin, else through a blob trampoline. */
export function workerAt(url: string): WorkerSource {
  return {
    url,
    start() {
      if (new URL(url, location.href).origin === location.origin) return new Worker(url, { type: 'module' });
      // Not revoked: the worker fetches it asynchronously, and a restart would need it again. It is a few bytes.
      const trampoline = URL.createObjectURL(new Blob([`import ${JSON.stringify(url)};`], { type: 'text/javascript' }));
      return new Worker(trampoline, { type: 'module' });
    },
  };
}

/**
 * Why the worker at `url` failed to load, when the answer says so: a missing file, or an HTML page (a dev
 * server's or an SPA host's fallback) instead of the script. Null when it cannot tell.
 */
export async function whyWorkerFailed(url: string): Promise<string | null> {
  if (!/^https?:/.test(url)) return null;
  try {
    const res = await fetch(url, { method: 'HEAD', cache: 'no-store' });
    if (!res.ok) return `HTTP ${res.status} from ${url}`;
    const type = res.headers.get('content-type') ?? '';
    return /^text\/html/i.test(type) ? `expected the worker script, got text/html from ${url}: is the path right?` : null;
  } catch (err) {
    return `could not fetch ${url}: ${(err as Error).message}`;
  }
}

/** A source whose first worker is already started; `stop()` terminates that worker if nobody took it. */
export interface StartedSource extends WorkerSource {
  stop(): void;
}

/**
 * `source` with its first worker started now, so that its script downloads while the engine client loads (reco.js
 * loads it from reco.engine.js) or before init() is called (early-worker.ts); later starts (a restart) are fresh.
 * An error that first worker has before it is handed over is dispatched again once it is, so the engine client
 * hears it. A worker that cannot be started now is started (and its failure reported) when asked for.
 */
export function startingNow(source: WorkerSource): StartedSource {
  let first: Worker | null = null;
  let early: string | null = null;
  try {
    first = source.start();
    first.addEventListener('error', (e) => {
      if (!first) return; // handed over: the engine client listens now
      e.preventDefault();
      early ??= e.message;
    });
  } catch {
    first = null;
  }
  return {
    url: source.url,
    start() {
      const worker = first;
      first = null;
      if (!worker) return source.start();
      if (early !== null) {
        const message = early;
        setTimeout(() => worker.dispatchEvent(new ErrorEvent('error', { message })));
      }
      return worker;
    },
    stop() {
      first?.terminate();
      first = null;
    },
  };
}
