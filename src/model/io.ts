/**
 * The shipped model format: `model.json` (manifest: config, metrics, weights manifest in the
 * TensorFlow.js weights format) + `weights.bin` + optional `vocab.json` (known item ids).
 * Same code reads it in Node and in the worker.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ModelError } from '../shared/errors.ts';
import { download } from './download.ts';
import type { HybridConfig, HybridTables } from './hybrid.ts';
import { loadHybridTables } from './hybrid-files.ts';
import {
  isPairModel,
  parseCatalogIndex,
  parseVocab,
  PAIR_FORMAT_VERSION,
  validateAnyManifest,
  type AnyModel,
  type LoadedModel,
  type ModelManifest,
  type PairManifest,
} from './manifest.ts';
import { sha256Hex } from './sha256.ts';
import type { TermStats } from './text.ts';

export * from './manifest.ts';

/**
 * Loads model.json, its weights and vocabulary with the given fetch, verifying shape and hash.
 * @param files where each file of the model is, by the name the manifest gives it (a bundler names its assets
 *   anew: `{ 'weights.bin': '/assets/weights-3f2a.bin' }`); a file not listed is next to model.json
 * @param known a hybrid's tables (and its item vocabulary) already read and checked from these files (the worker's
 *   early path, src/worker/early-two-tower.ts): used instead of reading them again when their checksums are the
 *   manifest's
 * @throws ModelError naming the file and the problem (HTTP status, an HTML page instead of the file, a download
 *   stalled for 20 s, bad JSON, size or hash mismatch).
 */
export async function loadAnyModel(
  url: string,
  fetchFn: typeof fetch = fetch,
  files: Readonly<Record<string, string>> = {},
  known: HybridTables | null = null,
): Promise<AnyModel> {
  // The whole file, or a ModelError naming it (failed request, HTTP status, an HTML page, or no data for 20 s:
  // src/model/download.ts).
  const get = async (u: string, what: string): Promise<Response> => new Response(await download(u, fetchFn, what));
  let json: unknown;
  try {
    json = await (await get(url, 'a model manifest')).json();
  } catch (err) {
    if ((err as Error).name === 'ModelError') throw err;
    throw new ModelError(`model manifest ${url}: not valid JSON`);
  }
  const manifest = validateAnyManifest(json, url);
  const base = url.slice(0, url.lastIndexOf('/') + 1);
  const fileUrl = (name: string) => files[name] ?? base + name;
  const binUrl = fileUrl(manifest.weightsManifest[0]!.paths[0]!);
  const bin = await (await get(binUrl, 'the model weights')).arrayBuffer();
  if ((await sha256Hex(bin)) !== manifest.sha256) throw new ModelError(`${binUrl}: checksum mismatch (corrupt or partial download)`);
  let tensors: tf.NamedTensorMap;
  try {
    tensors = tf.io.decodeWeights(bin, manifest.weightsManifest[0]!.weights);
  } catch (err) {
    throw new ModelError(`${binUrl}: ${(err as Error).message}`);
  }
  if (manifest.formatVersion === PAIR_FORMAT_VERSION) {
    const pm = manifest as PairManifest;
    let index: TermStats | null = null;
    if (pm.index) {
      const u = fileUrl(pm.index);
      const bytes = await (await get(u, 'a catalog index')).arrayBuffer();
      if (pm.indexSha256 && (await sha256Hex(bytes)) !== pm.indexSha256)
        throw new ModelError(`${u}: checksum mismatch with indexSha256 (corrupt or partial download)`);
      let raw: unknown;
      try {
        raw = JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        throw new ModelError(`catalog index ${u}: not valid JSON`);
      }
      index = parseCatalogIndex(raw, u);
    }
    return { manifest: pm, weights: tensors, vocab: null, index };
  }
  const m = manifest as ModelManifest;
  if (m.hybrid && known && sameTables(known.config, m.hybrid))
    return { manifest: m, weights: tensors, vocab: known.vocab as Map<string, number>, hybrid: known };
  let vocab: Map<string, number> | null = null;
  let ids: string[] = [];
  if (m.vocab) {
    const vocabUrl = fileUrl(m.vocab);
    ({ ids, vocab } = parseVocab(await (await get(vocabUrl, 'the item vocabulary')).json(), m.config.features.idVocab, vocabUrl));
  }
  if (!m.hybrid) return { manifest: m, weights: tensors, vocab };
  try {
    return { manifest: m, weights: tensors, vocab, hybrid: await loadHybridTables(m.hybrid, fileUrl, vocab!, ids, get) };
  } catch (err) {
    tf.dispose(Object.values(tensors));
    throw err;
  }
}

/** The same tables: each file's checksum as the manifest gives it. */
const sameTables = (a: HybridConfig, b: HybridConfig): boolean =>
  a.neighbours.sha256 === b.neighbours.sha256 &&
  a.index.sha256 === b.index.sha256 &&
  a.knn?.sha256 === b.knn?.sha256 &&
  a.transitions?.sha256 === b.transitions?.sha256;

/**
 * Loads a transformer scorer (formats 1 and 2).
 * @throws ModelError as loadAnyModel, and for a pair model.
 */
export async function loadModel(
  url: string,
  fetchFn: typeof fetch = fetch,
  files: Readonly<Record<string, string>> = {},
): Promise<LoadedModel> {
  const m = await loadAnyModel(url, fetchFn, files);
  if (isPairModel(m)) {
    tf.dispose(Object.values(m.weights));
    throw new ModelError(`model manifest ${url}: a pair model (format ${PAIR_FORMAT_VERSION}), expected a transformer scorer here`);
  }
  return m;
}
