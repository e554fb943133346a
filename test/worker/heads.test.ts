import { describe, expect, it } from 'vitest';
import { createHeads } from '../../src/worker/heads.ts';

const head = (v: number, d = 2) => ({ w: new Float32Array(d * d).fill(v), c: new Float32Array(d).fill(v) });

describe('heads', () => {
  it('scores with the shipped head until one is accepted; rollback goes back to the one before', () => {
    const shipped = head(0);
    const heads = createHeads(shipped, { w: 4, c: 2 });
    expect(heads.inUse()).toBe(shipped);
    const first = head(1);
    const second = head(2);
    heads.accept(first);
    heads.accept(second);
    expect(heads.inUse()).toBe(second);
    expect(heads.rollback()).toBe('personal');
    expect(heads.inUse()).toBe(first);
    expect(heads.rollback()).toBe('shipped');
    expect(heads.inUse()).toBe(shipped);
    expect(heads.shipped()).toBe(shipped);
  });

  it('uses a stored head with its previous one, and refuses heads of another width', () => {
    const heads = createHeads(head(0), { w: 4, c: 2 });
    const prev = head(1);
    expect(heads.set(head(2), prev)).toBe('personal');
    heads.rollback();
    expect(heads.inUse()).toBe(prev);
    expect(heads.set(null, null)).toBe('shipped');
    expect(() => heads.set(head(1, 3), null)).toThrow('setHead: expected w of 4 and c of 2 values');
    expect(() => heads.set(null, head(1, 3))).toThrow(TypeError);
  });
});
