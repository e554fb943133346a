/**
 * rank() and explain(): the worker assembles the shopper's history (the page sends what it has not written yet)
 * and scores. Personalization is off (input order, scores 0; no reasons) without an engine, in the control
 * group, without a history, or when something fails (reported, never thrown).
 */
import type { RankReply } from '../shared/protocol.ts';
import type { ItemFeatures } from '../shared/types.ts';
import type { Explanation } from './api.ts';
import type { EngineClient } from './engine-client.ts';
import type { ShopperHistory } from './history.ts';

export interface RankerOptions {
  /** Personalization runs: not the control group, and the engine did not fail to start. */
  active(): boolean;
  /** A ranking was answered (by the snapshot or the model). */
  onReply?(reply: RankReply): void;
  /** Hears failures; a ranking that fails before the model is loaded is not reported (init() reports why the engine failed). */
  onError(err: Error): void;
  /** The model is loaded: from then on a failed ranking is reported. */
  ready?(): boolean;
}

/** What {@link createRanker} returns. */
export interface Ranker {
  /** Scores of these items (same order), or null when personalization is off or failed: the caller keeps its order. */
  score(items: ItemFeatures[]): Promise<number[] | null>;
  /** RecoInstance.rank: items best first. */
  rank(items: unknown): Promise<{ id: string; score: number }[]>;
  /** RecoInstance.explain. */
  explain(itemId: unknown): Promise<Explanation>;
}

export function createRanker(engine: EngineClient | null, history: ShopperHistory, o: RankerOptions): Ranker {
  const score = async (items: ItemFeatures[]): Promise<number[] | null> => {
    if (!engine || !o.active() || !items.length) return null;
    try {
      const reply = await engine.rank({ ...(await history.request()), candidates: items });
      o.onReply?.(reply);
      return reply.scores;
    } catch (err) {
      if (o.ready?.() ?? true) o.onError(err as Error);
      return null;
    }
  };

  return {
    score,
    async rank(items) {
      const features = rankInput(items, history.seen, o.onError);
      // Items passed with features teach the page their features; bare ids only when they were seen with a title.
      history.remember(features.filter((f) => typeof (items as unknown[])[0] !== 'string' || f.title));
      return byScore(features, await score(features));
    },
    async explain(itemId) {
      const none: Explanation = { itemId: itemId as string, because: [] };
      if (typeof itemId !== 'string' || !itemId) {
        o.onError(new TypeError(`explain(itemId): expected a non-empty string, got ${JSON.stringify(itemId)}`));
        return none;
      }
      if (!engine || !o.active()) return none;
      try {
        // The worker picks and titles the reasons (reasons() in src/shared/protocol.ts).
        return { itemId, because: await engine.explain(history.seen(itemId) ?? { id: itemId }, await history.request()) };
      } catch (err) {
        o.onError(err as Error);
        return none;
      }
    },
  };
}

/**
 * rank()'s input as item features: an id is looked up among the items seen on the page (else the id alone).
 * Entries without an id are reported to `onError` (naming their index) and left out; so is a non-array input.
 */
export function rankInput(items: unknown, seen: (id: string) => ItemFeatures | undefined, onError: (err: Error) => void): ItemFeatures[] {
  if (!Array.isArray(items)) {
    onError(new TypeError('rank(items): expected an array of ids or { id, title?, category?, brand?, price? } items'));
    return [];
  }
  return items.flatMap((it: unknown, i) => {
    const f = typeof it === 'string' ? (seen(it) ?? { id: it }) : (it as ItemFeatures | null);
    if (!f || typeof f.id !== 'string' || !f.id) {
      onError(new TypeError(`rank(items): items[${i}].id expected a non-empty string`));
      return [];
    }
    return [f];
  });
}

/** Items best first; without scores all are 0 and the stable sort keeps the input order. */
export function byScore(items: readonly ItemFeatures[], scores: readonly number[] | null): { id: string; score: number }[] {
  return items.map((f, i) => ({ id: f.id, score: scores?.[i] ?? 0 })).sort((a, b) => b.score - a.score);
}
