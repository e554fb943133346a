/**
 * The baselines of a dataset's eval table on its test users, and a model's standing against each, as
 * `npm run train` prints them at its start and end (the same rows and definitions as `npm run eval`).
 */
import type { Sequence } from '../../src/model/train/trainer.ts';
import type { ItemFeatures } from '../../src/shared/types.ts';
import { baselineSpecs, chooseBlendWeight, contentIndex, cooccurrenceTable } from './baselines.ts';
import { runScorer, summarize, type EvalUser } from './evaluate.ts';
import type { RankingMetrics } from './metrics.ts';

export interface Row {
  name: string;
  full: RankingMetrics;
}

/** Every baseline row of the eval table on `users` (full ranking, history excluded), the blend's weight chosen on `valid`. */
export function baselineRows(
  items: readonly ItemFeatures[],
  train: readonly Sequence[],
  users: readonly EvalUser[],
  valid: readonly EvalUser[],
  catalog: readonly ItemFeatures[] = items,
): { rows: Row[]; blendWeight: number } {
  const index = contentIndex(items, catalog);
  const table = cooccurrenceTable(train, items.length);
  const blend = chooseBlendWeight(items, train, valid, { index, table });
  const rows = baselineSpecs(items, blend.weight).map((b) => ({
    name: b.name,
    full: summarize(runScorer(b.make(train, { index, table }), users, items.length)).full,
  }));
  return { rows, blendWeight: blend.weight };
}

const f4 = (x: number) => x.toFixed(4);

/** The rows as a small table: HR@10 and NDCG@10. */
export function formatRows(rows: readonly Row[]): string {
  const width = Math.max(...rows.map((r) => r.name.length), 8);
  return rows.map((r) => `  ${r.name.padEnd(width)}  HR@10 ${f4(r.full['HR@10'])}  NDCG@10 ${f4(r.full['NDCG@10'])}`).join('\n');
}

/** Does `m` beat `b` on both HR@10 and NDCG@10? */
export const beats = (m: RankingMetrics, b: RankingMetrics): boolean => m['HR@10'] > b['HR@10'] && m['NDCG@10'] > b['NDCG@10'];

/** One line per baseline: the model's NDCG@10 and HR@10 against it, relative, and whether it beats it on both. */
export function formatStanding(model: RankingMetrics, rows: readonly Row[]): string {
  const width = Math.max(...rows.map((r) => r.name.length), 8);
  const rel = (a: number, b: number) => (b > 0 ? `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)}%` : a > 0 ? 'above 0' : '=');
  return rows
    .map(
      (r) =>
        `  ${beats(model, r.full) ? 'beats  ' : 'BELOW  '}${r.name.padEnd(width)}  NDCG@10 ${f4(model['NDCG@10'])} vs ${f4(r.full['NDCG@10'])} (${rel(model['NDCG@10'], r.full['NDCG@10'])}), HR@10 ${f4(model['HR@10'])} vs ${f4(r.full['HR@10'])} (${rel(model['HR@10'], r.full['HR@10'])})`,
    )
    .join('\n');
}

/** Below this many test users, train and eval say that their figures are noisy. */
export const FEW_TEST_USERS = 200;

/**
 * One line saying that `n` test users give noisy figures, or null from FEW_TEST_USERS on: 5 shoppers printed
 * "beats co-occurrence ... +100.0%" with no word that one user's hit made the difference.
 */
export function fewUsersNote(n: number): string | null {
  if (n >= FEW_TEST_USERS) return null;
  return `only ${n} test users: figures at this size are noisy (one user's hit is ${(1 / n).toFixed(4)} of HR@10), so a small gap between two rows may be chance`;
}
