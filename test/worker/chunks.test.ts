import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chunkFailed } from '../../src/worker/chunks.ts';

const rejected = (err: unknown, file: string) => Promise.reject(err).catch(chunkFailed(file));

describe('chunkFailed', () => {
  it("keeps the browser's error when it names the file (Chromium, Firefox)", async () => {
    const err = new TypeError('Failed to fetch dynamically imported module: https://shop.example/reco.worker.tfjs.js');
    await expect(rejected(err, 'reco.worker.tfjs.js')).rejects.toBe(err);
  });

  it("names the file when the browser's error does not (WebKit), keeping what it said", async () => {
    await expect(rejected(new TypeError('Importing a module script failed.'), 'reco.worker.tfjs.js')).rejects.toThrow(
      new TypeError(
        "could not load reco.worker.tfjs.js (the worker's code next to reco.worker.js, or a chunk it imports): Importing a module script failed.",
      ),
    );
    await expect(rejected('offline', 'reco.worker.backend-wasm.js')).rejects.toThrow(
      /^could not load reco\.worker\.backend-wasm\.js .*: offline$/,
    );
  });

  // vite.config.ts names the worker's chunks reco.worker.[name].js, [name] being the imported module's file name.
  it('is given, at every dynamic import of the worker, the name of the chunk that import makes', () => {
    const files = ['src/worker', 'src/model'].flatMap((dir) =>
      readdirSync(dir)
        .filter((f) => f.endsWith('.ts'))
        .map((f) => `${dir}/${f}`),
    );
    const imports: string[] = [];
    for (const file of files) {
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(/\bimport\(\s*'([^']+)'\s*\)(\s*\.catch\(chunkFailed\('([^']+)'\)\))?/g)) {
        imports.push(`${file}: ${m[1]}`);
        expect(m[3], `${file}: import('${m[1]}') names its chunk with .catch(chunkFailed(…))`).toBe(
          `reco.worker.${basename(m[1]!, '.ts')}.js`,
        );
      }
    }
    expect(imports.length, imports.join('\n')).toBeGreaterThanOrEqual(7); // the engine, 4 backends, 2 fine-tunings
  });
});
