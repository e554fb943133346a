/**
 * Default-model experiment 3 (content only, no interaction logs): variants of TF-IDF over the newest 3
 * history items (weights 1, 1/2, 1/4) that use information the earlier attempts (exp-default-text.ts,
 * exp-default-linear.ts) did not:
 *   lsa      truncated SVD of the catalog's item x term TF-IDF matrix (randomized, 2 power iterations):
 *            score = tfidf + a * sum_k W_k cos_lsa(h_k, j)
 *   rocchio  pseudo-relevance feedback: q = sum_k W_k x_{h_k}; N = top-K catalog items by cos(q, .) (history
 *            excluded); score = (1 - beta) cos(q, j) + beta * mean_{i in N} cos(i, j)
 *   hop2     two-hop diffusion: score = cos(q, j) + b * sum_{i in N} cos(q, i) cos(i, j) / sum_{i in N} cos(q, i)
 *   vbonus   variant bonus: + c * W_k when j has the same brand as h_k and cos(h_k, j) >= tau
 *   gmax     variant groups (same brand, title+brand+category cosine >= tau, connected components):
 *            score = s(j) + c * max_{g in group(j)} s(g)
 *   dens     neighbourhood-density prior (mean cosine of an item's 10 nearest catalog items; CSLS with g < 0)
 *   gsize    log size of the item's variant group (catalog only)
 *   w        sharper history weights (1, 1/4, 1/16; newest only)
 * Full ranking of all items, history excluded, ties against the target, no popularity tie-break.
 *
 *   nice -n 10 npx tsx scripts/exp-default-3.ts --data /work/shared/data/beauty --targets valid --users 3000
 */
import { parseArgs } from 'node:util';
import { heldOutItems, loadDataset, splitLeaveOneOut } from './lib/data.ts';
import { rankOf, rankingMetrics } from './lib/metrics.ts';
import { titleGrams } from '../src/model/pair-features.ts';
import { textTokens } from '../src/model/text.ts';
import type { ItemFeatures } from '../src/shared/types.ts';

const { values: a } = parseArgs({
  options: {
    data: { type: 'string' },
    targets: { type: 'string', default: 'valid' },
    users: { type: 'string', default: '3000' },
    skip: { type: 'string', default: '0' },
    only: { type: 'string' },
    lsa: { type: 'string', default: '64,128,256' },
    seed: { type: 'string', default: '1' },
  },
});
const ds = loadDataset(a.data!);
const split = splitLeaveOneOut(ds);
const n = ds.items.length;
const all = a.targets === 'test' ? split.test : split.valid;
const users = all.slice(Number(a.skip), Number(a.skip) + Number(a.users));
const held = heldOutItems(ds.items, ['Hair Care', 'Fragrance']);
const log = (s: string) => process.stderr.write(`${s}\n`);

// ---- TF-IDF index (as in exp-default-text.ts build(allT, 'sub', 1)) ----
interface Index {
  offsets: Int32Array;
  terms: Int32Array;
  weights: Float64Array;
  pOff: Int32Array;
  pItems: Int32Array;
  pW: Float64Array;
  T: number;
}
function build(terms: (it: ItemFeatures) => string[], tf: 'sub' | 'bin'): Index {
  const lists = ds.items.map(terms);
  const df = new Map<string, number>();
  for (const l of lists) for (const t of new Set(l)) df.set(t, (df.get(t) ?? 0) + 1);
  const ids = new Map<string, number>();
  const rows = lists.map((l) => {
    const c = new Map<string, number>();
    for (const t of l) c.set(t, (c.get(t) ?? 0) + 1);
    const r = [...c].map(([t, k]) => {
      const idf = Math.log((1 + n) / (1 + df.get(t)!)) + 1;
      const f = tf === 'bin' ? 1 : 1 + Math.log(k);
      return [ids.get(t) ?? ids.set(t, ids.size).get(t)!, f * idf] as [number, number];
    });
    const norm = Math.hypot(...r.map((e) => e[1]));
    if (norm > 0) for (const e of r) e[1] /= norm;
    return r;
  });
  const offsets = new Int32Array(n + 1);
  rows.forEach((r, i) => (offsets[i + 1] = offsets[i]! + r.length));
  const tArr = new Int32Array(offsets[n]!);
  const wArr = new Float64Array(tArr.length);
  rows.forEach((r, i) => r.forEach(([t, w], k) => ((tArr[offsets[i]! + k] = t), (wArr[offsets[i]! + k] = w))));
  const T = ids.size;
  const pOff = new Int32Array(T + 1);
  for (const t of tArr) pOff[t + 1]!++;
  for (let t = 0; t < T; t++) pOff[t + 1]! += pOff[t]!;
  const fill = pOff.slice(0, T);
  const pItems = new Int32Array(tArr.length);
  const pW = new Float64Array(tArr.length);
  for (let i = 0; i < n; i++)
    for (let e = offsets[i]!; e < offsets[i + 1]!; e++) {
      const at = fill[tArr[e]!]!++;
      pItems[at] = i;
      pW[at] = wArr[e]!;
    }
  return { offsets, terms: tArr, weights: wArr, pOff, pItems, pW, T };
}
function sims(ix: Index, a: number, out: Float64Array): void {
  out.fill(0);
  for (let e = ix.offsets[a]!; e < ix.offsets[a + 1]!; e++) {
    const t = ix.terms[e]!;
    const wa = ix.weights[e]!;
    for (let p = ix.pOff[t]!; p < ix.pOff[t + 1]!; p++) out[ix.pItems[p]!]! += wa * ix.pW[p]!;
  }
}
const title = (it: ItemFeatures) => textTokens(it.title ?? '');
const allT = (it: ItemFeatures) => [...title(it), ...textTokens(it.brand ?? ''), ...textTokens(it.category ?? '')];
const grams = (it: ItemFeatures) => Array.from(titleGrams(it.title ?? ''), String);
let t0 = Date.now();
const X = build(allT, 'sub');
const G = build(grams, 'bin');
log(`index ${Date.now() - t0} ms, ${X.T} terms, ${X.terms.length} nnz`);

// ---- LSA: randomized SVD of X (n x T) ----
function mulberry(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/** Columns of a (rows x l) column-major matrix made orthonormal (modified Gram-Schmidt, twice). */
function orth(M: Float64Array, rows: number, l: number): void {
  for (let pass = 0; pass < 2; pass++)
    for (let c = 0; c < l; c++) {
      const cc = M.subarray(c * rows, (c + 1) * rows);
      for (let p = 0; p < c; p++) {
        const pc = M.subarray(p * rows, (p + 1) * rows);
        let d = 0;
        for (let r = 0; r < rows; r++) d += cc[r]! * pc[r]!;
        for (let r = 0; r < rows; r++) cc[r]! -= d * pc[r]!;
      }
      let nn = 0;
      for (let r = 0; r < rows; r++) nn += cc[r]! ** 2;
      nn = Math.sqrt(nn) || 1;
      for (let r = 0; r < rows; r++) cc[r]! /= nn;
    }
}
/** Y (n x l) = X Z, Z (T x l), both column-major. */
function XZ(Z: Float64Array, l: number, T: number): Float64Array {
  const Y = new Float64Array(n * l);
  for (let i = 0; i < n; i++)
    for (let e = X.offsets[i]!; e < X.offsets[i + 1]!; e++) {
      const t = X.terms[e]!;
      const w = X.weights[e]!;
      for (let c = 0; c < l; c++) Y[c * n + i]! += w * Z[c * T + t]!;
    }
  return Y;
}
/** Z (T x l) = X^T Y. */
function XtY(Y: Float64Array, l: number, T: number): Float64Array {
  const Z = new Float64Array(T * l);
  for (let i = 0; i < n; i++)
    for (let e = X.offsets[i]!; e < X.offsets[i + 1]!; e++) {
      const t = X.terms[e]!;
      const w = X.weights[e]!;
      for (let c = 0; c < l; c++) Z[c * T + t]! += w * Y[c * n + i]!;
    }
  return Z;
}
/** Symmetric eigen-decomposition (cyclic Jacobi) of an l x l row-major matrix; returns values and vectors (columns of V, row-major). */
function jacobi(A: Float64Array, l: number): { vals: Float64Array; V: Float64Array } {
  const V = new Float64Array(l * l);
  for (let i = 0; i < l; i++) V[i * l + i] = 1;
  for (let sweep = 0; sweep < 30; sweep++) {
    let off = 0;
    for (let p = 0; p < l; p++) for (let q = p + 1; q < l; q++) off += A[p * l + q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < l; p++)
      for (let q = p + 1; q < l; q++) {
        const apq = A[p * l + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const app = A[p * l + p]!;
        const aqq = A[q * l + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < l; k++) {
          const akp = A[k * l + p]!;
          const akq = A[k * l + q]!;
          A[k * l + p] = c * akp - s * akq;
          A[k * l + q] = s * akp + c * akq;
        }
        for (let k = 0; k < l; k++) {
          const apk = A[p * l + k]!;
          const aqk = A[q * l + k]!;
          A[p * l + k] = c * apk - s * aqk;
          A[q * l + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < l; k++) {
          const vkp = V[k * l + p]!;
          const vkq = V[k * l + q]!;
          V[k * l + p] = c * vkp - s * vkq;
          V[k * l + q] = s * vkp + c * vkq;
        }
      }
  }
  const vals = new Float64Array(l);
  for (let i = 0; i < l; i++) vals[i] = A[i * l + i]!;
  return { vals, V };
}
const lsaKs = a.lsa ? a.lsa.split(',').map(Number).filter(Boolean) : [];
/** Row-major n x k unit-length item embeddings per k. */
const lsaEmb = new Map<number, Float64Array>();
if (lsaKs.length) {
  t0 = Date.now();
  const kmax = Math.max(...lsaKs);
  const l = kmax + 24;
  const T = X.T;
  const rnd = mulberry(Number(a.seed));
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() || 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const Om = Float64Array.from({ length: T * l }, gauss);
  let Q = XZ(Om, l, T);
  orth(Q, n, l);
  for (let it = 0; it < 2; it++) {
    const Z = XtY(Q, l, T);
    orth(Z, T, l);
    Q = XZ(Z, l, T);
    orth(Q, n, l);
  }
  const Z = XtY(Q, l, T); // B^T, T x l
  const C = new Float64Array(l * l);
  for (let p = 0; p < l; p++)
    for (let q = p; q < l; q++) {
      let d = 0;
      const zp = Z.subarray(p * T, (p + 1) * T);
      const zq = Z.subarray(q * T, (q + 1) * T);
      for (let r = 0; r < T; r++) d += zp[r]! * zq[r]!;
      C[p * l + q] = d;
      C[q * l + p] = d;
    }
  const { vals, V } = jacobi(C, l);
  const order = Array.from({ length: l }, (_, i) => i).sort((x, y) => vals[y]! - vals[x]!);
  log(`lsa: top singular values ${order.slice(0, 5).map((i) => Math.sqrt(Math.max(0, vals[i]!)).toFixed(2)).join(' ')}; ${kmax}th ${Math.sqrt(Math.max(0, vals[order[kmax - 1]!]!)).toFixed(3)}`);
  for (const k of lsaKs) {
    const E = new Float64Array(n * k);
    for (let d = 0; d < k; d++) {
      const col = order[d]!;
      const sig = Math.sqrt(Math.max(0, vals[col]!));
      // U[:, d] = Q V[:, col]; embedding = U sigma
      for (let c = 0; c < l; c++) {
        const v = V[c * l + col]! * sig;
        if (v === 0) continue;
        const qc = Q.subarray(c * n, (c + 1) * n);
        for (let i = 0; i < n; i++) E[i * k + d]! += v * qc[i]!;
      }
    }
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let d = 0; d < k; d++) s += E[i * k + d]! ** 2;
      s = Math.sqrt(s) || 1;
      for (let d = 0; d < k; d++) E[i * k + d]! /= s;
    }
    lsaEmb.set(k, E);
  }
  log(`lsa ${Date.now() - t0} ms`);
}

// ---- Catalog item-item pass: variant groups (same brand, cos >= tau) and neighbourhood density ----
t0 = Date.now();
const brandKey = ds.items.map((it) => {
  const b = it.brand?.trim().toLowerCase();
  return b && b !== 'unknown' ? b : '';
});
const TAUS = [0.5, 0.7];
const parents = TAUS.map(() => Int32Array.from({ length: n }, (_, i) => i));
const find = (p: Int32Array, x: number): number => {
  while (p[x] !== x) {
    p[x] = p[p[x]!]!;
    x = p[x]!;
  }
  return x;
};
const dens = new Float64Array(n);
{
  const buf = new Float64Array(n);
  const top = new Float64Array(10);
  for (let i = 0; i < n; i++) {
    sims(X, i, buf);
    top.fill(0);
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const v = buf[j]!;
      if (v > top[9]!) {
        let k = 9;
        while (k > 0 && top[k - 1]! < v) {
          top[k] = top[k - 1]!;
          k--;
        }
        top[k] = v;
      }
      if (j > i && brandKey[i] && v >= TAUS[0]! && brandKey[j] === brandKey[i])
        TAUS.forEach((tau, ti) => {
          if (v >= tau) {
            const p = parents[ti]!;
            const ri = find(p, i);
            const rj = find(p, j);
            if (ri !== rj) p[ri] = rj;
          }
        });
    }
    dens[i] = top.reduce((x, y) => x + y, 0) / 10;
  }
}
const groups = parents.map((p) => Int32Array.from({ length: n }, (_, i) => find(p, i)));
const gsize = groups.map((g) => {
  const c = new Int32Array(n);
  for (const r of g) c[r]!++;
  return Float64Array.from(g, (r) => Math.log(c[r]!));
});
groups.forEach((g, ti) => {
  const roots = new Set(g);
  let multi = 0;
  const c = new Int32Array(n);
  for (const r of g) c[r]!++;
  for (const r of roots) if (c[r]! > 1) multi++;
  log(`groups tau ${TAUS[ti]}: ${roots.size} groups, ${multi} with >1 item, largest ${Math.max(...c)}`);
});
{
  let mx = 0;
  for (const v of dens) mx = Math.max(mx, v);
  for (let i = 0; i < n; i++) dens[i]! /= mx || 1;
}
log(`item-item pass ${Date.now() - t0} ms`);

// ---- variants ----
interface Ctx {
  uid: number;
  hist: Int32Array | number[];
  rowFor: number[];
  h: number[];
  x: Float64Array[]; // cos(h_k, .) in X
  g: Float64Array[]; // trigram cos(h_k, .)
  s: Float64Array; // tfidf score = sum W_k x_k
  seen: Set<number>;
  qnorm: number;
  nb: () => { ids: number[]; w: number[]; sim: Float64Array[] }; // top-20 by s, history excluded, with their cos rows
  lsa: (k: number) => Float64Array; // sum_k W_k cos_lsa(h_k, .)
}
interface Variant {
  name: string;
  fam: string;
  score(c: Ctx, out: Float64Array): void;
}
const W = [1, 0.5, 0.25];
const variants: Variant[] = [];
const add = (fam: string, name: string, score: Variant['score']) => variants.push({ fam, name, score });
add('base', 'tfidf', (c, out) => out.set(c.s));
for (const k of lsaKs) {
  for (const al of [0.25, 0.5, 1])
    add('lsa', `lsa${k} a${al}`, (c, out) => {
      const l = c.lsa(k);
      for (let j = 0; j < n; j++) out[j] = c.s[j]! + al * l[j]!;
    });
  add('lsa', `lsa${k} only`, (c, out) => out.set(c.lsa(k)));
}
for (const K of [5, 10, 20]) {
  for (const beta of [0.3, 0.5, 0.7])
    add('prf', `rocchio k${K} b${beta}`, (c, out) => {
      const nb = c.nb();
      for (let j = 0; j < n; j++) out[j] = ((1 - beta) * c.s[j]!) / c.qnorm;
      for (let m = 0; m < K; m++) {
        const r = nb.sim[m]!;
        for (let j = 0; j < n; j++) out[j]! += (beta / K) * r[j]!;
      }
    });
  for (const b of [0.3, 0.5, 1])
    add('prf', `hop2 k${K} b${b}`, (c, out) => {
      const nb = c.nb();
      let tot = 0;
      for (let m = 0; m < K; m++) tot += nb.w[m]!;
      for (let j = 0; j < n; j++) out[j] = c.s[j]! / c.qnorm;
      for (let m = 0; m < K; m++) {
        const r = nb.sim[m]!;
        const f = (b * nb.w[m]!) / (tot || 1);
        for (let j = 0; j < n; j++) out[j]! += f * r[j]!;
      }
    });
}
// vbonus: same brand and cos >= tau; vcos: the bonus is c * cos instead of c; tbonus: cos >= tau whatever the brand
for (const kind of ['vbonus', 'vcos', 'tbonus'] as const)
  for (const tau of kind === 'vbonus' ? [0.3, 0.4, 0.5, 0.6, 0.7, 0.8] : [0.3, 0.5, 0.7])
    for (const cb of kind === 'vbonus' ? [-0.2, 0.1, 0.3, 0.5, 1] : [0.3, 0.5, 1])
      add('variant', `${kind} tau${tau} c${cb}`, (c, out) => {
        out.set(c.s);
        c.h.forEach((hk, k) => {
          const bk = brandKey[hk];
          if (!bk && kind !== 'tbonus') return;
          const x = c.x[k]!;
          for (let j = 0; j < n; j++)
            if (x[j]! >= tau && (kind === 'tbonus' || brandKey[j] === bk)) out[j]! += cb * W[k]! * (kind === 'vcos' ? x[j]! : 1);
        });
      });
const gmaxBuf = new Float64Array(n);
TAUS.forEach((tau, ti) => {
  for (const cb of [0.25, 0.5, 1])
    add('variant', `gmax tau${tau} c${cb}`, (c, out) => {
      const g = groups[ti]!;
      gmaxBuf.fill(-Infinity);
      for (let j = 0; j < n; j++) if (!c.seen.has(j) && c.s[j]! > gmaxBuf[g[j]!]!) gmaxBuf[g[j]!] = c.s[j]!;
      for (let j = 0; j < n; j++) {
        const m = gmaxBuf[g[j]!]!;
        out[j] = c.s[j]! + cb * (m === -Infinity ? 0 : m);
      }
    });
  for (const cb of [-0.05, 0.05, 0.1])
    add('prior', `gsize tau${tau} c${cb}`, (c, out) => {
      const gs = gsize[ti]!;
      for (let j = 0; j < n; j++) out[j] = c.s[j]! + cb * gs[j]!;
    });
});
for (const cb of [-0.2, -0.1, 0.1, 0.2])
  add('prior', `dens c${cb}`, (c, out) => {
    for (let j = 0; j < n; j++) out[j] = c.s[j]! + cb * dens[j]!;
  });
for (const ws of [
  [1, 0.25, 0.0625],
  [1, 0, 0],
])
  add('weights', `w ${ws.join(',')}`, (c, out) => {
    out.fill(0);
    c.x.forEach((x, k) => {
      for (let j = 0; j < n; j++) out[j]! += ws[k]! * x[j]!;
    });
  });
// Rank-level fusion: each history item ranks the catalog by its own cosine; fuse ranks instead of raw cosines
// (reciprocal rank fusion, weights W or 0.5^k over the newest L), or normalize each item's row by its own
// top-m cosine before the weighted sum (items with generic titles otherwise count less than specific ones).
const histRows = new Map<number, Float64Array>();
const rowOf = (c: Ctx, k: number): Float64Array | null => {
  const items = c.hist;
  if (k >= items.length) return null;
  if (k < c.h.length) return c.x[k]!;
  let r = histRows.get(k);
  if (!r) {
    r = new Float64Array(n);
    histRows.set(k, r);
  }
  if (c.rowFor[k] !== c.uid) {
    sims(X, items[items.length - 1 - k]!, r);
    c.rowFor[k] = c.uid;
  }
  return r;
};
const rankCache = new Map<number, { uid: number; order: Int32Array; len: number }>();
const orderOf = (c: Ctx, k: number) => {
  let e = rankCache.get(k);
  if (e && e.uid === c.uid) return e;
  const x = rowOf(c, k)!;
  const idx: number[] = [];
  for (let j = 0; j < n; j++) if (x[j]! > 0 && !c.seen.has(j)) idx.push(j);
  idx.sort((p, q) => x[q]! - x[p]!);
  e = { uid: c.uid, order: Int32Array.from(idx), len: idx.length };
  rankCache.set(k, e);
  return e;
};
for (const [L, d] of [
  [3, 0.5],
  [6, 0.5],
  [6, 0.7],
] as const)
  for (const cc of [5, 10, 20, 60])
    add('fusion', `rrf L${L} d${d} c${cc}`, (c, out) => {
      out.fill(0);
      for (let k = 0; k < Math.min(L, c.hist.length); k++) {
        const { order, len } = orderOf(c, k);
        const w = d ** k;
        for (let r = 0; r < len; r++) out[order[r]!]! += w / (cc + r + 1);
      }
      // a tiny share of the raw score breaks ties among items no history item ranks
      for (let j = 0; j < n; j++) out[j]! += 1e-6 * c.s[j]!;
    });
for (const m of [1, 10, 50])
  add('fusion', `topnorm m${m}`, (c, out) => {
    out.fill(0);
    c.x.forEach((x, k) => {
      const { order, len } = orderOf(c, k);
      const ref = len ? x[order[Math.min(m, len) - 1]!]! : 1;
      for (let j = 0; j < n; j++) out[j]! += (W[k]! * x[j]!) / (ref || 1);
    });
  });
// MMR re-ranking of the top 10 (pool: top 50 by tfidf): next = argmax s(j)/max s - lambda * max cos(j, chosen)
const mmrRows = Array.from({ length: 10 }, () => new Float64Array(n));
for (const lam of [0.1, 0.3, 0.5])
  add('fusion', `mmr l${lam}`, (c, out) => {
    out.set(c.s);
    const pool: number[] = [];
    for (let j = 0; j < n; j++) if (!c.seen.has(j)) pool.push(j);
    pool.sort((p, q) => c.s[q]! - c.s[p]!);
    const cand = pool.slice(0, 50);
    const top = c.s[cand[0]!]! || 1;
    const maxSim = new Float64Array(cand.length);
    const chosen: number[] = [];
    const used = new Uint8Array(cand.length);
    for (let step = 0; step < 10 && step < cand.length; step++) {
      let best = -1;
      let bv = -Infinity;
      cand.forEach((j, ci) => {
        if (used[ci]) return;
        const v = c.s[j]! / top - lam * maxSim[ci]!;
        if (v > bv) ((bv = v), (best = ci));
      });
      used[best] = 1;
      chosen.push(cand[best]!);
      sims(X, cand[best]!, mmrRows[step]!);
      cand.forEach((j, ci) => (maxSim[ci] = Math.max(maxSim[ci]!, mmrRows[step]![j]!)));
    }
    chosen.forEach((j, r) => (out[j] = 1e6 - r));
  });
// The shopper's own full history as a term profile: the newest-3 query's terms are re-weighted by how many of
// the shopper's OTHER history items also contain them (persistent interests), w' = w (1 + g * share).
const termBuf = new Float64Array(X.T);
for (const g of [0.5, 1, 2, 4])
  add('profile', `termprof g${g}`, (c, out) => {
    const items = c.hist;
    termBuf.fill(0);
    for (let m = 0; m < items.length; m++) {
      const i = items[m]!;
      for (let e = X.offsets[i]!; e < X.offsets[i + 1]!; e++) termBuf[X.terms[e]!]! += 1;
    }
    const others = Math.max(1, items.length - 1);
    out.fill(0);
    c.h.forEach((hk, k) => {
      for (let e = X.offsets[hk]!; e < X.offsets[hk + 1]!; e++) {
        const t = X.terms[e]!;
        const share = (termBuf[t]! - 1) / others;
        const wa = W[k]! * X.weights[e]! * (1 + g * share);
        for (let p = X.pOff[t]!; p < X.pOff[t + 1]!; p++) out[X.pItems[p]!]! += wa * X.pW[p]!;
      }
    });
  });
// Brand loyalty over the full history: + c * share of the shopper's history items with j's brand.
const brandCount = new Map<string, number>();
for (const cb of [0.05, 0.1, 0.2, 0.4])
  add('profile', `brandshare c${cb}`, (c, out) => {
    brandCount.clear();
    for (const i of c.hist) if (brandKey[i]) brandCount.set(brandKey[i]!, (brandCount.get(brandKey[i]!) ?? 0) + 1);
    const L = c.hist.length;
    for (let j = 0; j < n; j++) out[j] = c.s[j]! + (brandKey[j] ? (cb * (brandCount.get(brandKey[j]!) ?? 0)) / L : 0);
  });
// Combination of the within-top-100 signals (diagnostic: AUC among the top 100 of tfidf for the target vs the
// rest: max_k cos .742, tfidf .718, trigram .702, brand in the shopper's history .632, has a brand .557):
// score = s + a * max_k cos(h_k, j) + g * sum_k W_k gramcos + b * hasBrand(j) + c * [brand(j) in history brands]
const hasBrand = Float64Array.from(brandKey, (b) => (b ? 1 : 0));
const bset = new Set<string>();
for (const am of [0, 0.5, 1, 2])
  for (const g of [0, 0.5])
    for (const b of [0, 0.03, 0.06])
      for (const cb of [0, 0.05, 0.1])
        add('combo', `combo max${am} g${g} hb${b} bany${cb}`, (c, out) => {
          bset.clear();
          if (cb) for (const i of c.hist) if (brandKey[i]) bset.add(brandKey[i]!);
          for (let j = 0; j < n; j++) {
            let m = 0;
            for (const x of c.x) if (x[j]! > m) m = x[j]!;
            let gs = 0;
            if (g) c.g.forEach((y, k) => (gs += W[k]! * y[j]!));
            out[j] = c.s[j]! + am * m + g * gs + b * hasBrand[j]! + (cb && brandKey[j] && bset.has(brandKey[j]!) ? cb : 0);
          }
        });
// Stack of the small validation gains: + g * trigram cos + cb * brand share of the history + cd * density
// + cv * W_k for same brand and cos(h_k, j) >= 0.6.
for (const g of [0, 0.5])
  for (const cb of [0, 0.1])
    for (const cd of [0, -0.1])
      for (const cv of [0, 0.1])
        add('stack', `stack g${g} bs${cb} d${cd} v${cv}`, (c, out) => {
          brandCount.clear();
          for (const i of c.hist) if (brandKey[i]) brandCount.set(brandKey[i]!, (brandCount.get(brandKey[i]!) ?? 0) + 1);
          const L = c.hist.length;
          for (let j = 0; j < n; j++) {
            let v = c.s[j]! + cd * dens[j]!;
            if (cb && brandKey[j]) v += (cb * (brandCount.get(brandKey[j]!) ?? 0)) / L;
            for (let k = 0; k < c.x.length; k++) {
              if (g) v += g * W[k]! * c.g[k]![j]!;
              if (cv && c.x[k]![j]! >= 0.6 && brandKey[j] && brandKey[j] === brandKey[c.h[k]!]) v += cv * W[k]!;
            }
            out[j] = v;
          }
        });
add('ref', 'tfidf + 0.5 grams', (c, out) => {
  out.set(c.s);
  c.g.forEach((y, k) => {
    for (let j = 0; j < n; j++) out[j]! += 0.5 * W[k]! * y[j]!;
  });
});

if (a.only) {
  const re = new RegExp(a.only);
  const keep = variants.filter((v, i) => i === 0 || re.test(v.name));
  variants.splice(0, variants.length, ...keep);
}
const needG = true; // trigram rows for the 'grams', 'combo' and 'stack' rows (cheap)

// ---- evaluation ----
const ranks = variants.map(() => [] as number[]);
const famMs = new Map<string, number>();
const out = new Float64Array(n);
const sBuf = new Float64Array(n);
const xBufs = [0, 1, 2].map(() => new Float64Array(n));
const gBufs = [0, 1, 2].map(() => new Float64Array(n));
const nbBufs = Array.from({ length: 20 }, () => new Float64Array(n));
const lsaBufs = new Map(lsaKs.map((k) => [k, new Float64Array(n)]));
const rowFor: number[] = [];
let zeroTargets = 0;
const tStart = Date.now();
let baseMs = 0;
for (const [ui, u] of users.entries()) {
  const tb = performance.now();
  const items = u.hist.items;
  const h = Array.from({ length: Math.min(3, items.length) }, (_, k) => items[items.length - 1 - k]!);
  const seen = new Set(items);
  h.forEach((hk, k) => sims(X, hk, xBufs[k]!));
  sBuf.fill(0);
  h.forEach((_, k) => {
    const x = xBufs[k]!;
    for (let j = 0; j < n; j++) sBuf[j]! += W[k]! * x[j]!;
  });
  // |q| of q = sum_k W_k x_{h_k}: sum_k sum_l W_k W_l cos(h_k, h_l)
  let q2 = 0;
  h.forEach((_, k) => h.forEach((hl, l) => (q2 += W[k]! * W[l]! * xBufs[k]![hl]!)));
  if (needG) h.forEach((hk, k) => sims(G, hk, gBufs[k]!));
  baseMs += performance.now() - tb;
  if (sBuf[u.target] === 0) zeroTargets++;
  let nbDone: ReturnType<Ctx['nb']> | null = null;
  const lsaDone = new Set<number>();
  const ctx: Ctx = {
    uid: ui,
    hist: items,
    rowFor,
    h,
    x: xBufs.slice(0, h.length),
    g: gBufs.slice(0, h.length),
    s: sBuf,
    seen,
    qnorm: Math.sqrt(q2) || 1,
    nb: () => {
      if (nbDone) return nbDone;
      const idx: number[] = [];
      for (let j = 0; j < n; j++) {
        if (seen.has(j)) continue;
        if (idx.length < 20 || sBuf[j]! > sBuf[idx[idx.length - 1]!]!) {
          let p = idx.length < 20 ? idx.length : 19;
          idx[p] = j;
          while (p > 0 && sBuf[idx[p - 1]!]! < sBuf[j]!) {
            idx[p] = idx[p - 1]!;
            idx[p - 1] = j;
            p--;
          }
        }
      }
      idx.forEach((i, m) => sims(X, i, nbBufs[m]!));
      nbDone = { ids: idx, w: idx.map((i) => sBuf[i]! / (Math.sqrt(q2) || 1)), sim: nbBufs };
      return nbDone;
    },
    lsa: (k) => {
      const buf = lsaBufs.get(k)!;
      if (lsaDone.has(k)) return buf;
      const E = lsaEmb.get(k)!;
      const q = new Float64Array(k);
      h.forEach((hk, m) => {
        for (let d = 0; d < k; d++) q[d]! += W[m]! * E[hk * k + d]!;
      });
      for (let j = 0; j < n; j++) {
        let s = 0;
        const o = j * k;
        for (let d = 0; d < k; d++) s += q[d]! * E[o + d]!;
        buf[j] = s;
      }
      lsaDone.add(k);
      return buf;
    },
  };
  variants.forEach((v, vi) => {
    const t1 = performance.now();
    v.score(ctx, out);
    famMs.set(v.name, (famMs.get(v.name) ?? 0) + performance.now() - t1);
    ranks[vi]!.push(rankOf(out, u.target, null, seen));
  });
  if (ui % 500 === 499) log(`${ui + 1} users, ${((Date.now() - tStart) / 1000).toFixed(0)} s`);
}
const U = users.length || 1;
{
  const r0 = ranks[0]!;
  const b = [1, 10, 50, 100, 500, 1000, 5000, n].map((k) => `<${k}: ${(r0.filter((r) => r < k).length / U).toFixed(3)}`);
  log(`tfidf target rank share ${b.join(' ')}; target score 0: ${(zeroTargets / U).toFixed(3)}`);
}
const inHeld = users.map((u) => held.has(u.target));
const fmt = (x: number) => x.toFixed(4);
console.log(`${a.targets} targets, users ${a.skip}..${Number(a.skip) + users.length} (${users.length}; ${inHeld.filter(Boolean).length} with target in Hair Care/Fragrance)`);
console.log(`tfidf base cost (3 sparse cosine rows + sum${needG ? ' + 3 trigram rows' : ''}): ${(baseMs / U).toFixed(2)} ms/user; "ms" column = extra per user for that row (first row of a family also pays its shared work: LSA query, 20 neighbour rows)`);
console.log('variant                        NDCG@10  HR@10 | HC/F NDCG  HR   | other NDCG  HR   |  dNDCG  dHC/F |  ms');
const base = rankingMetrics(ranks[0]!);
const baseT = rankingMetrics(ranks[0]!.filter((_, i) => inHeld[i]));
variants.forEach((v, vi) => {
  const r = ranks[vi]!;
  const m = rankingMetrics(r);
  const mt = rankingMetrics(r.filter((_, i) => inHeld[i]));
  const mo = rankingMetrics(r.filter((_, i) => !inHeld[i]));
  const pct = (x: number, y: number) => `${((x / y - 1) * 100).toFixed(1)}%`.padStart(6);
  console.log(
    `${v.name.padEnd(30)} ${fmt(m['NDCG@10'])} ${fmt(m['HR@10'])} | ${fmt(mt['NDCG@10'])} ${fmt(mt['HR@10'])} | ${fmt(mo['NDCG@10'])} ${fmt(mo['HR@10'])} | ${pct(m['NDCG@10'], base['NDCG@10'])} ${pct(mt['NDCG@10'], baseT['NDCG@10'])} | ${((famMs.get(v.name) ?? 0) / U).toFixed(2)}`,
  );
});
