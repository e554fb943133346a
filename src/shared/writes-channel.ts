/**
 * The origin's line about writes to the history: a page that wrote events or item features to its database tells the
 * workers of every page, so that a worker keeps the history it read until something changed it, instead of asking
 * IndexedDB again for each ranking (two requests that take most of a ranking's time in a worker). A worker that
 * cannot listen (no BroadcastChannel) asks IndexedDB each time, as it would without this line.
 *
 * A page kept by the back/forward cache is evicted from it when a channel of its receives a message (Firefox does so):
 * a page tells through a channel opened for the message alone, and a worker listens only while its page is shown.
 */

import type { RecoEvent } from './types.ts';

/** The BroadcastChannel's name. */
const WRITES_CHANNEL = 'reco-writes';

/** What a page says after a write: which database, and which page store wrote (see {@link PageWrites}). */
export interface WriteNotice {
  type: 'written';
  db: string;
  by: string;
}

/**
 * What a page store wrote, as a request carries it: with it the worker brings the history it read up to date without
 * reading the store again (the store then holds what it read and what this page added since, unless another page
 * wrote, which it is told, or something was removed, which `removals` counts).
 */
export interface PageWrites {
  /** The page store (random, one per connection the page opened). */
  by: string;
  /** Writes that may have removed events so far, beside those `droppedUpTo` covers: cleared, or an add that failed. */
  removals: number;
  /**
   * The newest time of the events the retention caps (or the quota) dropped so far, oldest first; -Infinity when none.
   * A worker whose history holds its `historyLength` events, all newer, is not changed by them.
   */
  droppedUpTo: number;
  /**
   * The newest history events this store added (at most the request's `historyLength`), oldest first. Noted when an add
   * has settled, the moment its events leave the page's unwritten queue: a request made before that sends them as
   * pending, one made after as added.
   */
  added: RecoEvent[];
}

/** A page store's name on the channel: random, one per connection the page opened. */
export const newWriterId = (): string => Math.random().toString(36).slice(2);

/** Tells the workers of every page that page store `by` wrote to database `db`; nothing where BroadcastChannel is missing. */
export function tellWrite(db: string, by: string): void {
  try {
    if (typeof BroadcastChannel !== 'function') return;
    // Delivered to every channel open at this moment, also once this one is closed.
    const channel = new BroadcastChannel(WRITES_CHANNEL);
    channel.postMessage({ type: 'written', db, by } satisfies WriteNotice);
    channel.close();
  } catch {
    // refused (opaque origins): each worker reads the store for every ranking
  }
}

/**
 * Listens for the writes of pages to database `db` (its own page's included: the listener tells them apart).
 * @returns the channel to close, or null when nothing can be heard (no BroadcastChannel): every write must then be assumed
 */
export function listenToWrites(db: string, onWrite: (by: string) => void): { close(): void } | null {
  try {
    if (typeof BroadcastChannel !== 'function') return null;
    const channel = new BroadcastChannel(WRITES_CHANNEL);
    channel.onmessage = (ev: MessageEvent<Partial<WriteNotice> | null>) => {
      if (ev.data?.type === 'written' && ev.data.db === db && typeof ev.data.by === 'string') onWrite(ev.data.by);
    };
    return channel;
  } catch {
    return null;
  }
}
