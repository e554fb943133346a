/**
 * The worker's downloads: the model's files and the wasm binary, kept in Cache Storage by version, so a
 * later page view reads them from disk instead of the network. Each file keeps its current and its previous
 * version; older ones are deleted when a new one is stored. Where Cache Storage is missing or refused
 * (insecure origins, some private modes) every file is fetched as usual. Downloads can report progress.
 */
import type { DownloadProgress } from '../shared/protocol.ts';
import { cacheStorage, type CacheOpener } from './asset-cache.ts';
import { readChunks, stallWatch } from '../model/download.ts';

/** One cache per kind of file. */
export type Bucket = 'model' | 'wasm';
const CACHE_NAMES: Record<Bucket, string> = { model: 'reco-model', wasm: 'reco-wasm' };
/** Versions kept per file: the current one and the one before it. */
const KEEP = 2;

export interface FileRequest {
  bucket: Bucket;
  /** What identifies the file across versions (its URL without version, or a logical name). */
  name: string;
  /** The version whose bytes are wanted: a stored copy of another version is never used. */
  version: string;
  /** Report download progress (model files). */
  progress?: boolean;
}

export interface Files {
  /** Cache Storage is usable here. */
  available(): Promise<boolean>;
  /**
   * The bytes of `url` in the asked version: from Cache Storage when stored, else from the network (then
   * stored, older versions deleted). Rejects with the fetch error, or with "HTTP <status>".
   */
  get(url: string, req: FileRequest): Promise<{ bytes: ArrayBuffer; from: 'cache' | 'network' }>;
  /** Deletes the stored copy of this version (it turned out corrupt). */
  drop(url: string, req: FileRequest): Promise<void>;
  /** Cache Storage for other files the worker keeps (the catalog feed); null where missing or once closed. */
  storage(): CacheOpener | null;
  /**
   * Stores nothing more in Cache Storage from now on (forget() was called): every file is fetched. The caches this
   * worker opened are deleted once every open it started has settled: opening a cache creates it, so an open under way
   * when another tab's forget() deleted them made one anew.
   */
  close(): void;
}

export interface FilesDeps {
  fetch?: typeof fetch;
  /** Cache Storage; null or undefined where it is missing. */
  caches?: CacheStorage | null;
  onProgress?: (p: DownloadProgress) => void;
}

/**
 * A cache key per file and version, in a path of its own under the file's origin: it is never requested,
 * and keys of one file share a prefix, so their versions can be found and counted.
 */
function keyOf(url: string, req: FileRequest): { key: string; prefix: string } {
  const prefix = new URL(`/__reco-cache__/${req.bucket}/${encodeURIComponent(req.name)}/`, url).href;
  return { key: prefix + encodeURIComponent(req.version), prefix };
}

export function createFiles(deps: FilesDeps = {}): Files {
  const fetchFn = deps.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const storage = deps.caches === undefined ? cacheStorage() : deps.caches;
  const opened = new Map<Bucket, Promise<Cache | null>>();
  let closed = false;
  /** Every cache this worker opened (a bucket's, the feed's), and the opens it started: close() deletes what they made. */
  const made = new Set<string>();
  const opens: Promise<unknown>[] = [];
  const opener: CacheOpener | null = storage && {
    open(name) {
      made.add(name);
      // An open() that throws at once, rather than rejecting, is a refusal too: no cache.
      const p = new Promise<Cache>((resolve) => resolve(storage.open(name)));
      opens.push(p.catch(() => null));
      return p;
    },
  };
  /** The bucket's cache, or null when Cache Storage is missing or refuses, or once closed (then everything is fetched). */
  const open = (bucket: Bucket): Promise<Cache | null> => {
    if (closed) return Promise.resolve(null);
    let p = opened.get(bucket);
    if (!p) {
      p = opener ? opener.open(CACHE_NAMES[bucket]).catch(() => null) : Promise.resolve(null);
      opened.set(bucket, p);
    }
    return p;
  };

  /** The file's bytes; a request that receives nothing for 20 s is given up (a wasm file that never comes must not hold the backends). */
  async function download(url: string, progress: boolean): Promise<ArrayBuffer> {
    const watch = stallWatch(url);
    try {
      const res = await watch.race(fetchFn(url, { signal: watch.signal }));
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const length = Number(res.headers.get('content-length'));
      const total = Number.isFinite(length) && length > 0 ? length : null;
      const onProgress = progress ? deps.onProgress : undefined;
      const reader = res.body?.getReader();
      if (!reader) return await watch.race(res.arrayBuffer());
      onProgress?.({ file: url, loaded: 0, total });
      return await readChunks(reader, watch.race, (loaded) => {
        watch.alive();
        onProgress?.({ file: url, loaded, total });
      });
    } finally {
      watch.stop();
    }
  }

  /** Stores a new version and deletes this file's versions older than the one before it. */
  async function store(cache: Cache, url: string, req: FileRequest, bytes: ArrayBuffer): Promise<void> {
    const { key, prefix } = keyOf(url, req);
    if (closed) return;
    await cache.put(key, new Response(bytes.slice(0)));
    // keys() lists entries in the order they were stored (a put of an existing key moves it last).
    const versions = (await cache.keys()).filter((r) => r.url.startsWith(prefix));
    await Promise.all(versions.slice(0, -KEEP).map((r) => cache.delete(r)));
  }

  return {
    available: async () => (await open('model')) !== null,
    async get(url, req) {
      const cache = await open(req.bucket);
      const hit = await cache?.match(keyOf(url, req).key).catch(() => undefined);
      if (hit) return { bytes: await hit.arrayBuffer(), from: 'cache' };
      const bytes = await download(url, req.progress === true);
      // A full disk or a refused write only costs the next page view a download.
      if (cache) await store(cache, url, req, bytes).catch(() => {});
      return { bytes, from: 'network' };
    },
    async drop(url, req) {
      await (await open(req.bucket))?.delete(keyOf(url, req).key);
    },
    storage: () => (closed ? null : opener),
    close() {
      if (closed) return;
      closed = true;
      opened.clear();
      if (storage && made.size) {
        void Promise.all(opens)
          .then(() => Promise.all([...made].map((name) => storage.delete(name))))
          .catch(() => {}); // refused: the forgetting page deleted them too
      }
    },
  };
}

/** `fetchIt()` run once: every call gets its own copy of the one response (model.json, read by the host and the engine). */
export function once(fetchIt: () => Promise<Response>): () => Promise<Response> {
  let got: Promise<{ body: ArrayBuffer; status: number; headers: Headers }> | null = null;
  return async () => {
    got ??= fetchIt().then(async (r) => ({ body: await r.arrayBuffer(), status: r.status, headers: r.headers }));
    const { body, status, headers } = await got;
    return new Response(body.slice(0), { status, headers });
  };
}
