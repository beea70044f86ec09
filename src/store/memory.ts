/**
 * An in-memory Store, for tests and for one-shot runs that keep nothing.
 * @module
 */
import { assertKey, type Store, type StoreEntry } from "./store.ts";

/** Creates an empty memory store. `entries` exposes the map for inspection in tests. */
export function memoryStore(): Store & { entries: Map<string, Uint8Array> } {
  const entries = new Map<string, Uint8Array>();
  return {
    name: "memory",
    entries,
    get(key) {
      assertKey(key);
      const v = entries.get(key);
      return Promise.resolve(v === undefined ? undefined : v.slice());
    },
    put(key, body) {
      assertKey(key);
      entries.set(key, body.slice());
      return Promise.resolve();
    },
    delete(key) {
      assertKey(key);
      entries.delete(key);
      return Promise.resolve();
    },
    async *list(prefix): AsyncIterable<StoreEntry> {
      const keys = [...entries.keys()].filter((k) => k.startsWith(prefix)).sort();
      for (const key of keys) {
        const v = entries.get(key);
        if (v) yield { key, size: v.length };
      }
    },
  };
}
