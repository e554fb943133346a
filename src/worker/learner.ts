/**
 * On-device learning, worker side: runs fine-tuning rounds on the events the page stored, keeps accepted
 * heads in IndexedDB keyed by model version, and keeps one trainer across tabs. Living in the worker,
 * it reads thousands of events without touching the page's main thread, and adds nothing to the page script.
 *
 * An accepted head is written in one put after its round, so a page closed mid-round leaves the stored
 * state as it was. Web Locks keep the rounds of several tabs apart; a BroadcastChannel tells the other
 * tabs' workers to load the new head. Both are feature-checked: without them each tab acts alone.
 */
import { isDue, type HeadInUse, type LearningDecision, type LearningSchedule, type LearningState } from '../shared/learning.ts';
import type { FinetuneResult } from '../model/finetune.ts';
import { setRoundYield } from '../model/adam.ts';
import type { HeadArrays } from '../model/head.ts';
import { isLabel } from '../shared/labels.ts';
import type { LearningStore } from '../shared/protocol.ts';
import { openStore, storesQuiet, type Store } from '../shared/store.ts';
import { exclusive, openChannel, type CrossTabMessage } from './cross-tab.ts';
import { freshRecord, headKey, nextStoredHead, readHead, readRecord, RECORD_KEY } from './learning-store.ts';
import type { ItemFeatures, RecoEvent } from '../shared/types.ts';

/** Learned heads of other models kept beside this one's (the newest; older ones are deleted when a model starts). */
export const OTHER_MODEL_HEADS = 3;

/** What the learner needs from the engine. */
export interface LearningHost {
  /**
   * "<model id>@<version>#<weights sha256>" (weightsKey in src/model/snapshot.ts): heads are stored per model weights,
   * so a model retrained under the same version never gets the head learned on the old one.
   */
  modelKey: string;
  /** A round: an accepted head is in use at once. */
  train(events: RecoEvent[], items: ItemFeatures[]): Promise<FinetuneResult>;
  /** @throws TypeError when the arrays do not fit the model's head */
  setHead(head: HeadArrays | null, prev: HeadArrays | null): HeadInUse;
  /** Back to the head in use before the last accepted round. */
  rollback(): HeadInUse;
}

export interface Learner {
  state(): LearningState;
  /**
   * Runs a round holding the cross-tab lock: when `force`, always; otherwise only when due (the schedule
   * is read again under the lock, since another tab may have just run one). Null when not run, also
   * when another round (of this or another tab) is running.
   */
  round(force: boolean): Promise<LearningDecision | null>;
  /** Back to the shipped head with a fresh schedule, in every tab; a round under way writes nothing. The page clears the store next. */
  forget(): void;
  /** Malformed rows skipped in the database so far ("store:key"). */
  skipped(): string[];
  close(): void;
}

/**
 * Loads this model version's head into the engine, deletes heads of other versions, counts the labelled
 * events since the last round, and listens for heads learned in other tabs.
 * @param notify called whenever the state changes without the page asking (another tab's round, forget)
 */
export async function startLearning(
  host: LearningHost,
  store: Store,
  schedule: LearningSchedule,
  notify: (s: LearningState) => void,
): Promise<Learner> {
  // A round's pauses wait for the store too: no transaction may wait on the thread while the round computes.
  setRoundYield(async () => {
    await new Promise((r) => setTimeout(r, 0));
    await storesQuiet();
  });
  const key = headKey(host.modelKey);
  let record = freshRecord(host.modelKey);
  let head: HeadInUse = 'shipped';
  let pending = 0;
  let closed = false;
  let busy = false; // one round at a time in this worker, even where Web Locks are missing
  const unfit = new Set<string>(); // stored heads that did not fit the model, reported with the malformed rows
  let generation = 0; // bumped by forget(): a round that started before must not write anything back
  const state = (): LearningState => ({
    rounds: record.rounds,
    lastDecision: record.lastDecision,
    head,
    pending,
    lastRoundAt: record.lastRoundAt,
  });
  const loadHead = async () => {
    const stored = await readHead(store, key);
    try {
      head = host.setHead(stored.head, stored.prev);
    } catch {
      // A stored head that does not fit the model (a damaged record): dropped, and learning starts from the shipped head.
      unfit.add(`meta:${key}`);
      head = host.setHead(null, null);
      await store.deleteMeta(key);
    }
  };
  /** The stored events, counting the labelled ones since the last round. */
  const labelled = async (): Promise<RecoEvent[]> => {
    const events = await store.events();
    pending = events.filter((e) => isLabel(e.type) && e.ts > record.lastLabelTs).length;
    return events;
  };
  const forgotten = () => {
    record = freshRecord(host.modelKey);
    pending = 0;
    head = host.setHead(null, null);
  };

  const channel = openChannel((msg) => {
    if (closed || msg.key !== key) return;
    void (async () => {
      if (msg.type === 'forget') forgotten();
      else {
        record = await readRecord(store, host.modelKey);
        if (msg.type === 'head') await loadHead();
        await labelled();
      }
      notify(state());
    })().catch(() => {}); // the next round or page load reads the stored state again
  });
  const tell = (type: CrossTabMessage['type']) => channel?.postMessage({ type, key } satisfies CrossTabMessage);

  record = await readRecord(store, host.modelKey);
  // Heads of this model's other versions are stale. Those of other models stay (a site that serves the default model on
  // some pages and its own on others keeps both shoppers' heads), the newest OTHER_MODEL_HEADS of them.
  const thisModel = `head:${host.modelKey.slice(0, host.modelKey.indexOf('@'))}@`;
  const others = record.heads.filter((k) => !k.startsWith(thisModel));
  const stale = [...record.heads.filter((k) => k !== key && k.startsWith(thisModel)), ...others.slice(0, -OTHER_MODEL_HEADS)];
  for (const k of stale) await store.deleteMeta(k);
  if (stale.length) await store.setMeta(RECORD_KEY, (record = { ...record, heads: record.heads.filter((k) => !stale.includes(k)) }));
  await loadHead();
  await labelled();

  return {
    state,
    async round(force) {
      if (busy) return null;
      busy = true;
      const started = generation;
      let unsaved = false; // the engine uses the round's head, not yet stored
      return exclusive(async () => {
        record = await readRecord(store, host.modelKey);
        const events = await labelled();
        if (!force && !isDue(state(), schedule)) return null;
        const items = await store.items([...new Set(events.map((e) => e.itemId))]);
        await storesQuiet(); // training holds the thread: nothing of the store's may wait on it (see storesQuiet)
        const result = await host.train(events, [...items.values()]);
        unsaved = result.accepted && result.head !== null;
        if (generation !== started) {
          if (result.accepted) head = host.setHead(null, null);
          return null;
        }
        const { accepted, reason, before, after, examples, heldOut, ms } = result;
        const decision: LearningDecision = { accepted, reason, before, after, examples, heldOut, ms, at: Date.now() };
        // No candidate: skipped before training (too few labelled events). Not a round: the count, the interval's
        // wait and the events counted toward the next round stay as they were; the decision says why.
        const ran = result.head !== null;
        record = {
          ...record,
          ...(ran && {
            rounds: record.rounds + 1,
            lastRoundAt: decision.at,
            lastLabelTs: events.reduce((m, e) => (isLabel(e.type) && e.ts > m ? e.ts : m), record.lastLabelTs),
          }),
          lastDecision: decision,
          heads: record.heads.includes(key) ? record.heads : [...record.heads, key],
        };
        if (ran) pending = 0;
        const next = accepted && result.head ? await nextStoredHead(store, key, result.head, decision.at) : null;
        // forget() may have come during an await: checked right before the writes are issued. The page clears
        // the store after forget() returns, so writes issued before it are cleared too (IndexedDB runs
        // read-write transactions in the order they were created).
        if (generation !== started) return null;
        // The record (which lists the key) first: a page closed between the two writes keeps the old head.
        const writes = [store.setMeta(RECORD_KEY, record)];
        if (next) {
          head = 'personal';
          writes.push(store.setMeta(key, next));
        }
        await Promise.all(writes);
        unsaved = false;
        tell(accepted ? 'head' : 'round');
        return decision;
      })
        .catch((err: unknown) => {
          // forget() (in any tab) closed the store under this round: an ending, not a failure to report.
          if (generation !== started) return null;
          // A head that could not be stored (quota, a store that stopped answering) is not used either: the page view
          // would rank with a head no later one has, and status() says the head in use is the one stored.
          if (unsaved) head = host.rollback();
          throw err;
        })
        .finally(() => (busy = false));
    },
    forget() {
      generation++;
      forgotten();
      tell('forget');
    },
    skipped: () => [...new Set([...store.skipped(), ...unfit])],
    close() {
      closed = true;
      channel?.close();
    },
  };
}

/**
 * Starts learning on the events of the page's database: `open`, already opened by the worker, or opened here
 * (then the learner's close() closes it too).
 * @throws Error when IndexedDB is not usable in the worker (the reason says why)
 */
export async function openLearner(
  where: LearningStore & LearningSchedule,
  host: LearningHost,
  notify: (s: LearningState) => void,
  open?: Store,
): Promise<Learner> {
  if (open) {
    if (open.kind !== 'indexeddb') throw new Error(open.fallbackReason ?? 'IndexedDB unavailable in the worker');
    return startLearning(host, open, where, notify);
  }
  const store = await openStore({ dbName: where.dbName, maxEvents: where.maxEvents, maxAgeDays: where.maxAgeDays });
  try {
    if (store.kind !== 'indexeddb') throw new Error(store.fallbackReason ?? 'IndexedDB unavailable in the worker');
    const learner = await startLearning(host, store, where, notify);
    return {
      ...learner,
      close() {
        learner.close();
        store.close();
      },
    };
  } catch (err) {
    store.close();
    throw err;
  }
}
