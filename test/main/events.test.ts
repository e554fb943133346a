import { describe, expect, it, vi } from 'vitest';
import { notReady, type RecoInstance } from '../../src/main/api.ts';
import { createEmitter, subscribe, type Listeners } from '../../src/main/events.ts';

const instance = (ready: boolean) => ({ status: () => ({ ...notReady('granted', false, false, null), ready }) }) as RecoInstance;

describe('events', () => {
  it('emits to the instance listeners and to the global ones, until cleared', () => {
    const global: Listeners = new Map();
    const events = createEmitter(global);
    const own = vi.fn();
    const all = vi.fn();
    events.on('error', own, instance(false));
    subscribe(global, 'error', all, null);
    const err = new Error('boom');
    events.emit('error', err);
    expect(own).toHaveBeenCalledWith(err);
    expect(all).toHaveBeenCalledWith(err);
    events.clear();
    events.emit('error', err);
    expect(own).toHaveBeenCalledTimes(1);
    expect(all).toHaveBeenCalledTimes(1);
  });

  it('keeps calling the other listeners when one throws, and logs it', () => {
    const events = createEmitter(null);
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const after = vi.fn();
    events.on(
      'event',
      () => {
        throw new Error('listener bug');
      },
      instance(false),
    );
    events.on('event', after, instance(false));
    events.emit('event', {} as never);
    expect(after).toHaveBeenCalledTimes(1);
    expect(log).toHaveBeenCalledWith('[reco] an on() listener threw', expect.any(Error));
    log.mockRestore();
  });

  it('unsubscribes, names the known types for an unknown one, and replays ready to a late listener', async () => {
    const listeners: Listeners = new Map();
    const fn = vi.fn();
    const off = subscribe(listeners, 'ranked', fn, null);
    off();
    expect(listeners.get('ranked')?.size).toBe(0);
    expect(() => subscribe(listeners, 'rank' as 'ranked', fn, null)).toThrow(
      /on\(type\): expected one of ready, ranked, rules, error, event, progress, got "rank"/,
    );
    const late = vi.fn();
    subscribe(listeners, 'ready', late, instance(true));
    await Promise.resolve();
    expect(late).toHaveBeenCalledWith(expect.objectContaining({ ready: true }));
    const early = vi.fn();
    subscribe(listeners, 'ready', early, instance(false));
    await Promise.resolve();
    expect(early).not.toHaveBeenCalled();
  });

  it('a late ready listener: logged when it throws (never thrown into the page), not called once unsubscribed; fn must be a function', async () => {
    const listeners: Listeners = new Map();
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    subscribe(
      listeners,
      'ready',
      () => {
        throw new Error('the shop listener failed');
      },
      instance(true),
    );
    const unsubscribed = vi.fn();
    subscribe(listeners, 'ready', unsubscribed, instance(true))();
    await new Promise((r) => setTimeout(r));
    expect(log).toHaveBeenCalledWith('[reco] an on() listener threw', new Error('the shop listener failed'));
    expect(unsubscribed).not.toHaveBeenCalled();
    expect(() => subscribe(listeners, 'error', 'oops' as unknown as () => void, null)).toThrow(
      new TypeError('on(type, fn): expected a function, got string'),
    );
    log.mockRestore();
  });
});
