/**
 * Writes a dataset in the generic format a shop exports (`catalog.jsonl`, `interactions.jsonl`; README, "Train your
 * own model"), so that the one-command training and the evaluation can be run the way a shop runs them on data of
 * another shape: an S3-Rec dataset, or some of its top-level categories as a smaller catalog of its own.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_INDEX } from '../../src/model/sequence.ts';
import type { EventType } from '../../src/shared/types.ts';
import { heldOutItems, type Dataset } from './data.ts';

export interface ExportOptions {
  /** Keep only items of these top-level categories (and the shoppers' events on them); all items when absent. */
  categories?: readonly string[];
  /** Shoppers with fewer events (after the category filter) are left out (3: a test, a validation and a training event). */
  minEvents?: number;
  /** Timestamp of each shopper's first event when the data has none; later events follow a day apart. */
  start?: number;
}

const TYPE_OF = Object.fromEntries(Object.entries(EVENT_INDEX).map(([type, i]) => [i, type])) as Record<number, EventType | 'unknown'>;

/** Writes `dir`/catalog.jsonl (the items shoppers kept touch, in dataset order) and `dir`/interactions.jsonl. */
export function writeGeneric(ds: Dataset, dir: string, opts: ExportOptions = {}): { users: number; items: number; interactions: number } {
  const keep = opts.categories ? heldOutItems(ds.items, opts.categories) : null;
  const minEvents = opts.minEvents ?? 3;
  const start = opts.start ?? Date.parse('2014-01-01T00:00:00Z');
  const used = new Set<number>();
  const rows: string[] = [];
  let users = 0;
  for (const u of ds.users) {
    const at = [...u.seq.items.keys()].filter((k) => !keep || keep.has(u.seq.items[k]!));
    if (at.length < minEvents) continue;
    users++;
    at.forEach((k, n) => {
      const i = u.seq.items[k]!;
      used.add(i);
      // Amazon's reviews carry no event type (read as index 0, unknown): each is written as a purchase, the generic
      // format's default type (a review follows a purchase).
      const type = TYPE_OF[u.seq.events[k]!];
      const ts = u.seq.ts ? u.seq.ts[k]! : start + n * 86_400_000;
      rows.push(JSON.stringify({ user: u.id, item: ds.items[i]!.id, ts, type: type && type !== 'unknown' ? type : 'purchase' }));
    });
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'interactions.jsonl'), rows.join('\n') + '\n');
  const items = [...used].sort((a, b) => a - b).map((i) => JSON.stringify(ds.items[i]));
  writeFileSync(join(dir, 'catalog.jsonl'), items.join('\n') + '\n');
  return { users, items: used.size, interactions: rows.length };
}
