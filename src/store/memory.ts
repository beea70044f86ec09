/**
 * An in-memory Store, for tests and for one-shot runs that keep nothing.
 * @module
 */
import { assertDir, assertKey, type Store, type StoreEntry } from "./store.ts";

/** Creates an empty memory store. `entries` exposes the map for inspection in tests. */
export function memoryStore(): Store & { entries: Map<string, Uint8Array> } {
  const entries = new Map<string, Uint8Array>();
  return {
    name: "memory",
    entries,
    // deno-lint-ignore require-await
    async get(key) {
      assertKey(key);
      return entries.get(key)?.slice();
    },
    // deno-lint-ignore require-await
    async put(key, body) {
      assertKey(key);
      entries.set(key, body.slice());
    },
    // deno-lint-ignore require-await
    async delete(key) {
      assertKey(key);
      entries.delete(key);
    },
    async *list(prefix): AsyncIterable<StoreEntry> {
      const keys = [...entries.keys()].filter((k) => k.startsWith(prefix)).sort();
      for (const key of keys) yield { key, size: entries.get(key)!.length };
    },
    // deno-lint-ignore require-await
    async browse(dir) {
      assertDir(dir);
      const dirs = new Set<string>();
      const files: StoreEntry[] = [];
      for (const [key, body] of entries) {
        if (!key.startsWith(dir)) continue;
        const rest = key.slice(dir.length);
        const slash = rest.indexOf("/");
        if (slash === -1) files.push({ key, size: body.length });
        else dirs.add(rest.slice(0, slash));
      }
      return { dirs: [...dirs].sort(), files: files.sort((a, b) => (a.key < b.key ? -1 : 1)) };
    },
  };
}
