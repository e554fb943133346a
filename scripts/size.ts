/**
 * Gzipped sizes of the built bundles (gzip level 9), and the page-script budget that fails the build.
 *
 *   npx tsx scripts/size.ts        prints the sizes; exits 1 when dist/reco.js is over 16 KB gzipped, 2 when dist/ is not built
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

export const DIST = resolve(import.meta.dirname, '..', 'dist');
/** The page script's budget: 16 KiB gzipped (16,384 bytes). */
export const PAGE_SCRIPT_BUDGET = 16 * 1024;

export interface BundleSize {
  file: string;
  /**
   * What the file is: the page script (script tag or ES module), the engine client that reco.js loads when init()
   * starts (reco.engine.js), the worker, or a wasm binary of the worker.
   */
  kind: 'page script' | 'page module' | 'page chunk' | 'worker' | 'worker wasm';
  bytes: number;
  gzip: number;
}

const KINDS: readonly BundleSize['kind'][] = ['page script', 'page module', 'page chunk', 'worker', 'worker wasm'];

/** Files `npm run build` must have written before anything can be measured. */
export const REQUIRED = [
  'reco.js',
  'reco.engine.js',
  'reco.mjs',
  'reco-core.mjs',
  'react.mjs',
  'vue.mjs',
  'svelte.mjs',
  'angular.mjs',
  'reco.worker.js',
];

/** Names of the required bundles missing from dist/ (empty when it is built). */
export function missingBundles(dist = DIST): string[] {
  let files: string[] = [];
  try {
    files = readdirSync(dist);
  } catch {
    /* no dist/ at all */
  }
  return REQUIRED.filter((f) => !files.includes(f));
}

/**
 * Raw and gzipped (level 9) sizes of every bundle in dist/: reco.js, the ES modules (*.mjs), reco.worker.js and its wasm files.
 * @throws Error naming the missing files when dist/ is not built
 */
export function bundleSizes(dist = DIST): BundleSize[] {
  const missing = missingBundles(dist);
  if (missing.length) throw new Error(`dist/ is not built (missing ${missing.join(', ')}): run \`npm run build\` first`);
  // emptyOutDir is off, so wasm files of older builds may linger: count only those the worker references.
  const worker = readFileSync(join(dist, 'reco.worker.js'), 'utf8');
  const kindOf = (f: string): BundleSize['kind'] | null =>
    f === 'reco.js'
      ? 'page script'
      : f.endsWith('.mjs')
        ? 'page module'
        : f === 'reco.engine.js'
          ? 'page chunk'
          : f === 'reco.worker.js'
            ? 'worker'
            : f.endsWith('.wasm') && worker.includes(f)
              ? 'worker wasm'
              : null;
  return readdirSync(dist)
    .flatMap((file) => {
      const kind = kindOf(file);
      if (!kind) return [];
      const data = readFileSync(join(dist, file));
      return [{ file, kind, bytes: data.length, gzip: gzipSync(data, { level: 9 }).length }];
    })
    .sort((a, b) => KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind) || a.file.localeCompare(b.file));
}

/** "12.3 KB" (KB = 1024 bytes). */
export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

function main(): void {
  let sizes: BundleSize[];
  try {
    sizes = bundleSizes();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const w = Math.max(...sizes.map((s) => s.file.length));
  for (const s of sizes)
    console.log(`${s.file.padEnd(w)}  ${s.kind.padEnd(11)}  ${kb(s.bytes).padStart(9)}  ${kb(s.gzip).padStart(8)} gzipped`);
  const page = sizes.find((s) => s.file === 'reco.js')!;
  const over = page.gzip > PAGE_SCRIPT_BUDGET;
  const chunk = sizes.find((s) => s.file === 'reco.engine.js')!;
  console.log(`page script budget ${kb(PAGE_SCRIPT_BUDGET)} gzipped: ${over ? 'OVER' : 'PASS'} (reco.js ${page.gzip} bytes gzipped)`);
  console.log(
    `reco.js preloads reco.engine.js (${chunk.gzip} bytes gzipped) as soon as it runs, as it starts the worker, and imports it at init()`,
  );
  if (over) process.exit(1);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
