// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LearningState } from '../../src/shared/learning.ts';
import { createLearningScheduler } from '../../src/main/scheduler.ts';

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

  it('runs a due round at once when the page is hidden, and never after destroy()', async () => {
    const run = vi.fn(async () => state(0, Date.now()));
    const s = createLearningScheduler(schedule, run);
    s.update(state(25));
    vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    document.dispatchEvent(new Event('visibilitychange'));
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
