import { describe, expect, it } from 'vitest';
import { EVENT_INDEX, furtherKind, gapBucket, historySequence, padSequences, recentSteps } from '../../src/model/sequence.ts';
import type { EventType, HistoryEntry } from '../../src/shared/types.ts';

const MIN = 60e3;

describe('gapBucket', () => {
  it('buckets known gaps from 1 and unknown ones to 0', () => {
    expect(gapBucket(0)).toBe(1);
    expect(gapBucket(30e3)).toBe(1);
    expect(gapBucket(60e3)).toBe(2);
    expect(gapBucket(40 * 86400e3)).toBe(7);
    for (const g of [null, undefined, -1, Number.NaN]) expect(gapBucket(g)).toBe(0);
  });
});

describe('padSequences', () => {
  it('right-aligns each sequence in rows as long as the longest, padding on the left', () => {
    const p = padSequences(
      [
        { events: [2, 3], ts: null },
        { events: [5, 5, 8], ts: null },
      ],
      50,
    );
    expect([p.B, p.L]).toEqual([2, 3]);
    expect(Array.from(p.events)).toEqual([0, 2, 3, 5, 5, 8]);
    expect(Array.from(p.valid)).toEqual([0, 1, 1, 1, 1, 1]);
    const slots: [number, number, number][] = [];
    p.forEach((b, i, slot) => slots.push([b, i, slot]));
    expect(slots).toEqual([
      [0, 0, 1],
      [0, 1, 2],
      [1, 0, 3],
      [1, 1, 4],
      [1, 2, 5],
    ]);
  });

  it('keeps the newest maxLen events', () => {
    const p = padSequences([{ events: [1, 2, 3, 4], ts: null }], 2);
    expect(Array.from(p.events)).toEqual([3, 4]);
    const kept: number[] = [];
    p.forEach((_, i) => kept.push(i));
    expect(kept).toEqual([2, 3]);
  });

  it('gives each event the gap to the next one, the newest the gap to now, and 0 where the time is unknown', () => {
    const ts = [0, 30e3, 30e3 + 2 * 86400e3];
    expect(Array.from(padSequences([{ events: [2, 2, 2], ts }], 50, [ts[2]! + 5 * MIN]).gaps)).toEqual([
      gapBucket(30e3),
      gapBucket(2 * 86400e3),
      gapBucket(5 * MIN),
    ]);
    expect(Array.from(padSequences([{ events: [2, 2, 2], ts }], 50).gaps)).toEqual([gapBucket(30e3), gapBucket(2 * 86400e3), 0]);
    expect(Array.from(padSequences([{ events: [2, 2], ts: null }], 50, [1e12]).gaps)).toEqual([0, 0]);
  });

  it('has one column for an empty batch row, all padding', () => {
    const p = padSequences([{ events: [], ts: null }], 50);
    expect([p.L, Array.from(p.valid)]).toEqual([1, [0]]);
  });
});

describe('historySequence', () => {
  it('encodes event types by EVENT_INDEX and keeps the times', () => {
    const s = historySequence([
      { item: { id: 'a' }, type: 'select_item', ts: 5 },
      { item: { id: 'b' }, type: 'purchase', ts: 9 },
    ]);
    expect(Array.from(s.events)).toEqual([EVENT_INDEX.select_item, EVENT_INDEX.purchase]);
    expect(Array.from(s.ts!)).toEqual([5, 9]);
  });
});

describe('recentSteps', () => {
  const e = (id: string, type: EventType, ts: number): HistoryEntry => ({ item: { id }, type, ts });
  const read = (h: HistoryEntry[]) => h.map((v) => `${v.item.id} ${v.type} ${v.ts}`);

  it('reads consecutive events of one item as one step, of the furthest kind, at the newest time', () => {
    const history = [
      e('a', 'select_item', 1),
      e('a', 'view_item', 2),
      e('b', 'select_item', 3),
      e('b', 'view_item', 4),
      e('b', 'add_to_cart', 5),
      e('b', 'view_item', 6), // back to the product page after adding it
      e('c', 'purchase', 7),
      e('a', 'select_item', 8), // a again, later: another step
    ];
    expect(read(recentSteps(history, 10))).toEqual(['a view_item 2', 'b add_to_cart 6', 'c purchase 7', 'a select_item 8']);
  });

  it('keeps the newest max steps, each whole', () => {
    const history = [
      e('a', 'view_item', 1),
      e('b', 'purchase', 2),
      e('b', 'select_item', 3),
      e('c', 'select_item', 4),
      e('c', 'view_item', 5),
    ];
    expect(read(recentSteps(history, 2))).toEqual(['b purchase 3', 'c view_item 5']);
    expect(read(recentSteps(history, 1))).toEqual(['c view_item 5']);
    expect(recentSteps(history, 0)).toEqual([]);
    expect(recentSteps([], 5)).toEqual([]);
  });

  it('leaves a history of one event per item as it is (the newest max of it)', () => {
    const history = ['a', 'b', 'c', 'd'].map((id, i) => e(id, 'view_item', i));
    expect(recentSteps(history, 10)).toEqual(history);
    expect(recentSteps(history, 3)).toEqual(history.slice(-3));
  });

  it('orders kinds along the way to a purchase', () => {
    expect(furtherKind('select_item', 'view_item')).toBe('view_item');
    expect(furtherKind('add_to_cart', 'view_item')).toBe('add_to_cart');
    expect(furtherKind('begin_checkout', 'purchase')).toBe('purchase');
    expect(furtherKind('add_to_wishlist', 'select_item')).toBe('add_to_wishlist');
  });
});
