/**
 * The pair model (the default model) before TensorFlow.js loads: its weights as arrays and its forward pass in plain
 * loops (src/model/pair-plain.ts), from the same download the engine decodes next. The host ranks with it what the
 * previous page view's snapshot cannot answer (items that page view never ranked: a listing the shopper opens for the
 * first time, a new product, search results), so those grids are ranked while they are still held instead of waiting
 * for tfjs and a backend. The pair model is small (a few thousand numbers), so this costs milliseconds.
 */
import { ModelError } from '../shared/errors.ts';
import { parseCatalogIndex, PAIR_FORMAT_VERSION, validateAnyManifest, type PairManifest } from '../model/manifest.ts';
import { decodePlainWeights, plainPairForward } from '../model/pair-plain.ts';
import { createPairScorerWith, seenCountsOf, type PairScorer } from '../model/pair-predict.ts';
import { sha256Hex } from '../model/sha256.ts';
import { modelKey, type Snapshot } from '../model/snapshot.ts';
import type { TermStats } from '../model/text.ts';
import type { ModelDownloads } from './model-download.ts';

export interface EarlyPair {
  /** The model's key (snapshot.ts modelKey): what the learned head and the snapshot belong to. */
  key: string;
  scorer: PairScorer;
}

/**
 * The pair model on arrays, with the seen-items IDF of the page view that stored `snapshot` (as the engine starts
 * from it), or null when the model is not a pair model.
 * @throws ModelError naming the file, when a file is broken (the engine reports the same when it loads)
 */
export async function loadEarlyPair(downloads: ModelDownloads, snapshot: Snapshot | null): Promise<EarlyPair | null> {
  const json: unknown = await (await downloads.manifest()).json();
  if ((json as { formatVersion?: unknown } | null)?.formatVersion !== PAIR_FORMAT_VERSION) return null;
  const m = validateAnyManifest(json, downloads.url) as PairManifest;
  const verified = async (file: string, sha256: string | undefined): Promise<ArrayBuffer> => {
    const u = downloads.fileUrl(file);
    const { bytes } = await downloads.get(u);
    if (sha256 && (await sha256Hex(bytes)) !== sha256) throw new ModelError(`${u}: checksum mismatch (corrupt or partial download)`);
    return bytes;
  };
  const weightsFile = m.weightsManifest[0]!.paths[0]!;
  const [bin, indexBytes] = await Promise.all([verified(weightsFile, m.sha256), m.index ? verified(m.index, m.indexSha256) : null]);
  let index: TermStats | null = null;
  if (m.index && indexBytes) index = parseCatalogIndex(JSON.parse(new TextDecoder().decode(indexBytes)), downloads.fileUrl(m.index));
  const key = modelKey(m);
  const seed = snapshot?.model === key ? seenCountsOf(snapshot.state) : null;
  const weights = decodePlainWeights(bin, m, downloads.fileUrl(weightsFile));
  return { key, scorer: createPairScorerWith(m.config, plainPairForward(weights, m.config), index, seed) };
}
