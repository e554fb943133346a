/**
 * The optimizer of both fine-tuning rounds (finetune.ts for the transformer's head, pair-finetune.ts for the pair
 * model's): full-batch Adam on a copy of the head, with an L2 pull towards the head it started from, yielding to
 * the worker's message loop every 20 ms so that rank() calls are answered during a round.
 */
import type { HeadArrays } from './head.ts';

const [B1, B2, EPS] = [0.9, 0.999, 1e-8];
/** How long a round computes before it lets the worker answer messages (ms). */
const YIELD_EVERY_MS = 20;

/** How a round lets its thread answer messages: a task later; the worker adds its own wait (setRoundYield). */
let yieldRound = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/**
 * Sets how a fine-tuning round yields to its thread's message loop. The worker waits there too until its store has
 * no call in flight (src/shared/store.ts, storesQuiet), so that no transaction waits on the thread while the round
 * computes.
 */
export function setRoundYield(fn: () => Promise<void>): void {
  yieldRound = fn;
}

/** A head being trained: fill `grads` (same layout as `head`: w, then c), then take a step. */
export interface AnchoredAdam {
  /** The head being trained (a copy of the anchor). */
  head: HeadArrays;
  /** The gradients of the loss for [head.w, head.c], to fill before each step (zeroed by step()). */
  grads: [Float32Array, Float32Array];
  /** Steps taken so far. */
  readonly steps: number;
  /** One Adam step from `grads` (plus the L2 pull towards the anchor); yields when the round has computed for long. */
  step(): Promise<void>;
}

/** @param anchor the head to start from and to stay near (not modified) */
export function anchoredAdam(anchor: HeadArrays, o: { lr: number; l2: number }): AnchoredAdam {
  const head = { w: anchor.w.slice(), c: anchor.c.slice() };
  const params = [head.w, head.c];
  const anchors = [anchor.w, anchor.c];
  const grads: [Float32Array, Float32Array] = [new Float32Array(head.w.length), new Float32Array(head.c.length)];
  const m = params.map((x) => new Float32Array(x.length));
  const v = params.map((x) => new Float32Array(x.length));
  let steps = 0;
  let lastYield = performance.now();
  return {
    head,
    grads,
    get steps() {
      return steps;
    },
    async step() {
      steps++;
      const c1 = 1 - B1 ** steps;
      const c2 = 1 - B2 ** steps;
      params.forEach((x, t) => {
        const [gr, mt, vt, a] = [grads[t]!, m[t]!, v[t]!, anchors[t]!];
        for (let i = 0; i < x.length; i++) {
          const gi = gr[i]! + 2 * o.l2 * (x[i]! - a[i]!);
          mt[i] = B1 * mt[i]! + (1 - B1) * gi;
          vt[i] = B2 * vt[i]! + (1 - B2) * gi * gi;
          x[i] -= (o.lr * (mt[i]! / c1)) / (Math.sqrt(vt[i]! / c2) + EPS);
        }
        gr.fill(0);
      });
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        await yieldRound();
        lastYield = performance.now();
      }
    },
  };
}
