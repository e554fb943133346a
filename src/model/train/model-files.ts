/** Reading and writing model directories from Node. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { encodeModel, isPairModel, loadAnyModel, type AnyModel, type LoadedModel, type ModelManifest, type Quantization } from '../io.ts';
import type { ModelConfig } from '../scorer.ts';
import type { PairConfig } from '../pair-scorer.ts';

/** Writes model.json, weights.bin, vocab.json (when ids are used) and `files` (a hybrid's tables) into `dir`. */
export async function writeModel(
  dir: string,
  meta: Omit<ModelManifest, 'format' | 'formatVersion' | 'sha256' | 'weightsManifest' | 'vocab' | 'config'> & {
    config: ModelConfig | PairConfig;
  },
  weights: Record<string, Float32Array>,
  vocab: readonly string[] | null,
  quant: { embeddings: Quantization; dense: Quantization },
  files: Record<string, Uint8Array> = {},
): Promise<{ bytes: number }> {
  mkdirSync(dir, { recursive: true });
  const { manifest, bin, vocabJson } = await encodeModel(meta, weights, vocab, quant);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(manifest, null, 1) + '\n');
  writeFileSync(join(dir, 'weights.bin'), new Uint8Array(bin));
  if (vocabJson) writeFileSync(join(dir, 'vocab.json'), vocabJson);
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
  return { bytes: bin.byteLength };
}

/** Loads a transformer model directory (or a model.json path) with the same loader the worker uses. */
export async function readModel(path: string): Promise<LoadedModel & { bytes: number }> {
  const model = await readAnyModel(path);
  if (isPairModel(model)) throw new Error(`${path}: a pair model, expected a transformer scorer`);
  return model as LoadedModel & { bytes: number };
}

/** Loads a model directory of either kind (or a model.json path) with the same loader the worker uses. */
export async function readAnyModel(path: string): Promise<AnyModel & { bytes: number }> {
  const url = path.endsWith('.json') ? path : join(path, 'model.json');
  const fileFetch = (async (u: string) => {
    try {
      const buf = readFileSync(resolve(u));
      return new Response(buf, { status: 200 });
    } catch {
      return new Response(null, { status: 404 });
    }
  }) as unknown as typeof fetch;
  const model = await loadAnyModel(url, fileFetch);
  const bytes = readFileSync(join(url, '..', model.manifest.weightsManifest[0]!.paths[0]!)).byteLength;
  return { ...model, bytes };
}
