/**
 * The localStorage keys the tracker writes: the session and the click journal; and the Matomo reader's cart (the one
 * the shop's last cart update left, matomo-read.ts). The store's clear() removes them, and
 * export() (in reco.engine.js) reads the journal; apart from store.ts, which brings idb, so that reco.engine.js does
 * not carry a second copy of it.
 */
export const LOCAL_KEYS = { session: 'reco:session', pending: 'reco:pending', matomoCart: 'reco:matomo-cart' } as const;
