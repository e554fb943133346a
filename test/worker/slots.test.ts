import { describe, expect, it } from 'vitest';
import { priceFormat, safeUrl, slotTexts } from '../../src/worker/slots.ts';

const SHOW = { base: 'https://shop.example/c/page.html', lang: 'en' };

describe('render() slot texts (worker)', () => {
  it('keeps text as text, resolves links against the page and drops any that is not http(s)', () => {
    const hostile = '<img src=x onerror="alert(1)">Rose';
    const item = {
      id: 'a',
      title: hostile,
      price: 7,
      url: '/p/a',
      image: 'img/a.jpg',
      rating: 4.5,
      reason: { itemId: 'h', title: 'Night Cream' },
    };
    expect(slotTexts(item, SHOW, priceFormat(SHOW))).toEqual({
      id: 'a',
      title: hostile,
      price: '7.00',
      url: 'https://shop.example/p/a',
      image: 'https://shop.example/c/img/a.jpg',
      rating: '4.5',
      reason: 'Night Cream',
    });
    for (const bad of ['javascript:alert(1)', 'data:text/html,x', 'vbscript:x']) expect(safeUrl(bad, SHOW.base)).toBeNull();
    const t = slotTexts({ id: 'b', url: 'javascript:alert(1)', reason: { itemId: 'h' } }, SHOW, priceFormat(SHOW));
    expect(t).toEqual({ id: 'b', reason: 'h' });
  });

  it('formats prices as money in the page language with a currency; names the currency option when it is not one', () => {
    expect(priceFormat({ ...SHOW, lang: 'de', currency: 'EUR' })(24.9)).toMatch(/^24,90\s?€$/);
    expect(priceFormat({ ...SHOW, lang: 'en_US!' })(3)).toBe(new Intl.NumberFormat(undefined, { minimumFractionDigits: 2 }).format(3));
    expect(() => priceFormat({ ...SHOW, currency: 'euros' })).toThrow(
      /render: currency expected an ISO 4217 code such as "EUR", got "euros"/,
    );
  });
});
