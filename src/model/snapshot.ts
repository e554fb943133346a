/**
 * The serving snapshot: what one page view computed, kept for the next one, so that its first ranking needs
 * neither TensorFlow.js nor the model. No tfjs here: the worker's fast path runs this before loading them.
 *
 * A score depends on the candidate, the history and "now" only through the newest event's gap bucket (every
 * other gap is between two events). So after each history change the worker stores, for that history:
 * - two-tower models (score = item vector · query): one query per gap bucket and the vectors of the items
 *   seen; the next page view's score is one dot product, the same numbers the model computes;
 * - any other model: its scores of the items seen, per gap bucket.
 * A snapshot answers only for the same model (id, version, weights hash), the same learned head and items seen
 * before; for the same history exactly. A history that grew since (its newest events came after the snapshot
 * was stored: the shopper left the page at once) is answered as the snapshot's older history was, and the answer
 * says how many events behind it is: the model's order for the history a moment ago, not the shop's order. Any
 * other history waits for the model.
 */
import { isItem } from '../shared/rows.ts';
import type { HistoryEntry, ItemFeatures } from '../shared/types.ts';
import { GAP_EXAMPLES, GAP_KINDS, gapBucket, recentSteps } from './sequence.ts';

/** What one page view leaves for the next, stored under the model URL (IndexedDB store 'snapshots'). */
export interface Snapshot {
  format: typeof SNAPSHOT_FORMAT;
  /** The model the numbers come from: see modelKey(). */
  model: string;
  /**
   * weightsKey() of that model: where its learned head is stored. With it, the next page view can check the head and
   * answer before model.json arrives (a slow network revalidating it); snapshots written before it lack it.
   */
  weights?: string;
  /** The head they were computed with: 'shipped', or headKey() of the learned one. */
  head: string;
  /** History events the model reads (its maxLen). */
  maxLen: number;
  /** historyKey() of the history they are for. */
  history: string;
  /** itemKey() of each item, row by row. */
  items: string[];
  /** 'dot': `values` are item vectors (d per item) and `queries` one query per gap bucket; 'table': scores, GAP_KINDS per item. */
  kind: 'dot' | 'table';
  d: number;
  queries: Float32Array;
  values: Float32Array | Float64Array;
  /** When it was computed (epoch ms). */
  at: number;
  /**
   * A hybrid's transformer part as a dot product ('table' snapshots of a hybrid only): its query per gap bucket (head
   * applied; NaN for a bucket not computed), `d` numbers each. The worker scores items the snapshot lacks with it
   * before tfjs loads (src/worker/early-two-tower.ts): the item vectors need only lookups, the plain part its tables.
   */
  transformer?: { d: number; queries: Float32Array };
  /**
   * What the model needs to give these scores again, restored when it loads (the pair model's seen-items IDF:
   * its scores depend on the items it has seen).
   */
  state?: unknown;
  /**
   * What the shop's feed said, when the snapshot was written, of the fields the rules read (availability, category,
   * brand, price, tags) that the page left out of `items`: `{ id, ... }` per item it added something to. The next page
   * view's first arrangements come before its feed loads, and the rules read these all the same.
   */
  feed?: ItemFeatures[];
}

export const SNAPSHOT_FORMAT = 1;

/** A record of Snapshot.feed: an item, its availability a boolean and its tags strings where it has them. */
const isFeedFields = (v: unknown): v is ItemFeatures =>
  isItem(v) &&
  (v.available === undefined || typeof v.available === 'boolean') &&
  (v.tags === undefined || (Array.isArray(v.tags) && v.tags.every((t) => typeof t === 'string')));

/** The weights a learned head belongs to: id, version and weights hash from the model's manifest. */
export const weightsKey = (m: { id: string; version: string; sha256: string }): string => `${m.id}@${m.version}#${m.sha256}`;

/** The model a snapshot belongs to: its weights, and the catalog index it weighs words by when it ships one. */
export const modelKey = (m: { id: string; version: string; sha256: string; indexSha256?: string | undefined }): string =>
  weightsKey(m) + (m.indexSha256 ? `+${m.indexSha256}` : '');

// Memoized per object: a catalog's items are the same objects on every call (5,000 keys cost milliseconds).
const keys = new WeakMap<ItemFeatures, string>();
/** The features an item vector is made of: equal keys, equal vectors. */
export const itemKey = (it: ItemFeatures): string => {
  let k = keys.get(it);
  if (k === undefined) keys.set(it, (k = JSON.stringify([it.id, it.title, it.brand, it.category, it.price])));
  return k;
};

/** What the model reads of a history (its newest `maxLen` events), except the gap after the newest event. */
export function historyKey(history: readonly HistoryEntry[], maxLen: number): string {
  const h = recentSteps(history, maxLen);
  return JSON.stringify(
    h.map((e, i) => (i + 1 < h.length ? [itemKey(e.item), e.type, gapBucket(h[i + 1]!.ts - e.ts)] : [itemKey(e.item), e.type])),
  );
}

/** A learned head's fingerprint (FNV-1a over its float bytes); the shipped head is 'shipped'. */
export function headKey(head: { w: Float32Array; c: Float32Array } | null): string {
  if (!head) return 'shipped';
  let h = 0x811c9dc5;
  for (const a of [head.w, head.c]) {
    for (const byte of new Uint8Array(a.buffer, a.byteOffset, a.byteLength)) h = Math.imul(h ^ byte, 0x01000193);
  }
  return `learned:${(h >>> 0).toString(16)}:${head.w.length}`;
}

/** The "now" of each gap bucket after an event at `newest`: scoring at it gives that bucket's numbers. */
export const bucketTimes = (newest: number): number[] => GAP_EXAMPLES.map((gap) => newest + gap);

/** Every gap bucket, in order. */
export const ALL_BUCKETS: readonly number[] = GAP_EXAMPLES.map((_, b) => b);

/** A next page view "at once": within this many ms (a reload, the shop's next page). */
const AT_ONCE_MS = 10_000;

/**
 * The gap buckets of a next page view that comes at once, for this history at `now`: a snapshot of them alone is
 * stored first, before the other buckets are computed, so that a shopper who leaves at once finds it. Just after a
 * click, the first minute's; for a history last changed days ago, that day's; near a bucket's end, the next one too.
 */
export function bucketsAtOnce(history: readonly HistoryEntry[], now: number): number[] {
  const newest = history[history.length - 1]!.ts;
  return [...new Set([gapBucket(now - newest), gapBucket(now + AT_ONCE_MS - newest)])];
}

/** Whether a snapshot holds the numbers of `bucket` (one stored first holds {@link bucketsAtOnce} only; the rest are NaN). */
function holds(snapshot: Snapshot, bucket: number): boolean {
  if (snapshot.kind === 'dot') return !Number.isNaN(snapshot.queries[bucket * snapshot.d]);
  return !snapshot.items.length || !Number.isNaN(snapshot.values[bucket]);
}

/** The stored value, if it is a snapshot this code can read (rows read back from IndexedDB are not trusted). */
export function asSnapshot(x: unknown): Snapshot | null {
  const s = x as Partial<Snapshot> | null;
  if (!s || typeof s !== 'object' || s.format !== SNAPSHOT_FORMAT || !Array.isArray(s.items)) return null;
  if (typeof s.model !== 'string' || typeof s.head !== 'string' || typeof s.history !== 'string') return null;
  const n = s.items.length;
  const rows = s.kind === 'dot' ? s.d! : GAP_KINDS;
  const ok =
    (s.kind === 'dot' || s.kind === 'table') &&
    Number.isInteger(s.d) &&
    Number.isInteger(s.maxLen) &&
    (s.values instanceof Float32Array || s.values instanceof Float64Array) &&
    s.values.length === n * rows &&
    s.queries instanceof Float32Array &&
    s.queries.length === (s.kind === 'dot' ? GAP_KINDS * s.d! : 0) &&
    (s.transformer === undefined ||
      (s.kind === 'table' &&
        Number.isInteger(s.transformer?.d) &&
        s.transformer.queries instanceof Float32Array &&
        s.transformer.queries.length === GAP_KINDS * s.transformer.d));
  if (!ok) return null;
  if (s.weights !== undefined && typeof s.weights !== 'string') return null;
  // A record of the feed that is not a list of items is left out, not the scores. A snapshot an earlier version
  // stored kept the unavailable items' ids alone.
  const legacy = (s as { unavailable?: unknown }).unavailable;
  const feed: unknown = Array.isArray(legacy) ? legacy.map((id: unknown) => ({ id, available: false })) : s.feed;
  if (feed === s.feed && (feed === undefined || (Array.isArray(feed) && feed.every(isFeedFields)))) return s as Snapshot;
  return { ...(s as Snapshot), feed: Array.isArray(feed) && feed.every(isFeedFields) ? feed : undefined };
}

/**
 * The scores a snapshot gives, with the history events newer than the snapshot (0: exact), or why it cannot
 * give them.
 */
export type SnapshotAnswer = { scores: number[]; behind: number } | { miss: string };

/** How many of the history's newest events came after the snapshot's history (0: the same history), or -1: another history. */
function eventsBehind(snapshot: Snapshot, history: readonly HistoryEntry[]): number {
  for (let k = 0; k < history.length; k++) {
    if (historyKey(history.slice(0, history.length - k), snapshot.maxLen) === snapshot.history) return k;
  }
  return -1;
}

/**
 * Scores of `candidates` for `history` at `now` from a snapshot (of that history, or of an older one it grew
 * from), or a miss when it cannot answer.
 * @param current the model and head the engine would use now
 */
export function snapshotScores(
  snapshot: Snapshot | null,
  current: { model: string; head: string },
  history: readonly HistoryEntry[],
  candidates: readonly ItemFeatures[],
  now: number,
): SnapshotAnswer {
  if (!snapshot) return { miss: 'no snapshot stored' };
  if (snapshot.model !== current.model) return { miss: 'the model changed' };
  if (snapshot.head !== current.head) return { miss: 'the learned head changed' };
  const behind = eventsBehind(snapshot, history);
  if (behind < 0) return { miss: 'the history changed' };
  const bucket = gapBucket(now - history[history.length - 1 - behind]!.ts);
  if (!holds(snapshot, bucket)) return { miss: 'the time since the newest event is not computed yet' };
  const rows = new Map(snapshot.items.map((key, i) => [key, i]));
  const { d, values, queries } = snapshot;
  const scores: number[] = [];
  for (const it of candidates) {
    const r = rows.get(itemKey(it));
    if (r === undefined) return { miss: `an item not seen before (${it.id})` };
    if (snapshot.kind === 'table') scores.push(values[r * GAP_KINDS + bucket]!);
    else {
      // The same loop as the serving cache's dot(): the same numbers, not merely close ones.
      let s = 0;
      for (let k = 0; k < d; k++) s += values[r * d + k]! * queries[bucket * d + k]!;
      scores.push(s);
    }
  }
  return { scores, behind };
}

/**
 * A two-tower model's query for `history` at `now` from a snapshot of exactly that history (a transformer's, or a
 * hybrid's transformer part), `d` numbers with the head applied; or why there is none. Items the snapshot lacks are
 * scored with it: one dot product with their vectors, which need no forward pass.
 * @param current the model and head the engine would use now
 */
export function snapshotQuery(
  snapshot: Snapshot | null,
  current: { model: string; head: string },
  history: readonly HistoryEntry[],
  now: number,
): { query: Float32Array; d: number } | { miss: string } {
  if (!snapshot) return { miss: 'no snapshot stored' };
  if (snapshot.model !== current.model) return { miss: 'the model changed' };
  if (snapshot.head !== current.head) return { miss: 'the learned head changed' };
  const q = snapshot.kind === 'dot' ? { d: snapshot.d, queries: snapshot.queries } : snapshot.transformer;
  if (!q) return { miss: 'the model is not a two-tower model' };
  if (!history.length || historyKey(history, snapshot.maxLen) !== snapshot.history) return { miss: 'the history changed' };
  const b = gapBucket(now - history[history.length - 1]!.ts);
  const query = q.queries.slice(b * q.d, (b + 1) * q.d);
  if (Number.isNaN(query[0])) return { miss: 'the time since the newest event is not computed yet' };
  return { query, d: q.d };
}

/**
 * A 'table' snapshot for a model whose score is not a dot product: its own scores of `items`, once per gap
 * bucket of `buckets` (the others NaN). Exact by construction: the fast path returns what `score` returned.
 */
export async function tableSnapshot(
  score: (history: readonly HistoryEntry[], items: readonly ItemFeatures[], now: number) => Promise<ArrayLike<number>>,
  meta: { model: string; head: string; weights?: string; maxLen: number },
  history: readonly HistoryEntry[],
  items: readonly ItemFeatures[],
  buckets: readonly number[] = ALL_BUCKETS,
): Promise<Snapshot> {
  const values = new Float64Array(items.length * GAP_KINDS).fill(NaN);
  const times = bucketTimes(history[history.length - 1]!.ts);
  for (const b of buckets) {
    const s = await score(history, items, times[b]!);
    for (let i = 0; i < items.length; i++) values[i * GAP_KINDS + b] = s[i]!;
  }
  return {
    format: SNAPSHOT_FORMAT,
    ...meta,
    history: historyKey(history, meta.maxLen),
    items: items.map(itemKey),
    kind: 'table',
    d: GAP_KINDS,
    queries: new Float32Array(0),
    values,
    at: Date.now(),
  };
}
