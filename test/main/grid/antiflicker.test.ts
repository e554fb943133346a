// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createAntiFlicker } from '../../../src/main/grid/antiflicker.ts';

const rect = (top: number, height = 300) =>
  ({ x: 0, y: top, left: 0, top, width: 800, height, right: 800, bottom: top + height, toJSON() {} }) as DOMRect;
let grid: HTMLElement;

beforeEach(() => {
  vi.useFakeTimers();
  document.head.innerHTML = '';
  document.body.innerHTML = '<div data-reco-grid="g"></div>';
  grid = document.querySelector('[data-reco-grid]')!;
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('createAntiFlicker', () => {
  test('hides a held grid with one style rule until it is released', () => {
    const af = createAntiFlicker();
    af.hold(grid);
    af.hold(document.createElement('div'));
    expect(grid.hasAttribute('data-reco-pending')).toBe(true);
    const styles = document.querySelectorAll('style');
    expect(styles).toHaveLength(1);
    expect(styles[0].textContent).toContain('[data-reco-pending]{visibility:hidden');
    af.release(grid);
    expect(grid.hasAttribute('data-reco-pending')).toBe(false);
  });

  test('shows the grid after the timeout when ranking is late', () => {
    const af = createAntiFlicker({ timeoutMs: 250 });
    af.hold(grid);
    vi.advanceTimersByTime(249);
    expect(grid.hasAttribute('data-reco-pending')).toBe(true);
    vi.advanceTimersByTime(1);
    expect(grid.hasAttribute('data-reco-pending')).toBe(false);
  });

  test('defaults to 400 ms', () => {
    const af = createAntiFlicker();
    af.hold(grid);
    vi.advanceTimersByTime(399);
    expect(grid.hasAttribute('data-reco-pending')).toBe(true);
    vi.advanceTimersByTime(1);
    expect(grid.hasAttribute('data-reco-pending')).toBe(false);
  });

  test('re-orders a held grid; after the timeout only if it is off-screen', () => {
    const af = createAntiFlicker();
    const box = vi.spyOn(grid, 'getBoundingClientRect').mockReturnValue(rect(100));
    af.hold(grid);
    expect(af.shouldReorder(grid)).toBe(true);
    vi.advanceTimersByTime(400);
    expect(af.shouldReorder(grid)).toBe(false);
    box.mockReturnValue(rect(2000));
    expect(af.shouldReorder(grid)).toBe(true);
    box.mockReturnValue(rect(-900));
    expect(af.shouldReorder(grid)).toBe(true);
  });

  test('a visible grid in a hidden tab may be re-ordered', () => {
    const af = createAntiFlicker();
    vi.spyOn(grid, 'getBoundingClientRect').mockReturnValue(rect(0));
    expect(af.shouldReorder(grid)).toBe(false);
    vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    expect(af.shouldReorder(grid)).toBe(true);
  });

  test('a grid shown once is never hidden again', () => {
    const af = createAntiFlicker();
    af.hold(grid);
    af.release(grid);
    af.hold(grid);
    expect(grid.hasAttribute('data-reco-pending')).toBe(false);
  });

  test('destroy shows every held grid, removes the rule and cancels timers', () => {
    const af = createAntiFlicker();
    const other = document.body.appendChild(document.createElement('div'));
    af.hold(grid);
    af.hold(other);
    af.destroy();
    expect(document.querySelectorAll('[data-reco-pending]')).toHaveLength(0);
    expect(document.querySelectorAll('style')).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
