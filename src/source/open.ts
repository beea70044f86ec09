/**
 * Opens a LogSource from `s3://bucket/prefix` or a directory path. The S3 source (and the
 * AWS SDK with it) is loaded on its first request, as the S3 store is (store/open.ts).
 * @module
 */
import { parseS3Url, s3ObjectOf, s3Url } from "../store/s3-location.ts";
import { localSource } from "./local.ts";
import type { LogSource, SourceObject } from "./source.ts";

/** Opens the source at `location`; `endpoint` is for S3-compatible servers. */
export function openSource(location: string, endpoint?: string): LogSource {
  if (location.startsWith("s3://")) {
    const where = parseS3Url(location);
    const source = lazySource(s3Url(where), async () => {
      const [{ createS3Client }, { s3Source }] = await Promise.all([
        import("../store/s3-client.ts"),
        import("./s3.ts"),
      ]);
      return s3Source(createS3Client({ endpoint }), where);
    });
    return { ...source, locate: (key, version) => s3ObjectOf(where, key, version) };
  }
  return localSource(location);
}

/** A source made by `load` on its first request, named `name` before then. */
function lazySource(name: string, load: () => Promise<LogSource>): LogSource {
  let source: Promise<LogSource> | undefined;
  const loaded = () => (source ??= load());
  return {
    name,
    async *list(): AsyncIterable<SourceObject> {
      yield* (await loaded()).list();
    },
    stat: async (key) => (await loaded()).stat(key),
    open: async (key, version) => (await loaded()).open(key, version),
    read: async (key, version) => (await loaded()).read(key, version),
    delete: async (key) => (await loaded()).delete(key),
  };
}
