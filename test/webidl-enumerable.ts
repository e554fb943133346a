/**
 * happy-dom defines its classes' methods non-enumerable, where a browser's (WebIDL operations) are enumerable; zone.js
 * patches IntersectionObserver by copying the enumerable ones of an instance, so under happy-dom its wrapper had no
 * observe(). Made as a browser has them, for a test that loads zone.js next.
 */
for (const name of ['IntersectionObserver', 'MutationObserver'] as const) {
  const proto = (globalThis[name] as { prototype: object } | undefined)?.prototype;
  for (const key of proto ? Object.getOwnPropertyNames(proto) : [])
    if (key !== 'constructor') Object.defineProperty(proto, key, { enumerable: true });
}
