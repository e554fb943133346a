/**
 * Recorded events on their way to the store: journaled in localStorage within the task that records them (see
 * journal.ts; once per task, so a burst of events rewrites the journal once), written to the store in batches at
 * most every `flushIntervalMs`, and at once on flush(). Writes never overlap.
 */
import { isPageLeft } from '../shared/errors.ts';
import type { PageStore } from '../shared/store.ts';
import type { RecoEvent } from '../shared/types.ts';
import { editJournal, type LocalMirror } from './journal.ts';

/** What {@link createEventQueue} returns. */
export interface EventQueue {
  push(e: RecoEvent): void;
  /** Writes what is queued now; never rejects (a failed write is reported and dropped). */
  flush(): Promise<void>;
  /** Events recorded and not yet confirmed written (the batch being written included), oldest first. */
  unwritten(): RecoEvent[];
  /** Events recorded and not yet written. */
  pending(): number;
  /** Drops what is queued, unwritten, and ignores every later push (forget()). */
  drop(): void;
}

/** @param store the store, or the store being opened: writes wait for it (none when it turns out null: the events stay queued and journaled) */
export function createEventQueue(
  store: PageStore | Promise<PageStore | null>,
  pageViewId: string,
  o: { local: LocalMirror; flushIntervalMs: number; report: (err: unknown) => void; written?: () => void },
): EventQueue {
  let queue: RecoEvent[] = []; // recorded, not yet confirmed written
  let dropped = false;
  let writing = Promise.resolve();
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let journalDue = false;
  const writeJournal = () => o.local(() => editJournal((j) => (j[pageViewId] = queue)));

  function flush(): Promise<void> {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    return (writing = writing.then(async () => {
      const n = queue.length;
      if (!n || dropped) return;
      const open = await store;
      // No store (its code did not load): the events stay queued and journaled. forget() meanwhile: nothing is written.
      if (!open || dropped) return;
      try {
        await open.add(queue.slice(0, n));
      } catch (err) {
        // The page went away as they were written: they stay queued and journaled, for the next page view (or this one,
        // back from the back/forward cache) to write.
        if (isPageLeft(err)) return;
        o.report(err); // dropped: retrying a broken store would only repeat the error
      }
      if (dropped) return;
      // Flushes run one after another, so the batch is still the head of the queue.
      queue = queue.slice(n);
      writeJournal();
      o.written?.();
    }));
  }

  return {
    push(e) {
      if (dropped) return;
      queue.push(e);
      // In a microtask: before the task ends, so before a navigation the recording click starts.
      if (!journalDue) {
        journalDue = true;
        queueMicrotask(() => {
          journalDue = false;
          writeJournal();
        });
      }
      flushTimer ??= setTimeout(flush, o.flushIntervalMs);
    },
    flush,
    unwritten: () => [...queue],
    pending: () => queue.length,
    drop() {
      dropped = true;
      queue = [];
      clearTimeout(flushTimer);
    },
  };
}
