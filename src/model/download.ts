/**
 * Model file downloads that cannot hang: a request that receives nothing (no headers, no body bytes) for
 * `STALL_TIMEOUT_MS` is aborted with a ModelError naming the file, so init() settles with a reason instead of
 * waiting for the page's own worker deadline. A slow download that keeps receiving bytes is never cut.
 */
import { ModelError } from '../shared/errors.ts';

/** A model file download that receives no data for this long is abandoned. */
export const STALL_TIMEOUT_MS = 20_000;

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
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stalled!: (err: ModelError) => void;
  const stall = new Promise<never>((_, reject) => (stalled = reject));
  stall.catch(() => {}); // raced below; never an unhandled rejection
  const wait = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const err = new ModelError(`could not fetch ${url}: no data for ${stallMs / 1000} s (stalled download)`);
      stalled(err);
      abort.abort(err);
    }, stallMs);
  };
  try {
    wait();
    let res: Response;
    try {
      res = await Promise.race([fetchFn(url, { signal: abort.signal }), stall]);
    } catch (err) {
      if ((err as Error).name === 'ModelError') throw err;
      throw new ModelError(`could not fetch ${url}: ${(err as Error).message}`);
    }
    if (!res.ok) throw new ModelError(`could not fetch ${url}: HTTP ${res.status}`);
    // A dev server or an SPA host answers a wrong path with its index.html, status 200.
    if (/^text\/html/i.test(res.headers.get('content-type') ?? '')) {
      throw new ModelError(`expected ${what}, got text/html from ${url}: is the path right?`);
    }
    const reader = res.body?.getReader();
    if (!reader) return await Promise.race([res.arrayBuffer(), stall]);
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      wait();
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await Promise.race([reader.read(), stall]);
      } catch (err) {
        void reader.cancel().catch(() => {});
        if ((err as Error).name === 'ModelError') throw err;
        throw new ModelError(`could not fetch ${url}: ${(err as Error).message}`);
      }
      if (step.done) break;
      chunks.push(step.value);
      size += step.value.byteLength;
    }
    const out = new Uint8Array(size);
    let offset = 0;
    for (const c of chunks) {
      out.set(c, offset);
      offset += c.byteLength;
    }
    return out.buffer;
  } finally {
    clearTimeout(timer);
  }
}
