/**
 * The scoring heads of the loaded model: the shipped one, the one learned on this device in use (if any),
 * and the one before it, for rollback. Plain arrays: serving and explain run the head in JS.
 */
import type { HeadArrays } from '../model/head.ts';
import type { HeadInUse } from '../shared/learning.ts';

/** What {@link createHeads} returns. */
export interface Heads {
  /** The head scores are computed with: the learned one, else the shipped one. */
  inUse(): HeadArrays;
  shipped(): HeadArrays;
  /** Uses a newly accepted head; the one it replaces is kept for rollback(). */
  accept(head: HeadArrays): void;
  /**
   * Uses `head` (null: the shipped one), with `prev` to go back to on rollback() (null: the shipped one).
   * @throws TypeError when the arrays do not fit the model's head (`size`)
   */
  set(head: HeadArrays | null, prev: HeadArrays | null): HeadInUse;
  /** Goes back to the head used before the last accept() or set(). */
  rollback(): HeadInUse;
}

/** @param shipped the model's own head; `size` the lengths of its arrays (a transformer's: d x d and d) */
export function createHeads(shipped: HeadArrays, size: { w: number; c: number }): Heads {
  let learned: HeadArrays | null = null;
  let previous: HeadArrays | null = null;
  const use = (head: HeadArrays | null): HeadInUse => {
    learned = head;
    return learned ? 'personal' : 'shipped';
  };
  return {
    inUse: () => learned ?? shipped,
    shipped: () => shipped,
    accept(head) {
      previous = learned;
      use(head);
    },
    set(head, prev) {
      for (const h of [head, prev]) {
        if (h && (h.w?.length !== size.w || h.c?.length !== size.c))
          throw new TypeError(`setHead: expected w of ${size.w} and c of ${size.c} values`);
      }
      previous = prev;
      return use(head);
    },
    rollback() {
      const back = previous;
      previous = null;
      return use(back);
    },
  };
}
