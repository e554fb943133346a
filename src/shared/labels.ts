/**
 * Which stored events the model reads as history and which ones on-device learning uses as labels.
 * Pure constants, shared by the page (scheduling) and the worker (fine-tuning): no tfjs here.
 */
import type { EventType } from './types.ts';

/** Event types that make up the shopper's history (impressions are negatives, not history). */
export const HISTORY_TYPES: readonly EventType[] = [
  'select_item',
  'view_item',
  'add_to_wishlist',
  'add_to_cart',
  'begin_checkout',
  'purchase',
];

/** Positive labels for fine-tuning and their weights: a purchase says more than a click. */
export const LABEL_WEIGHTS: Readonly<Partial<Record<EventType, number>>> = { select_item: 1, add_to_cart: 2, purchase: 3 };

/** True for events that fine-tuning learns from. */
export const isLabel = (type: EventType): boolean => LABEL_WEIGHTS[type] !== undefined;
