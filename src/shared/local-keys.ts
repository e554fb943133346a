/**
 * The localStorage keys the tracker writes: the session and the click journal. The store's clear() removes them, and
 * export() (in reco.engine.js) reads the journal; apart from store.ts, which brings idb, so that reco.engine.js does
 * not carry a second copy of it.
 */
export const LOCAL_KEYS = { session: 'reco:session', pending: 'reco:pending' } as const;
