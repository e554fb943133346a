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
  test('a grid held again while held (the page emptied and refilled it) shows with its own style on release, never stays hidden', () => {
    const af = createAntiFlicker();
    grid.style.setProperty('visibility', 'visible');
    af.hold(grid);
    af.hold(grid, true);
    af.release(grid);
    expect(grid.style.getPropertyValue('visibility')).toBe('visible');
    expect(getComputedStyle(grid).visibility).toBe('visible');
    grid.style.removeProperty('visibility');
    af.hold(grid, true);
    af.hold(grid, true);
    vi.advanceTimersByTime(400);
    expect(grid.style.getPropertyValue('visibility')).toBe('');
  });

  test('hides a held grid through its own style (no injected <style>) until it is released, then puts its own style back', () => {
    const af = createAntiFlicker();
    grid.style.setProperty('visibility', 'visible');
    af.hold(grid);
    expect(grid.hasAttribute('data-reco-pending')).toBe(true);
    expect(grid.style.getPropertyValue('visibility')).toBe('hidden');
    expect(grid.style.getPropertyPriority('visibility')).toBe('important');
    expect(getComputedStyle(grid).visibility).toBe('hidden');
    expect(document.querySelectorAll('style')).toHaveLength(0);
    af.release(grid);
    expect(grid.hasAttribute('data-reco-pending')).toBe(false);
    expect(grid.style.getPropertyValue('visibility')).toBe('visible');
    expect(grid.style.getPropertyPriority('visibility')).toBe('');

    const plain = document.body.appendChild(document.createElement('div'));
    af.hold(plain);
    af.release(plain);
    expect(plain.getAttribute('style') ?? '').toBe('');
  });

  test('an item added to a shown grid is held transparent, not hidden: it keeps keyboard focus ("load more"), and its own style comes back', () => {
    const af = createAntiFlicker();
    grid.innerHTML = '<a href="#n1" data-reco-id="n1" style="opacity: 0.9">n1</a>';
    const item = grid.querySelector('a')!;
    af.holdItem(item);
    expect(af.isHeld(item)).toBe(true);
    expect([item.style.getPropertyValue('opacity'), item.style.getPropertyPriority('opacity')]).toEqual(['0', 'important']);
    expect(getComputedStyle(item).visibility).not.toBe('hidden');
    item.focus();
    expect(document.activeElement).toBe(item);
    vi.advanceTimersByTime(400);
    expect(af.isHeld(item)).toBe(false);
    expect(item.style.getPropertyValue('opacity')).toBe('0.9');
  });

  test('a held grid that the browser does not really hide is treated as shown: never re-ordered while in view', () => {
    const af = createAntiFlicker();
    vi.spyOn(grid, 'getBoundingClientRect').mockReturnValue(rect(100));
    af.hold(grid);
    expect(af.shouldReorder(grid)).toBe(true);
    // Hiding failed (here: something put the grid's visibility back); it is in view, so it must not move.
    vi.spyOn(window, 'getComputedStyle').mockReturnValue({ visibility: 'visible' } as CSSStyleDeclaration);
    expect(grid.hasAttribute('data-reco-pending')).toBe(true);
    expect(af.shouldReorder(grid)).toBe(false);
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

  test('destroy shows every held grid and cancels timers', () => {
    const af = createAntiFlicker();
    const other = document.body.appendChild(document.createElement('div'));
    af.hold(grid);
    af.hold(other);
    af.destroy();
    expect(document.querySelectorAll('[data-reco-pending]')).toHaveLength(0);
    expect(grid.style.getPropertyValue('visibility')).toBe('');
    expect(vi.getTimerCount()).toBe(0);
  });
});
