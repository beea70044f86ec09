/** Log sources: listing, reading, and refusing content that changed since it was listed. */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { localSource } from "../src/source/local.ts";
import { s3Source } from "../src/source/s3.ts";
import { type LogSource, VersionChangedError } from "../src/source/source.ts";
import { startS3, tempDir } from "./_helpers.ts";

async function listed(source: LogSource) {
  const out = [];
  for await (const o of source.list()) out.push(o);
  return out;
}
async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(stream).text();
}

test("local: nested keys, hidden files skipped, versions follow content not mtime", async () => {
  const d = tempDir("src");
  try {
    mkdirSync(`${d.dir}/2024/03/01/10`, { recursive: true });
    mkdirSync(`${d.dir}/.cache`, { recursive: true });
    writeFileSync(`${d.dir}/2024/03/01/10/a.gz`, "one\n");
    writeFileSync(`${d.dir}/b.log`, "one\n");
    writeFileSync(`${d.dir}/.hidden`, "x");
    writeFileSync(`${d.dir}/.cache/c`, "x");
    const src = localSource(d.dir);
    const objs = await listed(src);
    assert.deepEqual(objs.map((o) => o.key), ["2024/03/01/10/a.gz", "b.log"]);
    assert.equal(objs[0].version, objs[1].version); // same bytes, same version
    assert.equal(await text(await src.open("b.log", objs[1].version)), "one\n");
    assert.deepEqual(await src.stat("b.log"), objs[1]); // one object, as listed
    for (const key of ["missing.gz", "2024/03", ".hidden", "../b.log"]) {
      assert.equal(await src.stat(key), undefined, key);
    }
  } finally {
    d.cleanup();
  }
});

test("local: an object replaced after listing is refused, for open and for read", async () => {
  const d = tempDir("src-race");
  try {
    writeFileSync(`${d.dir}/a.log`, "first\n");
    const src = localSource(d.dir);
    const [obj] = await listed(src);
    writeFileSync(`${d.dir}/a.log`, "second\n");
    await assert.rejects(text(await src.open(obj.key, obj.version)), VersionChangedError);
    await assert.rejects(src.read(obj.key, obj.version), VersionChangedError);
    assert.equal(new TextDecoder().decode(await src.read(obj.key)), "second\n");
  } finally {
    d.cleanup();
  }
});

test("local: a file rewritten in place after listing, same size, is refused", async () => {
  const d = tempDir("src-stamp");
  try {
    writeFileSync(`${d.dir}/a.log`, "first\n");
    // Stamps vouch at once here: the rewrite must then change the stamp to be caught.
    const src = localSource(d.dir, { settledMs: 0 });
    const [obj] = await listed(src);
    assert.equal(await text(await src.open(obj.key, obj.version)), "first\n");
    await new Promise((r) => setTimeout(r, 30)); // a later tick of the file system's clock
    writeFileSync(`${d.dir}/a.log`, "fyrst\n");
    await assert.rejects(text(await src.open(obj.key, obj.version)), VersionChangedError);
  } finally {
    d.cleanup();
  }
});

test("local: a file too large to be read whole is streamed, and checked the same way", async () => {
  const d = tempDir("src-large");
  try {
    // Over the 4 MiB a small file is read in one call: this one goes through a stream.
    const line = "x".repeat(99) + "\n";
    const big = line.repeat(50_000);
    writeFileSync(`${d.dir}/a.log`, big);
    const src = localSource(d.dir, { settledMs: 0 });
    const [obj] = await listed(src);
    assert.equal(obj.size, 5_000_000);
    assert.equal(await text(await src.open(obj.key, obj.version)), big);
    await new Promise((r) => setTimeout(r, 30));
    writeFileSync(`${d.dir}/a.log`, big.replace("x", "y"));
    await assert.rejects(text(await src.open(obj.key, obj.version)), VersionChangedError);
  } finally {
    d.cleanup();
  }
});

let s3: Awaited<ReturnType<typeof startS3>>;
before(async () => {
  s3 = await startS3(["src-bucket"]);
});
after(async () => await s3?.stop());

test("s3: lists under the prefix with ETag versions, opens and reads", async () => {
  for (
    const [key, body] of [["logs/2024/03/01/10/a.gz", "A\n"], ["logs/b.log", "B\n"], [
      "other/c",
      "C",
    ]]
  ) {
    await s3.client.send(new PutObjectCommand({ Bucket: "src-bucket", Key: key, Body: body }));
  }
  const src = s3Source(s3.client, { bucket: "src-bucket", prefix: "logs" });
  const objs = await listed(src);
  assert.deepEqual(objs.map((o) => o.key), ["2024/03/01/10/a.gz", "b.log"]);
  assert.match(objs[0].version, /^[0-9a-f]{32}$/);
  assert.equal(await text(await src.open(objs[1].key)), "B\n");
  assert.equal(new TextDecoder().decode(await src.read(objs[0].key)), "A\n");
  const one = await src.stat(objs[0].key);
  assert.deepEqual({ ...one, lastModified: 0 }, { ...objs[0], lastModified: 0 });
  assert.equal(await src.stat("missing.gz"), undefined);
  await src.delete(objs[1].key);
  assert.deepEqual((await listed(src)).map((o) => o.key), ["2024/03/01/10/a.gz"]);
});
