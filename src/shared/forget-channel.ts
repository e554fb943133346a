/**
 * The origin's line about forget(): a page that erases everything tells every other page and every worker (its own
 * included) to drop what they have not written and store nothing more. BroadcastChannel where it exists (pages and
 * workers alike); without it, each tab acts alone.
 */

/** The BroadcastChannel's name. */
const FORGET_CHANNEL = 'reco-page';

export interface ForgetChannel {
  /** Tells the other pages and the workers that everything was erased. */
  tell(): void;
  close(): void;
}

/**
 * Listens for forget() elsewhere on this origin.
 * @param onForget called when another page (or, in a worker, any page) erased everything
 */
export function openForgetChannel(onForget: () => void): ForgetChannel {
  let channel: BroadcastChannel | null = null;
  try {
    if (typeof BroadcastChannel === 'function') {
      channel = new BroadcastChannel(FORGET_CHANNEL);
      channel.onmessage = (ev: MessageEvent<{ type?: unknown } | null>) => ev.data?.type === 'forget' && onForget();
    }
  } catch {
    channel = null; // refused (opaque origins)
  }
  let closed = false;
  return {
    tell() {
      const message = { type: 'forget' };
      if (!closed) return void channel?.postMessage(message);
      // Its page's instance was destroyed (a later init() replaced it): the other pages are told all the same.
      try {
        const once = new BroadcastChannel(FORGET_CHANNEL);
        once.postMessage(message);
        once.close();
      } catch {
        /* no BroadcastChannel: each tab acts alone */
      }
    },
    close() {
      closed = true;
      channel?.close();
    },
  };
}
