import { test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "fflate";
import { fflateGunzip, GzipError, isGzip, maybeGunzip, webGunzip } from "../src/core/gzip.ts";
import { threadGunzip, zlibGunzip } from "../src/source/inflate.ts";
import { crc32 } from "../src/core/crc32.ts";

function streamOf(bytes: Uint8Array, chunk = 7): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at += chunk));
    },
  });
}
async function lines(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const chunks: Uint8Array[] = [];
  for await (const c of stream) chunks.push(c);
  const text = new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
  return text === "" ? [] : text.replace(/\n$/, "").split("\n");
}
const enc = (s: string) => new TextEncoder().encode(s);

const ENGINES = { web: webGunzip, fflate: fflateGunzip, zlib: zlibGunzip, thread: threadGunzip };
for (const [name, engine] of Object.entries(ENGINES)) {
  test(`gzip (${name}): detected by magic bytes, plain text passes through`, async () => {
    const gz = gzipSync(enc("x\ny\n"));
    assert.ok(isGzip(gz));
    const a = await maybeGunzip(streamOf(gz), engine);
    assert.equal(a.gzip, true);
    assert.deepEqual(await lines(a.body), ["x", "y"]);
    const b = await maybeGunzip(streamOf(enc("plain\n"), 1), engine);
    assert.equal(b.gzip, false);
    assert.deepEqual(await lines(b.body), ["plain"]);
  });

  test(`gzip (${name}): a stream cut anywhere is an error, not a short file`, async () => {
    const gz = gzipSync(enc("line\n".repeat(1000)));
    // In the header, in the data, inside the CRC/size trailer, one byte short.
    for (const cut of [3, 10, 20, gz.length - 10, gz.length - 8, gz.length - 4, gz.length - 1]) {
      const { body } = await maybeGunzip(streamOf(gz.subarray(0, cut), 64), engine);
      await assert.rejects(lines(body), Error, `cut at ${cut} of ${gz.length}`);
    }
  });
}

for (
  const [name, engine] of Object.entries({
    fflate: fflateGunzip,
    zlib: zlibGunzip,
    thread: threadGunzip,
  })
) {
  test(`gzip (${name}): concatenated members are all read, each checked`, async () => {
    const two = new Uint8Array([...gzipSync(enc("a\n")), ...gzipSync(enc("b\n"))]);
    assert.deepEqual(await lines((await maybeGunzip(streamOf(two), engine)).body), ["a", "b"]);
    const corrupt = two.slice();
    corrupt[14] ^= 0xff; // the first member's CRC
    await assert.rejects(lines((await maybeGunzip(streamOf(corrupt), engine)).body), GzipError);
  });
}

test("an inflate failure is a GzipError; a failing source keeps its own error", async () => {
  const gz = gzipSync(enc("line\n".repeat(1000)));
  for (const engine of Object.values(ENGINES)) {
    const cut = await maybeGunzip(streamOf(gz.subarray(0, gz.length - 3), 64), engine);
    await assert.rejects(lines(cut.body), GzipError);
  }
  const disk = new Error("disk on fire");
  let sent = false;
  const failing = new ReadableStream<Uint8Array>({
    pull(c) {
      if (!sent) {
        sent = true;
        c.enqueue(gz.slice(0, 100));
      } else c.error(disk);
    },
  });
  const r = await maybeGunzip(failing, webGunzip);
  await assert.rejects(lines(r.body), (e) => e === disk);
});

test("crc32 gives the standard check value and continues across chunks", () => {
  assert.equal(crc32(enc("123456789")), 0xcbf43926);
  assert.equal(crc32(enc("6789"), crc32(enc("12345"))), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});
