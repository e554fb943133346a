/**
 * Checks of rows read back from IndexedDB. Storage is outside the SDK's control (another SDK version, a browser
 * extension, a shop script, a disk error can leave anything there), so every row is checked before use, by the
 * page and by the worker alike: a row that fails is skipped and counted, never fatal.
 */
import { EVENT_TYPES, type ItemFeatures, type RecoEvent } from './types.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v !== '';
const optional = (v: unknown, ok: (v: unknown) => boolean) => v === undefined || ok(v);
const nullable = (v: unknown, ok: (v: unknown) => boolean) => v === null || v === undefined || ok(v);

/** A flat record of strings, finite numbers and booleans (an event's `extra`). */
export const isFlatRecord = (v: unknown): v is Record<string, string | number | boolean> =>
  isObject(v) && Object.values(v).every((x) => typeof x === 'string' || typeof x === 'boolean' || finite(x));

/** A stored event newer than now by more than this is malformed. */
const FUTURE_SLACK_MS = 86_400_000;

/**
 * A stored event the model and learning can use: id, known type, item id and time (not more than a day ahead of the
 * clock) are required; other fields, when present, have their types.
 */
export function isEvent(row: unknown): row is RecoEvent {
  if (!isObject(row)) return false;
  const e = row as Partial<Record<keyof RecoEvent, unknown>>;
  return (
    nonEmpty(e.id) &&
    (EVENT_TYPES as readonly unknown[]).includes(e.type) &&
    nonEmpty(e.itemId) &&
    finite(e.ts) &&
    // A device whose clock was once set years ahead wrote it: it would rank as the newest event and never age out.
    (e.ts as number) <= Date.now() + FUTURE_SLACK_MS &&
    nullable(e.listId, (v) => typeof v === 'string') &&
    nullable(e.position, finite) &&
    optional(e.sessionId, (v) => typeof v === 'string') &&
    optional(e.path, (v) => typeof v === 'string') &&
    optional(e.pageViewId, (v) => typeof v === 'string') &&
    optional(e.control, (v) => typeof v === 'boolean') &&
    optional(e.extra, isFlatRecord)
  );
}

/** Item features as the featurizer reads them: a non-empty id; title, category and brand strings; price a finite number. */
export function isItem(item: unknown): item is ItemFeatures {
  if (!isObject(item)) return false;
  const it = item as Partial<Record<keyof ItemFeatures, unknown>>;
  return (
    nonEmpty(it.id) &&
    optional(it.title, (v) => typeof v === 'string') &&
    optional(it.category, (v) => typeof v === 'string') &&
    optional(it.brand, (v) => typeof v === 'string') &&
    optional(it.price, finite)
  );
}

/** A row of the item cache: `{ id, ts, item }` with the item's own id equal to the key. */
export function isCachedItem(row: unknown): row is { id: string; ts: number; item: ItemFeatures } {
  return isObject(row) && finite(row['ts']) && isItem(row['item']) && (row['item'] as ItemFeatures).id === row['id'];
}

/** A learned head's arrays: `w` of d x d and `c` of d finite numbers (any d; the engine checks it against the model). */
export function isHeadArrays(v: unknown): v is { w: number[]; c: number[] } {
  return isObject(v) && Array.isArray(v['w']) && Array.isArray(v['c']) && v['w'].every(finite) && v['c'].every(finite);
}

/** Meta record `head:<model>`: the learned head, the one before it (or null) and when it was learned. */
export function isStoredHead(v: unknown): v is { w: number[]; c: number[]; prev: { w: number[]; c: number[] } | null; at: number } {
  return (
    isHeadArrays(v) &&
    (v as Record<string, unknown>)['prev'] !== undefined &&
    nullable((v as Record<string, unknown>)['prev'], isHeadArrays) &&
    finite((v as Record<string, unknown>)['at'])
  );
}

/** A round's decision as stored: its flag, reason and numbers. */
function isDecision(v: unknown): boolean {
  return (
    isObject(v) &&
    typeof v['accepted'] === 'boolean' &&
    typeof v['reason'] === 'string' &&
    ['before', 'after', 'examples', 'heldOut', 'ms', 'at'].every((k) => finite(v[k]))
  );
}

/** Meta record `learning`: the schedule's memory (see src/worker/learning-store.ts). */
export function isLearningRecord(v: unknown): boolean {
  return (
    isObject(v) &&
    typeof v['model'] === 'string' &&
    finite(v['rounds']) &&
    (v['rounds'] as number) >= 0 &&
    finite(v['lastRoundAt']) &&
    finite(v['lastLabelTs']) &&
    (v['lastDecision'] === null || isDecision(v['lastDecision'])) &&
    Array.isArray(v['heads']) &&
    v['heads'].every((k) => typeof k === 'string')
  );
}
