/** Ids of events, page views and sessions; a session ends after `timeoutMs` without events. */
import { LOCAL_KEYS } from '../shared/local-keys.ts';
import { readJson, type LocalMirror } from './journal.ts';

/** A random v4 UUID. crypto.randomUUID needs a secure context; getRandomValues does not. */
export function uuid(): string {
  return (
    crypto.randomUUID?.() ??
    '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) =>
      (+c ^ (crypto.getRandomValues(new Uint8Array(1))[0]! & (15 >> (+c / 4)))).toString(16),
    )
  );
}

interface Session {
  id: string;
  /** Time of the session's newest event (epoch ms). */
  last: number;
}

/**
 * The shopper's session, shared by the tabs through localStorage (when it works): `touch(ts)` returns the
 * session of an event at `ts`, a new one after `timeoutMs` without events.
 */
export function createSession(timeoutMs: number, local: LocalMirror): { touch(ts: number): string; id(): string } {
  let session: Session = { id: '', last: 0 };
  return {
    touch(ts) {
      local(() => {
        const s = readJson(LOCAL_KEYS.session) as Partial<Session> | null;
        if (typeof s?.id === 'string' && typeof s.last === 'number') session = s as Session;
      });
      // Either way: a clock set back by hours is no continuation of the session either.
      if (!session.id || Math.abs(ts - session.last) > timeoutMs) session = { id: uuid(), last: ts };
      else session.last = Math.max(session.last, ts);
      local(() => localStorage.setItem(LOCAL_KEYS.session, JSON.stringify(session)));
      return session.id;
    },
    id: () => session.id,
  };
}
