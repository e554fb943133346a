// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createAntiFlicker, hiddenByStyle } from '../../../src/main/grid/antiflicker.ts';

const rect = (top: number, height = 300) =>
  ({ x: 0, y: top, left: 0, top, width: 800, height, right: 800, bottom: top + height, toJSON() {} }) as DOMRect;
let grid: HTMLElement;
/** Two animation frames: a released element is shown once the frame after its release is painted. */
const painted = () => vi.advanceTimersByTime(40);

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
    grid.style.setProperty('clip-path', 'circle(40%)');
    af.hold(grid);
    af.hold(grid, true);
    af.release(grid);
    painted();
    expect(grid.style.getPropertyValue('clip-path')).toBe('circle(40%)');
    expect(hiddenByStyle(grid)).toBe(false);
    grid.style.removeProperty('clip-path');
    af.hold(grid, true);
    af.hold(grid, true);
    vi.advanceTimersByTime(400);
    painted();
    expect(grid.style.getPropertyValue('clip-path')).toBe('');
  });

  test('hides a held grid through its own style (no injected <style>) until it is released, then puts its own style back', () => {
    const af = createAntiFlicker();
    grid.style.setProperty('clip-path', 'circle(40%)');
    af.hold(grid);
    expect(grid.hasAttribute('data-reco-pending')).toBe(true);
    expect(grid.style.getPropertyValue('clip-path')).toBe('inset(50%)');
    expect(grid.style.getPropertyPriority('clip-path')).toBe('important');
    expect(hiddenByStyle(grid)).toBe(true);
    expect(document.querySelectorAll('style')).toHaveLength(0);
    af.release(grid);
    expect(grid.hasAttribute('data-reco-pending')).toBe(false);
    painted();
    expect(grid.style.getPropertyValue('clip-path')).toBe('circle(40%)');
    expect(grid.style.getPropertyPriority('clip-path')).toBe('');

    const plain = document.body.appendChild(document.createElement('div'));
    af.hold(plain);
    af.release(plain);
    painted();
    expect(plain.getAttribute('style') ?? '').toBe('');
  });

  test('a held grid or item is clipped away, not made invisible: it keeps keyboard focus (a page focusing its first result), and its own style comes back', () => {
    const af = createAntiFlicker();
    grid.innerHTML = '<a href="#n1" data-reco-id="n1" style="opacity: 0.9">n1</a>';
    const item = grid.querySelector('a')!;
    af.hold(grid);
    expect(getComputedStyle(grid).visibility).not.toBe('hidden');
    item.focus();
    expect(document.activeElement).toBe(item);
    af.release(grid);
    item.blur();
    af.hold(item);
    expect(af.isHeld(item)).toBe(true);
    expect([item.style.getPropertyValue('clip-path'), item.style.getPropertyPriority('clip-path')]).toEqual(['inset(50%)', 'important']);
    expect(getComputedStyle(item).visibility).not.toBe('hidden');
    item.focus();
    expect(document.activeElement).toBe(item);
    vi.advanceTimersByTime(400);
    expect(af.isHeld(item)).toBe(false);
    painted();
    expect(item.getAttribute('style')).toBe('opacity: 0.9;');
  });

  test('an element laid out as display: contents (no box to clip) is held with visibility: hidden, which its cards inherit', () => {
    const af = createAntiFlicker();
    grid.style.display = 'contents';
    grid.innerHTML = '<a href="#n1" data-reco-id="n1">n1</a>';
    vi.spyOn(grid, 'getBoundingClientRect').mockReturnValue(rect(100));
    af.hold(grid);
    expect(grid.style.getPropertyValue('clip-path')).toBe('');
    expect([grid.style.getPropertyValue('visibility'), grid.style.getPropertyPriority('visibility')]).toEqual(['hidden', 'important']);
    expect(getComputedStyle(grid.querySelector('a')!).visibility).toBe('hidden');
    expect(af.shouldReorder(grid)).toBe(true);
    af.release(grid);
    painted();
    expect(grid.getAttribute('style')).toBe('display: contents;');
    // Clipped away by a style of its own, such a grid is not hidden: clip-path draws nothing of display: contents.
    grid.style.setProperty('clip-path', 'inset(50%)');
    expect(hiddenByStyle(grid)).toBe(false);
  });

  test('a held grid that the browser does not really hide is treated as shown: never re-ordered while in view', () => {
    const af = createAntiFlicker();
    vi.spyOn(grid, 'getBoundingClientRect').mockReturnValue(rect(100));
    af.hold(grid);
    expect(af.shouldReorder(grid)).toBe(true);
    // Hiding failed (here: a browser that does not know clip-path); it is in view, so it must not move.
    vi.spyOn(window, 'getComputedStyle').mockReturnValue({
      visibility: 'visible',
      display: 'block',
      getPropertyValue: () => '',
    } as unknown as CSSStyleDeclaration);
    expect(grid.hasAttribute('data-reco-pending')).toBe(true);
    expect(af.shouldReorder(grid)).toBe(false);
  });

  test('a released grid is shown once the frame after its release is painted, not in the frame of its last moves (Chromium counts cards moved and shown in one frame as a layout shift); held again meanwhile, it stays hidden', () => {
    const af = createAntiFlicker();
    const frames = new Map<number, FrameRequestCallback>();
    let ids = 0;
    vi.spyOn(window, 'requestAnimationFrame').mockImplementation((fn) => (frames.set(++ids, fn), ids));
    vi.spyOn(window, 'cancelAnimationFrame').mockImplementation((id) => void frames.delete(id));
    const frame = () => {
      const due = [...frames.values()];
      frames.clear();
      due.forEach((fn) => fn(performance.now()));
    };
    af.hold(grid);
    af.release(grid);
    expect(af.isHeld(grid)).toBe(false);
    expect(grid.style.getPropertyValue('clip-path'), 'the frame of the moves: still clipped').toBe('inset(50%)');
    frame();
    expect(grid.style.getPropertyValue('clip-path'), 'painted with the cards in place, clipped').toBe('inset(50%)');
    frame();
    expect(grid.style.getPropertyValue('clip-path'), 'the next frame: shown').toBe('');

    af.hold(grid, true);
    af.release(grid);
    af.hold(grid, true);
    frame();
    frame();
    expect(grid.style.getPropertyValue('clip-path'), 'held again before it was shown').toBe('inset(50%)');
    af.destroy();
    expect(grid.style.getPropertyValue('clip-path'), 'destroy() shows it at once').toBe('');
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
    expect(grid.style.getPropertyValue('clip-path')).toBe('');
    expect(vi.getTimerCount()).toBe(0);
  });
});
