import { describe, expect, test } from 'vitest';
import { parsePrice } from '../../src/shared/price.ts';

describe('parsePrice: prices as shops print them in markup, JSON-LD and feeds', () => {
  test.each([
    ['€1.299,00', 1299],
    ['$12.50', 12.5],
    ['12.5', 12.5],
    ['24.90 EUR', 24.9],
    ['59,95 €', 59.95],
    ['1,299.99 USD', 1299.99],
    ['1,299.00', 1299],
    ['$1,299', 1299],
    ['12,50 €', 12.5],
    ['1.299', 1299],
    ['1.299.000 ₫', 1299000],
    ['€ 7', 7],
    ['0,5', 0.5],
    // French (a space, a no-break space as Intl writes it) and Swiss (an apostrophe, straight or typographic) thousands.
    ['1 299,00 €', 1299],
    [new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' }).format(1299), 1299],
    ["CHF 1'250.50", 1250.5],
    ['CHF 1’299.50', 1299.5],
    ['from $9.99 – $19.99', 9.99],
    // A was/now price: the first one, never the two run together (29.90 24.90 read as 29,902,490).
    ['29.90 24.90', 29.9],
    ['29,90 € 24,90 €', 29.9],
    ['1299.00', 1299],
    ['1 000', 1000],
    ['1.234.567,89', 1234567.89],
    ['free', undefined],
    ['', undefined],
    ['-3,00 €', undefined],
  ])('reads %j as %j', (text, expected) => {
    expect(parsePrice(text)).toBe(expected);
  });

  test('numbers as they are, nested values as feeds write them; nothing for what is not a price', () => {
    expect(parsePrice(12.5)).toBe(12.5);
    expect(parsePrice(0)).toBe(0);
    expect(parsePrice({ value: '3,20' })).toBe(3.2);
    expect(parsePrice({ amount: 7 })).toBe(7);
    for (const v of [-3, Infinity, NaN, true, null, undefined, ['12'], {}]) expect(parsePrice(v), String(v)).toBeUndefined();
  });
});
