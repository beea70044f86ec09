/**
 * A filesystem Store: key `K` lives in the file `<root>/K` (DESIGN §4). Writes go to a
 * temporary file that is renamed into place, so a crash never leaves half a file; a failed
 * write removes its temporary file, and list() removes those a killed process left behind.
 * @module
 */
import { readFile } from "node:fs";
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  assertDir,
  assertKey,
  InvalidKeyError,
  type Store,
  StoreConflictError,
  type StoreEntry,
} from "./store.ts";

const TMP = ".tmp-";
/** A temporary file older than this belongs to a write that was killed: no write lasts so long. */
export const STALE_TMP_MS = 60 * 60 * 1000;

type Errno = NodeJS.ErrnoException;
const codeOf = (e: unknown) => (e as Errno | undefined)?.code;

/** A key too long for the file system is the caller's to fix, as any invalid key is. */
function tooLong(e: unknown, key: string): unknown {
  if (codeOf(e) !== "ENAMETOOLONG") return e;
  const shown = key.length > 80 ? `${key.slice(0, 80)}…` : key;
  return new InvalidKeyError(
    `invalid store key: too long for the file system (${key.length} characters): ${
      JSON.stringify(shown)
    }`,
  );
}

/** Creates a store rooted at directory `root` (created on first write). */
export function fsStore(root: string): Store {
  const path = (key: string) => {
    assertKey(key);
    return join(root, ...key.split("/"));
  };
  return {
    name: root,
    async get(key) {
      const file = path(key); // an invalid key rejects, as in every backend
      // The callback readFile: Node 20's promise version costs about 2.5× as much per
      // small file, and the API reads one small __meta.json per period it serves.
      return await new Promise<Uint8Array | undefined>((resolve, reject) =>
        readFile(file, (e, data) => {
          if (!e) resolve(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
          // A directory (or a path through a file) holds no entry, as in every backend.
          else if (isAbsent(e)) resolve(undefined);
          else reject(tooLong(e, key));
        })
      );
    },
    async put(key, body) {
      const file = path(key);
      const tmp = `${dirname(file)}/${TMP}${crypto.randomUUID()}`;
      try {
        // The directory usually exists: it is made only when the first write says it is
        // missing, which saves a call per write. Something that is no directory in the way
        // fails the write (ENOTDIR); a directory renamed away meanwhile, the rename (ENOENT).
        await writeFile(tmp, body).catch(async (e) => {
          if (codeOf(e) !== "ENOENT") throw e;
          await mkdir(dirname(file), { recursive: true }).catch((e) => {
            if (codeOf(e) !== "EEXIST" && codeOf(e) !== "ENOTDIR") throw e;
          });
          await writeFile(tmp, body);
        });
        await rename(tmp, file);
      } catch (e) {
        await rm(tmp, { force: true }).catch(() => {});
        if (codeOf(e) === "ENOENT") {
          throw new StoreConflictError(
            `${key}: its directory was removed or renamed while it was written (another run?)`,
          );
        }
        throw tooLong(e, key);
      }
    },
    async delete(key) {
      await rm(path(key), { force: true }).catch((e) => {
        throw tooLong(e, key);
      });
    },
    async *list(prefix): AsyncIterable<StoreEntry> {
      // Walk from the deepest directory the prefix names, then filter by the full prefix.
      const dirPart = prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : "";
      if (dirPart !== "") assertKey(dirPart);
      try {
        yield* walk(root, dirPart, prefix, Date.now());
      } catch (e) {
        throw tooLong(e, prefix);
      }
    },
    async browse(dir) {
      assertDir(dir);
      let entries;
      try {
        entries = await readdir(join(root, ...dir.split("/").filter(Boolean)), {
          withFileTypes: true,
        });
      } catch (e) {
        if (isAbsent(e)) return { dirs: [], files: [] };
        throw tooLong(e, dir);
      }
      const dirs: string[] = [];
      const files: StoreEntry[] = [];
      for (const e of entries) {
        if (e.name.startsWith(TMP)) continue;
        if (e.isDirectory()) dirs.push(e.name);
        else if (e.isFile()) {
          const key = dir + e.name;
          const info = await statIfThere(join(root, ...key.split("/")));
          if (info) files.push({ key, size: info.size });
        }
      }
      return { dirs: dirs.sort(), files: files.sort((a, b) => (a.key < b.key ? -1 : 1)) };
    },
  };
}

/** Nothing there: missing, or a path through a file, or a directory where a file was asked. */
function isAbsent(e: unknown): boolean {
  const code = codeOf(e);
  return code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR";
}

/** A file's stat, or undefined when it vanished since it was listed (another run). */
async function statIfThere(file: string) {
  try {
    return await stat(file);
  } catch (e) {
    if (codeOf(e) === "ENOENT" || codeOf(e) === "ENOTDIR") return undefined;
    throw e;
  }
}

/** Whether a temporary file's write was killed long ago (by its modification time). */
function isStaleTmp(mtimeMs: number, now: number): boolean {
  return now - mtimeMs > STALE_TMP_MS;
}

/**
 * Removes the temporary file `file` when it is stale (a fresh one may be a write in flight).
 * Best effort: a listing never fails for the sake of cleaning up.
 */
async function sweepTmp(file: string, now: number): Promise<void> {
  try {
    const info = await stat(file);
    if (isStaleTmp(info.mtimeMs, now)) await rm(file, { force: true });
  } catch {
    // gone already, or not ours to remove: left for a later listing
  }
}

async function* walk(
  root: string,
  rel: string,
  prefix: string,
  now: number,
): AsyncIterable<StoreEntry> {
  const dir = join(root, ...rel.split("/").filter(Boolean));
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (e) {
    if (codeOf(e) === "ENOENT" || codeOf(e) === "ENOTDIR") return;
    throw e;
  }
  for (const name of names) {
    if (name.startsWith(TMP)) {
      await sweepTmp(join(dir, name), now);
      continue;
    }
    const key = rel === "" ? name : `${rel}/${name}`;
    if (!key.startsWith(prefix) && !prefix.startsWith(`${key}/`)) continue;
    const info = await statIfThere(join(root, ...key.split("/")));
    if (!info) continue; // listed, then removed by another run before we looked
    if (info.isDirectory()) yield* walk(root, key, prefix, now);
    else if (key.startsWith(prefix)) yield { key, size: info.size };
  }
}
