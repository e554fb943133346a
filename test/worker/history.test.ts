import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { HISTORY_TYPES } from '../../src/shared/labels.ts';
import { openPageStore, openStore, StoreTimeoutError } from '../../src/shared/store.ts';
import { listenToWrites } from '../../src/shared/writes-channel.ts';
import { assembleHistory, createRecall, RECALLED_ITEMS } from '../../src/worker/history.ts';
import { storedEvent as event } from '../../fixtures/shopper.ts';
import type { ItemFeatures } from '../../src/shared/types.ts';

let n = 0;

/** A store with a click on 'a' and a view of 'b' a minute ago (at t + 1, t + 2), their titles "stored A", "stored B", and `more` items. */
async function storedAB(more: ItemFeatures[] = []) {
  const store = await openStore({ dbName: `worker-history-${++n}` });
  const t = Date.now() - 60_000;
  await store.add([event('a', 'select_item', t + 1), event('b', 'view_item', t + 2)]);
  await store.putItems([{ id: 'a', title: 'stored A' }, { id: 'b', title: 'stored B' }, ...more]);
  return { store, t };
}

describe('history assembled in the worker', () => {
  it("a pending click on a card the page knows by id and link alone keeps the features the store holds (merged, and the page's link kept)", async () => {
    const store = await openStore({ dbName: `history-known-url-${Date.now()}` });
    const t = Date.now() - 60_000;
    await store.add([event('a', 'view_item', t)]);
    await store.putItems([{ id: 'b', title: 'Velvet Matte Lipstick', brand: 'Aurelle' }]);
    const click = event('b', 'select_item', t + 1000);
    const { history } = await assembleHistory(
      store,
      { pending: [click], known: [{ id: 'b', url: 'https://shop.example/p/b' }], now: t + 2000 },
      50,
    );
    expect(history.at(-1)!.item).toEqual({ id: 'b', title: 'Velvet Matte Lipstick', brand: 'Aurelle', url: 'https://shop.example/p/b' });
    store.close();
  });

  it('reads the newest history events, oldest first, without impressions, with features the page knows, stored, or the id alone', async () => {
    const store = await openStore({ dbName: `worker-history-${++n}` });
    const t = Date.now() - 60_000;
    await store.add([
      event('a', 'select_item', t + 1),
      event('b', 'view_item_list', t + 2),
      event('b', 'view_item', t + 3),
      event('c', 'add_to_cart', t + 4),
      event('d', 'purchase', t + 5),
    ]);
    await store.putItems([
      { id: 'b', title: 'stored B' },
      { id: 'x', title: 'stored X' },
    ]);
    const { history, features } = await assembleHistory(store, { pending: [], known: [{ id: 'c', title: 'seen C' }], now: t + 10 }, 3, [
      'x',
    ]);
    expect(history.map((e) => `${e.type} ${e.item.id} ${e.item.title ?? '-'}`)).toEqual([
      'view_item b stored B',
      'add_to_cart c seen C',
      'purchase d -',
    ]);
    expect(features({ id: 'x' })).toEqual({ id: 'x', title: 'stored X' });
    expect(features({ id: 'x', title: 'given' })).toEqual({ id: 'x', title: 'given' });
    expect(features({ id: 'y' })).toEqual({ id: 'y' });
    store.close();
  });

  it("a purchase reported again (its confirmation page reloaded: another page view, the same transaction_id) is read once; another transaction's purchase of the item counts", async () => {
    const store = await openStore({ dbName: `worker-history-${++n}` });
    const t = Date.now() - 60_000;
    const purchase = (item: string, ts: number, transaction: string | null, pageViewId: string) => ({
      ...event(item, 'purchase', ts),
      pageViewId,
      ...(transaction ? { extra: { transaction_id: transaction, price: 12 } } : {}),
    });
    await store.add([
      event('a', 'view_item', t + 1),
      purchase('a', t + 2, 'T-1', 'confirmation'),
      purchase('b', t + 3, 'T-1', 'confirmation'),
      purchase('a', t + 4, 'T-1', 'confirmation reloaded'),
      purchase('b', t + 5, 'T-1', 'confirmation reloaded'),
      purchase('a', t + 6, 'T-2', 'a second order'),
      purchase('c', t + 7, null, 'no transaction id'),
    ]);
    const { history } = await assembleHistory(
      store,
      { pending: [purchase('c', t + 8, null, 'no transaction id, again'), purchase('b', t + 9, 'T-1', 'pending')], known: [], now: t + 10 },
      50,
    );
    expect(history.map((e) => `${e.type} ${e.item.id} ${e.ts - t}`)).toEqual([
      'view_item a 1',
      'purchase a 2',
      'purchase b 3',
      'purchase a 6',
      'purchase c 7',
      'purchase c 8',
    ]);
    store.close();
  });

  it('a connection closed under the worker (forget() deleted the database) reads as no stored history: the pending events only', async () => {
    const store = await openStore({ dbName: `worker-history-${++n}` });
    const t = Date.now() - 60_000;
    await store.add([event('a', 'view_item', t + 1)]);
    await store.putItems([{ id: 'a', title: 'stored A' }]);
    store.close();
    const { history } = await assembleHistory(store, { pending: [event('p', 'view_item', t + 2)], known: [], now: t + 10 }, 5, ['a']);
    expect(history.map((e) => `${e.type} ${e.item.id}`)).toEqual(['view_item p']);
  });

  it('merges the events the page has not written yet, by id, and keeps the newest `limit`', async () => {
    const store = await openStore({ dbName: `worker-history-${++n}` });
    const t = Date.now() - 60_000;
    await store.add([event('a', 'select_item', t + 1, 'same'), event('b', 'select_item', t + 2)]);
    const pending = [event('a', 'select_item', t + 1, 'same'), event('c', 'view_item', t + 3), event('d', 'view_item_list', t + 4)];
    const { history } = await assembleHistory(store, { pending, known: [], now: t + 10 }, 50);
    expect(history.map((e) => e.item.id)).toEqual(['a', 'b', 'c']);
    const { history: two } = await assembleHistory(store, { pending, known: [], now: t + 10 }, 2);
    expect(two.map((e) => e.item.id)).toEqual(['b', 'c']);
    store.close();
  });

  it("measures the newest event's gap from at least its own time: a burst of events runs ahead of the clock", async () => {
    const t = Date.now();
    // The tracker gives 3 events of one millisecond the times t, t + 1, t + 2: asked at t + 1, the newest is 1 ms ahead.
    const pending = [event('a', 'select_item', t), event('b', 'view_item', t + 1), event('c', 'view_item', t + 2)];
    expect((await assembleHistory(null, { pending, known: [], now: t + 1 }, 50)).now).toBe(t + 2);
    expect((await assembleHistory(null, { pending, known: [], now: t + 9 }, 50)).now).toBe(t + 9);
  });

  it('without a store (events in the page memory only) reads what the page sends', async () => {
    const t = Date.now();
    const pending = [event('b', 'view_item', t + 2), event('a', 'select_item', t + 1)];
    const { history } = await assembleHistory(null, { pending, known: [{ id: 'a', title: 'A' }], now: t + 10 }, 50);
    expect(history.map((e) => `${e.item.id} ${e.item.title ?? '-'}`)).toEqual(['a A', 'b -']);
  });

  it('a recall answers as the store would: its latest read with the events sent since, what it never read from the store', async () => {
    const { store, t } = await storedAB([{ id: 'z', title: 'stored Z' }]);
    const recall = createRecall(3);
    const read = assembleHistory(recall.through(store), { pending: [], known: [], now: t + 3 }, 3);
    // Sent while that read is under way: a read that started before it does not drop it.
    const sent = [event('c', 'select_item', t + 4), event('c', 'view_item', t + 5)];
    recall.add({ pending: sent, known: [{ id: 'c', title: 'seen C' }], now: t + 5 });
    await read;
    await store.add(sent);
    await store.putItems([{ id: 'c', title: 'seen C' }]);

    const memory = await assembleHistory(recall.recalled(store), { pending: [], known: [], now: t + 6 }, 3);
    const stored = await assembleHistory(store, { pending: [], known: [], now: t + 6 }, 3);
    expect(memory.history).toEqual(stored.history);
    expect(memory.history.map((e) => `${e.item.id} ${e.item.title}`)).toEqual(['b stored B', 'c seen C', 'c seen C']);
    // An item never read comes from the store, and is remembered.
    expect(await recall.recalled(store).items(['z', 'b'])).toEqual(
      new Map([
        ['z', { id: 'z', title: 'stored Z' }],
        ['b', { id: 'b', title: 'stored B' }],
      ]),
    );
    store.close();
    expect(await recall.recalled(store).items(['z'])).toEqual(new Map([['z', { id: 'z', title: 'stored Z' }]]));
    // Answered from memory with the store closed; after clear() (forget()), only the store can answer.
    expect(await recall.recalled(store).recent(3, HISTORY_TYPES)).toHaveLength(3);
    recall.clear();
    await expect(recall.recalled(store).recent(3, HISTORY_TYPES)).rejects.toThrow();
  });

  it('a recall keeps the features of at most RECALLED_ITEMS items, the least recently read evicted first (read again when asked)', async () => {
    const asked: string[][] = [];
    const store = {
      recent: async () => [],
      stamp: async () => '',
      items: async (ids: readonly string[]) => (asked.push([...ids]), new Map(ids.map((id) => [id, { id, title: `title ${id}` }]))),
    };
    const recall = createRecall(50);
    const ids = Array.from({ length: RECALLED_ITEMS + 10 }, (_, i) => `item-${i}`);
    await recall.through(store).items(ids);
    // Candidates a ranking brings are not kept (only items already kept are updated).
    recall.stored([{ id: 'candidate', title: 'shown' }]);
    asked.length = 0;
    await recall.recalled(store).items(['item-0', 'item-10', `item-${RECALLED_ITEMS + 9}`, 'candidate']);
    expect(asked).toEqual([['item-0', 'candidate']]);
  });

  it("a recall reads a ranking's history again only when the events stored changed (their count, the newest)", async () => {
    const store = await openStore({ dbName: `worker-history-${++n}` });
    const t = Date.now() - 60_000;
    await store.add([event('a', 'select_item', t + 1), event('b', 'view_item', t + 2)]);
    let reads = 0;
    const counted = { ...store, recent: (k: number, types: typeof HISTORY_TYPES) => (reads++, store.recent(k, types)) };
    const recall = createRecall(5);
    const ids = async () =>
      (await assembleHistory(recall.through(counted), { pending: [], known: [], now: Date.now() }, 5)).history.map((e) => e.item.id);
    expect(await ids()).toEqual(['a', 'b']);
    expect(await ids()).toEqual(['a', 'b']);
    expect(reads, 'the same events: read once').toBe(1);
    await store.add([event('c', 'select_item', t + 3)]);
    expect(await ids()).toEqual(['a', 'b', 'c']);
    // An earlier page view's click written late (from its journal): older than the newest, counted all the same.
    await store.add([event('z', 'select_item', t)]);
    expect(await ids()).toEqual(['z', 'a', 'b', 'c']);
    expect(reads).toBe(3);
    await store.clear();
    expect(await ids()).toEqual([]);
    store.close();
  });

  it('a recall reads the features the history will want beside the stamp: one wait on the database, not two, when the events did not change', async () => {
    const { store, t } = await storedAB([{ id: 'c', title: 'stored C' }]);
    const log: string[] = [];
    const watched = {
      recent: (k: number, types: typeof HISTORY_TYPES) => (log.push('recent'), store.recent(k, types)),
      stamp: async () => {
        log.push('stamp');
        const stamp = await store.stamp();
        log.push('stamped');
        return stamp;
      },
      items: (ids: readonly string[]) => (log.push(`items ${[...ids].sort().join(' ')}`), store.items(ids)),
    };
    const recall = createRecall(5);
    const titles = async (req: { pending: ReturnType<typeof event>[]; known: ItemFeatures[]; now: number }, also: string[] = []) => {
      const { history, features } = await assembleHistory(recall.through(watched, { req, also }), req, 5, also);
      return [...history.map((e) => e.item.title ?? e.item.id), ...also.map((id) => features({ id }).title ?? id)];
    };
    const none = { pending: [], known: [], now: Date.now() };
    expect(await titles(none)).toEqual(['stored A', 'stored B']);
    expect(log, 'nothing read yet: the events first, then their items').toEqual(['stamp', 'stamped', 'recent', 'items a b']);
    log.length = 0;
    // A click the page sent (known with its text: not read) and a candidate given by id.
    const click = { pending: [event('p', 'select_item', t + 3)], known: [{ id: 'p', title: 'page P' }], now: Date.now() };
    expect(await titles(click, ['c'])).toEqual(['stored A', 'stored B', 'page P', 'stored C']);
    expect(log, 'the same events: their items read beside the stamp').toEqual(['stamp', 'items a b c', 'stamped']);
    log.length = 0;
    // Another tab stored a view: the events are read again, and the items of the new history with them.
    await store.add([event('d', 'view_item', t + 4)]);
    await store.putItems([{ id: 'd', title: 'stored D' }]);
    expect(await titles(none)).toEqual(['stored A', 'stored B', 'stored D']);
    expect(log).toEqual(['stamp', 'items a b', 'stamped', 'recent', 'items a b d']);
    store.close();
  });

  it("with the pages' writes heard, a ranking reads nothing of the events while no other page wrote: what its own page added is listed in the request and added to what it read; another page's write (told) or a removal makes it read again", async () => {
    const dbName = `worker-history-told-${++n}`;
    const page = await openPageStore({ dbName }); // the page whose requests the worker answers
    const other = await openPageStore({ dbName }); // another tab's page
    const reads = await openStore({ dbName }); // the worker's connection
    expect(page.kind).toBe('indexeddb');
    if (page.kind !== 'indexeddb' || other.kind !== 'indexeddb') return;
    const t = Date.now() - 60_000;
    await page.add([event('a', 'select_item', t + 1), event('b', 'view_item', t + 2)]);
    await page.putItems([{ id: 'a', title: 'stored A' }]); // b's features were never stored
    const log: string[] = [];
    const watched = {
      recent: (k: number, types: typeof HISTORY_TYPES) => (log.push('recent'), reads.recent(k, types)),
      stamp: () => (log.push('stamp'), reads.stamp()),
      items: (ids: readonly string[]) => (log.push(`items ${[...ids].sort().join(' ')}`), reads.items(ids)),
    };
    // Every write is told, on the channel the worker listens to; the test waits for each before the next ranking.
    const told: string[] = [];
    const heardByTest = listenToWrites(dbName, (by) => told.push(by));
    const heardByWorker = listenToWrites(dbName, (by) => recall.writtenBy(by));
    const recall = createRecall(5, heardByWorker !== null);
    const toldOnce = async (by: string) => {
      const before = told.filter((b) => b === by).length;
      await vi.waitFor(() => expect(told.filter((b) => b === by).length).toBeGreaterThan(before));
    };
    const ranked = async () => {
      log.length = 0;
      const req = { pending: [], known: [], now: Date.now(), written: page.writes!(5) };
      const { history } = await assembleHistory(recall.through(watched, { req, also: [] }), req, 5);
      return history.map((e) => `${e.item.id} ${e.item.title ?? '-'}`);
    };

    expect(await ranked()).toEqual(['a stored A', 'b -']);
    expect(log).toEqual(['stamp', 'recent', 'items a b']);
    expect(await ranked()).toEqual(['a stored A', 'b -']);
    expect(log, 'nothing written since: answered from memory (b known as absent)').toEqual([]);

    // The page's own click, written: its request lists it among the events it added, and the worker adds it to what it
    // read (no read of the events; the features of c, never read, are read).
    await page.add([event('c', 'select_item', t + 3)]);
    expect(await ranked()).toEqual(['a stored A', 'b -', 'c -']);
    expect(log).toEqual(['items a b c']);
    // Its own page's items are written for this worker, which keeps them as it asks (host.ts): told, and not read again.
    const writing = toldOnce(page.writes!(5).by);
    recall.stored([{ id: 'a', title: 'page A' }]);
    await page.putItems([{ id: 'a', title: 'page A' }]);
    await writing;
    expect(await ranked()).toEqual(['a page A', 'b -', 'c -']);
    expect(log).toEqual([]);

    // Another tab's view, then another tab's features of b: each is told, and the next ranking reads again.
    let otherWrote = toldOnce(other.writes!(5).by);
    await other.add([event('d', 'view_item', t + 4)]);
    await otherWrote;
    expect(await ranked()).toEqual(['a page A', 'b -', 'c -', 'd -']);
    expect(log).toEqual(['stamp', 'items a b c', 'recent', 'items a b c d']);
    otherWrote = toldOnce(other.writes!(5).by);
    await other.putItems([{ id: 'b', title: 'other B' }]);
    await otherWrote;
    expect(await ranked()).toEqual(['a page A', 'b other B', 'c -', 'd -']);
    expect(log, 'the same events (stamp), their items read again').toEqual(['stamp', 'items a b c d']);
    expect(await ranked()).toEqual(['a page A', 'b other B', 'c -', 'd -']);
    expect(log).toEqual([]);

    // The page kept by the back/forward cache: its worker stops listening (pause), and reads the store for every ranking
    // until it listens again, and once more then (writes made meanwhile went unheard).
    recall.hearing(false);
    expect(await ranked()).toEqual(['a page A', 'b other B', 'c -', 'd -']);
    expect(log[0]).toBe('stamp');
    expect(await ranked()).toEqual(['a page A', 'b other B', 'c -', 'd -']);
    expect(log[0], 'not listening: read again').toBe('stamp');
    recall.hearing(true);
    expect(await ranked()).toEqual(['a page A', 'b other B', 'c -', 'd -']);
    expect(log[0], 'listening again: read once more').toBe('stamp');
    expect(await ranked()).toEqual(['a page A', 'b other B', 'c -', 'd -']);
    expect(log).toEqual([]);

    // Events removed by the page (cleared, pruned, dropped by the retention caps): the history is read again.
    await page.clear();
    expect(await ranked()).toEqual([]);
    expect(log[0]).toBe('stamp');

    // A request without the page's writes (a memory store's, or one not open yet) reads the stamp, as without notices.
    log.length = 0;
    await assembleHistory(
      recall.through(watched, { req: { pending: [], known: [], now: Date.now() }, also: [] }),
      { pending: [], known: [], now: Date.now() },
      5,
    );
    expect(log[0]).toBe('stamp');
    heardByTest?.close();
    heardByWorker?.close();
    for (const s of [page, other, reads]) s.close();
  });

  it('a page store notes the newest history events it added for its worker, and counts the writes that may have removed some', async () => {
    const dbName = `worker-history-notes-${++n}`;
    const page = await openPageStore({ dbName, maxEvents: 10 });
    if (page.kind !== 'indexeddb') throw new Error(`no IndexedDB: ${page.kind}`);
    const t = Date.now() - 60_000;
    const views = Array.from({ length: 8 }, (_, i) => event(`v${i}`, 'view_item', t + i));
    await page.add([...views, event('shown', 'view_item_list', t + 8)]);
    expect(page.writes!(5)).toEqual({ by: expect.any(String), removals: 0, droppedUpTo: -Infinity, added: views.slice(-5) });
    expect(page.writes!(50).added, 'history events only (an impression is not one)').toEqual(views);
    // Past maxEvents (10): the two oldest are dropped, and the newest of them is noted.
    const more = Array.from({ length: 3 }, (_, i) => event(`w${i}`, 'add_to_cart', t + 10 + i));
    await page.add(more);
    expect(page.writes!(3)).toEqual({ by: page.writes!(3).by, removals: 0, droppedUpTo: t + 1, added: more });
    await page.prune(); // nothing more to drop
    expect(page.writes!(3)).toMatchObject({ removals: 0, droppedUpTo: t + 1 });
    await page.clear();
    expect(page.writes!(3)).toEqual({ by: page.writes!(3).by, removals: 1, droppedUpTo: t + 1, added: [] });
    page.close();
  });

  it('a recall keeps its history past the oldest events the retention caps dropped, while it holds its limit of newer ones', async () => {
    const t = Date.now() - 60_000;
    const stored = Array.from({ length: 4 }, (_, i) => event(`s${i}`, 'view_item', t + 10 + i));
    let reads = 0;
    const store = {
      recent: async (k: number) => (reads++, stored.slice(-k)),
      stamp: async () => `${reads}`,
      items: async () => new Map<string, ItemFeatures>(),
    };
    const recall = createRecall(3, true);
    const ranked = async (written: { by: string; removals: number; droppedUpTo: number; added: ReturnType<typeof event>[] }) => {
      const req = { pending: [], known: [], now: Date.now(), written };
      return (await assembleHistory(recall.through(store, { req, also: [] }), req, 3)).history.map((e) => e.item.id);
    };
    const none = { by: 'page', removals: 0, droppedUpTo: -Infinity, added: [] };
    expect(await ranked(none)).toEqual(['s1', 's2', 's3']);
    expect(reads).toBe(1);
    // Dropped up to t + 5: older than every event of the history (s1, at t + 11): answered from memory.
    expect(await ranked({ ...none, droppedUpTo: t + 5 })).toEqual(['s1', 's2', 's3']);
    expect(reads).toBe(1);
    // Dropped up to t + 11: s1 was among them, the history is read again.
    stored.shift();
    stored.shift();
    expect(await ranked({ ...none, droppedUpTo: t + 11 })).toEqual(['s2', 's3']);
    expect(reads).toBe(2);
    // A history shorter than its limit: any event dropped may have been in it.
    expect(await ranked({ ...none, droppedUpTo: t + 12 })).toEqual(['s2', 's3']);
    expect(reads).toBe(3);
  });

  it('a database that stopped answering: a recall answers from its latest read, the events sent since and the features it kept; without a read, the pending events only', async () => {
    const { store, t } = await storedAB();
    let answering = true;
    const timeout = () => Promise.reject(new StoreTimeoutError('"db" did not answer: no answer within 10 s'));
    const flaky = {
      recent: (k: number, types: typeof HISTORY_TYPES) => (answering ? store.recent(k, types) : timeout()),
      stamp: () => (answering ? store.stamp() : timeout()),
      items: (ids: readonly string[]) => (answering ? store.items(ids) : timeout()),
    };
    const assembled = async (recall: ReturnType<typeof createRecall>, pending = [event('p', 'select_item', t + 3)]) => {
      const req = { pending, known: [{ id: 'p', title: 'page P' }], now: Date.now() };
      recall.add(req);
      const { history } = await assembleHistory(recall.through(flaky), req, 5);
      return history.map((e) => `${e.item.id} ${e.item.title ?? '-'}`);
    };
    const recall = createRecall(5);
    expect(await assembled(recall, [])).toEqual(['a stored A', 'b stored B']);
    answering = false;
    expect(await assembled(recall)).toEqual(['a stored A', 'b stored B', 'p page P']);
    // A page view whose worker never read the history: what the page sent.
    expect(await assembled(createRecall(5))).toEqual(['p page P']);
    // Any other failure is still thrown.
    const broken = { ...flaky, stamp: () => Promise.reject(new Error('disk')) };
    await expect(assembleHistory(createRecall(5).through(broken), { pending: [], known: [], now: Date.now() }, 5)).rejects.toThrow('disk');
    store.close();
  });
});
