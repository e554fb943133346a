/**
 * One-off experiment: word-to-word associations learned from which items follow which in training sequences
 * (items of held-out top-level categories dropped), added to TF-IDF. Does "which words follow which" carry
 * past the items it was counted on?
 */
import { parseArgs } from 'node:util';
import { loadDataset, splitLeaveOneOut, heldOutItems } from './lib/data.ts';
import { contentIndex, addContentSimilarities, lastItems } from './lib/baselines.ts';
import { itemTerms, termStats, idf } from '../src/model/text.ts';
import { rankOf, rankingMetrics } from './lib/metrics.ts';

const { values: a } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/beauty' },
    users: { type: 'string', default: '4000' },
    skip: { type: 'string', default: '0' },
    targets: { type: 'string', default: 'valid' },
    window: { type: 'string', default: '3' },
    top: { type: 'string', default: '50' },
    minc: { type: 'string', default: '3' },
    only: { type: 'string', default: '' },
  },
});
const ds = loadDataset(a.data!);
const split = splitLeaveOneOut(ds);
const n = ds.items.length;
const held = heldOutItems(ds.items, ['Hair Care', 'Fragrance']);
const ix = contentIndex(ds.items);
const stats = termStats(ds.items);
// Vocabulary: distinct terms per item.
const vocab = new Map<string, number>();
const words: string[] = [];
const itemWords = ds.items.map((it) =>
  Int32Array.from(
    [...new Set(itemTerms(it))].map((t) => {
      let id = vocab.get(t);
      if (id === undefined) {
        id = vocab.size;
        vocab.set(t, id);
        words.push(t);
      }
      return id;
    }),
  ),
);
const V = vocab.size;
const wIdf = Float64Array.from(words, (w) => idf(stats, w));
console.log(`items ${n}, vocab ${V}, held ${held.size}`);

// Count word pairs over item pairs (a at t, b at t + d, d = 1..window), held-out items skipped.
const t0 = Date.now();
const win = Number(a.window);
const shards = Array.from({ length: 64 }, () => new Map<number, number>());
const src = new Float64Array(V);
const dst = new Float64Array(V);
let total = 0;
const itemPairs = new Map<number, number>();
for (const s of split.train) {
  const seq = [...s.items].filter((i) => !held.has(i));
  for (let t = 0; t < seq.length; t++)
    for (let d = 1; d <= win && t + d < seq.length; d++) {
      if (seq[t] === seq[t + d]) continue;
      const key = seq[t]! * n + seq[t + d]!;
      itemPairs.set(key, (itemPairs.get(key) ?? 0) + 1);
    }
}
for (const [key, c] of itemPairs) {
  const ia = Math.floor(key / n);
  const ib = key % n;
  const wa = itemWords[ia]!;
  const wb = itemWords[ib]!;
  total += c;
  for (const x of wa) src[x] += c;
  for (const y of wb) dst[y] += c;
  for (const x of wa) {
    const m = shards[x & 63]!;
    for (const y of wb) m.set(x * V + y, (m.get(x * V + y) ?? 0) + c);
  }
}
console.log(`item pairs ${itemPairs.size}, word pairs ${shards.reduce((t, m) => t + m.size, 0)}, ${((Date.now() - t0) / 1000).toFixed(1)} s`);

// PPMI rows, top-K per source word; A[x] = [(y, ppmi)], keeping y != x optional.
const minc = Number(a.minc);
const topK = Number(a.top);
const rowsTmp: [number, number][][] = Array.from({ length: V }, () => []);
for (const m of shards) for (const [key, c] of m) {
  if (c < minc) continue;
  const x = Math.floor(key / V);
  const y = key % V;
  const pmi = Math.log((c * total) / (src[x]! * dst[y]!));
  if (pmi > 0) rowsTmp[x]!.push([y, pmi]);
}
let kept = 0;
const A = rowsTmp.map((r) => {
  r.sort((p, q) => q[1] - p[1]);
  const out = r.slice(0, topK);
  kept += out.length;
  return out;
});
console.log(`A rows kept ${kept} entries`);

// Postings of words over items (binary).
const post: number[][] = Array.from({ length: V }, () => []);
itemWords.forEach((ws, i) => ws.forEach((w) => post[w]!.push(i)));
const itemNorm = Float64Array.from(itemWords, (ws) => Math.sqrt(ws.reduce((s, w) => s + wIdf[w]! ** 2, 0)) || 1);

/** out[j] += w * assoc(h, j): q = sum over h's words x (idf-weighted) of A[x]; assoc = sum over j's words y of q[y] idf(y) / norms. */
function addAssoc(h: number, w: number, out: Float64Array, variant: string): void {
  const q = new Map<number, number>();
  const hw = itemWords[h]!;
  for (const x of hw) {
    const wx = variant.includes('noidf') ? 1 : wIdf[x]!;
    for (const [y, p] of A[x]!) q.set(y, (q.get(y) ?? 0) + wx * p);
  }
  const hn = variant.includes('noidf') ? Math.sqrt(hw.length) : itemNorm[h]!;
  for (const [y, v] of q) {
    const wy = variant.includes('noidf') ? 1 : wIdf[y]!;
    for (const j of post[y]!) out[j] += (w * v * wy) / (hn * (variant.includes('noidf') ? Math.sqrt(itemWords[j]!.length) : itemNorm[j]!));
  }
}

const nUsers = Number(a.users);
const skip = Number(a.skip);
const users = (a.targets === 'test' ? split.test : split.valid).slice(skip, skip + nUsers);
const variants: { name: string; c: number; kind: string }[] = [{ name: 'tfidf', c: 0, kind: '' }];
for (const kind of ['idf', 'noidf']) for (const c of [0.02, 0.05, 0.1, 0.2, 0.4]) variants.push({ name: `+assoc ${kind} c${c}`, c, kind });
const chosen = a.only ? variants.filter((v) => v.name === 'tfidf' || new RegExp(a.only!).test(v.name)) : variants;
const ranks = chosen.map(() => [] as number[]);
const ranksHeld = chosen.map(() => [] as number[]);
const base = new Float64Array(n);
const assoc: Record<string, Float64Array> = { idf: new Float64Array(n), noidf: new Float64Array(n) };
const t1 = Date.now();
for (const u of users) {
  base.fill(0);
  assoc.idf!.fill(0);
  assoc.noidf!.fill(0);
  const last = lastItems(u.hist.items);
  for (const [h, w] of last) addContentSimilarities(ix, h, w, base);
  const kinds = new Set(chosen.map((v) => v.kind).filter(Boolean));
  for (const k of kinds) for (const [h, w] of last) addAssoc(h, w, assoc[k]!, k);
  const seen = new Set(u.hist.items);
  chosen.forEach((v, i) => {
    const s = v.c ? Float64Array.from(base, (b, j) => b + v.c * assoc[v.kind]![j]!) : base;
    const r = rankOf(s, u.target, null, seen);
    ranks[i]!.push(r);
    if (held.has(u.target)) ranksHeld[i]!.push(r);
  });
}
console.log(`${users.length} ${a.targets} users from ${skip} (${ranksHeld[0]!.length} HC/F), ${((Date.now() - t1) / users.length).toFixed(1)} ms/user`);
const b0 = rankingMetrics(ranks[0]!)['NDCG@10'];
const h0 = rankingMetrics(ranksHeld[0]!)['NDCG@10'];
chosen.forEach((v, i) => {
  const m = rankingMetrics(ranks[i]!);
  const mh = rankingMetrics(ranksHeld[i]!);
  console.log(
    `${v.name.padEnd(26)} NDCG@10 ${m['NDCG@10'].toFixed(4)} HR@10 ${m['HR@10'].toFixed(4)} | HC/F ${mh['NDCG@10'].toFixed(4)} ${mh['HR@10'].toFixed(4)} | ${(((m['NDCG@10'] - b0) / b0) * 100).toFixed(1)}% ${(((mh['NDCG@10'] - h0) / h0) * 100).toFixed(1)}%`,
  );
});
