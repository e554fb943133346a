/** The history a page passes to `rank(items, { history })`, checked and completed in the worker (the page script stays small). */
import { EVENT_TYPES, type EventType, type HistoryEntry, type ItemFeatures } from '../shared/types.ts';

/**
 * A history given to rank(), as the model reads it: an id stays an id (the engine looks up its features), a
 * missing type counts as a click, a missing time as one minute apart up to `now`.
 * @throws TypeError naming the entry when it has no item id or an unknown type
 */
export function givenHistory(given: unknown, now: number): HistoryEntry[] {
  if (!Array.isArray(given)) throw new TypeError('rank(items, { history }): expected an array of { item, type?, ts? }');
  return given.map((e: unknown, i) => {
    const { item, type = 'select_item', ts = now - (given.length - i) * 60_000 } = (e ?? {}) as Record<string, unknown>;
    const f = typeof item === 'string' ? { id: item } : (item as ItemFeatures | undefined);
    if (!f || typeof f.id !== 'string' || !f.id)
      throw new TypeError(`rank(items, { history }): history[${i}].item expected an id or { id, ... }`);
    if (!EVENT_TYPES.includes(type as EventType))
      throw new TypeError(`rank(items, { history }): history[${i}].type expected one of ${EVENT_TYPES.join(', ')}`);
    return { item: f, type: type as EventType, ts: Number(ts) };
  });
}
