/** Types of bundler-assets.mjs (kept as plain JavaScript so that its `new URL` literals reach the app's bundler). */
export declare const onServer: boolean;
export declare const startBundledWorker: (() => Worker) | null;
export declare const bundledModel: (() => { url: string; files: Record<string, string> } | null) | null;
export declare const loadDataLayerReader: (scriptUrl: string) => Promise<typeof import('./main/datalayer-read.ts')>;
