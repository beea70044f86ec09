/**
 * A LogSource over a local directory (nested folders allowed: both S3 key layouts).
 * @module
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  isLogKey,
  type LogSource,
  type SourceObject,
  SourceUnavailableError,
  VersionChangedError,
} from "./source.ts";

/**
 * Creates a source over `dir`. Listing a missing directory fails (DESIGN §9: a mistyped
 * source is not an empty queue); an existing empty one is. Errors name keys relative to
 * `dir`, never the server's absolute paths, since they reach API responses.
 */
export function localSource(dir: string): LogSource {
  const path = (key: string) => join(dir, ...key.split("/"));
  // A pipeline run lists the queue up to three times (ingest, finality, archive): hash an
  // unchanged file (same size and mtime) once. Reads pinned to the version still check bytes.
  const hashes = new Map<string, string>();
  const describe = (key: string) =>
    keyed(key, async (): Promise<SourceObject> => {
      const info = await stat(path(key));
      if (!info.isFile()) throw Object.assign(new Error("not a file"), { code: "EISDIR" });
      const seen = `${key}\n${info.size}\n${info.mtimeMs}`;
      let version = hashes.get(seen);
      if (version === undefined) hashes.set(seen, version = await contentHash(path(key)));
      return { key, size: info.size, version, lastModified: info.mtimeMs };
    });
  return {
    name: dir,
    async *list(): AsyncIterable<SourceObject> {
      for (const key of await walk(dir, "")) {
        if (!isLogKey(key)) continue;
        let object: SourceObject;
        try {
          object = await describe(key);
        } catch (e) {
          // Removed since the walk (archived by another run): no longer in the queue.
          if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
          throw e;
        }
        yield object;
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
      const stream = renameErrors(
        Readable.toWeb(
          createReadStream(path(key), { highWaterMark: 1 << 20 }),
        ) as unknown as ReadableStream<Uint8Array>,
        (e) => keyedError(key, e),
      );
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
      const bytes = new Uint8Array(await keyed(key, () => readFile(path(key))));
      if (version !== undefined && hashOf(bytes) !== version) throw new VersionChangedError(key);
      return bytes;
    },
    async delete(key) {
      await keyed(key, () => rm(path(key), { force: true }));
    },
  };
}

/** What a person reads for the fs error codes a source meets. */
const REASONS: Record<string, string> = {
  ENOENT: "not found",
  ENOTDIR: "not found",
  EISDIR: "not a file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EMFILE: "too many open files",
  ENFILE: "too many open files",
  EIO: "I/O error",
  ENOSPC: "no space left",
  EBUSY: "busy",
};

/**
 * An fs error retold for `key`: `2024/03/01/x.gz: not found (ENOENT)`. Node's messages hold
 * the absolute path; the code is kept (callers branch on it) and the original is the cause.
 * Errors without a code (a changed version) are ours and pass unchanged.
 */
function keyedError(key: string, e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== "string") return e;
  const reason = REASONS[code] ?? "file system error";
  return Object.assign(new Error(`${key}: ${reason} (${code})`, { cause: e }), { code });
}

async function keyed<T>(key: string, act: () => Promise<T>): Promise<T> {
  try {
    return await act();
  } catch (e) {
    throw keyedError(key, e);
  }
}

/** `stream` with each error it fails with replaced by `rename(error)`. */
function renameErrors(
  stream: ReadableStream<Uint8Array>,
  rename: (e: unknown) => unknown,
): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (e) {
        controller.error(rename(e));
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
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

/**
 * Every file under `root/rel`, as keys. The root must be a listable directory; a folder
 * under it that vanishes during the walk (archive removing a day) is merely empty.
 */
async function walk(root: string, rel: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(join(root, rel), { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (rel !== "") {
      if (code === "ENOENT") return [];
      throw keyedError(rel, e);
    }
    const fail = (m: string) => new SourceUnavailableError(m, { cause: e });
    if (code === "ENOENT") throw fail(`source ${root} does not exist`);
    if (code === "ENOTDIR") throw fail(`source ${root} is not a directory`);
    const why = code === undefined ? "unknown error" : `${REASONS[code] ?? "error"} (${code})`;
    throw fail(`cannot list source ${root}: ${why}`);
  }
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const key = rel === "" ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...(await walk(root, key)));
    else if (e.isFile()) out.push(key);
  }
  return out;
}
