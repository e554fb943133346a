/**
 * A hybrid's tables read from their files, without TensorFlow.js: the engine's loader (io.ts) and the worker's early
 * path (src/worker/early-two-tower.ts) read them the same way.
 */
import { ModelError } from '../shared/errors.ts';
import { decodeNeighbours, type HybridConfig, type HybridTables } from './hybrid.ts';
import { parseCatalogIndex } from './manifest.ts';
import { sha256Hex } from './sha256.ts';

/** Fetches a hybrid's tables (two, plus a kNN and a transition table where it has them) and checks each against its SHA-256 in the manifest. */
export async function loadHybridTables(
  h: HybridConfig,
  fileUrl: (name: string) => string,
  vocab: Map<string, number>,
  ids: string[],
  get: (u: string, what: string) => Promise<Response>,
): Promise<HybridTables> {
  const verified = async (file: string, sha256: string, field: string): Promise<ArrayBuffer> => {
    const u = fileUrl(file);
    const bytes = await (await get(u, `the table ${field}`)).arrayBuffer();
    if ((await sha256Hex(bytes)) !== sha256)
      throw new ModelError(`${u}: checksum mismatch with ${field}.sha256 (corrupt or partial download)`);
    return bytes;
  };
  const [nb, ix, kn, tr] = await Promise.all([
    verified(h.neighbours.file, h.neighbours.sha256, 'hybrid.neighbours'),
    verified(h.index.file, h.index.sha256, 'hybrid.index'),
    h.knn ? verified(h.knn.file, h.knn.sha256, 'hybrid.knn') : null,
    h.transitions ? verified(h.transitions.file, h.transitions.sha256, 'hybrid.transitions') : null,
  ]);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(ix));
  } catch {
    throw new ModelError(`catalog index ${fileUrl(h.index.file)}: not valid JSON`);
  }
  return {
    config: h,
    neighbours: decodeNeighbours(nb, h.neighbours, fileUrl(h.neighbours.file)),
    ...(h.knn && kn ? { knn: decodeNeighbours(kn, h.knn, fileUrl(h.knn.file), 'hybrid.knn') } : {}),
    ...(h.transitions && tr ? { transitions: decodeNeighbours(tr, h.transitions, fileUrl(h.transitions.file), 'hybrid.transitions') } : {}),
    idf: parseCatalogIndex(raw, fileUrl(h.index.file)),
    vocab,
    ids: ['', ...ids],
  };
}
