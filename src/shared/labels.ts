/**
 * Which stored events the model reads as history and which ones on-device learning uses as labels.
 * Pure constants, shared by the page (scheduling) and the worker (fine-tuning): no tfjs here.
 */
import type { EventType, RecoEvent } from './types.ts';

/** Event types that make up the shopper's history (impressions are negatives, not history). */
export const HISTORY_TYPES: readonly EventType[] = [
  'select_item',
  'view_item',
  'add_to_wishlist',
  'add_to_cart',
  'begin_checkout',
  'purchase',
];

/**
 * A history event that has the lists the shopper has not seen yet ranked again with it (a product viewed, an add to
 * cart); not a click, which opens the next page, where the order the shopper left a list in is the one a Back returns to.
 */
export const reranksUnseen = (type: EventType): boolean => type !== 'select_item' && HISTORY_TYPES.includes(type);

/** Positive labels for fine-tuning and their weights: a purchase says more than a click. */
export const LABEL_WEIGHTS: Readonly<Partial<Record<EventType, number>>> = { select_item: 1, add_to_cart: 2, purchase: 3 };

/** True for events that fine-tuning learns from. */
export const isLabel = (type: EventType): boolean => LABEL_WEIGHTS[type] !== undefined;

/**
 * The events, oldest first, without the repeats of a purchase: GA4 counts a purchase once per `transaction_id`, and a
 * shop's confirmation page reloaded (a new page view, so the dataLayer reader's own check does not see it) or opened
 * again from the shopper's order mail reports the same purchase again. The first of each item and transaction is
 * kept; purchases without a `transaction_id` all count.
 * @param events sorted oldest first
 */
export function withoutRepeatedPurchases<T extends Pick<RecoEvent, 'type' | 'itemId' | 'extra'>>(events: readonly T[]): T[] {
  const seen = new Set<string>();
  return events.filter((e) => {
    const transaction = e.type === 'purchase' ? e.extra?.['transaction_id'] : undefined;
    if (transaction === undefined) return true;
    const key = JSON.stringify([e.itemId, transaction]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
