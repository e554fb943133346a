/**
 * The click journal: events recorded but not yet confirmed written to IndexedDB, kept in localStorage by
 * page view, so that a click which navigates away is not lost. The next page view writes what a page view
 * left behind. localStorage only mirrors IndexedDB, and only while it works.
 */
import { isPageLeft, StorageError } from '../shared/errors.ts';
import { LOCAL_KEYS } from '../shared/local-keys.ts';
import type { PageStore } from '../shared/store.ts';
import { EVENT_TYPES, type RecoEvent } from '../shared/types.ts';

/** Events not yet confirmed written, by page view id. */
export type Journal = Record<string, RecoEvent[]>;

/** Runs `fn` (a localStorage access) while localStorage is in use; does nothing once it is not. */
export type LocalMirror = (fn: () => void) => void;

/**
 * localStorage, while it works: the first access that throws (storage blocked or full) is reported (a StorageError
 * saying what is lost), and
 * from then on nothing is read or written there; `stop()` ends it too (the store turned out memory-only).
 * @param enabled false in memory mode, where nothing may outlive the page
 */
export function createLocalMirror(enabled: boolean, report: (err: unknown) => void): LocalMirror & { stop(): void } {
  let inUse = enabled;
  const mirror = (fn: () => void) => {
    if (!inUse) return;
    try {
      fn();
    } catch (err) {
      inUse = false;
      report(
        new StorageError(
          `localStorage cannot be used (${(err as Error)?.message}): a click that leaves the page before it is stored may be lost, and a session does not span page views; events are still recorded`,
          { cause: err },
        ),
      );
    }
  };
  return Object.assign(mirror, { stop: () => void (inUse = false) });
}

/** The JSON value under `key`, or null when it is missing or not JSON. */
export function readJson(key: string): unknown {
  try {
    return JSON.parse(localStorage.getItem(key) ?? 'null');
  } catch {
    return null;
  }
}

/**
 * Reads the journal, keeping only lists of valid events, lets `change` edit it, and writes it back
 * without empty lists (none left removes the key).
 */
export function editJournal(change: (j: Journal) => void): void {
  const raw = readJson(LOCAL_KEYS.pending) as Journal | null;
  const j: Journal = {};
  for (const pv in raw) {
    if (Array.isArray(raw[pv])) {
      j[pv] = raw[pv].filter(
        (e: Partial<RecoEvent> | null) =>
          typeof e?.id === 'string' &&
          typeof e.itemId === 'string' &&
          typeof e.ts === 'number' &&
          (EVENT_TYPES as readonly unknown[]).includes(e.type),
      );
    }
  }
  change(j);
  for (const pv in j) if (!j[pv]!.length) delete j[pv];
  const text = JSON.stringify(j);
  if (text === '{}') localStorage.removeItem(LOCAL_KEYS.pending);
  else localStorage.setItem(LOCAL_KEYS.pending, text);
}

/** The events that other page views journaled and did not write (read before the store is open). */
export function journaledEvents(local: LocalMirror, current: string): RecoEvent[] {
  let left: Journal = {};
  local(() => editJournal((j) => (left = j)));
  delete left[current];
  return Object.values(left).flat();
}

/**
 * Writes to the store the events that page views journaled but did not write (a navigation cut them short).
 * Only what was written leaves the journal: a tab of those page views may still be adding to it. `written` hears
 * that they were stored.
 * @param current this page view: its own journaled events are still in its queue
 * @returns the drained events not confirmed written yet (none once they are)
 */
export function drainJournal(
  store: PageStore,
  local: LocalMirror,
  report: (err: unknown) => void,
  current?: string,
  written?: () => void,
): () => RecoEvent[] {
  let left: Journal = {};
  local(() => editJournal((j) => (left = j)));
  if (current) delete left[current];
  const drained = new Map(
    Object.values(left)
      .flat()
      .map((e) => [e.id, e]),
  );
  const drop = (j: Journal) => {
    for (const pv in left) j[pv] &&= j[pv].filter((e) => !drained.has(e.id));
  };
  let unwritten = [...drained.values()];
  if (drained.size) {
    store.add(unwritten).then(
      () => {
        unwritten = [];
        local(() => editJournal(drop));
        written?.();
      },
      (err: unknown) => isPageLeft(err) || report(err),
    ); // the page went away: still journaled
  }
  return () => unwritten;
}
