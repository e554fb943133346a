/** A two-tower model's item vectors without TensorFlow.js (the worker's early rankings) are tfjs's numbers. */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CATALOG } from '../../fixtures/shopper.ts';
import type { LoadedModel } from '../../src/model/io.ts';
import { weightRows } from '../../src/model/pair-plain.ts';
import { itemMatrix } from '../../src/model/predict.ts';
import { readModel } from '../../src/model/train/model-files.ts';
import { setupTf } from '../../src/model/train/setup-tf.ts';
import { plainItemVectors } from '../../src/model/two-tower-plain.ts';
import type { ItemFeatures } from '../../src/shared/types.ts';

beforeAll(async () => {
  await setupTf('wasm');
});

async function compare(dir: string, items: readonly ItemFeatures[]): Promise<number> {
  const model: LoadedModel = await readModel(dir);
  const weights = weightRows(readFileSync(`${dir}/weights.bin`).buffer as ArrayBuffer, model.manifest, 'weights.bin');
  const plain = plainItemVectors(weights, model.manifest.config, model.vocab, items);
  const t = tf.tidy(() => itemMatrix(model, items));
  const expected = (await t.data()) as Float32Array;
  t.dispose();
  const d = model.manifest.config.d;
  let worst = 0;
  plain.forEach((v, i) => v.forEach((x, k) => (worst = Math.max(worst, Math.abs(x - expected[i * d + k]!)))));
  return worst;
}

describe('two-tower item vectors on arrays', () => {
  it("a text-only transformer's: the mean of the hashed token embeddings, to 1e-6 of the tfjs pass (an item without text too)", async () => {
    expect(await compare('fixtures/models/text-transformer', [...CATALOG.slice(0, 40), { id: 'bare' }])).toBeLessThan(1e-6);
  });

  it("a hybrid's with an id table: known ids add their row, unknown ones do not, to 1e-6 of the tfjs pass", async () => {
    const ids: string[] = JSON.parse(readFileSync('public/models/beauty-student/vocab.json', 'utf8'));
    const known = ids.slice(0, 30).map((id, k) => ({ ...CATALOG[k]!, id }));
    expect(await compare('public/models/beauty-student', [...known, ...CATALOG.slice(40, 50), { id: ids[100]! }])).toBeLessThan(1e-6);
  });
});
