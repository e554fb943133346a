import { describe, expect, it, vi } from 'vitest';
import { imageOrigins, priceFormat, safeUrl, slotTexts } from '../../src/worker/slots.ts';
import type { Recommendation } from '../../src/shared/placements.ts';

const SHOW = { base: 'https://shop.example/c/page.html', lang: 'en' };
const SAME = new Set(['https://shop.example']);

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
    expect(slotTexts(item, SHOW, priceFormat(SHOW), SAME)).toEqual({
      id: 'a',
      title: hostile,
      price: '7.00',
      url: 'https://shop.example/p/a',
      image: 'https://shop.example/c/img/a.jpg',
      rating: '4.5',
      reason: 'Night Cream',
    });
    for (const bad of ['javascript:alert(1)', 'data:text/html,x', 'vbscript:x']) expect(safeUrl(bad, SHOW.base)).toBeNull();
    const t = slotTexts({ id: 'b', url: 'javascript:alert(1)', reason: { itemId: 'h' } }, SHOW, priceFormat(SHOW), SAME);
    expect(t).toEqual({ id: 'b', reason: 'h' });
  });

  it('shows a field that is an object as nothing (never "[object Object]"), and a list of texts as one text', () => {
    const item = { id: 'a', rating: { ratingValue: 4.5, reviewCount: 12 }, sizes: ['S', 'M'], vegan: true } as unknown as Recommendation;
    expect(slotTexts(item, SHOW, priceFormat(SHOW), SAME)).toEqual({ id: 'a', sizes: 'S, M', vegan: 'true' });
  });

  it('loads images only from the page’s origin, the feed’s and the origins the shop lists; names imageOrigins when it is not a list of origins', () => {
    const item = { id: 'a', url: 'https://elsewhere.example/p/a', image: 'https://tracker.example/pixel.png' };
    const own = imageOrigins(SHOW, null);
    expect([...own]).toEqual(['https://shop.example']);
    // A link elsewhere is only followed if the shopper clicks it; an image would be fetched at once: it is left out.
    expect(slotTexts(item, SHOW, priceFormat(SHOW), own)).toEqual({ id: 'a', url: 'https://elsewhere.example/p/a' });
    const cdn = imageOrigins({ ...SHOW, imageOrigins: ['https://tracker.example'] }, null);
    expect(slotTexts(item, SHOW, priceFormat(SHOW), cdn)['image']).toBe('https://tracker.example/pixel.png');
    const feed = imageOrigins(SHOW, 'https://tracker.example/feed.jsonl');
    expect([...feed]).toEqual(['https://shop.example', 'https://tracker.example']);
    expect(() => imageOrigins({ ...SHOW, imageOrigins: 'https://cdn.example' }, null)).toThrow(
      /render: imageOrigins expected an array of origins, got "https:\/\/cdn.example"/,
    );
    for (const bad of ['https://cdn.example/img/', 'javascript:alert(1)', 'cdn.example', 7])
      expect(() => imageOrigins({ ...SHOW, imageOrigins: [bad] }, null)).toThrow(/render: imageOrigins\[0\] expected an http\(s\) origin/);
  });

  it("shows a price in the currency the feed gives it in, also when render()'s currency differs (said once in the console)", () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const eur = priceFormat({ ...SHOW, currency: 'EUR' });
    expect(eur(24.9)).toBe('€24.90');
    expect(eur(24.9, 'USD')).toBe('$24.90');
    expect(eur(5, 'USD')).toBe('$5.00');
    expect(eur(7, 'EUR')).toBe('€7.00');
    expect(warn.mock.calls.map(([m]) => m)).toEqual([
      '[reco] render(): currency is "EUR", but the feed gives prices in USD: those are shown in USD',
    ]);
    // Without render()'s currency the feed's own makes the number money.
    expect(slotTexts({ id: 'a', price: 9.5, priceCurrency: 'GBP' }, SHOW, priceFormat(SHOW), SAME)['price']).toBe('£9.50');
    expect(slotTexts({ id: 'a', price: 9.5 }, SHOW, priceFormat(SHOW), SAME)['price']).toBe('9.50');
    warn.mockRestore();
  });

  it('formats prices as money in the page language with a currency; names the currency option when it is not one', () => {
    expect(priceFormat({ ...SHOW, lang: 'de', currency: 'EUR' })(24.9)).toMatch(/^24,90\s?€$/);
    expect(priceFormat({ ...SHOW, lang: 'en_US!' })(3)).toBe(new Intl.NumberFormat(undefined, { minimumFractionDigits: 2 }).format(3));
    expect(() => priceFormat({ ...SHOW, currency: 'euros' })).toThrow(
      /render: currency expected an ISO 4217 code such as "EUR", got "euros"/,
    );
  });
});
