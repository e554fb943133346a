/**
 * Model file downloads that cannot hang: a request that receives nothing (no headers, no body bytes) for
 * `STALL_TIMEOUT_MS` is aborted with a ModelError naming the file, so init() settles with a reason instead of
 * waiting for the page's own worker deadline. A slow download that keeps receiving bytes is never cut.
 */
import { ModelError } from '../shared/errors.ts';

/** A model file download that receives no data for this long is abandoned. */
export const STALL_TIMEOUT_MS = 20_000;

/**
 * A download's deadline, pushed back by every sign of life: `alive()` on each chunk; after `ms` without one the
 * request is aborted and `race()`d promises reject with a ModelError naming the file.
 */
export function stallWatch(url: string, ms = STALL_TIMEOUT_MS) {
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stalled!: (err: ModelError) => void;
  const stall = new Promise<never>((_, reject) => (stalled = reject));
  stall.catch(() => {}); // raced by the caller; never an unhandled rejection
  const alive = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const err = new ModelError(`could not fetch ${url}: no data for ${ms / 1000} s (stalled download)`);
      stalled(err);
      abort.abort(err);
    }, ms);
  };
  alive();
  return {
    signal: abort.signal,
    alive,
    race: <T>(p: Promise<T>): Promise<T> => Promise.race([p, stall]),
    stop: () => clearTimeout(timer),
  };
}

/** A response body's bytes, read chunk by chunk: `onChunk` hears each (the watch's `alive`, a progress callback). */
export async function readChunks(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  race: <T>(p: Promise<T>) => Promise<T>,
  onChunk: (loaded: number) => void,
): Promise<ArrayBuffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let step: ReadableStreamReadResult<Uint8Array>;
    try {
      step = await race(reader.read());
    } catch (err) {
      void reader.cancel().catch(() => {});
      throw err;
    }
    if (step.done) break;
    chunks.push(step.value);
    size += step.value.byteLength;
    onChunk(size);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out.buffer;
}

/**
 * The bytes at `url`.
 * @param what what the file should be, for the message when an HTML page comes instead ("a model manifest")
 * @throws ModelError naming the file: the request failed, the answer was not 2xx, an HTML page came instead of
 *   the file, or no data came for `stallMs`
 */
export async function download(
  url: string,
  fetchFn: typeof fetch,
  what = 'the model file',
  stallMs = STALL_TIMEOUT_MS,
): Promise<ArrayBuffer> {
  const watch = stallWatch(url, stallMs);
  const named = (err: unknown) =>
    (err as Error).name === 'ModelError' ? (err as ModelError) : new ModelError(`could not fetch ${url}: ${(err as Error).message}`);
  try {
    let res: Response;
    try {
      res = await watch.race(fetchFn(url, { signal: watch.signal }));
    } catch (err) {
      throw named(err);
    }
    if (!res.ok) throw new ModelError(`could not fetch ${url}: HTTP ${res.status}`);
    // A dev server or an SPA host answers a wrong path with its index.html, status 200.
    if (/^text\/html/i.test(res.headers.get('content-type') ?? '')) {
      throw new ModelError(`expected ${what}, got text/html from ${url}: is the path right?`);
    }
    const reader = res.body?.getReader();
    if (!reader) return await watch.race(res.arrayBuffer());
    return await readChunks(reader, watch.race, watch.alive).catch((err: unknown) => {
      throw named(err);
    });
  } finally {
    watch.stop();
  }
}
