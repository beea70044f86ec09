/**
 * A filesystem Store: key `K` lives in the file `<root>/K` (DESIGN §4). Writes go to a
 * temporary file that is renamed into place, so a crash never leaves half a file.
 * @module
 */
import { readFile } from "node:fs";
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { assertDir, assertKey, type Store, type StoreEntry } from "./store.ts";

const TMP = ".tmp-";

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
          else if (e.code === "ENOENT") resolve(undefined);
          else reject(e);
        })
      );
    },
    async put(key, body) {
      const file = path(key);
      await mkdir(dirname(file), { recursive: true });
      const tmp = `${dirname(file)}/${TMP}${crypto.randomUUID()}`;
      await writeFile(tmp, body);
      await rename(tmp, file);
    },
    async delete(key) {
      await rm(path(key), { force: true });
    },
    async *list(prefix): AsyncIterable<StoreEntry> {
      // Walk from the deepest directory the prefix names, then filter by the full prefix.
      const dirPart = prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : "";
      if (dirPart !== "") assertKey(dirPart);
      yield* walk(root, dirPart, prefix);
    },
    async browse(dir) {
      assertDir(dir);
      let entries;
      try {
        entries = await readdir(join(root, ...dir.split("/").filter(Boolean)), {
          withFileTypes: true,
        });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") return { dirs: [], files: [] };
        throw e;
      }
      const dirs: string[] = [];
      const files: StoreEntry[] = [];
      for (const e of entries) {
        if (e.name.startsWith(TMP)) continue;
        if (e.isDirectory()) dirs.push(e.name);
        else if (e.isFile()) {
          const key = dir + e.name;
          files.push({ key, size: (await stat(join(root, ...key.split("/")))).size });
        }
      }
      return { dirs: dirs.sort(), files: files.sort((a, b) => (a.key < b.key ? -1 : 1)) };
    },
  };
}

async function* walk(root: string, rel: string, prefix: string): AsyncIterable<StoreEntry> {
  let names: string[];
  try {
    names = (await readdir(join(root, ...rel.split("/").filter(Boolean)))).sort();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return;
    throw e;
  }
  for (const name of names) {
    if (name.startsWith(TMP)) continue;
    const key = rel === "" ? name : `${rel}/${name}`;
    if (!key.startsWith(prefix) && !prefix.startsWith(`${key}/`)) continue;
    const info = await stat(join(root, ...key.split("/")));
    if (info.isDirectory()) yield* walk(root, key, prefix);
    else if (key.startsWith(prefix)) yield { key, size: info.size };
  }
}
