/** One contract, three backends: memory, filesystem and S3 (s3rver on 127.0.0.1). */
import { after, before, describe, test } from "node:test";
import { writeFileSync } from "node:fs";
import assert from "node:assert/strict";
import { memoryStore } from "../src/store/memory.ts";
import { fsStore } from "../src/store/fs.ts";
import { s3Store } from "../src/store/s3.ts";
import { getJson, listAll, putJson, type Store } from "../src/store/store.ts";
import { startS3, tempDir } from "./_helpers.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

function contract(name: string, make: () => Store) {
  test(`${name}: get, put, list and delete`, async () => {
    const store = make();
    assert.equal(await store.get("a/missing.json"), undefined);
    await store.put("sa/x/1.json", bytes("one"));
    await store.put("sa/x/2.json", bytes("two"));
    await store.put("sa/y/3.json", bytes("three"));
    await store.put("sa/x/1.json", bytes("uno")); // overwrite
    assert.deepEqual(new TextDecoder().decode(await store.get("sa/x/1.json")), "uno");
    assert.deepEqual((await listAll(store, "sa/x/")).map((e) => e.key), [
      "sa/x/1.json",
      "sa/x/2.json",
    ]);
    assert.deepEqual((await listAll(store, "sa/")).map((e) => [e.key, e.size]), [
      ["sa/x/1.json", 3],
      ["sa/x/2.json", 3],
      ["sa/y/3.json", 5],
    ]);
    assert.deepEqual(await listAll(store, "nothing/"), []);
    await store.delete("sa/x/2.json");
    await store.delete("sa/x/never-existed.json");
    assert.equal(await store.get("sa/x/2.json"), undefined);
    await putJson(store, "sa/j.json", { a: [1, "b"] });
    assert.deepEqual(await getJson(store, "sa/j.json"), { a: [1, "b"] });
  });

  test(`${name}: keys that try to leave the store are rejected`, async () => {
    const store = make();
    for (const key of ["../etc/passwd", "/abs/key", "a/../../b", "a\\b", "a//b", "./a", ""]) {
      await assert.rejects(store.put(key, bytes("x")), /invalid store key/, key);
      await assert.rejects(store.get(key), /invalid store key/, key);
    }
    for (const dir of ["../", "/", "a/../", "a", "a//", "./"]) {
      await assert.rejects(store.browse(dir), /invalid store (key|directory)/, dir);
    }
  });

  test(`${name}: browse lists one level, directories and keys`, async () => {
    const store = make();
    await store.put("sa/x/1.json", bytes("one"));
    await store.put("sa/x/deep/2.json", bytes("two"));
    await store.put("sa/y/3.json", bytes("three"));
    await store.put("sa/top.json", bytes("t"));
    assert.deepEqual(await store.browse(""), { dirs: ["sa"], files: [] });
    assert.deepEqual(await store.browse("sa/"), {
      dirs: ["x", "y"],
      files: [{ key: "sa/top.json", size: 1 }],
    });
    assert.deepEqual(await store.browse("sa/x/"), {
      dirs: ["deep"],
      files: [{ key: "sa/x/1.json", size: 3 }],
    });
    assert.deepEqual(await store.browse("sa/none/"), { dirs: [], files: [] });
  });
}

test("filesystem: a crash's temporary files are never listed or read as entries", async () => {
  const d = tempDir("fs-tmp");
  try {
    const store = fsStore(d.dir);
    await store.put("sa/x/1.json", bytes("one"));
    writeFileSync(`${d.dir}/sa/x/.tmp-0000-crashed`, "half a file");
    assert.deepEqual((await listAll(store, "sa/")).map((e) => e.key), ["sa/x/1.json"]);
  } finally {
    d.cleanup();
  }
});

describe("stores", () => {
  const fsDir = tempDir("fs-store");
  let s3: Awaited<ReturnType<typeof startS3>>;
  before(async () => {
    s3 = await startS3(["store-bucket"]);
  });
  after(async () => {
    fsDir.cleanup();
    await s3?.stop();
  });
  contract("memory", () => memoryStore());
  let n = 0;
  contract("filesystem", () => fsStore(`${fsDir.dir}/${n++}`));
  contract("s3", () => s3Store(s3.client, { bucket: "store-bucket", prefix: `p${n++}/nested` }));
});
