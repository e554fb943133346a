/**
 * Offline evaluation of placements, merchandising rules and personalized search on a dataset (leave-one-out
 * split of ../shared/data/README.md), with the code the worker runs (src/model/placements.ts, arrange.ts):
 *
 *  1. "Similar items" given only the current item: each user's last item before the target is the current
 *     item; the target is ranked against every item but that one (full ranking), HR@10 / NDCG@10, against
 *     item co-occurrence and TF-IDF similarity of that item alone, and the model alone. The text share of the
 *     blend is chosen on the validation targets.
 *  2. Rules: random rules on real lists (for you, similar, because you viewed): how often what they must
 *     guarantee holds (never an unavailable, filtered or just-bought item; the diversity cap wherever it can
 *     be met; the limit).
 *  3. Search: a query made of the target's brand and category words, the shop's relevance order from TF-IDF
 *     on the query alone (its top 48), and NDCG@10 of the target for relevance only against the blend with
 *     the shopper's scores (searchWeight chosen on the validation targets), with where the relevance-only top
 *     result ends up.
 *
 *   npx tsx scripts/eval-placements.ts --data ../shared/data/beauty --model public/models/default [--users N] [--json FILE]
 */
import { writeFileSync } from 'node:fs';
import { parseFlags } from './lib/cli.ts';
import { arrange, BEST_MATCH_LOWEST } from '../src/model/arrange.ts';
import { contentIndex } from '../src/model/content.ts';
import { headArrays } from '../src/model/head.ts';
import type { HybridTables } from '../src/model/hybrid.ts';
import { createHybridScorer } from '../src/model/hybrid-predict.ts';
import { isPairModel, type LoadedModel } from '../src/model/io.ts';
import { createPairScorer } from '../src/model/pair-scorer.ts';
import { blendSimilar, recommendFrom, SIMILAR_TEXT_SHARE, type PlacementCatalog } from '../src/model/placements.ts';
import { rng } from '../src/model/rng.ts';
import { EVENT_INDEX } from '../src/model/sequence.ts';
import { createServingCache } from '../src/model/serving-cache.ts';
import { readAnyModel } from '../src/model/train/model-files.ts';
import { setupTf } from '../src/model/train/setup-tf.ts';
import type { Sequence } from '../src/model/train/trainer.ts';
import { DEFAULTS } from '../src/shared/options.ts';
import { validateRules, type Rules } from '../src/shared/rules.ts';
import type { HistoryEntry, ItemFeatures } from '../src/shared/types.ts';
import { cooccurrenceTable, itemCounts, neighbours, type BatchScorer } from './lib/baselines.ts';
import { loadDataset, makeCatalog, splitLeaveOneOut } from './lib/data.ts';
import { hybridScorer, modelScorer, pairModelScorer } from './lib/evaluate.ts';
import { measureAsTrained } from './lib/hybrid.ts';
import { termStats } from '../src/model/text.ts';
import { rankOf, rankingMetrics } from './lib/metrics.ts';

const USAGE = 'usage: npx tsx scripts/eval-placements.ts --data DIR [--model DIR] [--users N] [--valid-users N] [--json FILE]';
const { values: a } = parseFlags('eval:placements', USAGE, {
  options: {
    data: { type: 'string' },
    model: { type: 'string', default: 'public/models/default' },
    users: { type: 'string' },
    'valid-users': { type: 'string', default: '5000' },
    'rule-lists': { type: 'string', default: '1000' },
    json: { type: 'string' },
  },
});
if (!a.data) throw new Error(USAGE);

const SHARES = [0, 0.25, 0.5, 0.75, 1];
const WEIGHTS = [0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5];
const RESULTS = 48;
let BATCH = 256;

await setupTf();
const t0 = performance.now();
const ds = loadDataset(a.data);
const split = splitLeaveOneOut(ds);
const N = ds.items.length;
const m = await readAnyModel(a.model);
// The model over the whole catalog, as the eval CLI scores it (the pair model with the catalog's IDF, as a loaded feed gives it).
let model: BatchScorer;
if (isPairModel(m)) {
  model = pairModelScorer(a.model, m.bytes, m.weights, m.manifest.config, ds.items, termStats(ds.items));
  BATCH = 32;
} else if ((m as LoadedModel).hybrid) {
  // A hybrid (format 4 to 6) as the eval CLI scores it: its transformer plus the plain parts from its tables.
  const rebuilt = await measureAsTrained(a.model, m as LoadedModel, ds, split.train);
  if (rebuilt) console.log(`note: ${rebuilt}`);
  model = hybridScorer(a.model, m.bytes, m as LoadedModel, ds.items);
} else {
  const t = m as LoadedModel & { bytes: number };
  model = modelScorer(
    a.model,
    t.bytes,
    t.weights,
    t.manifest.config,
    makeCatalog(ds.items, t.manifest.config.features, (i) => t.vocab?.get(ds.items[i]!.id) ?? 0),
  );
}
const content = contentIndex(ds.items);
const co = cooccurrenceTable(split.train, N);
const popularity = itemCounts(split.train, N);
const test = a.users ? split.test.slice(0, Number(a.users)) : split.test;
const valid = split.valid.slice(0, Number(a['valid-users']));
const last = (s: Sequence) => s.items[s.items.length - 1]!;
console.log(`${ds.name}: ${N} items, ${test.length} test users (${valid.length} validation users for the choices); model ${a.model}`);

/** Model scores of every item with each anchor as the whole history, as the worker asks (a view, just now). */
function anchorScores(anchors: readonly number[]): Float32Array | Float64Array {
  const seqs = anchors.map((i) => ({ items: Int32Array.of(i), events: Int32Array.of(EVENT_INDEX.view_item), ts: Float64Array.of(0) }));
  return model.score(
    seqs,
    anchors.map(() => 0),
  );
}

const ALL = Array.from({ length: N }, (_, i) => i);
const ndcgAt10 = (rank: number) => (rank < 10 ? 1 / Math.log2(rank + 2) : 0);
const fmt = (x: number) => x.toFixed(4).replace(/^0/, '');

// ---------- 1. similar items given only the current item ----------

type Method = 'co-occurrence' | 'tfidf' | 'model' | `blend ${number}`;
function similarRanks(users: readonly { hist: Sequence; target: number }[]): Map<Method, number[]> {
  const ranks = new Map<Method, number[]>();
  const push = (k: Method, r: number) => (ranks.get(k) ?? ranks.set(k, []).get(k)!).push(r);
  for (let s = 0; s < users.length; s += BATCH) {
    const part = users.slice(s, s + BATCH);
    const model = anchorScores(part.map((u) => last(u.hist)));
    part.forEach((u, b) => {
      const anchor = last(u.hist);
      const skip = new Set([anchor]);
      const row = model.subarray(b * N, (b + 1) * N);
      const cos = content.cosines(content.vector(anchor));
      const counts = new Float32Array(N);
      for (const [j, c] of neighbours(co, [anchor])) counts[j] = c;
      push('co-occurrence', rankOf(counts, u.target, null, skip));
      push('tfidf', rankOf(cos, u.target, null, skip));
      push('model', rankOf(row, u.target, null, skip));
      for (const share of SHARES) push(`blend ${share}`, rankOf(blendSimilar(row, cos, ALL, share), u.target, null, skip));
    });
  }
  return ranks;
}

const validSimilar = similarRanks(valid);
const chosenShare = SHARES.reduce((best, s) =>
  rankingMetrics(validSimilar.get(`blend ${s}`)!)['NDCG@10'] > rankingMetrics(validSimilar.get(`blend ${best}`)!)['NDCG@10'] ? s : best,
);
const testSimilar = similarRanks(test);
const similar = Object.fromEntries([...testSimilar].map(([k, r]) => [k, rankingMetrics(r)]));
console.log(`\n1. Similar items given only the current item (test targets, full ranking, the current item excluded)`);
console.log('method                                   HR@10    NDCG@10  (valid NDCG@10)');
const line = (name: string, k: Method) =>
  console.log(
    `${name.padEnd(40)} ${fmt(similar[k]!['HR@10'])}   ${fmt(similar[k]!['NDCG@10'])}   (${fmt(rankingMetrics(validSimilar.get(k)!)['NDCG@10'])})`,
  );
line('item co-occurrence (current item)', 'co-occurrence');
line('TF-IDF similarity (current item)', 'tfidf');
line('model alone (current item as history)', 'model');
for (const s of SHARES)
  line(
    `similar: text share ${s}${s === SIMILAR_TEXT_SHARE ? ' (shipped)' : ''}${s === chosenShare ? ' (best on valid)' : ''}`,
    `blend ${s}`,
  );

// ---------- 2. rules guarantees ----------

const r = rng(2024);
const available = ds.items.map(() => r() >= 0.1);
const items: ItemFeatures[] = ds.items.map((it, i) => (available[i] ? it : { ...it, available: false }));
const placementCatalog: PlacementCatalog = { items, index: new Map(items.map((it, i) => [it.id, i])), content };
// The worker's own serving path: the pair model asks about the 120 items most similar in text (src/worker/engine.ts).
const serving = isPairModel(m)
  ? ((s) => ({ score: (h: HistoryEntry[], c: ItemFeatures[], now: number) => s.score(h, c, now), maxCandidates: 120 }))(
      createPairScorer(m, termStats(ds.items)),
    )
  : (m as LoadedModel).hybrid
    ? await (async (t: LoadedModel & { hybrid: HybridTables }) => {
        // As the worker serves a hybrid (src/worker/engine.ts): its whole score, over every candidate.
        const scorer = createHybridScorer(t);
        const head = await headArrays(t.weights);
        return { score: (h: HistoryEntry[], c: ItemFeatures[], now: number) => scorer.score(h, c, now, head), maxCandidates: Infinity };
      })(m as LoadedModel & { hybrid: HybridTables })
    : await (async (t: LoadedModel) => {
        const cache = createServingCache(t, { items: N + 10, shoppers: 16 });
        const head = await headArrays(t.weights);
        return { score: (h: HistoryEntry[], c: ItemFeatures[], now: number) => cache.score(h, c, now, head), maxCandidates: Infinity };
      })(m as LoadedModel);
const placements = recommendFrom(placementCatalog, serving);
const brands = [...new Set(items.map((it) => it.brand).filter((b): b is string => !!b))];
const tops = [...new Set(items.map((it) => it.category?.split(' > ')[0]).filter((c): c is string => !!c))];
const checks = { lists: 0, items: 0, unavailable: 0, filtered: 0, bought: 0, overLimit: 0, capLists: 0, capMet: 0, capInfeasible: 0 };
const NOW = Date.parse('2026-01-01T00:00:00Z');
for (const u of test.slice(0, Number(a['rule-lists']))) {
  const recent = [...u.hist.items.slice(-20)];
  const hist: HistoryEntry[] = recent.map((i, k) => ({ item: items[i]!, type: 'view_item', ts: NOW - (recent.length - k) * 60_000 }));
  const bought = hist[Math.floor(r() * hist.length)]!;
  hist.push({ item: bought.item, type: 'purchase', ts: NOW - 1000 });
  const by = r() < 0.5 ? 'brand' : 'category';
  const rules: Rules = {
    diversity: { by, max: 1 + Math.floor(r() * 2), within: 10 },
    boost: [{ brand: brands[Math.floor(r() * brands.length)]!, weight: 1 }],
    ...(r() < 0.5 && { filter: { category: tops[Math.floor(r() * tops.length)]! } }),
  };
  const resolved = validateRules(rules);
  for (const placement of ['for-you', 'similar', 'because-you-viewed'] as const) {
    const itemId = placement === 'similar' ? items[last(u.hist)]!.id : undefined;
    const out = await placements.recommend({ placement, itemId, limit: 10 }, hist, resolved, NOW);
    checks.lists++;
    checks.items += out.length;
    checks.overLimit += out.length > 10 ? 1 : 0;
    const cap = rules.diversity as { by: 'brand' | 'category'; max: number };
    const group = (it: ItemFeatures) => (cap.by === 'brand' ? it.brand?.toLowerCase() : it.category?.toLowerCase()) ?? null;
    const counts = new Map<string, number>();
    for (const { item } of out) {
      if (item.available === false) checks.unavailable++;
      if (rules.filter && !item.category?.startsWith(rules.filter.category as string)) checks.filtered++;
      if (item.id === bought.item.id) checks.bought++;
      const g = group(item);
      if (g !== null) counts.set(g, (counts.get(g) ?? 0) + 1);
    }
    // The cap can be met when the eligible items hold at least 10 that fit it; lists of fewer items count as met when nothing is over it.
    checks.capLists++;
    if (Math.max(0, ...counts.values()) <= cap.max) checks.capMet++;
    else checks.capInfeasible++;
  }
}
console.log(
  `\n2. Rules on ${checks.lists} lists of 10 (for you, similar, because you viewed; ${Math.round(test.length && Number(a['rule-lists']))} test users)`,
);
console.log(
  `   10% of items out of stock, a diversity cap by brand or category (at most 1-2 in the first 10), a brand boost, a category filter in half the lists, one item just bought`,
);
console.log(
  `   items shown ${checks.items}: out of stock ${checks.unavailable}, outside the filter ${checks.filtered}, just bought ${checks.bought}; lists over the limit ${checks.overLimit}; diversity cap met in ${checks.capMet} of ${checks.capLists} lists (${((100 * checks.capMet) / checks.capLists).toFixed(1)}%)`,
);

// ---------- 3. search ----------

/** The query of a target: its brand and the words of its category's last level. */
const queryOf = (it: ItemFeatures) => `${it.brand ?? ''} ${it.category?.split(/\s*[>|]\s*/).at(-1) ?? ''}`.trim();

interface SearchOutcome {
  /** Per weight: NDCG@10 of the target. */
  ndcg: number[];
  /** Per weight: position of the relevance-only top result. */
  top: number[];
  found: boolean;
}

function search(users: readonly { hist: Sequence; target: number }[]): SearchOutcome[] {
  const out: SearchOutcome[] = [];
  for (let s = 0; s < users.length; s += BATCH) {
    const part = users.slice(s, s + BATCH);
    const personal = model.score(
      part.map((u) => u.hist),
      part.map(() => null),
    );
    part.forEach((u, b) => {
      const rel = content.cosines(content.vectorOf({ id: 'query', title: queryOf(ds.items[u.target]!) }));
      const results = ALL.filter((i) => rel[i]! > 0)
        .sort((x, y) => rel[y]! - rel[x]! || popularity[y]! - popularity[x]! || x - y)
        .slice(0, RESULTS);
      const at = results.indexOf(u.target);
      const listItems = results.map((i) => ds.items[i]!);
      const scores = results.map((i) => personal[b * N + i]!);
      const ndcg: number[] = [];
      const top: number[] = [];
      for (const weight of WEIGHTS) {
        const { order } = arrange(listItems, scores, { rules: validateRules({}), history: [], now: 0, search: { weight } });
        ndcg.push(at < 0 ? 0 : ndcgAt10(order.indexOf(at)));
        top.push(order.indexOf(0));
      }
      out.push({ ndcg, top, found: at >= 0 });
    });
  }
  return out;
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
const validSearch = search(valid);
const chosenWeight = WEIGHTS.reduce((best, w, k) =>
  mean(validSearch.map((o) => o.ndcg[k]!)) > mean(validSearch.map((o) => o.ndcg[WEIGHTS.indexOf(best)]!)) ? w : best,
);
const testSearch = search(test);
console.log(`\n3. Search (query: the target's brand and category words; the shop's order: TF-IDF on the query, its top ${RESULTS})`);
console.log(
  `   target among the results in ${((100 * testSearch.filter((o) => o.found).length) / testSearch.length).toFixed(1)}% of test queries`,
);
console.log('   searchWeight                      NDCG@10   (valid)   relevance top result: stays 1st / mean place / lowest');
const searchRows = WEIGHTS.map((w, k) => {
  const row = {
    weight: w,
    ndcg10: mean(testSearch.map((o) => o.ndcg[k]!)),
    validNdcg10: mean(validSearch.map((o) => o.ndcg[k]!)),
    topStaysFirst: mean(testSearch.map((o) => (o.top[k] === 0 ? 1 : 0))),
    topMeanPlace: 1 + mean(testSearch.map((o) => o.top[k]!)),
    topLowestPlace: 1 + Math.max(...testSearch.map((o) => o.top[k]!)),
  };
  const tag =
    w === 0
      ? ' (relevance only)'
      : `${w === DEFAULTS.searchWeight ? ' (shipped default)' : ''}${w === chosenWeight ? ' (best on valid)' : ''}`;
  console.log(
    `   ${`${w}${tag}`.padEnd(33)} ${fmt(row.ndcg10)}    (${fmt(row.validNdcg10)})   ${(100 * row.topStaysFirst).toFixed(1)}% / ${row.topMeanPlace.toFixed(2)} / ${row.topLowestPlace} (at most ${BEST_MATCH_LOWEST + 1} by construction)`,
  );
  return row;
});

console.log(`\n${((performance.now() - t0) / 1000).toFixed(0)} s`);
if (a.json) {
  writeFileSync(
    a.json,
    JSON.stringify(
      {
        data: ds.name,
        model: a.model,
        testUsers: test.length,
        validUsers: valid.length,
        similar: { metrics: similar, chosenShare, shippedShare: SIMILAR_TEXT_SHARE },
        rules: checks,
        search: { rows: searchRows, chosenWeight, shippedWeight: DEFAULTS.searchWeight, results: RESULTS },
      },
      null,
      1,
    ),
  );
}
