// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LearningState } from '../../src/shared/learning.ts';
import type { EngineClient } from '../../src/main/engine-client.ts';
import { createLearningScheduler, createPageLearning, ROUND_SETTLE_MS, type PageLearningOptions } from '../../src/main/scheduler.ts';

const state = (pending: number, lastRoundAt = 0): LearningState => ({
  rounds: 0,
  lastDecision: null,
  head: 'shipped',
  pending,
  lastRoundAt,
});
const schedule = { trainAfterEvents: 20, trainIntervalMinutes: 10 };

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubGlobal('requestIdleCallback', undefined); // the setTimeout fallback, which fake timers control
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('page-side learning scheduler', () => {
  it('asks for a round once enough labelled events arrived, when the page is idle', async () => {
    const run = vi.fn(async () => state(0, Date.now()));
    const s = createLearningScheduler(schedule, run);
    s.update(state(18));
    s.label();
    await vi.advanceTimersByTimeAsync(5000);
    expect(run).not.toHaveBeenCalled();
    s.label();
    await vi.advanceTimersByTimeAsync(5000);
    expect(run).toHaveBeenCalledTimes(1);
    expect(s.state()).toMatchObject({ pending: 0 });
    s.label();
    await vi.advanceTimersByTimeAsync(5000);
    expect(run).toHaveBeenCalledTimes(1);
    s.destroy();
  });

  it('waits for the interval between rounds', async () => {
    const run = vi.fn(async () => state(0, Date.now()));
    const s = createLearningScheduler(schedule, run);
    s.update(state(30, Date.now() - 5 * 60_000));
    s.label();
    await vi.advanceTimersByTimeAsync(5000);
    expect(run).not.toHaveBeenCalled();
    vi.setSystemTime(Date.now() + 6 * 60_000);
    s.label();
    await vi.advanceTimersByTimeAsync(5000);
    expect(run).toHaveBeenCalledTimes(1);
    s.destroy();
  });

  it('runs a due round when the page has stayed hidden ROUND_SETTLE_MS (a tab in the background), and never after destroy()', async () => {
    const run = vi.fn(async () => state(0, Date.now()));
    const s = createLearningScheduler(schedule, run);
    s.update(state(25));
    vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    document.dispatchEvent(new Event('visibilitychange'));
    expect(run).not.toHaveBeenCalled(); // a navigation hides the page an instant before it goes
    await vi.advanceTimersByTimeAsync(ROUND_SETTLE_MS);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(run).toHaveBeenCalledTimes(1);

    const t = createLearningScheduler(schedule, run);
    t.update(state(25));
    t.destroy();
    document.dispatchEvent(new Event('visibilitychange'));
    await vi.advanceTimersByTimeAsync(5000);
    expect(run).toHaveBeenCalledTimes(1);
  });
});

describe('a round is never started as the page goes away (WebKit keeps a database whose worker was ended mid-transaction)', () => {
  it('a click that made a round due and the navigation after it: hidden, then pagehide, and no round is asked for', async () => {
    const run = vi.fn(async () => state(0, Date.now()));
    const s = createLearningScheduler(schedule, run);
    s.update(state(19));
    s.label(); // the 20th label: a click on a card link
    const hidden = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    document.dispatchEvent(new Event('visibilitychange'));
    dispatchEvent(Object.assign(new Event('pagehide'), { persisted: false }));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(run).not.toHaveBeenCalled();
    s.destroy();
    hidden.mockRestore();
  });

  it('a round made due by a click is asked for once the page stayed ROUND_SETTLE_MS, not at once', async () => {
    const run = vi.fn(async () => state(0, Date.now()));
    const s = createLearningScheduler(schedule, run);
    s.update(state(19));
    s.label();
    await vi.advanceTimersByTimeAsync(ROUND_SETTLE_MS - 100);
    expect(run).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(200);
    expect(run).toHaveBeenCalledTimes(1);
    s.destroy();
  });

  it('every later label starts the wait again: a shopper still clicking has not stayed', async () => {
    const run = vi.fn(async () => state(0, Date.now()));
    const s = createLearningScheduler(schedule, run);
    s.update(state(19));
    s.label();
    await vi.advanceTimersByTimeAsync(ROUND_SETTLE_MS - 500);
    s.label();
    await vi.advanceTimersByTimeAsync(ROUND_SETTLE_MS - 500);
    expect(run).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(600);
    expect(run).toHaveBeenCalledTimes(1);
    s.destroy();
  });
});

describe('page learning', () => {
  const decision = { accepted: true, reason: 'accepted: ...', before: 0.6, after: 0.8, examples: 30, heldOut: 6, ms: 40, at: 1 };
  const options = (over: Partial<PageLearningOptions> = {}): PageLearningOptions => ({
    ...schedule,
    stored: true,
    isReady: () => true,
    flush: vi.fn(async () => {}),
    debug: vi.fn(),
    onError: vi.fn(),
    ...over,
  });
  const engine = (round: EngineClient['round']) => ({ round }) as EngineClient;

  it('skips a round before the model is ready, and says why', async () => {
    expect((await createPageLearning(options()).train()).reason).toBe('skipped: the model is not loaded');
    expect((await createPageLearning(options({ stored: false })).train()).reason).toBe('skipped: storage is off');
  });

  it('flushes pending events, runs a round in the worker, and reports its state in status()', async () => {
    const o = options();
    const learning = createPageLearning(o);
    const before = { rounds: 0, lastDecision: null, head: 'shipped' as const };
    expect(learning.status(before)).toEqual(before);
    const round = vi.fn(async () => ({
      decision,
      state: { ...state(0, 1), rounds: 1, lastDecision: decision, head: 'personal' as const },
    }));
    learning.start(engine(round), state(0));
    expect(await learning.train()).toEqual(decision);
    expect(round).toHaveBeenCalledWith(true);
    expect(vi.mocked(o.flush).mock.invocationCallOrder[0]).toBeLessThan(round.mock.invocationCallOrder[0]!);
    expect(learning.status(before)).toEqual({ rounds: 1, lastDecision: decision, head: 'personal' });
    learning.destroy();
  });

  it('reports a failed round and resolves as skipped', async () => {
    const o = options();
    const learning = createPageLearning(o);
    learning.start(
      engine(async () => Promise.reject(new Error('worker gone'))),
      state(0),
    );
    expect((await learning.train()).reason).toBe('skipped: failed: worker gone');
    expect(o.onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'worker gone' }));
    learning.destroy();
  });
});
