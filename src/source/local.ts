/**
 * A LogSource over a local directory (nested folders allowed: both S3 key layouts).
 * @module
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { isLogKey, type LogSource, type SourceObject, VersionChangedError } from "./source.ts";

/** Creates a source over `dir`. A missing directory is an empty queue. */
export function localSource(dir: string): LogSource {
  const path = (key: string) => join(dir, ...key.split("/"));
  // A pipeline run lists the queue up to three times (ingest, finality, archive): hash an
  // unchanged file (same size and mtime) once. Reads pinned to the version still check bytes.
  const hashes = new Map<string, string>();
  const describe = async (key: string): Promise<SourceObject> => {
    const info = await stat(path(key));
    if (!info.isFile()) throw Object.assign(new Error(`${key} is not a file`), { code: "EISDIR" });
    const seen = `${key}\n${info.size}\n${info.mtimeMs}`;
    let version = hashes.get(seen);
    if (version === undefined) hashes.set(seen, version = await contentHash(path(key)));
    return { key, size: info.size, version, lastModified: info.mtimeMs };
  };
  return {
    name: dir,
    async *list(): AsyncIterable<SourceObject> {
      for (const key of await walk(dir, "")) {
        if (isLogKey(key)) yield await describe(key);
      }
    },
    async stat(key) {
      if (!isLogKey(key) || key.split("/").some((s) => s === "..")) return undefined;
      try {
        return await describe(key);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return undefined;
        throw e;
      }
    },
    open(key, version) {
      const stream = Readable.toWeb(
        createReadStream(path(key), { highWaterMark: 1 << 20 }),
      ) as unknown as ReadableStream<Uint8Array>;
      if (version === undefined) return Promise.resolve(stream);
      // Hash while streaming; the last read fails if the content is not the listed one.
      const hash = createHash("sha256");
      return Promise.resolve(stream.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            hash.update(chunk);
            controller.enqueue(chunk);
          },
          flush() {
            if (hash.digest("hex").slice(0, 32) !== version) throw new VersionChangedError(key);
          },
        }),
      ));
    },
    async read(key, version) {
      const bytes = new Uint8Array(await readFile(path(key)));
      if (version !== undefined && hashOf(bytes) !== version) throw new VersionChangedError(key);
      return bytes;
    },
    async delete(key) {
      await rm(path(key), { force: true });
    },
  };
}

/**
 * A file's version is a hash of its content, as an S3 ETag is: a copied or touched file
 * with the same bytes is the same object, so it is never counted twice.
 */
async function contentHash(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk);
  return hash.digest("hex").slice(0, 32);
}

function hashOf(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex").slice(0, 32);
}

async function walk(root: string, rel: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(join(root, rel), { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const key = rel === "" ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...(await walk(root, key)));
    else if (e.isFile()) out.push(key);
  }
  return out;
}
