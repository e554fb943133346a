import { describe, expect, it } from 'vitest';
import {
  categoryLevels,
  featurizeInto,
  featurizeItems,
  hash32,
  itemTokens,
  priceBucket,
  tokenize,
  type FeatureConfig,
} from '../../src/model/features.ts';

const cfg: FeatureConfig = { textBuckets: 2048, tokensPerItem: 12, maxLen: 50, idVocab: 0 };
const mascara = {
  id: 'x1',
  title: 'Maybelline Great Lash Washable Mascara, Blackest Black 0.43 fl oz',
  brand: 'Maybelline',
  category: 'Beauty > Makeup > Eyes > Mascara',
  price: 6.49,
};

describe('hash32', () => {
  it('is 32-bit FNV-1a (published test vectors)', () => {
    expect(hash32('')).toBe(0x811c9dc5);
    expect(hash32('a')).toBe(0xe40c292c);
    expect(hash32('foobar')).toBe(0xbf9cf968);
  });
});

describe('tokenize', () => {
  it('lower-cases, splits on punctuation, drops stop words, numbers and 1-letter pieces', () => {
    expect(tokenize("The New L'Oreal 24H Eye-Liner, 2 pack & Brow-Kit")).toEqual(['oreal', 'eye', 'liner', 'brow', 'kit']);
    expect(tokenize('')).toEqual([]);
  });
});

describe('categoryLevels', () => {
  it('splits on >, | and / and drops empty and "unknown" levels', () => {
    expect(categoryLevels('Makeup > Eyes | Mascara')).toEqual(['makeup', 'eyes', 'mascara']);
    expect(categoryLevels('Makeup/Eyes')).toEqual(['makeup', 'eyes']);
    expect(categoryLevels(' Skin Care >  > Unknown ')).toEqual(['skin care']);
    expect(categoryLevels(undefined)).toEqual([]);
  });
});

describe('priceBucket', () => {
  it('is round(log1.5(price)) and null for missing or non-positive prices', () => {
    expect(priceBucket(1)).toBe(0);
    expect(priceBucket(1.5)).toBe(1);
    expect(priceBucket(10)).toBe(6);
    expect(priceBucket(6.49)).toBe(5);
    for (const p of [0, -3, Number.NaN, Infinity, undefined]) expect(priceBucket(p)).toBeNull();
  });
});

describe('itemTokens', () => {
  it('puts category path prefixes, brand and price before deduplicated title words', () => {
    expect(itemTokens(mascara)).toEqual([
      'c:beauty',
      'c:beauty>makeup',
      'c:beauty>makeup>eyes',
      'c:beauty>makeup>eyes>mascara',
      'b:maybelline',
      'p:5',
      't:maybelline',
      't:great',
      't:lash',
      't:washable',
      't:mascara',
      't:blackest',
      't:black',
    ]);
  });

  it('skips a missing or "unknown" brand and a missing price', () => {
    expect(itemTokens({ id: 'y', title: 'Rose Oil', brand: 'Unknown' })).toEqual(['t:rose', 't:oil']);
  });
});

describe('featurizeItems', () => {
  it('gives fixed bucket ids for a fixed item (golden: changing them breaks every shipped model)', () => {
    expect(Array.from(featurizeItems([mascara], cfg))).toEqual([1736, 463, 1054, 1395, 1493, 878, 592, 139, 501, 901, 648, 856]);
  });

  it('is stable across calls and item order, with buckets in 1..textBuckets-1 and 0 as padding', () => {
    const other = { id: 'z', title: 'Rose Oil', category: 'Skin Care' };
    const a = featurizeItems([mascara, other], cfg);
    const b = featurizeItems([other, mascara], cfg);
    expect(Array.from(a.subarray(0, 12))).toEqual(Array.from(b.subarray(12, 24)));
    expect(Array.from(a.subarray(12, 24))).toEqual(Array.from(b.subarray(0, 12)));
    expect(Array.from(a.subarray(12, 24)).slice(3)).toEqual(new Array(9).fill(0));
    for (const v of a.subarray(0, 15)) {
      expect(v).toBeGreaterThanOrEqual(1);
      expect(v).toBeLessThan(cfg.textBuckets);
    }
  });

  it('keeps the structured tokens when the title is truncated', () => {
    const small: FeatureConfig = { ...cfg, tokensPerItem: 7 };
    const out = new Int32Array(9).fill(-1);
    featurizeInto(mascara, small, out, 1);
    const bucket = (t: string) => 1 + (hash32(t) % (small.textBuckets - 1));
    expect(out[0]).toBe(-1);
    expect(Array.from(out.subarray(1, 8))).toEqual(
      ['c:beauty', 'c:beauty>makeup', 'c:beauty>makeup>eyes', 'c:beauty>makeup>eyes>mascara', 'b:maybelline', 'p:5', 't:maybelline'].map(
        bucket,
      ),
    );
    expect(out[8]).toBe(-1);
  });

  it('gives different items different features and an empty item all padding', () => {
    const [a, b] = [featurizeItems([mascara], cfg), featurizeItems([{ ...mascara, category: 'Beauty > Makeup > Lips' }], cfg)];
    expect(Array.from(a)).not.toEqual(Array.from(b));
    expect(Array.from(featurizeItems([{ id: 'empty' }], cfg))).toEqual(new Array(12).fill(0));
  });
});

describe('tokenize accents', () => {
  it('folds accents instead of splitting words at them', () => {
    expect(tokenize('Lumière Crème brûlée Öl')).toEqual(['lumiere', 'creme', 'brulee', 'ol']);
  });
  it('reads German and French as content similarity does: ß and full-width forms folded, umlauts and accents too', () => {
    expect(tokenize('Größenwahn Kochtopf-Set, Édition limitée ＬＩＭＩＴＥＤ')).toEqual([
      'grossenwahn',
      'kochtopf',
      'set',
      'edition',
      'limitee',
      'limited',
    ]);
  });
  it('splits Japanese and Chinese titles written without spaces into character bigrams, keeping voicing marks and one-character words', () => {
    // ガスコンロ (gas stove) stays ガ…, not カ… (dregs); 鍋 (pot) alone is a word.
    expect(tokenize('ガスコンロ 鍋')).toEqual(['ガス', 'スコ', 'コン', 'ンロ', '鍋']);
    expect(tokenize('資生堂 保湿クリーム 50g')).toEqual(['資生', '生堂', '保湿', '湿ク', 'クリ', 'リー', 'ーム']);
  });
  it('keeps the marks of scripts other than Latin (Devanagari vowel signs, Cyrillic й)', () => {
    expect(tokenize('हिंदी чайник')).toEqual(['हिंदी', 'чайник']);
  });
});
