/**
 * A two-tower model (a transformer, or a shop-trained hybrid: transformer plus tables) before TensorFlow.js loads.
 * The previous page view's snapshot holds the shopper's query for this very history; an item it never ranked needs
 * only its vector (lookups in the embedding tables: src/model/two-tower-plain.ts) and, for a hybrid, the plain part
 * from its tables (hybrid.ts). So a listing the shopper opens for the first time is ranked while its grid is still
 * held, with the engine's scores, instead of waiting for tfjs and a backend. Another history still waits for the model
 * (its query needs the transformer's forward pass).
 */
import { ModelError } from '../shared/errors.ts';
import type { HistoryEntry, ItemFeatures } from '../shared/types.ts';
import { createPlainScorer, type HybridTables, type PlainScorer } from '../model/hybrid.ts';
import { loadHybridTables } from '../model/hybrid-files.ts';
import { PAIR_FORMAT_VERSION, parseVocab, validateAnyManifest, type ModelManifest } from '../model/manifest.ts';
import { weightRows, type WeightRows } from '../model/pair-plain.ts';
import { sha256Hex } from '../model/sha256.ts';
import { recentSteps } from '../model/sequence.ts';
import { plainItemVectors } from '../model/two-tower-plain.ts';
import type { ModelDownloads } from './model-download.ts';

export interface EarlyTwoTower {
  /** A hybrid's tables as read and checked here (null for a transformer alone): the engine takes them as they are. */
  tables: HybridTables | null;
  /**
   * Scores of `candidates` as the engine gives them for the history the query is for.
   * @param query the shopper's query from the snapshot of this very history (snapshot.ts snapshotQuery)
   * @param history that history as the engine scores it (the feed's features: host.ts withFeedHistory)
   */
  score(query: Float32Array, history: readonly HistoryEntry[], candidates: readonly ItemFeatures[]): number[];
}

/**
 * The model's embedding tables as arrays (and a hybrid's tables), or null when the model is a pair model.
 * @throws ModelError naming the file, when a file is broken (the engine reports the same when it loads)
 */
export async function loadEarlyTwoTower(downloads: ModelDownloads): Promise<EarlyTwoTower | null> {
  const json: unknown = await (await downloads.manifest()).json();
  if ((json as { formatVersion?: unknown } | null)?.formatVersion === PAIR_FORMAT_VERSION) return null;
  const m = validateAnyManifest(json, downloads.url) as ModelManifest;
  const get = async (u: string) => (await downloads.get(u)).bytes;
  const weightsUrl = downloads.fileUrl(m.weightsManifest[0]!.paths[0]!);
  const [bin, ids] = await Promise.all([
    get(weightsUrl),
    m.vocab ? get(downloads.fileUrl(m.vocab)).then((b) => JSON.parse(new TextDecoder().decode(b)) as unknown) : null,
  ]);
  if ((await sha256Hex(bin)) !== m.sha256) throw new ModelError(`${weightsUrl}: checksum mismatch (corrupt or partial download)`);
  // Read by rows when items are scored: the embedding tables are most of the file, and a grid needs a few rows of them.
  const weights: WeightRows = weightRows(bin, m, weightsUrl);
  const known = m.vocab ? parseVocab(ids, m.config.features.idVocab, downloads.fileUrl(m.vocab)) : null;
  const vocab = known?.vocab ?? null;
  const tables = m.hybrid
    ? await loadHybridTables(m.hybrid, downloads.fileUrl, vocab!, known!.ids, async (u) => new Response(await get(u)))
    : null;
  const plain: PlainScorer | null = tables && createPlainScorer(tables);
  const scale = m.hybrid?.weights.transformer ?? 1;
  const maxLen = m.config.features.maxLen;
  return {
    tables,
    score(query, history, candidates) {
      const vectors = plainItemVectors(weights, m.config, vocab, candidates);
      const p = plain?.scores(
        recentSteps(history, maxLen).map((e) => e.item),
        candidates,
      );
      // The same loop as the serving cache's dot(), and the hybrid's sum (hybrid-predict.ts).
      return vectors.map((v, j) => {
        let s = 0;
        for (let k = 0; k < query.length; k++) s += v[k]! * query[k]!;
        return p ? scale * s + p[j]! : s;
      });
    },
  };
}
