/**
 * What on-device learning keeps in the page's database (meta records), read and written only in the worker:
 * the learned head per model version and the schedule's memory, shared by the tabs.
 */
import type { HeadArrays } from '../model/head.ts';
import type { LearningDecision } from '../shared/learning.ts';
import { isLearningRecord, isStoredHead } from '../shared/rows.ts';
import type { Store } from '../shared/store.ts';

interface StoredArrays {
  w: number[];
  c: number[];
}

/** Meta record `head:<model id>@<version>`: the learned head and the one before it (for rollback). */
export interface StoredHead extends StoredArrays {
  prev: StoredArrays | null;
  at: number;
}

/** Meta record `learning`: the schedule's memory, shared by the tabs. */
export interface LearningRecord {
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

export const RECORD_KEY = 'learning';

/** The meta key of a model version's learned head. */
export const headKey = (modelKey: string): string => `head:${modelKey}`;

/** A record with no rounds for this model version. */
export const freshRecord = (modelKey: string): LearningRecord => ({
  model: modelKey,
  rounds: 0,
  lastRoundAt: 0,
  lastLabelTs: 0,
  lastDecision: null,
  heads: [],
});

/**
 * The stored record of this model version; counts and decisions of another version do not apply, its heads stay
 * listed for deletion. A malformed record is skipped (and counted by the store): learning starts afresh.
 */
export async function readRecord(store: Store, modelKey: string): Promise<LearningRecord> {
  const r = await store.getMeta<LearningRecord>(RECORD_KEY, isLearningRecord);
  if (!r) return freshRecord(modelKey);
  return r.model === modelKey ? r : { ...freshRecord(modelKey), heads: r.heads };
}

const toStored = (h: HeadArrays): StoredArrays => ({ w: Array.from(h.w), c: Array.from(h.c) });
const toArrays = (h: StoredArrays): HeadArrays => ({ w: Float32Array.from(h.w), c: Float32Array.from(h.c) });
/** The stored head of a model version and the one before it, as arrays (null where none is stored, or it is malformed: skipped and counted). */
export async function readHead(store: Store, key: string): Promise<{ head: HeadArrays | null; prev: HeadArrays | null }> {
  const h = await store.getMeta<StoredHead>(key, isStoredHead);
  return { head: h ? toArrays(h) : null, prev: h?.prev ? toArrays(h.prev) : null };
}

/** A newly accepted head as stored, keeping the stored one it replaces as `prev`. */
export async function nextStoredHead(store: Store, key: string, head: HeadArrays, at: number): Promise<StoredHead> {
  const prev = await store.getMeta<StoredHead>(key, isStoredHead);
  return { ...toStored(head), prev: prev ? { w: prev.w, c: prev.c } : null, at };
}
