import { describe, expect, it } from 'vitest';
import { cosine, idf, itemTerms, termStats, textTokens, tfidfVector } from '../../src/model/text.ts';

describe('textTokens', () => {
  it('folds case, accents and ß in German and French, and splits at apostrophes and punctuation', () => {
    expect(textTokens('Ölfreie Feuchtigkeitscreme für trockene Haut, Größe 50')).toEqual([
      'olfreie',
      'feuchtigkeitscreme',
      'fur',
      'trockene',
      'haut',
      'grosse',
      '50',
    ]);
    expect(textTokens("L'Eau d'Été à la Fleur d’Oranger")).toEqual(['l', 'eau', 'd', 'ete', 'a', 'la', 'fleur', 'd', 'oranger']);
    expect(textTokens('Crème brûlée Lip Balm, 0.15 oz')).toEqual(['creme', 'brulee', 'lip', 'balm', '0', '15', 'oz']);
    // Ligatures Unicode does not decompose meet their spelled-out form.
    expect(textTokens('Bœuf Bourguignon, Crème au Cœur')).toEqual(textTokens('Boeuf Bourguignon, Creme au Coeur'));
    expect(textTokens('Æble Ægte')).toEqual(['aeble', 'aegte']);
  });

  it('splits Chinese, Japanese and Korean runs, written without spaces, into character bigrams', () => {
    expect(textTokens('资生堂新透白')).toEqual(['资生', '生堂', '堂新', '新透', '透白']);
    expect(textTokens('資生堂 セラム')).toEqual(['資生', '生堂', 'セラ', 'ラム']);
    expect(textTokens('설화수')).toEqual(['설화', '화수']);
    // Voiced kana keep their marks (NFKD alone would turn が into か).
    expect(textTokens('がぎ')).toEqual(['がぎ']);
    // A one-character run is a token; a Latin word inside CJK text stays a word.
    expect(textTokens('赤 Lipstick口紅')).toEqual(['赤', 'lipstick', '口紅']);
  });

  it('makes full-width forms ASCII', () => {
    expect(textTokens('Ｆｕｌｌｗｉｄｔｈ ＴＥＳＴ ２０')).toEqual(['fullwidth', 'test', '20']);
  });

  it('reads title, brand and category of an item', () => {
    expect(itemTerms({ id: 'x', title: 'Red Lipstick', brand: 'Aurelle', category: 'Makeup > Lips' })).toEqual([
      'red',
      'lipstick',
      'aurelle',
      'makeup',
      'lips',
    ]);
    expect(itemTerms({ id: 'y' })).toEqual([]);
  });
});

describe('TF-IDF', () => {
  const items = [
    { id: 'a', title: 'red red lipstick' },
    { id: 'b', title: 'red polish' },
    { id: 'c', title: 'shampoo' },
  ];
  const stats = termStats(items);

  it('counts document frequency once per item and smooths idf as ln((1 + N) / (1 + df)) + 1', () => {
    expect(stats.docs).toBe(3);
    expect(stats.df.get('red')).toBe(2);
    expect(idf(stats, 'red')).toBeCloseTo(Math.log(4 / 3) + 1, 12);
    expect(idf(stats, 'unseen')).toBeCloseTo(Math.log(4) + 1, 12);
  });

  it('weighs terms by sublinear tf times idf and normalizes to unit length', () => {
    const v = tfidfVector(itemTerms(items[0]!), stats);
    expect(v.terms).toEqual(['lipstick', 'red']);
    const red = (1 + Math.log(2)) * (Math.log(4 / 3) + 1);
    const lip = Math.log(4 / 2) + 1;
    const norm = Math.hypot(red, lip);
    expect(v.weights[0]).toBeCloseTo(lip / norm, 12);
    expect(v.weights[1]).toBeCloseTo(red / norm, 12);
    expect(cosine(v, v)).toBeCloseTo(1, 12);
  });

  it('cosine is the dot product over shared terms', () => {
    const [a, b, c] = items.map((it) => tfidfVector(itemTerms(it), stats));
    const red = (1 + Math.log(2)) * (Math.log(4 / 3) + 1);
    const i1 = Math.log(2) + 1;
    const i2 = Math.log(4 / 3) + 1;
    expect(cosine(a!, b!)).toBeCloseTo((red / Math.hypot(red, i1)) * (i2 / Math.hypot(i2, i1)), 12);
    expect(cosine(a!, c!)).toBe(0);
  });
});
