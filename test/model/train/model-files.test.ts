import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rng } from '../../../src/model/rng.ts';
import { initWeights, weightShapes, type ModelConfig } from '../../../src/model/scorer.ts';
import { readModel, writeModel } from '../../../src/model/train/model-files.ts';
import { setupTf } from '../../../src/model/train/setup-tf.ts';
import { ModelError } from '../../../src/shared/errors.ts';

const cfg: ModelConfig = { d: 8, blocks: 1, heads: 2, ffn: 16, features: { textBuckets: 64, tokensPerItem: 4, maxLen: 10, idVocab: 3 } };
const meta = { id: 'files-test', version: '1', config: cfg };
const vocab = ['a', 'b', 'c'];
const root = mkdtempSync(join(tmpdir(), 'reco-files-'));

beforeAll(async () => {
  await setupTf('wasm');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('writeModel and readModel', () => {
  it('reports a flipped byte in weights.bin as a ModelError naming the file', async () => {
    const dir = join(root, 'flip');
    await writeModel(dir, meta, initWeights(cfg, rng(2)), vocab, { embeddings: 'none', dense: 'none' });
    expect((await readModel(dir)).bytes).toBe(weightShapes(cfg).reduce((s, [, sh]) => s + 4 * sh.reduce((a, b) => a * b, 1), 0));
    const bin = readFileSync(join(dir, 'weights.bin'));
    bin[bin.length - 1]! ^= 0x80;
    writeFileSync(join(dir, 'weights.bin'), bin);
    const err = await readModel(dir).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toMatch(/flip\/weights\.bin: checksum mismatch/);
  });
});
