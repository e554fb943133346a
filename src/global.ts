/**
 * The script-tag build (dist/reco.js): defines `window.Reco`, and replays, in order, the calls that the async
 * snippet queued before this script loaded (see the README). The snippet's stub keeps each call as
 * `[method, arguments, resolve, reject]` in `Reco.q` and returns a promise, settled here with the real result.
 */
import * as api from './index.ts';

type Api = typeof api;
type Queued = [method: string, args: ArrayLike<unknown>, resolve?: (value: unknown) => void, reject?: (err: unknown) => void];

const w = window as unknown as { Reco?: { q?: unknown } | Api };
const before = w.Reco;

// A loaded copy has `status` and no queue; the snippet's stub has a queue (`q`), whatever methods it names.
if (before && typeof (before as Api).status === 'function' && !Array.isArray((before as { q?: unknown }).q)) {
  console.warn('[reco] reco.js was loaded twice; the first copy keeps running');
} else {
  const Reco: Api = Object.freeze({ ...api });
  w.Reco = Reco;
  const queue = Array.isArray((before as { q?: unknown } | undefined)?.q) ? ((before as { q: Queued[] }).q as Queued[]) : [];
  // The page never hears an error it did not ask to hear: a call without a reject function is reported here.
  const report = (err: unknown) => console.error('[reco]', err);
  for (const call of queue) {
    const [method, args, resolve, reject = report] = Array.isArray(call) ? call : [];
    try {
      const fn = (Reco as unknown as Record<string, unknown>)[String(method)];
      if (typeof fn !== 'function') throw new TypeError(`Reco.${String(method)} is not a function (queued before reco.js loaded)`);
      Promise.resolve(fn(...Array.from(args ?? []))).then(resolve, reject);
    } catch (err) {
      reject(err);
    }
  }
}
