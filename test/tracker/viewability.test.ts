import { beforeEach, afterEach, describe, expect, it, vi } from 'vitest';
import { ViewabilityTimer } from '../../src/tracker/viewability.ts';

afterEach(() => vi.useRealTimers());

describe('ViewabilityTimer', () => {
  beforeEach(() => vi.useFakeTimers());

  it('does not fire for less than one continuous second in view', () => {
    const fired = vi.fn();
    const t = new ViewabilityTimer(fired);
    t.setRatio(0.8);
    vi.advanceTimersByTime(999);
    t.setRatio(0.2);
    t.setRatio(0.8);
    vi.advanceTimersByTime(999);
    t.setRatio(0);
    vi.advanceTimersByTime(5000);
    expect(fired).not.toHaveBeenCalled();
  });

  it('fires exactly once after one second at 50% or more', () => {
    const fired = vi.fn();
    const t = new ViewabilityTimer(fired);
    t.setRatio(0.5);
    vi.advanceTimersByTime(1000);
    t.setRatio(0);
    t.setRatio(1);
    vi.advanceTimersByTime(5000);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('never fires below 50%', () => {
    const fired = vi.fn();
    new ViewabilityTimer(fired).setRatio(0.49);
    vi.advanceTimersByTime(5000);
    expect(fired).not.toHaveBeenCalled();
  });

  it('counts a large item (242,500 pixels or more) at 30% in view, as MRC does for large ads; a smaller one needs 50%', () => {
    const large = vi.fn();
    const justUnder = vi.fn();
    new ViewabilityTimer(large).setRatio(0.3, 500 * 485);
    new ViewabilityTimer(justUnder).setRatio(0.49, 500 * 485 - 1);
    const tooLittle = vi.fn();
    new ViewabilityTimer(tooLittle).setRatio(0.29, 1000 * 1000);
    vi.advanceTimersByTime(1000);
    expect(large).toHaveBeenCalledTimes(1);
    expect(justUnder).not.toHaveBeenCalled();
    expect(tooLittle).not.toHaveBeenCalled();
  });

  it('pauses while the tab is hidden and restarts the second when visible again', () => {
    const fired = vi.fn();
    const t = new ViewabilityTimer(fired);
    t.setRatio(1);
    vi.advanceTimersByTime(600);
    t.setPageVisible(false);
    vi.advanceTimersByTime(5000);
    expect(fired).not.toHaveBeenCalled();
    t.setPageVisible(true);
    vi.advanceTimersByTime(999);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('does not start in a hidden tab', () => {
    const fired = vi.fn();
    new ViewabilityTimer(fired, false).setRatio(1);
    vi.advanceTimersByTime(5000);
    expect(fired).not.toHaveBeenCalled();
  });
});
