import { describe, expect, it } from 'vitest';
import {
  categoryPath,
  itemText,
  pairCatalog,
  pairFeaturesAll,
  pairFeaturesInto,
  pairPostings,
  PAIR_FEATURE_COUNT as F,
  PAIR_FEATURES,
  PAIR_SCRATCH,
} from '../../src/model/pair-features.ts';
import { cosine, idf, itemTerms, termStats, textTokens, tfidfVector } from '../../src/model/text.ts';
import type { ItemFeatures } from '../../src/shared/types.ts';

const items: ItemFeatures[] = [
  { id: 'a', title: 'Red Lipstick', brand: 'Aurelle', category: 'Makeup > Lips > Lipstick', price: 20 },
  { id: 'b', title: 'Matte Lipstick', brand: 'Aurelle', category: 'Makeup > Lips > Lipstick', price: 30 },
  { id: 'c', title: 'Shampoo', brand: 'Kerasol', category: 'Hair Care > Shampoo', price: 10 },
  { id: 'd' },
  { id: 'e', title: 'Feuchtigkeitscreme für trockene Haut', category: 'Hautpflege / Gesicht' },
  { id: 'f', title: 'Creme', category: 'Hautpflege / Körper', brand: 'unknown' },
];
const stats = termStats(items);
const cat = pairCatalog(items, stats);

function features(h: number, c: number): Record<string, number> {
  const out = new Float32Array(F);
  pairFeaturesInto(cat, h, c, out, 0);
  return Object.fromEntries(PAIR_FEATURES.map((name, i) => [name, out[i]!]));
}

/** Character trigrams of each word with boundaries, as plain strings: the reference for the grams feature. */
function trigrams(title: string): Set<string> {
  const out = new Set<string>();
  for (const t of textTokens(title)) for (let i = 0; i + 3 <= t.length + 2; i++) out.add(`#${t}#`.slice(i, i + 3));
  return out;
}

/** A title's trigrams, each weighing as the IDF of the rarest word it comes from, L2-normalized: the reference for gramsCos. */
function weightedTrigrams(title: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of textTokens(title)) {
    for (let i = 0; i + 3 <= t.length + 2; i++) {
      const g = `#${t}#`.slice(i, i + 3);
      out.set(g, Math.max(out.get(g) ?? 0, idf(stats, t)));
    }
  }
  const norm = Math.hypot(...out.values());
  return new Map([...out].map(([g, w]) => [g, w / norm]));
}
const gramsCosine = (a: string, b: string) => {
  const [x, y] = [weightedTrigrams(a), weightedTrigrams(b)];
  return [...x].reduce((s, [g, w]) => s + w * (y.get(g) ?? 0), 0);
};

describe('pair features', () => {
  it('same brand, same category path, a price ratio: golden values against text.ts and hand counts', () => {
    const f = features(0, 1);
    expect(f['cosAll']).toBeCloseTo(cosine(tfidfVector(itemTerms(items[0]!), stats), tfidfVector(itemTerms(items[1]!), stats)), 6);
    expect(f['cosTitle']).toBeCloseTo(cosine(tfidfVector(['red', 'lipstick'], stats), tfidfVector(['matte', 'lipstick'], stats)), 6);
    // Shared words of a and b: lipstick (twice in each, counted once), aurelle, makeup, lips.
    const shared = ['lipstick', 'aurelle', 'makeup', 'lips'].reduce((s, t) => s + idf(stats, t), 0);
    expect(f['coverCand']).toBeCloseTo(shared / (shared + idf(stats, 'matte')), 6);
    expect(f['coverHist']).toBeCloseTo(shared / (shared + idf(stats, 'red')), 6);
    const [ga, gb] = [trigrams('Red Lipstick'), trigrams('Matte Lipstick')];
    const inter = [...ga].filter((g) => gb.has(g)).length;
    expect(f['grams']).toBeCloseTo(inter / (ga.size + gb.size - inter), 6);
    // "lipstick" (in both, so its IDF is lower) against "red" and "matte": the shared trigrams are lipstick's.
    expect(f['gramsCos']).toBeCloseTo(gramsCosine('Red Lipstick', 'Matte Lipstick'), 6);
    expect(f['gramsCos']).toBeGreaterThan(0.3);
    expect(f['gramsCos']).toBeLessThan(f['cosTitle']! + 0.5);
    expect(f).toMatchObject({
      sameBrand: 1,
      otherBrand: 0,
      catShared: 1,
      sameTop: 1,
      sameLeaf: 1,
      catKnown: 1,
      priceKnown: 1,
      sameItem: 0,
      candNoText: 0,
      histNoText: 0,
    });
    expect(f['priceGap']).toBeCloseTo(Math.log(30 / 20) / 3, 6);
  });

  it('another brand, no shared category, and an item without anything', () => {
    expect(features(0, 2)).toMatchObject({
      cosAll: 0,
      cosTitle: 0,
      coverCand: 0,
      sameBrand: 0,
      otherBrand: 1,
      catShared: 0,
      sameTop: 0,
      sameLeaf: 0,
      catKnown: 1,
    });
    expect(features(0, 2)['priceGap']).toBeCloseTo(Math.log(2) / 3, 6);
    const none = features(0, 3);
    expect(none).toMatchObject({
      cosAll: 0,
      grams: 0,
      gramsCos: 0,
      sameBrand: 0,
      otherBrand: 0,
      catKnown: 0,
      priceKnown: 0,
      priceGap: 0,
      candNoText: 1,
      histNoText: 0,
    });
    expect(features(0, 0)['sameItem']).toBe(1);
  });

  it('relates a German compound to its part by character trigrams where the words differ', () => {
    const f = features(4, 5);
    expect(f['cosTitle']).toBe(0);
    expect(f['grams']).toBeGreaterThan(0.1);
    expect(f['gramsCos']).toBeCloseTo(gramsCosine('Feuchtigkeitscreme für trockene Haut', 'Creme'), 6);
    expect(f['gramsCos']).toBeGreaterThan(0.1);
    // "Hautpflege / Gesicht" and "Hautpflege / Körper": one of two levels shared; "unknown" is no brand.
    expect(f).toMatchObject({ catShared: 0.5, sameTop: 1, sameLeaf: 0, otherBrand: 0 });
  });

  it('weighs title trigrams by the rarest word they come from; Japanese and Chinese bigram tokens count as one gram each', () => {
    const cjk: ItemFeatures[] = [
      { id: 'j1', title: '資生堂 美容液' },
      { id: 'j2', title: '資生堂 化粧水' },
      { id: 'j3', title: '洗顔 フォーム' },
      { id: 'z1', title: '保湿面霜' },
      { id: 'z2', title: '保湿精华' },
    ];
    const c = pairCatalog(cjk, termStats(cjk));
    const g = (h: number, k: number) => {
      const out = new Float32Array(F);
      pairFeaturesInto(c, h, k, out, 0);
      return out[PAIR_FEATURES.indexOf('gramsCos')]!;
    };
    // IDF over these five items: a token in two of them (資生, 生堂, 保湿) weighs a, one in one item b.
    const [a, b] = [Math.log(6 / 3) + 1, Math.log(6 / 2) + 1];
    // 資生堂 美容液 → 資生, 生堂, 美容, 容液 (a, a, b, b): the first two shared with 資生堂 化粧水.
    expect(g(0, 1)).toBeCloseTo((2 * a * a) / (2 * a * a + 2 * b * b), 6);
    expect(g(0, 2)).toBe(0);
    // 保湿面霜 / 保湿精华 → 保湿 (a) shared, two more (b) each.
    expect(g(3, 4)).toBeCloseTo((a * a) / (a * a + 2 * b * b), 6);
    expect(g(0, 0)).toBeCloseTo(1, 6);
  });

  it('does not depend on which words a catalog uses: the same catalog with every word replaced gives the same features', () => {
    // A letter-for-letter cipher (a→b, ..., z→a): other words, the same overlaps.
    const rename = (s: string | undefined) =>
      s && s !== 'unknown' && s.toLowerCase().replace(/[a-z]/g, (ch) => String.fromCharCode(97 + ((ch.charCodeAt(0) - 96) % 26)));
    const other = items.map((it) => ({
      ...it,
      title: rename(it.title) || it.title,
      brand: rename(it.brand) || it.brand,
      category: rename(it.category) || it.category,
    }));
    const cat2 = pairCatalog(other, termStats(other));
    expect(textTokens(other[0]!.title!)).toEqual(['sfe', 'mjqtujdl']);
    const x = new Float32Array(F);
    const y = new Float32Array(F);
    for (let h = 0; h < items.length; h++) {
      for (let c = 0; c < items.length; c++) {
        pairFeaturesInto(cat, h, c, x, 0);
        pairFeaturesInto(cat2, h, c, y, 0);
        for (let k = 0; k < F; k++) expect(y[k], `${PAIR_FEATURES[k]} of (${h}, ${c})`).toBeCloseTo(x[k]!, 6);
      }
    }
  });

  it('one item against all (postings) gives exactly the pairwise numbers', () => {
    const post = pairPostings(cat);
    const all = new Float32Array(items.length * F);
    const one = new Float32Array(F);
    for (let h = 0; h < items.length; h++) {
      pairFeaturesAll(cat, post, h, all, new Float64Array(PAIR_SCRATCH * items.length));
      for (let c = 0; c < items.length; c++) {
        pairFeaturesInto(cat, h, c, one, 0);
        expect(Array.from(all.subarray(c * F, c * F + F))).toEqual(Array.from(one));
      }
    }
  });

  it("reads an item's words as content similarity does (text.ts itemTerms), in any script and with or without brand and category", () => {
    const items: ItemFeatures[] = [
      { id: 'a', title: 'Crème Brûlée Lip Balm 2-Pack', brand: "L'Oréal", category: 'Beauty > Lips' },
      { id: 'b', title: 'ＡＢＣ Feuchtigkeitscreme für Männer', brand: 'Straße & Co', category: 'Pflege|Gesicht' },
      { id: 'c', title: '資生堂 アルティミューン 美容液', category: 'スキンケア' },
      { id: 'd', title: '', brand: 'Œuvre' },
      { id: 'e', title: 'Plain ASCII title\twith a tab' },
    ];
    for (const it of items) expect(itemText(it).words).toEqual(itemTerms(it));
    expect(itemText(items[0]!).words.slice(0, 3)).toEqual(['creme', 'brulee', 'lip']);
  });

  it('reads category paths with any separator, skipping "unknown"', () => {
    expect(categoryPath('Makeup > Lips | Lipstick')).toEqual(['makeup', 'makeup>lips', 'makeup>lips>lipstick']);
    expect(categoryPath('Unknown / Skin Care')).toEqual(['skin care']);
    expect(categoryPath(undefined)).toEqual([]);
  });
});
