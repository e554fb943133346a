/**
 * Files the worker fetches and keeps in Cache Storage between page views, revalidated by ETag (or Last-Modified): a
 * stored copy is asked about with `If-None-Match` (`If-Modified-Since`), a 304 answer keeps it, a 200 answer replaces
 * it. A copy served with neither is kept too: it is what a server error or a stalled server leaves. One entry per cache
 * name is kept (the newest URL), so a feed that moves leaves nothing behind. Cache names start with `reco-`
 * (forget() clears them all). Without Cache Storage (insecure origins, some private modes) it is a plain fetch.
 */

export interface CachedText {
  text: string;
  /** The answer came from Cache Storage (the server said 304, or could not be reached). */
  fromCache: boolean;
  etag: string | null;
  /**
   * Why the server's answer was not used and the stored copy was (e.g. `answered HTTP 404`, `no answer within 10 s`):
   * the copy may be out of date. Absent when the server confirmed it (304) or sent the file.
   */
  stale?: string;
}

/** A file that has not fully arrived within this long is given up (its stored copy is used when there is one). */
export const FETCH_TIMEOUT_MS = 10_000;

/** What the worker's caches need of Cache Storage: opening one by name (files.ts counts the opens). */
export type CacheOpener = Pick<CacheStorage, 'open'>;

/**
 * This worker's Cache Storage, or null where there is none or it is refused. Firefox throws as `caches` is read (an
 * NS_ERROR_FAILURE exception, `typeof caches` included) in the worker of an opaque origin, a sandboxed frame's.
 */
export function cacheStorage(): CacheStorage | null {
  try {
    return typeof caches === 'undefined' ? null : caches;
  } catch {
    return null;
  }
}

async function openCache(storage: CacheOpener | null | undefined, name: string): Promise<Cache | null> {
  try {
    return (await storage?.open(name)) ?? null;
  } catch {
    return null; // SecurityError in some private modes
  }
}

/**
 * The text at `url`, from Cache Storage when the server confirms it is current. No cookies or referrer go
 * with the request: it is public data, and nothing about the shopper is sent. `storage` gives the Cache Storage to
 * use, asked once the file is fetched as well (null after forget(): nothing is stored).
 * @throws Error naming the URL and the HTTP status when nothing usable is stored and the fetch fails
 */
export async function fetchCached(
  url: string,
  cacheName: string,
  fetchFn: typeof fetch = fetch,
  storage: () => CacheOpener | null | undefined = cacheStorage,
): Promise<CachedText> {
  const cache = await openCache(storage(), cacheName);
  const stored = await cache?.match(url).catch(() => undefined);
  const etag = stored?.headers.get('etag') ?? null;
  const modified = stored?.headers.get('last-modified');
  const fromStore = async (stale?: string): Promise<CachedText> => ({
    text: await stored!.text(),
    fromCache: true,
    etag,
    ...(stale && { stale }),
  });
  // A server that never answers (or stops sending) must not hold every placement: given up after FETCH_TIMEOUT_MS.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), FETCH_TIMEOUT_MS);
  let res: Response;
  let text: string | null = null;
  try {
    res = await fetchFn(url, {
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
      cache: 'no-store',
      headers: etag ? { 'if-none-match': etag } : modified ? { 'if-modified-since': modified } : {},
      signal: abort.signal,
    });
    if (res.ok) text = await res.text();
  } catch (err) {
    const why = abort.signal.aborted ? `no answer within ${FETCH_TIMEOUT_MS / 1000} s` : (err as Error).message;
    if (stored) return fromStore(why);
    throw new Error(`could not fetch ${url}: ${why}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
  if (text === null) {
    // 304, or a server error: no reason to drop the copy the last page view stored (an error is said, though).
    if (stored) return fromStore(res.status === 304 ? undefined : `answered HTTP ${res.status}`);
    throw new Error(`${url} answered HTTP ${res.status}`);
  }
  const fresh = res.headers.get('etag');
  if (cache && storage()) {
    try {
      for (const old of await cache.keys()) if (old.url !== url) await cache.delete(old);
      const headers = new Headers({ 'content-type': res.headers.get('content-type') ?? '' });
      for (const name of ['etag', 'last-modified']) if (res.headers.has(name)) headers.set(name, res.headers.get(name)!);
      await cache.put(url, new Response(text, { headers }));
    } catch {
      // A full or refused cache only costs a download on the next page view.
    }
  }
  return { text, fromCache: false, etag: fresh };
}
