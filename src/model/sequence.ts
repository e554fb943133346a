/**
 * How a shopper's events become the encoder's sequence inputs, one rule for training, serving and
 * fine-tuning: event kinds, time-gap buckets, and left padding (the newest event always sits in the last
 * column, so positions counted from the newest agree whatever the padding). Pure functions, no tfjs.
 */
import type { EventType, HistoryEntry } from '../shared/types.ts';

/** Event types as model inputs. Index 0 is "unknown" (datasets without event types). */
export const EVENT_INDEX: Readonly<Record<EventType | 'unknown', number>> = {
  unknown: 0,
  view_item_list: 1,
  select_item: 2,
  view_item: 3,
  add_to_wishlist: 4,
  add_to_cart: 5,
  remove_from_cart: 6,
  begin_checkout: 7,
  purchase: 8,
};
export const EVENT_KINDS = 9;

/** Time gap buckets (ms upper bounds); index 0 means unknown. */
const GAP_BOUNDS = [60e3, 600e3, 3600e3, 86400e3, 7 * 86400e3, 30 * 86400e3, Infinity];
export const GAP_KINDS = GAP_BOUNDS.length + 1;

/**
 * A gap (ms) that falls in each bucket, by bucket index: the serving snapshot computes one shopper query per
 * bucket, since only the newest event's gap depends on when the next page view comes.
 */
export const GAP_EXAMPLES: readonly number[] = [-1, 0, ...GAP_BOUNDS.slice(0, -1)];

/** Bucket of the time between one event and the next (or now, for the newest). */
export function gapBucket(ms: number | null | undefined): number {
  if (ms == null || !Number.isFinite(ms) || ms < 0) return 0;
  return GAP_BOUNDS.findIndex((b) => ms < b) + 1;
}

/**
 * How far along the way to a purchase each event kind is: a step of the history (below) is of its furthest event's kind.
 * remove_from_cart is not a history event (src/shared/labels.ts); it counts as a step back.
 */
const FUNNEL_STEP: Readonly<Record<EventType, number>> = {
  remove_from_cart: 0,
  view_item_list: 1,
  select_item: 2,
  view_item: 3,
  add_to_wishlist: 4,
  add_to_cart: 5,
  begin_checkout: 6,
  purchase: 7,
};

/** The kind of a step made of both events (of one item): the one further along the way to a purchase (`a` on a tie). */
export function furtherKind<K extends EventType>(a: K, b: K): K {
  return (FUNNEL_STEP[b] ?? 0) > (FUNNEL_STEP[a] ?? 0) ? b : a;
}

/**
 * The newest `max` steps of a shopper's events, both oldest first. A step is a run of consecutive events of
 * one item: the click on its card, its product page, its add to cart are one step of the shopper's path, the newest of
 * them with the furthest kind among them. Every model reads a history so, in the worker (recentSteps) and in training
 * (scripts/lib/data.ts reads a shop's export with it, `max` Infinity). Read event by event, a shopper who opened three
 * products (a click and a page view each) had the newest one and a half of them read as "the newest three" by a model
 * trained on one event per item (Amazon's data has one event per reviewed item, so it is read unchanged).
 * @param itemOf the event's item id
 */
export function lastSteps<E extends { type: EventType }>(events: readonly E[], max: number, itemOf: (e: E) => string): E[] {
  const out: E[] = [];
  for (let i = events.length - 1; i >= 0 && out.length <= max; i--) {
    const e = events[i]!;
    const newer = out[out.length - 1];
    if (newer && itemOf(newer) === itemOf(e)) {
      const type = furtherKind(newer.type, e.type);
      if (type !== newer.type) out[out.length - 1] = { ...newer, type };
    } else out.push(e);
  }
  // The loop stops once it has one step more than it keeps: the oldest kept one then has all its events.
  if (out.length > max) out.length = max;
  return out.reverse();
}

/** The newest `max` steps of a history (lastSteps), oldest first: what a model reads of it. */
export function recentSteps(history: readonly HistoryEntry[], max: number): HistoryEntry[] {
  return lastSteps(history, max, (e) => e.item.id);
}

/** One shopper's events, oldest first, as the encoder reads them. */
export interface EventSequence {
  /** Event kinds (EVENT_INDEX). */
  events: ArrayLike<number>;
  /** Epoch ms per event, or null when the data has no times (every gap is then unknown). */
  ts: ArrayLike<number> | null;
}

/** A history as an event sequence. */
export function historySequence(history: readonly HistoryEntry[]): EventSequence {
  return { events: Int32Array.from(history, (e) => EVENT_INDEX[e.type] ?? 0), ts: Float64Array.from(history, (e) => e.ts) };
}

/** Left-padded encoder inputs of a batch: B rows of L columns, row-major. */
export interface PaddedSequences {
  B: number;
  L: number;
  events: Int32Array;
  gaps: Int32Array;
  /** 1 for real events, 0 for padding. */
  valid: Float32Array;
  /** Visits every kept event: its sequence `b`, its index `i` in that sequence, and its slot `b * L + column`. */
  forEach(fn: (b: number, i: number, slot: number) => void): void;
}

/**
 * Lays out the newest `maxLen` events of each sequence, right-aligned in rows as long as the longest kept
 * sequence (at least 1). Each event's gap is the time to the next event; the newest one's is the time to
 * `now[b]` (when the prediction is made), unknown without it.
 */
export function padSequences(
  seqs: readonly EventSequence[],
  maxLen: number,
  now?: readonly (number | null | undefined)[],
): PaddedSequences {
  const B = seqs.length;
  const kept = seqs.map((s) => Math.min(maxLen, s.events.length));
  const L = Math.max(1, ...kept);
  const forEach = (fn: (b: number, i: number, slot: number) => void) =>
    seqs.forEach((s, b) => {
      const n = kept[b]!;
      const first = s.events.length - n;
      for (let k = 0; k < n; k++) fn(b, first + k, b * L + (L - n) + k);
    });
  const events = new Int32Array(B * L);
  const gaps = new Int32Array(B * L);
  const valid = new Float32Array(B * L);
  forEach((b, i, slot) => {
    const s = seqs[b]!;
    const next = i + 1 < s.events.length ? s.ts?.[i + 1] : now?.[b];
    events[slot] = s.events[i]!;
    gaps[slot] = s.ts && next != null ? gapBucket(next - s.ts[i]!) : 0;
    valid[slot] = 1;
  });
  return { B, L, events, gaps, valid, forEach };
}
