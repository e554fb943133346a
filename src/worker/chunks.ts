/**
 * The worker's code beyond its entry comes in chunks, imported on demand next to reco.worker.js (vite.config.ts names
 * them reco.worker.NAME.js). When one cannot load, Chromium and Firefox name its URL in the error; WebKit says only
 * "Importing a module script failed.". `chunkFailed(file)` gives such an import's rejection the file's name, so that
 * the error the page reports says which file a self-hosted dist/ lacks, in every browser.
 *
 *   await import('./tfjs.ts').catch(chunkFailed('reco.worker.tfjs.js'));
 */
export const chunkFailed =
  (file: string) =>
  (err: unknown): never => {
    const reason = err instanceof Error ? err.message : String(err);
    if (reason.includes(file)) throw err;
    throw new TypeError(`could not load ${file} (the worker's code next to reco.worker.js, or a chunk it imports): ${reason}`);
  };
