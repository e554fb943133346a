/**
 * What render() writes into a card's `data-reco-slot` elements, computed in the worker so that the page script
 * only clones the template and sets text and attributes: prices formatted as money, links and images as
 * absolute http(s) URLs only (a feed's `javascript:` link is dropped), images only from the page's origin, the
 * feed's or those the shop lists (a feed's image elsewhere never has the shopper's browser contact a third
 * party), the reason as its item's title.
 */
import type { Recommendation, SlotOptions } from '../shared/placements.ts';

/** The URL if it is http(s) (relative ones resolved against `base`), else null. */
export function safeUrl(u: unknown, base: string): string | null {
  // Only text is a URL: an array or an object would make one like ".../[object%20Object]", a request to the shop.
  if (typeof u !== 'string') return null;
  try {
    const url = new URL(u, base);
    return /^https?:$/.test(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/** Currencies render() was told and the feed gave otherwise, each warned about once in this worker. */
const warned = new Set<string>();

/**
 * A price formatter for the page's language: as money in the item's own currency when the feed gives one (its
 * `priceCurrency`), else in render()'s `currency`, else a plain number with 2 decimals.
 * @throws TypeError naming `currency` when it is not a currency code
 */
export function priceFormat(show: SlotOptions): (n: number, currency?: unknown) => string {
  let lang: string | undefined = show.lang || undefined;
  try {
    Intl.NumberFormat.supportedLocalesOf(lang ?? []);
  } catch {
    // A malformed lang attribute: the browser's own language.
    lang = undefined;
  }
  const money = (currency: string) => new Intl.NumberFormat(lang, { style: 'currency', currency }).format;
  let base: (n: number) => string;
  try {
    base = show.currency
      ? money(show.currency)
      : new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format;
  } catch {
    throw new TypeError(`render: currency expected an ISO 4217 code such as "EUR", got ${JSON.stringify(show.currency)}`);
  }
  const own = new Map<string, (n: number) => string>();
  return (n, currency) => {
    if (typeof currency !== 'string' || currency === show.currency) return base(n);
    let format = own.get(currency);
    if (!format) {
      try {
        format = money(currency);
      } catch {
        format = base; // not a currency after all: the row says nothing usable
      }
      own.set(currency, format);
      // The feed knows what its prices are in: a "€" before dollars would misprice them. The shop hears of it once.
      if (show.currency && format !== base && !warned.has(`${show.currency} ${currency}`)) {
        warned.add(`${show.currency} ${currency}`);
        console.warn(
          `[reco] render(): currency is "${show.currency}", but the feed gives prices in ${currency}: those are shown in ${currency}`,
        );
      }
    }
    return format(n);
  };
}

/**
 * The origins images may load from: the page's, the feed's (when there is one) and render()'s `imageOrigins`.
 * @throws TypeError naming `imageOrigins` when it is not a list of http(s) origins
 */
export function imageOrigins(show: SlotOptions, feedUrl: string | null): Set<string> {
  const listed = show.imageOrigins ?? [];
  if (!Array.isArray(listed)) throw new TypeError(`render: imageOrigins expected an array of origins, got ${JSON.stringify(listed)}`);
  const origins = new Set([new URL(show.base).origin, ...(feedUrl ? [new URL(feedUrl).origin] : [])]);
  listed.forEach((o: unknown, i) => {
    const url = typeof o === 'string' ? safeUrl(o, show.base) : null;
    if (!url || !/^https?:\/\/[^/]+\/?$/.test(o as string))
      throw new TypeError(
        `render: imageOrigins[${i}] expected an http(s) origin such as "https://cdn.example.com", got ${JSON.stringify(o)}`,
      );
    origins.add(new URL(url).origin);
  });
  return origins;
}

/**
 * The text of each slot of one item (`url` and `image` only when they are http(s), `image` only from `origins`;
 * `reason` only when there is one).
 */
export function slotTexts(
  item: Recommendation,
  show: SlotOptions,
  price: (n: number, currency?: unknown) => string,
  origins: ReadonlySet<string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(item)) {
    if (v == null) continue;
    if (k === 'url' || k === 'image') {
      const url = safeUrl(v, show.base);
      if (url && (k === 'url' || origins.has(new URL(url).origin))) out[k] = url;
    } else if (k === 'reason') {
      const r = v as Recommendation['reason'];
      if (r) out[k] = r.title ?? r.itemId;
    } else if (k === 'price' && typeof v === 'number') out[k] = price(v, item['priceCurrency']);
    // Text as the feed has it: a string, number or boolean, or a list of them; an object has no text to show.
    else if ([v].flat().every((x) => ['string', 'number', 'boolean'].includes(typeof x))) out[k] = [v].flat().join(', ');
  }
  return out;
}
