/**
 * A LogSource over a local directory (nested folders allowed: both S3 key layouts).
 * @module
 */
import { createHash } from "node:crypto";
import { closeSync, createReadStream, fstatSync, openSync, readSync, statSync } from "node:fs";
import { type FileHandle, open, readdir, readFile, rm, stat } from "node:fs/promises";
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
export function localSource(
  dir: string,
  options: {
    /** How long after its last change a file's stamp vouches for its bytes (2 s). */
    settledMs?: number;
  } = {},
): LogSource {
  const settledMs = options.settledMs ?? SETTLED_MS;
  const path = (key: string) => join(dir, ...key.split("/"));
  // A pipeline run lists the queue up to three times (ingest, finality, archive): hash an
  // unchanged file (same stamp) once. A read pinned to the version of an unchanged file
  // checks the stamp before and after, not the bytes again.
  const hashes = new Map<string, { version: string; settled: boolean }>();
  const describe = (key: string) =>
    keyed(key, async (): Promise<SourceObject> => {
      const info = statSync(path(key));
      if (!info.isFile()) throw Object.assign(new Error("not a file"), { code: "EISDIR" });
      const seen = `${key}\n${stampOf(info)}`;
      let known = hashes.get(seen);
      if (known === undefined) {
        if (hashes.size >= HASHES_KEPT) hashes.clear();
        // A file changed moments before it was hashed may change again within the same
        // clock tick, leaving its stamp as it was: only an older stamp vouches for bytes.
        const settled = Date.now() - info.ctimeMs > settledMs;
        hashes.set(seen, known = { version: await contentHash(path(key), info.size), settled });
      }
      return { key, size: info.size, version: known.version, lastModified: info.mtimeMs };
    });
  // A small file's bytes in one read, and whether they are `version`'s (a file hashed
  // when listed, its stamp unchanged across the read, is not hashed again).
  const whole = (key: string, version?: string) =>
    keyed(key, () => Promise.resolve().then(() => readSmall(path(key)))).then((small) => {
      if (!small) return undefined;
      const { bytes, stamp, after } = small;
      const hashed = hashes.get(`${key}\n${stamp}`);
      const known = hashed !== undefined && hashed.settled && hashed.version === version;
      const same = version === undefined || (known ? after === stamp : hashOf(bytes) === version);
      return { bytes, same };
    });
  // The file's bytes, opened once: with `version`, checked unchanged since it was hashed.
  const openFile = async (key: string, version?: string) => {
    const file = await open(path(key));
    try {
      const stamp = stampOf(await file.stat());
      const hashed = hashes.get(`${key}\n${stamp}`);
      const known = hashed !== undefined && hashed.settled && hashed.version === version;
      const stream = Readable.toWeb(
        file.createReadStream({ highWaterMark: 1 << 20, autoClose: true }),
      ) as unknown as ReadableStream<Uint8Array>;
      return { file, stamp, known, stream };
    } catch (e) {
      await file.close();
      throw e;
    }
  };
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
    async open(key, version) {
      const small = await whole(key, version);
      if (small) {
        const { bytes, same } = small;
        // As with a streamed file, a changed one fails its read, not its opening.
        return new ReadableStream<Uint8Array>({
          start(controller) {
            if (!same) return controller.error(new VersionChangedError(key));
            if (bytes.length > 0) controller.enqueue(bytes);
            controller.close();
          },
        });
      }
      const { file, stamp, known, stream: body } = await keyed(key, () => openFile(key, version));
      const stream = renameErrors(body, (e) => keyedError(key, e));
      if (version === undefined) return stream;
      // Hash while streaming unless the file is the one hashed; either way the last read
      // fails if the content is not the listed one.
      const hash = known ? undefined : createHash("sha256");
      return stream.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            hash?.update(chunk);
            controller.enqueue(chunk);
          },
          async flush() {
            const same = hash
              ? hash.digest("hex").slice(0, 32) === version
              : stampOf(await statOpen(file, path(key))) === stamp;
            if (!same) throw new VersionChangedError(key);
          },
        }),
      );
    },
    async read(key, version) {
      const small = await whole(key, version);
      if (small && !small.same) throw new VersionChangedError(key);
      if (small) return small.bytes;
      const bytes = new Uint8Array(await keyed(key, () => readFile(path(key))));
      if (version !== undefined && hashOf(bytes) !== version) throw new VersionChangedError(key);
      return bytes;
    },
    async delete(key) {
      await keyed(key, () => rm(path(key), { force: true }));
    },
  };
}

/**
 * Files up to this size are read in one synchronous call instead of streamed: a Firehose
 * object is a few kB to a few MB, and a stream per object cost more than reading it.
 */
const SMALL_FILE = 4 * 1024 * 1024;

/**
 * The bytes of `file` when it is at most {@link SMALL_FILE} long, with its stamp before
 * and after the read (equal unless it was written meanwhile); undefined for a larger file.
 */
function readSmall(file: string) {
  const fd = openSync(file, "r");
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw Object.assign(new Error("not a file"), { code: "EISDIR" });
    if (info.size > SMALL_FILE) return undefined;
    const bytes = new Uint8Array(info.size);
    let n = 0;
    for (let got; n < bytes.length && (got = readSync(fd, bytes, n, bytes.length - n, n)) > 0;) {
      n += got;
    }
    return { bytes: bytes.subarray(0, n), stamp: stampOf(info), after: stampOf(fstatSync(fd)) };
  } finally {
    closeSync(fd);
  }
}

/** Hashes a source remembers at most (one per listed file and stamp). */
const HASHES_KEPT = 100_000;
/** How long after its last change a file's stamp is trusted to change with its bytes. */
const SETTLED_MS = 2_000;

/**
 * What changes whenever a file's bytes do: the change time moves on every write and
 * cannot be set back by a user, and the inode tells a replaced file from the one hashed.
 */
function stampOf(info: { size: number; mtimeMs: number; ctimeMs: number; ino: number }): string {
  return `${info.size}\n${info.mtimeMs}\n${info.ctimeMs}\n${info.ino}`;
}

/** The stat of a file read to its end: its handle may have been closed already. */
async function statOpen(file: FileHandle, path: string) {
  try {
    return await file.stat();
  } catch {
    return await stat(path);
  }
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
async function contentHash(file: string, size: number): Promise<string> {
  // One read of a small file: a stream allocates a buffer of its high-water mark per file.
  // What it holds when opened is read, at most SMALL_FILE: one grown since is streamed.
  const small = size <= SMALL_FILE ? readSmall(file) : undefined;
  if (small) return hashOf(small.bytes);
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
