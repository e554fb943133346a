import { describe, expect, it } from 'vitest';
import { EVENT_INDEX, gapBucket, historySequence, padSequences } from '../../src/model/sequence.ts';

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
