/**
 * A page view's download of the model: model.json (fetched once) and each file it names, through Cache Storage
 * (files.ts). The host starts it at init(), so the files download while the page view starts, and shares it: the
 * pair model's weights serve the first rankings before TensorFlow.js loads (pair-plain.ts), and the engine decodes
 * the same bytes once a backend runs.
 */
import type { FileRequest, Files } from './files.ts';

export interface ModelDownloads {
  /** model.json's URL. */
  url: string;
  /** model.json (a new Response per call). */
  manifest(): Promise<Response>;
  /** A file's URL, by its name in the manifest: where the page's `modelFiles` says (a bundler's renamed asset), else next to model.json. */
  fileUrl(name: string): string;
  /** A file's bytes, and whether they came from Cache Storage or the network: one download per file, whoever asks. */
  get(url: string): Promise<{ bytes: ArrayBuffer; from: 'cache' | 'network' }>;
  /** Starts downloading every file the manifest names (once a backend starts: the engine decodes them next). */
  start(): void;
  /** Drops the stored copy of a file that failed its checksum (a disk error): the next get() fetches it anew. */
  drop(url: string): Promise<void>;
}

/**
 * The model's files, each downloaded when first asked for (or by start()).
 * @param where the page's `modelFiles`: a file's URL by its name in the manifest
 */
export function downloadModel(
  url: string,
  manifest: () => Promise<Response>,
  where: Readonly<Record<string, string>>,
  files: Files,
): ModelDownloads {
  const base = url.slice(0, url.lastIndexOf('/') + 1);
  const fileUrl = (name: string) => where[name] ?? base + name;
  const parsed = manifest().then((r) => r.json() as Promise<ManifestFiles>);
  /**
   * How each file the manifest names is kept in Cache Storage, by URL: under the model's id and the file's name in
   * the manifest (a model deployed under a new path or hashed file names replaces its earlier copies instead of
   * adding to them), in the version of its own SHA-256 where the manifest gives one (a hybrid's table or a catalog
   * index that changed under the same weights is fetched anew), else of the model's version and weights.
   */
  const stored = parsed.then((m) => {
    const fallback = `${String(m.version)} ${String(m.sha256)}`;
    const h = m.hybrid;
    const own: [unknown, unknown][] = [
      [m.weightsManifest?.[0]?.paths?.[0], m.sha256],
      [m.vocab, null],
      [m.index, m.indexSha256],
      [h?.neighbours?.file, h?.neighbours?.sha256],
      [h?.index?.file, h?.index?.sha256],
      [h?.knn?.file, h?.knn?.sha256],
      [h?.transitions?.file, h?.transitions?.sha256],
    ];
    const byUrl = new Map<string, FileRequest>();
    for (const [f, sha] of own)
      if (typeof f === 'string' && f)
        byUrl.set(fileUrl(f), { bucket: 'model', name: `${String(m.id)}/${f}`, version: typeof sha === 'string' ? sha : fallback });
    return (u: string): FileRequest => byUrl.get(u) ?? { bucket: 'model', name: u, version: fallback };
  });
  stored.catch(() => {}); // loading the model reports a bad manifest itself
  const downloads = new Map<string, Promise<{ bytes: ArrayBuffer; from: 'cache' | 'network' }>>();
  const get = (u: string) => {
    let d = downloads.get(u);
    if (!d) {
      d = stored.then((kept) => files.get(u, { ...kept(u), progress: true }));
      d.catch(() => {}); // whoever asks for the file hears the failure
      downloads.set(u, d);
    }
    return d;
  };
  return {
    url,
    manifest,
    fileUrl,
    get,
    start() {
      parsed
        .then((m) => [m.weightsManifest?.[0]?.paths?.[0], m.vocab, m.index].forEach((f) => typeof f === 'string' && f && get(fileUrl(f))))
        .catch(() => {});
    },
    async drop(u) {
      await files.drop(u, (await stored)(u));
      downloads.delete(u);
    },
  };
}

/** What the download reads of model.json: the files it names and what they are kept by (io.ts checks the rest). */
interface ManifestFiles {
  id?: unknown;
  version?: unknown;
  sha256?: unknown;
  weightsManifest?: { paths?: unknown[] }[];
  vocab?: unknown;
  index?: unknown;
  indexSha256?: unknown;
  hybrid?: {
    neighbours?: { file?: unknown; sha256?: unknown };
    index?: { file?: unknown; sha256?: unknown };
    knn?: { file?: unknown; sha256?: unknown };
    transitions?: { file?: unknown; sha256?: unknown };
  };
}
