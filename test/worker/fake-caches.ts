/** A Cache Storage stand-in, in memory: the methods the worker's file caches use (match, put, delete, keys). */
export function fakeCaches(): { caches: CacheStorage; stores: Map<string, Map<string, Response>> } {
  const stores = new Map<string, Map<string, Response>>();
  const caches = {
    async open(name: string) {
      const store = stores.get(name) ?? stores.set(name, new Map()).get(name)!;
      return {
        match: async (url: string) => store.get(url)?.clone(),
        put: async (url: string, res: Response) => void store.set(url, res),
        delete: async (req: string | Request) => store.delete(typeof req === 'string' ? req : req.url),
        keys: async () => [...store.keys()].map((url) => ({ url })),
      };
    },
  } as unknown as CacheStorage;
  return { caches, stores };
}
