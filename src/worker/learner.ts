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
import type { HeadArrays } from '../model/head.ts';
import { isLabel } from '../shared/labels.ts';
import type { Store } from '../shared/store.ts';
import type { ItemFeatures, RecoEvent } from '../shared/types.ts';

/** What the learner needs from the engine. */
export interface LearningHost {
  /** "<model id>@<version>": heads are stored per model version. */
  modelKey: string;
  train(events: RecoEvent[], items: ItemFeatures[]): Promise<FinetuneResult>;
  setHead(head: HeadArrays | null, prev: HeadArrays | null): HeadInUse;
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
  close(): void;
}

interface StoredArrays {
  w: number[];
  c: number[];
}
/** Meta record `head:<model id>@<version>`: the learned head and the one before it (for rollback). */
interface StoredHead extends StoredArrays {
  prev: StoredArrays | null;
  at: number;
}
/** Meta record `learning`: the schedule's memory, shared by the tabs. */
interface LearningRecord {
  /** The model (id@version) the rounds were counted for. */
  model: string;
  rounds: number;
  lastRoundAt: number;
  /** Time of the newest labelled event the last round saw: newer ones count toward the next round. */
  lastLabelTs: number;
  lastDecision: LearningDecision | null;
  /** Head keys ever written, so heads of other model versions can be found and deleted. */
  heads: string[];
}

const RECORD_KEY = 'learning';
const LOCK = 'reco-train';
const CHANNEL = 'reco';

const toStored = (h: HeadArrays): StoredArrays => ({ w: Array.from(h.w), c: Array.from(h.c) });
const toArrays = (h: StoredArrays): HeadArrays => ({ w: Float32Array.from(h.w), c: Float32Array.from(h.c) });
const isStored = (h: StoredArrays | null | undefined): h is StoredArrays => !!h && Array.isArray(h.w) && Array.isArray(h.c);

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
  const headKey = `head:${host.modelKey}`;
  const fresh = (): LearningRecord => ({ model: host.modelKey, rounds: 0, lastRoundAt: 0, lastLabelTs: 0, lastDecision: null, heads: [] });
  let record = fresh();
  let head: HeadInUse = 'shipped';
  let pending = 0;
  let closed = false;
  let busy = false; // one round at a time in this worker, even where Web Locks are missing
  let generation = 0; // bumped by forget(): a round that started before must not write anything back
  const state = (): LearningState => ({
    rounds: record.rounds,
    lastDecision: record.lastDecision,
    head,
    pending,
    lastRoundAt: record.lastRoundAt,
  });

  async function readRecord(): Promise<LearningRecord> {
    const r = await store.getMeta<LearningRecord>(RECORD_KEY);
    if (!r || typeof r !== 'object') return fresh();
    // Counts and decisions of another model version do not apply; its heads stay listed for deletion.
    return r.model === host.modelKey ? r : { ...fresh(), heads: Array.isArray(r.heads) ? r.heads : [] };
  }

  async function loadHead(): Promise<void> {
    const h = await store.getMeta<StoredHead>(headKey);
    head = host.setHead(isStored(h) ? toArrays(h) : null, isStored(h) && isStored(h.prev) ? toArrays(h.prev) : null);
  }

  async function labelled(): Promise<RecoEvent[]> {
    const events = await store.events();
    pending = events.filter((e) => isLabel(e.type) && e.ts > record.lastLabelTs).length;
    return events;
  }

  /** Runs `fn` holding the cross-tab lock, or returns null when another tab holds it. */
  async function exclusive<T>(fn: () => Promise<T>): Promise<T | null> {
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    if (!locks?.request) return fn();
    return locks.request(LOCK, { ifAvailable: true }, (lock) => (lock ? fn() : null));
  }

  let channel: BroadcastChannel | null = null;
  try {
    channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;
  } catch {
    channel = null; // e.g. opaque origins
  }
  if (channel) {
    channel.onmessage = (ev: MessageEvent<{ type?: string; key?: string }>) => {
      const msg = ev.data;
      if (closed || !msg || msg.key !== headKey) return;
      void (async () => {
        if (msg.type === 'forget') {
          record = fresh();
          pending = 0;
          head = host.setHead(null, null);
        } else {
          record = await readRecord();
          if (msg.type === 'head') await loadHead();
          await labelled();
        }
        notify(state());
      })().catch(() => {}); // the next round or page load reads the stored state again
    };
  }

  record = await readRecord();
  const stale = record.heads.filter((k) => k !== headKey);
  for (const key of stale) await store.deleteMeta(key);
  if (stale.length) await store.setMeta(RECORD_KEY, (record = { ...record, heads: record.heads.filter((k) => k === headKey) }));
  await loadHead();
  await labelled();

  return {
    state,
    async round(force) {
      if (busy) return null;
      busy = true;
      const started = generation;
      return exclusive(async () => {
        record = await readRecord();
        const events = await labelled();
        if (!force && !isDue(state(), schedule)) return null;
        const items = await store.items([...new Set(events.map((e) => e.itemId))]);
        const result = await host.train(events, [...items.values()]);
        if (generation !== started) {
          if (result.accepted) head = host.setHead(null, null);
          return null;
        }
        const d: LearningDecision = {
          accepted: result.accepted,
          reason: result.reason,
          before: result.before,
          after: result.after,
          examples: result.examples,
          heldOut: result.heldOut,
          ms: result.ms,
          at: Date.now(),
        };
        record = {
          ...record,
          rounds: record.rounds + 1,
          lastRoundAt: d.at,
          lastLabelTs: events.reduce((m, e) => (isLabel(e.type) && e.ts > m ? e.ts : m), record.lastLabelTs),
          lastDecision: d,
          heads: record.heads.includes(headKey) ? record.heads : [...record.heads, headKey],
        };
        pending = 0;
        const prev = result.accepted ? await store.getMeta<StoredHead>(headKey) : undefined;
        // forget() may have come during an await: checked right before the writes are issued. The page clears
        // the store after forget() returns, so writes issued before it are cleared too (IndexedDB runs
        // read-write transactions in the order they were created).
        if (generation !== started) return null;
        // The record (which lists the key) first: a page closed between the two writes keeps the old head.
        const writes = [store.setMeta(RECORD_KEY, record)];
        if (result.accepted && result.head) {
          head = 'personal';
          const next: StoredHead = { ...toStored(result.head), prev: isStored(prev) ? { w: prev.w, c: prev.c } : null, at: d.at };
          writes.push(store.setMeta(headKey, next));
        }
        await Promise.all(writes);
        channel?.postMessage({ type: result.accepted ? 'head' : 'round', key: headKey });
        return d;
      }).finally(() => (busy = false));
    },
    forget() {
      generation++;
      record = fresh();
      pending = 0;
      head = host.setHead(null, null);
      channel?.postMessage({ type: 'forget', key: headKey });
    },
    close() {
      closed = true;
      channel?.close();
    },
  };
}
