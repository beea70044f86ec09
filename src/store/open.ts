/**
 * Opens a Store from a location as users write it: `s3://bucket/prefix`, `memory:`, or a
 * directory path. The S3 store (and the AWS SDK with it) is loaded on its first request,
 * so that a script that never touches S3 does not pay for loading it.
 * @module
 */
import { fsStore } from "./fs.ts";
import { memoryStore } from "./memory.ts";
import { parseS3Url, s3Url } from "./s3-location.ts";
import type { Store, StoreEntry } from "./store.ts";

/** Opens the store at `location`; `endpoint` is for S3-compatible servers. */
export function openStore(location: string, endpoint?: string): Store {
  if (location.startsWith("s3://")) {
    const where = parseS3Url(location);
    let s3: Promise<Store> | undefined;
    const load = () =>
      s3 ??= Promise.all([import("./s3-client.ts"), import("./s3.ts")]).then(
        ([{ createS3Client }, { s3Store }]) => s3Store(createS3Client({ endpoint }), where),
      );
    return {
      ...lazyStore(s3Url(where), load),
      copyFrom: async (from, key, options) => (await load()).copyFrom!(from, key, options),
    };
  }
  if (location === "memory:") return memoryStore();
  return fsStore(location);
}

/** A store made by `load` on its first request, named `name` before then. */
function lazyStore(name: string, load: () => Promise<Store>): Store {
  let store: Promise<Store> | undefined;
  const loaded = () => (store ??= load());
  return {
    name,
    get: async (key) => (await loaded()).get(key),
    put: async (key, body, options) => (await loaded()).put(key, body, options),
    delete: async (key) => (await loaded()).delete(key),
    async *list(prefix): AsyncIterable<StoreEntry> {
      yield* (await loaded()).list(prefix);
    },
    browse: async (dir) => (await loaded()).browse(dir),
  };
}
