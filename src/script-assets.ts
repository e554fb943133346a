/**
 * The script-tag build's stand-in for bundler-assets.mjs (vite.config.ts swaps it in): no bundler will see
 * reco.js, so the worker and the model are found next to the script instead (see resolveOptions).
 */
export const startBundledWorker: (() => Worker) | null = null;
export const bundledModel: (() => { url: string; files: Record<string, string> }) | null = null;
