/**
 * The filesystem store under the failures a real disk has: killed and failed writes (their
 * temporary files), files that vanish while a directory is walked (another run), keys too
 * long for the file system, and keys that name a directory.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fsStore } from "../src/store/fs.ts";
import { InvalidKeyError, listAll, StoreConflictError } from "../src/store/store.ts";
import { tempDir } from "./_helpers.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const temps = (dir: string) => readdirSync(dir).filter((n) => n.startsWith(".tmp-"));

test("a failed write removes its temporary file", async () => {
  const d = tempDir("fs-failed-write");
  try {
    const store = fsStore(d.dir);
    await store.put("sa/x/deep/1.json", bytes("one"));
    // The key names a directory: the rename fails after the temporary file is written.
    await assert.rejects(store.put("sa/x/deep", bytes("two")));
    assert.deepEqual(temps(join(d.dir, "sa/x")), []);
    assert.deepEqual((await listAll(store, "sa/")).map((e) => e.key), ["sa/x/deep/1.json"]);
  } finally {
    d.cleanup();
  }
});

test("list() removes a killed write's stale temporary file and keeps a fresh one", async () => {
  const d = tempDir("fs-stale-tmp");
  try {
    const store = fsStore(d.dir);
    await store.put("sa/x/1.json", bytes("one"));
    const stale = join(d.dir, "sa/x/.tmp-0000-killed-yesterday");
    const fresh = join(d.dir, "sa/x/.tmp-0001-writing-now");
    writeFileSync(stale, "half a file");
    writeFileSync(fresh, "a write in flight");
    const dayAgo = new Date(Date.now() - 24 * 3_600_000);
    utimesSync(stale, dayAgo, dayAgo);
    assert.deepEqual((await listAll(store, "sa/")).map((e) => e.key), ["sa/x/1.json"]);
    assert.equal(existsSync(stale), false, "the stale temporary file is removed");
    assert.equal(existsSync(fresh), true, "a fresh one may be a write in flight");
  } finally {
    d.cleanup();
  }
});

test("a file removed between readdir and stat is skipped by list()", async () => {
  const d = tempDir("fs-vanish");
  try {
    const store = fsStore(d.dir);
    for (const n of [1, 2, 3]) await store.put(`sa/x/${n}.json`, bytes(String(n)));
    const seen: string[] = [];
    // The directory is read before the first key is yielded; another run then removes a
    // file the walk has listed but not looked at yet.
    for await (const e of store.list("sa/")) {
      seen.push(e.key);
      if (e.key === "sa/x/1.json") rmSync(join(d.dir, "sa/x/2.json"));
    }
    assert.deepEqual(seen, ["sa/x/1.json", "sa/x/3.json"]);
  } finally {
    d.cleanup();
  }
});

test("a listed name whose file is gone (a dangling link) is skipped by list() and browse()", async () => {
  const d = tempDir("fs-dangling");
  try {
    const store = fsStore(d.dir);
    await store.put("sa/x/1.json", bytes("one"));
    symlinkSync(join(d.dir, "renamed-away.json"), join(d.dir, "sa/x/2.json"));
    assert.deepEqual((await listAll(store, "sa/")).map((e) => e.key), ["sa/x/1.json"]);
    assert.deepEqual((await store.browse("sa/x/")).files.map((e) => e.key), ["sa/x/1.json"]);
  } finally {
    d.cleanup();
  }
});

test("a write into a directory renamed away is a StoreConflictError", async () => {
  const d = tempDir("fs-conflict");
  try {
    const store = fsStore(d.dir);
    await store.put("sa/keep.json", bytes("k"));
    symlinkSync(join(d.dir, "moved-elsewhere"), join(d.dir, "sa/x"));
    await assert.rejects(store.put("sa/x/1.json", bytes("one")), StoreConflictError);
  } finally {
    d.cleanup();
  }
});

test("a key too long for the file system is an InvalidKeyError; a directory is no entry", async () => {
  const d = tempDir("fs-long");
  try {
    const store = fsStore(d.dir);
    await store.put("sa/x/1.json", bytes("one"));
    const long = `sa/${"a".repeat(300)}.json`;
    const deep = Array.from({ length: 5000 }, () => "a").join("/");
    for (const key of [long, deep]) {
      await assert.rejects(store.get(key), InvalidKeyError);
      await assert.rejects(store.put(key, bytes("x")), InvalidKeyError);
      await assert.rejects(store.delete(key), InvalidKeyError);
      await assert.rejects(store.browse(`${key}/`), InvalidKeyError);
      await assert.rejects(listAll(store, `${key}/`), InvalidKeyError);
    }
    assert.equal(await store.get("sa/x"), undefined, "a directory holds no entry");
    assert.equal(await store.get("sa/x/1.json/more"), undefined, "nor does a path through a file");
  } finally {
    d.cleanup();
  }
});
