/**
 * Keeping the tabs' workers apart and in step: Web Locks so that one tab trains at a time, a
 * BroadcastChannel to tell the other tabs' workers about a new head, a round or forget(). Both are
 * feature-checked: without them each tab acts alone.
 */
const LOCK = 'reco-train';
const CHANNEL = 'reco';

/** What one worker tells the others, about the head of one model version (`key`). */
export interface CrossTabMessage {
  type: 'head' | 'round' | 'forget';
  key: string;
}

/** Runs `fn` holding the cross-tab training lock, or returns null when another tab holds it. */
export async function exclusive<T>(fn: () => Promise<T>): Promise<T | null> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!locks?.request) return fn();
  return locks.request(LOCK, { ifAvailable: true }, (lock) => (lock ? fn() : null));
}

/** The channel to the other tabs' workers, or null where BroadcastChannel is missing or refused (e.g. opaque origins). */
export function openChannel(onMessage: (msg: Partial<CrossTabMessage>) => void): BroadcastChannel | null {
  try {
    if (typeof BroadcastChannel !== 'function') return null;
    const channel = new BroadcastChannel(CHANNEL);
    channel.onmessage = (ev: MessageEvent<Partial<CrossTabMessage> | null>) => ev.data && onMessage(ev.data);
    return channel;
  } catch {
    return null;
  }
}
