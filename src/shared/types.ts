/**
 * Types shared by the page side (tracker, grid), the worker engine and the Node scripts.
 * Nothing here runs; it is the contract between the parts.
 */

/**
 * GA4 ecommerce event names (https://developers.google.com/analytics/devguides/collection/ga4/reference/events).
 * The tracker records `view_item_list` (MRC-viewable impressions) and `select_item` (clicks) by itself;
 * the page reports the rest with `track()`.
 */
export const EVENT_TYPES = [
  'view_item_list',
  'select_item',
  'view_item',
  'add_to_wishlist',
  'add_to_cart',
  'remove_from_cart',
  'begin_checkout',
  'purchase',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
/** The types the page reports with track(): impressions (view_item_list) and clicks (select_item) are measured. */
export type PageEventType = Exclude<EventType, 'view_item_list' | 'select_item'>;

/** One stored behaviour event. Never leaves the device. */
export interface RecoEvent {
  /** Random unique id. */
  id: string;
  type: EventType;
  itemId: string;
  /** The grid (`data-reco-grid`) the item was shown in, or null when unknown. */
  listId: string | null;
  /** 0-based position in that grid as shown, or null. */
  position: number | null;
  /** Epoch milliseconds. */
  ts: number;
  /** A new session starts after 30 minutes without events. */
  sessionId: string;
  /** `location.pathname`, never the query string. */
  path: string;
  /** True when this page view is in the unpersonalized control group. */
  control: boolean;
  /** Page view id: impressions and clicks of one list view share it. */
  pageViewId: string;
  /** Extra fields a page passed to `track()` (value, currency, quantity, ...). */
  extra?: Record<string, string | number | boolean>;
}

/** What the page tells us about an item; cached so history items can be featurized later. */
export interface ItemFeatures {
  id: string;
  title?: string;
  /** Category path, levels separated by `>` or `|` or `/` (e.g. "Makeup > Eyes > Mascara"). */
  category?: string;
  brand?: string;
  price?: number;
  /** The product page (placements link to it). */
  url?: string;
  /** Image URL (placements show it). */
  image?: string;
  /** False when out of stock (`data-reco-available="false"`, or the feed's availability); unknown counts as available. */
  available?: boolean;
  /** Free tags that merchandising rules can boost or bury. */
  tags?: string[];
}

/** One history entry as the model sees it: oldest first. */
export interface HistoryEntry {
  item: ItemFeatures;
  type: EventType;
  ts: number;
}

/** Everything stored about the shopper, as returned by `export()`. */
export interface ExportData {
  exportedAt: string;
  events: RecoEvent[];
  items: ItemFeatures[];
  /** Other stored records (learned heads, settings), by key. */
  meta: Record<string, unknown>;
  /**
   * The serving snapshots, by model URL: what a page view computed from the shopper's history for the next one's first
   * ranking (a key of the history's items, event types and times, the items' ids with their scores or vectors, the items
   * the model counted), with numbers as JSON numbers (NaN: null).
   */
  snapshots: Record<string, unknown>;
  /** The tracker's session record in localStorage (its id and last activity), or null. */
  session: unknown;
  /**
   * The cart the shop's last Matomo cart update left, as the Matomo reader keeps it in localStorage (quantities by SKU),
   * or null: none.
   */
  matomoCart: unknown;
  /**
   * What could not be read, and why (a database another tab keeps blocked, or one that does not answer within 3 s):
   * its records are missing from this export, and export() logged it. Empty when the export is complete.
   */
  unread: { database: string; reason: string }[];
}

/** What one store holds of {@link ExportData}: the snapshots and the session record are read by export() itself. */
export type StoredData = Omit<ExportData, 'snapshots' | 'session' | 'matomoCart' | 'unread'>;
