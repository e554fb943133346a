/**
 * Prices as shops print them, in the page's markup, its JSON-LD and its catalog feed: one reader, used by the
 * engine's part of the page (reco.engine.js: grid/json-ld.ts) and by the worker (feed.ts).
 */

/** A number as shops group and separate it: thousands by `.`, `,`, an apostrophe or a space; then decimals. */
const NUMBER = /(-\s*)?(\d{1,3}(?:[.,'’\s]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)/;

/**
 * The price in `v`: "€1.299,00" → 1299, "$12.50" → 12.5, "1,299" → 1299, "12,5" → 12.5, "1 299,00 €" (with a space,
 * or a no-break space as Intl writes it) → 1299, "CHF 1'299.50" → 1299.5, 24.9 → 24.9, `{ value: 24.9 }` (or
 * `amount`, as feeds nest it) → 24.9. When both separators appear the last one is the decimal point; a single one
 * followed by exactly three digits groups thousands, as a repeated one does. Of several numbers the first counts (a
 * was/now price "29.90 24.90" is 29.9, not the two run together).
 * @returns undefined for no number, a negative one, or what is not a price (a boolean, an array)
 */
export function parsePrice(v: unknown): number | undefined {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    return parsePrice(o['value'] ?? o['amount']);
  }
  if (typeof v === 'number') return v >= 0 && v < Infinity ? v : undefined;
  const m = typeof v === 'string' ? NUMBER.exec(v) : null;
  if (!m || m[1]) return undefined;
  const s = m[2]!.replace(/[\s'’]/g, '');
  const dec = Math.max(s.lastIndexOf('.'), s.lastIndexOf(','));
  const head = s.slice(0, dec);
  // The last separator is decimal unless it appeared before, or it is the only one and three digits follow.
  const decimal = dec >= 0 && !head.includes(s[dec]!) && (/[.,]/.test(head) || s.length - dec !== 4);
  const n = Number(s.replace(/[.,]/g, (_, i: number) => (decimal && i === dec ? '.' : '')));
  return Number.isFinite(n) ? n : undefined;
}
