/**
 * Opens a Store from a location as users write it: `s3://bucket/prefix`, `memory:`, or a
 * directory path.
 * @module
 */
import { fsStore } from "./fs.ts";
import { memoryStore } from "./memory.ts";
import { createS3Client, parseS3Url } from "./s3-client.ts";
import { s3Store } from "./s3.ts";
import type { Store } from "./store.ts";

/** Opens the store at `location`; `endpoint` is for S3-compatible servers. */
export function openStore(location: string, endpoint?: string): Store {
  if (location.startsWith("s3://")) {
    return s3Store(createS3Client({ endpoint }), parseS3Url(location));
  }
  if (location === "memory:") return memoryStore();
  return fsStore(location);
}
