// The import boundaries of eslint.config.js fire: each deliberate bad import below is an error, and the
// allowed imports next to them are not. Run alone: npx vitest run test/eslint-config.test.ts
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });

/** The no-restricted-imports messages ESLint gives `source` as if it were the file `path`. */
async function boundaryErrors(path: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports' && m.severity === 2).map((m) => m.message);
}

describe('import boundaries', () => {
  it.each([
    ['src/main/instance.ts', "import { createEngine } from '../worker/engine.ts';", /never imports worker or model code/],
    ['src/main/grid/discover.ts', "import type { LoadedModel } from '../../model/io.ts';", /never imports worker or model code/],
    ['src/main/instance.ts', "import * as tf from '@tensorflow/tfjs-core';", /never loads TensorFlow\.js/],
    ['src/tracker/tracker.ts', "import { resolveOptions } from '../main/options.ts';", /imports only src\/shared/],
    ['src/worker/engine.ts', "import { createInstance } from '../main/instance.ts';", /never imports page code/],
    ['src/worker/engine.ts', "import { Trainer } from '../model/train/trainer.ts';", /never imports Node-only training/],
    ['src/model/finetune.ts', "import { Trainer } from './train/trainer.ts';", /never imports Node-only training/],
    ['src/model/serving-cache.ts', "import { finetune } from './finetune.ts';", /serving never imports fine-tuning/],
    ['src/shared/store.ts', "import { discoverGrids } from '../main/grid/discover.ts';", /imports only src\/shared and idb/],
    ['src/shared/protocol.ts', "import { wrap } from 'comlink';", /imports only src\/shared and idb/],
  ])('%s: %s is an error', async (path, source, message) => {
    const errors = await boundaryErrors(path, `${source}\nexport {};\n`);
    expect(errors.length, errors.join('\n')).toBeGreaterThan(0);
    for (const e of errors) expect(e).toMatch(message);
  });

  it.each([
    ['src/main/instance.ts', "import type { EngineInterface } from '../shared/protocol.ts';"],
    ['src/worker/engine.ts', "import { explainScore } from '../model/explain.ts';"],
    ['src/model/finetune.ts', "import { itemTable } from './predict.ts';"],
    ['src/model/train/trainer.ts', "import { padSequences } from '../sequence.ts';"],
    ['src/shared/store.ts', "import { openDB } from 'idb';"],
    ['src/shared/store.ts', "import { DEFAULTS } from './options.ts';"],
  ])('%s: %s is allowed', async (path, source) => {
    expect(await boundaryErrors(path, `${source}\nexport {};\n`)).toEqual([]);
  });
});
